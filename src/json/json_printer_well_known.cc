// Message -> JSON for the well-known types with a special JSON form (Struct
// and the wrappers are handled in json_printer.cc, as a map and a value).
#include <cmath>
#include <memory>
#include <typeinfo>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "json/json_printer.h"
#include "json/time_format.h"
#include "json/text_codec.h"

namespace grpcgw::json_internal {

namespace pb = google::protobuf;

bool MessagePrinter::PrintAny(const pb::Message& any, const MessagePlan& plan, int depth) {
  // Any: string type_url = 1; bytes value = 2;
  // The compiled-in classes of the well-known types are read through their
  // own accessors, the others (dynamic messages) through reflection.
  const bool compiled = typeid(any) == typeid(pb::Any);
  const pb::Reflection* reflection = compiled ? nullptr : plan.ReflectionOf(any);
  std::string type_url_scratch;
  const std::string& type_url = compiled ? static_cast<const pb::Any&>(any).type_url()
                                         : reflection->GetStringReference(any, plan.field(0).field, &type_url_scratch);
  std::string value_scratch;
  const std::string& value = compiled ? static_cast<const pb::Any&>(any).value()
                                      : reflection->GetStringReference(any, plan.field(1).field, &value_scratch);
  if (type_url.empty() && value.empty()) {
    output_->Append("{}");
    return true;
  }
  std::unique_ptr<pb::Message> payload = resolver_.New(type_url);
  if (payload == nullptr) return Fail("Any holds unknown type \"" + type_url + "\"");
  if (!payload->ParsePartialFromString(value)) {
    return Fail("Any payload does not parse as " + payload->GetDescriptor()->full_name());
  }
  output_->Append("{\"@type\":");
  if (!String(type_url)) return false;
  const MessagePlan& payload_plan = plans_.Get(payload->GetDescriptor());
  if (payload_plan.well_known == WellKnown::kValue &&
      payload_plan.ReflectionOf(*payload)->GetOneofFieldDescriptor(*payload, payload_plan.descriptor->oneof_decl(0)) ==
          nullptr) {
    // A Value with no kind has no JSON form. In an Any it prints as no
    // "value" member at all, which is what an Any naming Value without a
    // "value" member parses to (and what protobuf's printer writes), so the
    // two directions agree.
  } else if (payload_plan.well_known != WellKnown::kNone) {
    output_->Append(",\"value\":");
    if (!PrintMessage(*payload, payload_plan, depth)) return false;
  } else if (!PrintFields(*payload, payload_plan, depth, false)) {
    return false;
  }
  output_->Put('}');
  return true;
}

bool MessagePrinter::PrintTime(const pb::Message& message, const MessagePlan& plan, bool is_timestamp) {
  // Timestamp and Duration: int64 seconds = 1; int32 nanos = 2;
  int64_t seconds = 0;
  int32_t nanos = 0;
  if (is_timestamp && typeid(message) == typeid(pb::Timestamp)) {
    seconds = static_cast<const pb::Timestamp&>(message).seconds();
    nanos = static_cast<const pb::Timestamp&>(message).nanos();
  } else if (!is_timestamp && typeid(message) == typeid(pb::Duration)) {
    seconds = static_cast<const pb::Duration&>(message).seconds();
    nanos = static_cast<const pb::Duration&>(message).nanos();
  } else {
    const pb::Reflection* reflection = plan.ReflectionOf(message);
    seconds = reflection->GetInt64(message, plan.field(0).field);
    nanos = reflection->GetInt32(message, plan.field(1).field);
  }
  char* start = output_->Reserve(kMaxTimeChars + 2);
  start[0] = '"';
  const size_t length = is_timestamp ? FormatTimestamp(seconds, nanos, start + 1)
                                     : FormatDuration(seconds, nanos, start + 1);
  if (length == 0) {
    return Fail(std::string(is_timestamp ? "Timestamp" : "Duration") + " out of range (seconds " +
                std::to_string(seconds) + ", nanos " + std::to_string(nanos) + ")");
  }
  start[length + 1] = '"';
  output_->Commit(start + length + 2);
  return true;
}

bool MessagePrinter::PrintFieldMask(const pb::Message& message, const MessagePlan& plan) {
  const pb::Reflection* reflection = plan.ReflectionOf(message);
  const FD* paths = plan.field(0).field;  // repeated string paths = 1;
  std::string joined;
  std::string converted;
  const int size = reflection->FieldSize(message, paths);
  for (int i = 0; i < size; ++i) {
    const std::string& path = reflection->GetRepeatedStringReference(message, paths, i, &scratch_);
    if (!FieldMaskPathToJson(path, &converted)) {
      return Fail("FieldMask path \"" + path + "\" has no JSON form (it must be lower_snake_case)");
    }
    if (i > 0) joined.push_back(',');
    joined.append(converted);
  }
  return String(joined);
}

bool MessagePrinter::PrintListValue(const pb::Message& message, const MessagePlan& plan, int depth) {
  if (typeid(message) == typeid(pb::ListValue)) {
    const MessagePlan& value_plan = plans_.MessageOf(plan.field(0));
    output_->Put('[');
    bool first = true;
    for (const pb::Value& value : static_cast<const pb::ListValue&>(message).values()) {
      if (!first) output_->Put(',');
      first = false;
      if (!PrintMessage(value, value_plan, depth)) return false;
    }
    output_->Put(']');
    return true;
  }
  const pb::Reflection* reflection = plan.ReflectionOf(message);
  const FieldPlan& values = plan.field(0);  // repeated Value values = 1;
  const MessagePlan& value_plan = plans_.MessageOf(values);
  output_->Put('[');
  const int size = reflection->FieldSize(message, values.field);
  for (int i = 0; i < size; ++i) {
    if (i > 0) output_->Put(',');
    if (!PrintMessage(reflection->GetRepeatedMessage(message, values.field, i), value_plan, depth)) {
      return false;
    }
  }
  output_->Put(']');
  return true;
}

bool MessagePrinter::PrintStructValue(const pb::Message& message, const MessagePlan& plan, int depth) {
  if (typeid(message) == typeid(pb::Value)) {
    const pb::Value& value = static_cast<const pb::Value&>(message);
    switch (value.kind_case()) {
      case pb::Value::KIND_NOT_SET:
        return Fail("Value has no kind set");
      case pb::Value::kNullValue:
        output_->Append("null");
        return true;
      case pb::Value::kNumberValue:
        if (!std::isfinite(value.number_value())) {
          return Fail("Value holds a non-finite number, which JSON cannot carry");
        }
        Double(value.number_value());
        return true;
      case pb::Value::kStringValue:
        return String(value.string_value());
      case pb::Value::kBoolValue:
        Bool(value.bool_value());
        return true;
      case pb::Value::kStructValue:
        return PrintMessage(value.struct_value(), plans_.MessageOf(plan.field(pb::Value::kStructValueFieldNumber - 1)),
                            depth);
      case pb::Value::kListValue:
        return PrintMessage(value.list_value(), plans_.MessageOf(plan.field(pb::Value::kListValueFieldNumber - 1)),
                            depth);
    }
  }
  const pb::Reflection* reflection = plan.ReflectionOf(message);
  const FD* field = reflection->GetOneofFieldDescriptor(message, plan.descriptor->oneof_decl(0));
  if (field == nullptr) return Fail("Value has no kind set");
  switch (field->number()) {
    case 1:  // null_value
      output_->Append("null");
      return true;
    case 2: {  // number_value
      const double value = reflection->GetDouble(message, field);
      if (!std::isfinite(value)) return Fail("Value holds a non-finite number, which JSON cannot carry");
      Double(value);
      return true;
    }
    case 3:  // string_value
      return String(reflection->GetStringReference(message, field, &scratch_));
    case 4:  // bool_value
      Bool(reflection->GetBool(message, field));
      return true;
    default:  // struct_value, list_value
      return PrintMessage(reflection->GetMessage(message, field), plans_.MessageOf(plan.field(field->index())),
                          depth);
  }
}

}  // namespace grpcgw::json_internal
