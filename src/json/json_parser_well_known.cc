// JSON -> message for the well-known types with a special JSON form. The
// compiled-in classes of these types (checked by typeid) are filled through
// their own accessors; other messages of these types (dynamic ones) through
// reflection.
#include <memory>
#include <typeinfo>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "json/json_parser.h"
#include "json/text_codec.h"
#include "json/time_format.h"
#include "json/well_known.h"

namespace grpcgw::json_internal {

namespace pb = google::protobuf;

grpc::Status MessageParser::MergeAny(const JsonNode& node, pb::Message* any) {
  if (node.kind != JsonNode::kObject) return Expected("an object with \"@type\"", node);
  const JsonNode* type_node = nullptr;
  const JsonNode* value_node = nullptr;
  for (uint32_t i = 0; i < node.size; ++i) {
    std::string_view key = tree_.key(node, i).str();
    if (key == "@type") {
      if (type_node != nullptr) {
        PushName(key);
        return Error("field set twice (@type appears more than once in the object)");
      }
      type_node = &tree_.value(node, i);
    } else if (key == "value") {
      value_node = &tree_.value(node, i);
    }
  }
  if (type_node == nullptr) {
    if (node.size == 0) return grpc::Status::OK;  // the empty Any
    return Error("an Any needs an \"@type\" member to name the type of its other members");
  }
  PushName("@type");
  if (type_node->kind != JsonNode::kString) return Expected("a type URL string", *type_node);
  std::string type_url(type_node->str());
  std::unique_ptr<pb::Message> payload = resolver_.New(type_url);
  if (payload == nullptr) {
    return Expected("the URL of a known message type (\"type.googleapis.com/<full name>\")", *type_node);
  }
  Pop();
  grpc::Status status;
  if (ClassifyMessage(payload->GetDescriptor()) != WellKnown::kNone) {
    // A well-known type with a special form sits in "value".
    for (uint32_t i = 0; i < node.size; ++i) {
      std::string_view key = tree_.key(node, i).str();
      if (key != "@type" && key != "value") {
        if (options_.ignore_unknown_fields) continue;
        PushName(key);
        return Error("unknown field (an Any holding " + payload->GetDescriptor()->full_name() +
                     " has only \"@type\" and \"value\")");
      }
    }
    if (value_node != nullptr) {
      PushName("value");
      status = MergeMessage(*value_node, payload.get());
      if (!status.ok()) return status;
      Pop();
    }
  } else {
    status = MergeObject(node, payload.get(), plans_.Get(payload->GetDescriptor()), /*skip_type_key=*/true);
    if (!status.ok()) return status;
  }
  std::string bytes;
  if (!payload->SerializePartialToString(&bytes)) return Error("Any payload does not serialize");
  if (typeid(*any) == typeid(pb::Any)) {
    static_cast<pb::Any*>(any)->set_type_url(std::move(type_url));
    static_cast<pb::Any*>(any)->set_value(std::move(bytes));
    return grpc::Status::OK;
  }
  const pb::Reflection* reflection = any->GetReflection();
  const pb::Descriptor* descriptor = any->GetDescriptor();
  reflection->SetString(any, descriptor->FindFieldByNumber(1), std::move(type_url));
  reflection->SetString(any, descriptor->FindFieldByNumber(2), std::move(bytes));
  return grpc::Status::OK;
}

grpc::Status MessageParser::MergeTime(const JsonNode& node, pb::Message* message, bool is_timestamp) {
  int64_t seconds = 0;
  int32_t nanos = 0;
  bool ok = node.kind == JsonNode::kString &&
            (is_timestamp ? ParseTimestamp(node.str(), &seconds, &nanos)
                          : ParseDuration(node.str(), &seconds, &nanos));
  if (!ok) {
    return Expected(is_timestamp ? "an RFC 3339 time between 0001-01-01T00:00:00Z and "
                                   "9999-12-31T23:59:59.999999999Z, such as \"1972-01-01T10:00:20.021Z\""
                                 : "a duration of at most 315576000000 seconds, such as \"1.5s\"",
                    node);
  }
  if (is_timestamp && typeid(*message) == typeid(pb::Timestamp)) {
    static_cast<pb::Timestamp*>(message)->set_seconds(seconds);
    static_cast<pb::Timestamp*>(message)->set_nanos(nanos);
    return grpc::Status::OK;
  }
  if (!is_timestamp && typeid(*message) == typeid(pb::Duration)) {
    static_cast<pb::Duration*>(message)->set_seconds(seconds);
    static_cast<pb::Duration*>(message)->set_nanos(nanos);
    return grpc::Status::OK;
  }
  const pb::Reflection* reflection = message->GetReflection();
  const pb::Descriptor* descriptor = message->GetDescriptor();
  reflection->SetInt64(message, descriptor->FindFieldByNumber(1), seconds);
  reflection->SetInt32(message, descriptor->FindFieldByNumber(2), nanos);
  return grpc::Status::OK;
}

grpc::Status MessageParser::MergeFieldMask(const JsonNode& node, pb::Message* message) {
  constexpr std::string_view kExpected = "a FieldMask: comma-separated lowerCamelCase paths";
  if (node.kind != JsonNode::kString) return Expected(kExpected, node);
  const pb::Reflection* reflection = message->GetReflection();
  const pb::FieldDescriptor* paths = message->GetDescriptor()->FindFieldByNumber(1);
  std::string_view text = node.str();
  if (text.empty()) return grpc::Status::OK;
  std::string path;
  size_t start = 0;
  while (true) {
    size_t comma = text.find(',', start);
    std::string_view part = text.substr(start, comma == std::string_view::npos ? text.npos : comma - start);
    if (part.empty() || !FieldMaskPathFromJson(part, &path)) return Expected(kExpected, node);
    reflection->AddString(message, paths, path);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::MergeStruct(const JsonNode& node, pb::Message* message) {
  if (node.kind != JsonNode::kObject) return Expected("an object", node);
  grpc::Status status = CheckDuplicateKeys(node);
  if (!status.ok()) return status;
  if (typeid(*message) == typeid(pb::Struct)) {
    auto& fields = *static_cast<pb::Struct*>(message)->mutable_fields();
    for (uint32_t i = 0; i < node.size; ++i) {
      std::string_view key = tree_.key(node, i).str();
      // A key already in the map gets its value replaced.
      pb::Value& value = fields[std::string(key)];
      value.Clear();
      PushMapKey(key);
      status = MergeStructValue(tree_.value(node, i), &value);
      if (!status.ok()) return status;
      Pop();
    }
    return grpc::Status::OK;
  }
  const pb::Reflection* reflection = message->GetReflection();
  const pb::FieldDescriptor* fields = message->GetDescriptor()->FindFieldByNumber(1);
  const pb::FieldDescriptor* value_field = fields->message_type()->map_value();
  const int existing = reflection->FieldSize(*message, fields);
  const pb::Reflection* entry_reflection = nullptr;
  for (uint32_t i = 0; i < node.size; ++i) {
    std::string_view key = tree_.key(node, i).str();
    Scalar key_value;
    key_value.str.assign(key.data(), key.size());
    pb::Message* entry = FindOrAddMapEntry(message, reflection, fields, &key_value, existing, &entry_reflection);
    PushMapKey(key);
    status = MergeStructValue(tree_.value(node, i), entry_reflection->MutableMessage(entry, value_field));
    if (!status.ok()) return status;
    Pop();
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::MergeListValue(const JsonNode& node, pb::Message* message) {
  if (node.kind != JsonNode::kArray) return Expected("an array", node);
  if (typeid(*message) == typeid(pb::ListValue)) {
    auto& list = *static_cast<pb::ListValue*>(message)->mutable_values();
    list.Reserve(list.size() + static_cast<int>(node.size));
    for (uint32_t i = 0; i < node.size; ++i) {
      PushIndex(i);
      grpc::Status status = MergeStructValue(tree_.element(node, i), list.Add());
      if (!status.ok()) return status;
      Pop();
    }
    return grpc::Status::OK;
  }
  const pb::Reflection* reflection = message->GetReflection();
  const pb::FieldDescriptor* values = message->GetDescriptor()->FindFieldByNumber(1);
  for (uint32_t i = 0; i < node.size; ++i) {
    PushIndex(i);
    grpc::Status status = MergeStructValue(tree_.element(node, i), reflection->AddMessage(message, values));
    if (!status.ok()) return status;
    Pop();
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::MergeStructValue(const JsonNode& node, pb::Message* message) {
  // google.protobuf.Value: oneof kind { null_value = 1; number_value = 2;
  // string_value = 3; bool_value = 4; struct_value = 5; list_value = 6; }
  if (typeid(*message) == typeid(pb::Value)) {
    pb::Value* value = static_cast<pb::Value*>(message);
    switch (node.kind) {
      case JsonNode::kNull:
        value->set_null_value(pb::NULL_VALUE);
        return grpc::Status::OK;
      case JsonNode::kNumber: {
        double number = 0;
        if (ParseDouble(node.str(), &number) != NumberError::kOk) {
          return Expected("a number in the range of double", node);
        }
        value->set_number_value(number);
        return grpc::Status::OK;
      }
      case JsonNode::kString:
        value->set_string_value(std::string(node.str()));
        return grpc::Status::OK;
      case JsonNode::kFalse:
      case JsonNode::kTrue:
        value->set_bool_value(node.kind == JsonNode::kTrue);
        return grpc::Status::OK;
      case JsonNode::kObject:
        return MergeStruct(node, value->mutable_struct_value());
      case JsonNode::kArray:
        return MergeListValue(node, value->mutable_list_value());
    }
  }
  const pb::Reflection* reflection = message->GetReflection();
  const pb::Descriptor* descriptor = message->GetDescriptor();
  switch (node.kind) {
    case JsonNode::kNull:
      reflection->SetEnumValue(message, descriptor->FindFieldByNumber(1), 0);
      return grpc::Status::OK;
    case JsonNode::kNumber: {
      double value = 0;
      if (ParseDouble(node.str(), &value) != NumberError::kOk) {
        return Expected("a number in the range of double", node);
      }
      reflection->SetDouble(message, descriptor->FindFieldByNumber(2), value);
      return grpc::Status::OK;
    }
    case JsonNode::kString:
      reflection->SetString(message, descriptor->FindFieldByNumber(3), std::string(node.str()));
      return grpc::Status::OK;
    case JsonNode::kFalse:
    case JsonNode::kTrue:
      reflection->SetBool(message, descriptor->FindFieldByNumber(4), node.kind == JsonNode::kTrue);
      return grpc::Status::OK;
    case JsonNode::kObject:
      return MergeStruct(node, reflection->MutableMessage(message, descriptor->FindFieldByNumber(5)));
    case JsonNode::kArray:
      return MergeListValue(node, reflection->MutableMessage(message, descriptor->FindFieldByNumber(6)));
  }
  return Error("unsupported JSON value");
}

grpc::Status MessageParser::MergeWrapper(const JsonNode& node, pb::Message* message) {
  const pb::FieldDescriptor* field = message->GetDescriptor()->FindFieldByNumber(1);
  Scalar value;
  bool skip = false;
  grpc::Status status = ParseScalar(node, field, &value, &skip);
  if (status.ok() && !skip) Store(message, message->GetReflection(), field, &value, false);
  return status;
}

}  // namespace grpcgw::json_internal
