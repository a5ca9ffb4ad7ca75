// Message -> JSON: walks the message with reflection and writes with a
// RapidJSON Writer straight into the caller's string.
#include <array>
#include <cmath>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "grpcgw/json.h"
#define GRPCGW_JSON_WRITER
#include "json/rapidjson_config.h"
#include "json/text_codec.h"
#include "json/time_format.h"
#include "json/well_known.h"

namespace grpcgw::json_internal {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// Strings are checked for UTF-8 by IsValidUtf8 before they reach the writer.
using Writer = rj::Writer<rj::StringBuffer>;

// The writer's buffer, reused by the calls of one thread.
rj::StringBuffer& ThreadBuffer() {
  thread_local rj::StringBuffer buffer;
  return buffer;
}

class MessagePrinter {
 public:
  MessagePrinter(rj::StringBuffer* buffer, const JsonOptions& options)
      : buffer_(*buffer), writer_(*buffer), options_(options) {}

  grpc::Status Print(const pb::Message& message) {
    resolver_ = std::make_unique<AnyResolver>(message);
    return PrintMessage(message, message.GetDescriptor(), 0);
  }

 private:
  // Every function takes the message's reflection and descriptor along, as
  // asking a generated message for them costs a call_once each time.
  grpc::Status PrintMessage(const pb::Message& message, const pb::Descriptor* descriptor, int depth);
  grpc::Status PrintFields(const pb::Message& message, const pb::Reflection* reflection,
                           const pb::Descriptor* descriptor, int depth);
  grpc::Status PrintField(const pb::Message& message, const pb::Reflection* reflection, const FD* field,
                          int depth);
  grpc::Status PrintMap(const pb::Message& message, const pb::Reflection* reflection, const FD* field,
                        int depth);
  // Prints one value of `field`: element `index` of a repeated field, or the
  // singular value when index < 0.
  grpc::Status PrintValue(const pb::Message& message, const pb::Reflection* reflection, const FD* field,
                          int index, int depth);
  grpc::Status PrintAny(const pb::Message& any, const pb::Reflection* reflection,
                        const pb::Descriptor* descriptor, int depth);
  grpc::Status PrintListValue(const pb::Message& message, const pb::Reflection* reflection,
                              const pb::Descriptor* descriptor, int depth);
  grpc::Status PrintStructValue(const pb::Message& message, const pb::Reflection* reflection,
                                const pb::Descriptor* descriptor, int depth);
  grpc::Status PrintFieldMask(const pb::Message& message, const pb::Reflection* reflection,
                              const pb::Descriptor* descriptor);
  grpc::Status PrintTime(const pb::Message& message, const pb::Reflection* reflection,
                         const pb::Descriptor* descriptor, bool is_timestamp);

  // Strings (values and keys) go through the writer for its bookkeeping
  // (commas, colons) as an empty raw value, and are then escaped straight
  // into the buffer: RapidJSON's own loop stores its buffer pointer back to
  // memory after every character, several times slower.
  void WriteEscaped(std::string_view s) {
    writer_.RawValue("", 0, rj::kStringType);
    AppendQuoted(s);
  }
  void AppendQuoted(std::string_view s);
  void String(std::string_view s) {
    ok_ &= IsValidUtf8(s);
    WriteEscaped(s);
  }
  // A field's JSON (or proto) name: an identifier, no check needed.
  void FieldKey(const FD* field) {
    WriteEscaped(options_.use_proto_names ? field->name() : field->json_name());
  }
  // A map key.
  void Key(std::string_view s) { String(s); }
  void Number(const char* text, size_t size) {
    writer_.RawValue(text, size, rj::kNumberType);
  }
  void Double(double value);
  void Float(float value);

  // ClassifyMessage, remembered for the message types seen in this call.
  WellKnown Classify(const pb::Descriptor* descriptor) {
    for (const auto& [known, kind] : classified_) {
      if (known == descriptor) return kind;
    }
    WellKnown kind = ClassifyMessage(descriptor);
    if (classified_.size() < 16) classified_.emplace_back(descriptor, kind);
    return kind;
  }

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

