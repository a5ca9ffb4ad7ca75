// Message -> JSON: walks the message with reflection and writes with a
// RapidJSON Writer straight into the caller's string.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <rapidjson/writer.h>

#include "grpcgw/json.h"
#include "json/text_codec.h"
#include "json/time_format.h"
#include "json/well_known.h"

namespace grpcgw::json_internal {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// A RapidJSON output stream that appends to a std::string.
struct StringSink {
  typedef char Ch;
  std::string* out;
  void Put(char c) { out->push_back(c); }
  void Flush() {}
};

}  // namespace
}  // namespace grpcgw::json_internal

namespace rapidjson {
template <>
inline void PutReserve(grpcgw::json_internal::StringSink& sink, size_t count) {
  sink.out->reserve(sink.out->size() + count);
}
}  // namespace rapidjson

namespace grpcgw::json_internal {
namespace {

using Writer = rapidjson::Writer<StringSink, rapidjson::UTF8<>, rapidjson::UTF8<>,
                                 rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>;

class MessagePrinter {
 public:
  MessagePrinter(std::string* out, const JsonOptions& options)
      : sink_{out}, writer_(sink_), options_(options) {}

  grpc::Status Print(const pb::Message& message) {
    resolver_ = std::make_unique<AnyResolver>(message);
    return PrintMessage(message, 0);
  }

 private:
  grpc::Status PrintMessage(const pb::Message& message, int depth);
  grpc::Status PrintFields(const pb::Message& message, int depth);
  grpc::Status PrintField(const pb::Message& message, const FD* field, int depth);
  grpc::Status PrintMap(const pb::Message& message, const FD* field, int depth);
  // Prints one value of `field`: element `index` of a repeated field, or the
  // singular value when index < 0.
  grpc::Status PrintValue(const pb::Message& message, const FD* field, int index, int depth);
  grpc::Status PrintAny(const pb::Message& any, int depth);
  grpc::Status PrintStruct(const pb::Message& message, int depth);
  grpc::Status PrintListValue(const pb::Message& message, int depth);
  grpc::Status PrintStructValue(const pb::Message& message, int depth);
  grpc::Status PrintFieldMask(const pb::Message& message);
  grpc::Status PrintTime(const pb::Message& message, bool is_timestamp);