  rj::StringBuffer& buffer_;
  Writer writer_;
  const JsonOptions& options_;
  bool ok_ = true;
  std::vector<PathEntry> path_;
  std::string scratch_;
  std::string base64_;
  std::unique_ptr<AnyResolver> resolver_;  // for the message given to Print()
  // ListFields() results, one vector per nesting depth, reused.
  std::deque<std::vector<const FD*>> field_lists_;
  std::vector<std::pair<const pb::Descriptor*, WellKnown>> classified_;
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

void MessagePrinter::AppendQuoted(std::string_view s) {
  // What each byte becomes: 0 itself, 'u' a \u00XX escape, else the letter
  // after a backslash.
  static constexpr auto kEscape = [] {
    std::array<char, 256> table{};
    for (int c = 0; c < 0x20; ++c) table[c] = 'u';
    table['\b'] = 'b';
    table['\f'] = 'f';
    table['\n'] = 'n';
    table['\r'] = 'r';
    table['\t'] = 't';
    table['"'] = '"';
    table['\\'] = '\\';
    return table;
  }();
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t reserved = 2 + 6 * s.size();
  char* const start = buffer_.Push(reserved);
  char* out = start;
  *out++ = '"';
  for (char c : s) {
    const char escape = kEscape[static_cast<unsigned char>(c)];
    if (escape == 0) {
      *out++ = c;
    } else if (escape == 'u') {
      out[0] = '\\';
      out[1] = 'u';
      out[2] = '0';
      out[3] = '0';
      out[4] = kHex[static_cast<unsigned char>(c) >> 4];
      out[5] = kHex[c & 0xF];
      out += 6;
    } else {
      out[0] = '\\';
      out[1] = escape;
      out += 2;
    }
  }
  *out++ = '"';
  buffer_.Pop(reserved - static_cast<size_t>(out - start));
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

grpc::Status MessagePrinter::PrintMessage(const pb::Message& message, const pb::Descriptor* descriptor,
                                          int depth) {
  if (++depth > options_.max_depth) {
    return Error("messages nested deeper than " + std::to_string(options_.max_depth) + " levels");
  }
  const pb::Reflection* reflection = message.GetReflection();
  switch (Classify(descriptor)) {
    case WellKnown::kNone:
      break;
    case WellKnown::kAny:
      return PrintAny(message, reflection, descriptor, depth);
    case WellKnown::kTimestamp:
      return PrintTime(message, reflection, descriptor, true);
    case WellKnown::kDuration:
      return PrintTime(message, reflection, descriptor, false);
    case WellKnown::kFieldMask:
      return PrintFieldMask(message, reflection, descriptor);
    case WellKnown::kStruct:
      // Struct is map<string, Value> fields = 1.
      return PrintMap(message, reflection, descriptor->field(0), depth);
    case WellKnown::kValue:
      return PrintStructValue(message, reflection, descriptor, depth);
    case WellKnown::kListValue:
      return PrintListValue(message, reflection, descriptor, depth);
    case WellKnown::kWrapper:
      return PrintValue(message, reflection, descriptor->field(0), -1, depth);
  }
  writer_.StartObject();
  grpc::Status status = PrintFields(message, reflection, descriptor, depth);
  if (!status.ok()) return status;
  writer_.EndObject();
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintFields(const pb::Message& message, const pb::Reflection* reflection,
                                         const pb::Descriptor* descriptor, int depth) {
  if (!options_.emit_unpopulated) {
    while (field_lists_.size() <= static_cast<size_t>(depth)) field_lists_.emplace_back();
    std::vector<const FD*>& fields = field_lists_[static_cast<size_t>(depth)];
    fields.clear();
    reflection->ListFields(message, &fields);
    for (const FD* field : fields) {
      if (field->is_extension()) continue;
      grpc::Status status = PrintField(message, reflection, field, depth);
      if (!status.ok()) return status;
    }
    return grpc::Status::OK;
  }
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FD* field = descriptor->field(i);
    bool populated = field->is_repeated() ? reflection->FieldSize(message, field) > 0
                                          : !field->has_presence() || reflection->HasField(message, field);
    // Unset oneof members (and proto3 `optional` fields) stay out.
    if (!populated && field->containing_oneof() != nullptr) continue;
    // Unset singular messages and unset proto2 scalars print as null.
    if (!populated && !field->is_repeated() && field->has_presence()) {
      FieldKey(field);
      writer_.Null();
      continue;
    }
    grpc::Status status = PrintField(message, reflection, field, depth);
    if (!status.ok()) return status;
  }
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintField(const pb::Message& message, const pb::Reflection* reflection,
                                        const FD* field, int depth) {
  FieldKey(field);
  path_.push_back({field, -1});
  grpc::Status status;
  if (field->is_map()) {
    status = PrintMap(message, reflection, field, depth);
  } else if (field->is_repeated()) {
    writer_.StartArray();
    int size = reflection->FieldSize(message, field);
    for (int i = 0; i < size && status.ok(); ++i) {
      path_.back().index = i;
      status = PrintValue(message, reflection, field, i, depth);
    }
    writer_.EndArray();
  } else {
    status = PrintValue(message, reflection, field, -1, depth);
  }
  if (status.ok()) status = CheckWriter();
  if (status.ok()) path_.pop_back();
  return status;
}

grpc::Status MessagePrinter::PrintMap(const pb::Message& message, const pb::Reflection* reflection,
                                      const FD* field, int depth) {
  const FD* key_field = field->message_type()->map_key();
  const FD* value_field = field->message_type()->map_value();
  writer_.StartObject();
  const int size = reflection->FieldSize(message, field);
  const pb::Reflection* entry_reflection = nullptr;
  for (int i = 0; i < size; ++i) {
    const pb::Message& entry = reflection->GetRepeatedMessage(message, field, i);
    if (entry_reflection == nullptr) entry_reflection = entry.GetReflection();
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
    grpc::Status status = PrintValue(entry, entry_reflection, value_field, -1, depth);
    if (!status.ok()) return status;
  }
  writer_.EndObject();
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintValue(const pb::Message& message, const pb::Reflection* r, const FD* field,
                                        int index, int depth) {
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
        base64_.clear();
        Base64Encode(value, &base64_);
        WriteEscaped(base64_);
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
        WriteEscaped(value->name());
      } else {
        writer_.Int(number);
      }
      break;
    }
    case FD::CPPTYPE_MESSAGE:
      return PrintMessage(single ? r->GetMessage(message, field) : r->GetRepeatedMessage(message, field, index),
                          field->message_type(), depth);
  }
  return CheckWriter();
}

grpc::Status MessagePrinter::PrintAny(const pb::Message& any, const pb::Reflection* reflection,
                                      const pb::Descriptor* descriptor, int depth) {
  // Any: string type_url = 1; bytes value = 2;
  const std::string& type_url = reflection->GetStringReference(any, descriptor->field(0), &scratch_);
  std::string value_scratch;
  const std::string& value = reflection->GetStringReference(any, descriptor->field(1), &value_scratch);
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
  const pb::Descriptor* payload_descriptor = payload->GetDescriptor();
  if (ClassifyMessage(payload_descriptor) != WellKnown::kNone) {
    Key("value");
    status = PrintMessage(*payload, payload_descriptor, depth);
  } else {
    status = PrintFields(*payload, payload->GetReflection(), payload_descriptor, depth);
  }
  if (!status.ok()) return status;
  writer_.EndObject();
  return CheckWriter();
}

grpc::Status MessagePrinter::PrintTime(const pb::Message& message, const pb::Reflection* reflection,
                                       const pb::Descriptor* descriptor, bool is_timestamp) {
  // Timestamp and Duration: int64 seconds = 1; int32 nanos = 2;
  int64_t seconds = reflection->GetInt64(message, descriptor->field(0));
  int32_t nanos = reflection->GetInt32(message, descriptor->field(1));
  scratch_.clear();
  if (is_timestamp) {
    if (!FormatTimestamp(seconds, nanos, &scratch_)) {
      return Error("Timestamp out of range (seconds " + std::to_string(seconds) + ", nanos " +
                   std::to_string(nanos) + ")");
    }
  } else if (!FormatDuration(seconds, nanos, &scratch_)) {
    return Error("Duration out of range (seconds " + std::to_string(seconds) + ", nanos " +
                 std::to_string(nanos) + ")");
  }
  WriteEscaped(scratch_);
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintFieldMask(const pb::Message& message, const pb::Reflection* reflection,
                                            const pb::Descriptor* descriptor) {
  const FD* paths = descriptor->field(0);  // repeated string paths = 1;
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

grpc::Status MessagePrinter::PrintListValue(const pb::Message& message, const pb::Reflection* reflection,
                                            const pb::Descriptor* descriptor, int depth) {
  const FD* values = descriptor->field(0);  // repeated Value values = 1;
  writer_.StartArray();
  int size = reflection->FieldSize(message, values);
  for (int i = 0; i < size; ++i) {
    grpc::Status status =
        PrintMessage(reflection->GetRepeatedMessage(message, values, i), values->message_type(), depth);
    if (!status.ok()) return status;
  }
  writer_.EndArray();
  return grpc::Status::OK;
}

grpc::Status MessagePrinter::PrintStructValue(const pb::Message& message, const pb::Reflection* reflection,
                                              const pb::Descriptor* descriptor, int depth) {
  const FD* field = reflection->GetOneofFieldDescriptor(message, descriptor->oneof_decl(0));
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
      return PrintMessage(reflection->GetMessage(message, field), field->message_type(), depth);
  }
}

}  // namespace

}  // namespace grpcgw::json_internal

namespace grpcgw {

grpc::Status AppendMessageJson(const google::protobuf::Message& message, std::string* out,
                               const JsonOptions& options) {
  json_internal::rj::StringBuffer& buffer = json_internal::ThreadBuffer();
  buffer.Clear();
  grpc::Status status;
  {
    json_internal::MessagePrinter printer(&buffer, options);
    status = printer.Print(message);
  }
  if (status.ok()) out->append(buffer.GetString(), buffer.GetSize());
  // Keep a moderate buffer for the next call, not the largest ever seen.
  constexpr size_t kKeptCapacity = 1 << 20;
  if (buffer.GetSize() > kKeptCapacity) {
    buffer.Clear();
    buffer.ShrinkToFit();
  }
  return status;
}

grpc::Status MessageToJson(const google::protobuf::Message& message, std::string* json,
                           const JsonOptions& options) {
  json->clear();
  return AppendMessageJson(message, json, options);
}

}  // namespace grpcgw