  void String(std::string_view s) { ok_ &= writer_.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  void Key(std::string_view s) { ok_ &= writer_.Key(s.data(), static_cast<rapidjson::SizeType>(s.size())); }
  void Number(const char* text, size_t size) {
    writer_.RawValue(text, size, rapidjson::kNumberType);
  }
  void Double(double value);
  void Float(float value);

  // INVALID_ARGUMENT naming the field being printed.
  grpc::Status Error(const std::string& problem) const;
  // Checks what the writer reported (it refuses invalid UTF-8).
  grpc::Status CheckWriter() {
    if (ok_) return grpc::Status::OK;
    return Error("string is not valid UTF-8");
  }

  struct PathEntry {
    const FD* field;
    int index;
  };

  StringSink sink_;
  Writer writer_;
  const JsonOptions& options_;
  bool ok_ = true;
  std::vector<PathEntry> path_;
  std::string scratch_;
  std::unique_ptr<AnyResolver> resolver_;  // for the message given to Print()
};

grpc::Status MessagePrinter::Error(const std::string& problem) const {
  std::string path;
  for (const PathEntry& entry : path_) {
    if (!path.empty()) path.push_back('.');
    path.append(options_.use_proto_names ? entry.field->name() : entry.field->json_name());
    if (entry.index >= 0) path.append("[" + std::to_string(entry.index) + "]");
  }
  std::string message = path.empty() ? problem : "field \"" + path + "\": " + problem;
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

void MessagePrinter::Double(double value) {
  if (std::isnan(value)) {
    String("NaN");
  } else if (std::isinf(value)) {
    String(value > 0 ? "Infinity" : "-Infinity");
  } else {
    char buf[kMaxNumberChars];
    Number(buf, FormatDouble(value, buf));
  }
}

void MessagePrinter::Float(float value) {
  if (std::isnan(value)) {
    String("NaN");
  } else if (std::isinf(value)) {
    String(value > 0 ? "Infinity" : "-Infinity");
  } else {
    char buf[kMaxNumberChars];
    Number(buf, FormatFloat(value, buf));
  }
}

grpc::Status MessagePrinter::PrintMessage(const pb::Message& message, int depth) {
  if (++depth > options_.max_depth) {
    return Error("messages nested deeper than " + std::to_string(options_.max_depth) + " levels");
  }
  switch (ClassifyMessage(message.GetDescriptor())) {
    case WellKnown::kNone:
      break;
    case WellKnown::kAny:
      return PrintAny(message, depth);
    case WellKnown::kTimestamp:
      return PrintTime(message, true);
    case WellKnown::kDuration:
      return PrintTime(message, false);
    case WellKnown::kFieldMask:
      return PrintFieldMask(message);
    case WellKnown::kStruct:
      return PrintStruct(message, depth);
    case WellKnown::kValue:
      return PrintStructValue(message, depth);
    case WellKnown::kListValue:
      return PrintListValue(message, depth);
    case WellKnown::kWrapper:
      return PrintValue(message, message.GetDescriptor()->field(0), -1, depth);
  }
  writer_.StartObject();
  grpc::Status status = PrintFields(message, depth);
  if (!status.ok()) return status;
  writer_.EndObject();
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintFields(const pb::Message& message, int depth) {
  const pb::Reflection* reflection = message.GetReflection();
  if (!options_.emit_unpopulated) {
    std::vector<const FD*> fields;
    reflection->ListFields(message, &fields);
    for (const FD* field : fields) {
      if (field->is_extension()) continue;
      grpc::Status status = PrintField(message, field, depth);
      if (!status.ok()) return status;
    }
    return grpc::Status::OK;
  }
  const pb::Descriptor* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FD* field = descriptor->field(i);
    bool populated = field->is_repeated() ? reflection->FieldSize(message, field) > 0
                                          : !field->has_presence() || reflection->HasField(message, field);
    // Unset oneof members (and proto3 `optional` fields) stay out.
    if (!populated && field->containing_oneof() != nullptr) continue;
    // Unset singular messages and unset proto2 scalars print as null.
    if (!populated && !field->is_repeated() && field->has_presence()) {
      Key(options_.use_proto_names ? field->name() : field->json_name());
      writer_.Null();
      continue;
    }
    grpc::Status status = PrintField(message, field, depth);
    if (!status.ok()) return status;
  }
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintField(const pb::Message& message, const FD* field, int depth) {
  Key(options_.use_proto_names ? field->name() : field->json_name());
  path_.push_back({field, -1});
  grpc::Status status;
  if (field->is_map()) {
    status = PrintMap(message, field, depth);
  } else if (field->is_repeated()) {
    writer_.StartArray();
    int size = message.GetReflection()->FieldSize(message, field);
    for (int i = 0; i < size && status.ok(); ++i) {
      path_.back().index = i;
      status = PrintValue(message, field, i, depth);
    }
    writer_.EndArray();
  } else {
    status = PrintValue(message, field, -1, depth);
  }
  if (status.ok()) status = CheckWriter();
  if (status.ok()) path_.pop_back();
  return status;
}

grpc::Status MessagePrinter::PrintMap(const pb::Message& message, const FD* field, int depth) {
  const pb::Reflection* reflection = message.GetReflection();
  const FD* key_field = field->message_type()->map_key();
  const FD* value_field = field->message_type()->map_value();
  writer_.StartObject();
  int size = reflection->FieldSize(message, field);
  for (int i = 0; i < size; ++i) {
    const pb::Message& entry = reflection->GetRepeatedMessage(message, field, i);
    const pb::Reflection* entry_reflection = entry.GetReflection();
    char buf[kMaxNumberChars];
    switch (key_field->cpp_type()) {
      case FD::CPPTYPE_STRING:
        Key(entry_reflection->GetStringReference(entry, key_field, &scratch_));
        break;
      case FD::CPPTYPE_BOOL:
        Key(entry_reflection->GetBool(entry, key_field) ? "true" : "false");
        break;
      case FD::CPPTYPE_INT32:
        Key({buf, FormatInt64(entry_reflection->GetInt32(entry, key_field), buf)});
        break;
      case FD::CPPTYPE_INT64:
        Key({buf, FormatInt64(entry_reflection->GetInt64(entry, key_field), buf)});
        break;
      case FD::CPPTYPE_UINT32:
        Key({buf, FormatUint64(entry_reflection->GetUInt32(entry, key_field), buf)});
        break;
      case FD::CPPTYPE_UINT64:
        Key({buf, FormatUint64(entry_reflection->GetUInt64(entry, key_field), buf)});
        break;
      default:
        return Error("unsupported map key type");
    }
    grpc::Status status = PrintValue(entry, value_field, -1, depth);
    if (!status.ok()) return status;
  }
  writer_.EndObject();
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintValue(const pb::Message& message, const FD* field, int index,
                                        int depth) {
  const pb::Reflection* r = message.GetReflection();
  const bool single = index < 0;
  char buf[kMaxNumberChars];
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32:
      writer_.Int(single ? r->GetInt32(message, field) : r->GetRepeatedInt32(message, field, index));
      break;
    case FD::CPPTYPE_UINT32:
      writer_.Uint(single ? r->GetUInt32(message, field) : r->GetRepeatedUInt32(message, field, index));
      break;
    case FD::CPPTYPE_INT64:
      String({buf, FormatInt64(single ? r->GetInt64(message, field)
                                      : r->GetRepeatedInt64(message, field, index),
                               buf)});
      break;
    case FD::CPPTYPE_UINT64:
      String({buf, FormatUint64(single ? r->GetUInt64(message, field)
                                       : r->GetRepeatedUInt64(message, field, index),
                                buf)});
      break;
    case FD::CPPTYPE_FLOAT:
      Float(single ? r->GetFloat(message, field) : r->GetRepeatedFloat(message, field, index));
      break;
    case FD::CPPTYPE_DOUBLE:
      Double(single ? r->GetDouble(message, field) : r->GetRepeatedDouble(message, field, index));
      break;
    case FD::CPPTYPE_BOOL:
      writer_.Bool(single ? r->GetBool(message, field) : r->GetRepeatedBool(message, field, index));
      break;
    case FD::CPPTYPE_STRING: {
      const std::string& value = single ? r->GetStringReference(message, field, &scratch_)
                                        : r->GetRepeatedStringReference(message, field, index, &scratch_);
      if (field->type() == FD::TYPE_BYTES) {
        std::string encoded;
        Base64Encode(value, &encoded);
        String(encoded);
      } else {
        String(value);
      }
      break;
    }
    case FD::CPPTYPE_ENUM: {
      int number = single ? r->GetEnumValue(message, field) : r->GetRepeatedEnumValue(message, field, index);
      const pb::EnumDescriptor* type = field->enum_type();
      if (IsNullValueEnum(type)) {
        writer_.Null();
        break;
      }
      const pb::EnumValueDescriptor* value =
          options_.enums_as_ints ? nullptr : type->FindValueByNumber(number);
      if (value != nullptr) {
        String(value->name());
      } else {
        writer_.Int(number);
      }
      break;
    }
    case FD::CPPTYPE_MESSAGE:
      return PrintMessage(single ? r->GetMessage(message, field) : r->GetRepeatedMessage(message, field, index),
                          depth);
  }
  return CheckWriter();
}

grpc::Status MessagePrinter::PrintAny(const pb::Message& any, int depth) {
  const pb::Descriptor* descriptor = any.GetDescriptor();
  const pb::Reflection* reflection = any.GetReflection();
  const FD* type_url_field = descriptor->FindFieldByNumber(1);
  const FD* value_field = descriptor->FindFieldByNumber(2);
  std::string type_url = reflection->GetString(any, type_url_field);
  std::string value = reflection->GetString(any, value_field);
  if (type_url.empty() && value.empty()) {
    writer_.StartObject();
    writer_.EndObject();
    return grpc::Status::OK;
  }
  std::unique_ptr<pb::Message> payload = resolver_->New(type_url);
  if (payload == nullptr) return Error("Any holds unknown type \"" + type_url + "\"");
  if (!payload->ParsePartialFromString(value)) {
    return Error("Any payload does not parse as " + payload->GetDescriptor()->full_name());
  }
  writer_.StartObject();
  Key("@type");
  String(type_url);
  grpc::Status status;
  if (ClassifyMessage(payload->GetDescriptor()) != WellKnown::kNone) {
    Key("value");
    status = PrintMessage(*payload, depth);
  } else {
    status = PrintFields(*payload, depth);
  }
  if (!status.ok()) return status;
  writer_.EndObject();
  return CheckWriter();
}

grpc::Status MessagePrinter::PrintTime(const pb::Message& message, bool is_timestamp) {
  const pb::Reflection* reflection = message.GetReflection();
  const pb::Descriptor* descriptor = message.GetDescriptor();
  int64_t seconds = reflection->GetInt64(message, descriptor->FindFieldByNumber(1));
  int32_t nanos = reflection->GetInt32(message, descriptor->FindFieldByNumber(2));
  std::string text;
  if (is_timestamp) {
    if (!FormatTimestamp(seconds, nanos, &text)) {
      return Error("Timestamp out of range (seconds " + std::to_string(seconds) + ", nanos " +
                   std::to_string(nanos) + ")");
    }
  } else if (!FormatDuration(seconds, nanos, &text)) {
    return Error("Duration out of range (seconds " + std::to_string(seconds) + ", nanos " +
                 std::to_string(nanos) + ")");
  }
  String(text);
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintFieldMask(const pb::Message& message) {
  const pb::Reflection* reflection = message.GetReflection();
  const FD* paths = message.GetDescriptor()->FindFieldByNumber(1);
  std::string joined;
  std::string converted;
  int size = reflection->FieldSize(message, paths);
  for (int i = 0; i < size; ++i) {
    const std::string& path = reflection->GetRepeatedStringReference(message, paths, i, &scratch_);
    if (!FieldMaskPathToJson(path, &converted)) {
      return Error("FieldMask path \"" + path + "\" has no JSON form (it must be lower_snake_case)");
    }
    if (i > 0) joined.push_back(',');
    joined.append(converted);
  }
  String(joined);
  return CheckWriter();
}

grpc::Status MessagePrinter::PrintStruct(const pb::Message& message, int depth) {
  // Struct is map<string, Value> fields = 1.
  return PrintMap(message, message.GetDescriptor()->FindFieldByNumber(1), depth);
}

grpc::Status MessagePrinter::PrintListValue(const pb::Message& message, int depth) {
  const pb::Reflection* reflection = message.GetReflection();
  const FD* values = message.GetDescriptor()->FindFieldByNumber(1);
  writer_.StartArray();
  int size = reflection->FieldSize(message, values);
  for (int i = 0; i < size; ++i) {
    grpc::Status status = PrintMessage(reflection->GetRepeatedMessage(message, values, i), depth);
    if (!status.ok()) return status;
  }
  writer_.EndArray();
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintStructValue(const pb::Message& message, int depth) {
  const pb::Reflection* reflection = message.GetReflection();
  const pb::OneofDescriptor* kind = message.GetDescriptor()->oneof_decl(0);
  const FD* field = reflection->GetOneofFieldDescriptor(message, kind);
  if (field == nullptr) return Error("Value has no kind set");
  switch (field->number()) {
    case 1:  // null_value
      writer_.Null();
      return grpc::Status::OK;
    case 2: {  // number_value
      double value = reflection->GetDouble(message, field);
      if (!std::isfinite(value)) return Error("Value holds a non-finite number, which JSON cannot carry");
      Double(value);
      return grpc::Status::OK;
    }
    case 3:  // string_value
      String(reflection->GetStringReference(message, field, &scratch_));
      return CheckWriter();
    case 4:  // bool_value
      writer_.Bool(reflection->GetBool(message, field));
      return grpc::Status::OK;
    default:  // struct_value, list_value
      return PrintMessage(reflection->GetMessage(message, field), depth);
  }
}

}  // namespace

}  // namespace grpcgw::json_internal

namespace grpcgw {

grpc::Status AppendMessageJson(const google::protobuf::Message& message, std::string* out,
                               const JsonOptions& options) {
  const size_t old_size = out->size();
  json_internal::MessagePrinter printer(out, options);
  grpc::Status status = printer.Print(message);
  if (!status.ok()) out->resize(old_size);
  return status;
}

grpc::Status MessageToJson(const google::protobuf::Message& message, std::string* json,
                           const JsonOptions& options) {
  json->clear();
  return AppendMessageJson(message, json, options);
}

}  // namespace grpcgw
