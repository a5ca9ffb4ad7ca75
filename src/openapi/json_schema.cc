#include "openapi/json_schema.h"

#include <set>
#include <utility>

namespace grpcgw {
namespace openapi {
namespace schema {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

const char kSchemas[] = "#/components/schemas/";
const char kStatus[] = "google.rpc.Status";


// The wrapper types and the scalar type each wraps.
const std::map<std::string, FD::Type>& Wrappers() {
  static const std::map<std::string, FD::Type> kWrappers = {
      {"google.protobuf.DoubleValue", FD::TYPE_DOUBLE}, {"google.protobuf.FloatValue", FD::TYPE_FLOAT},
      {"google.protobuf.Int64Value", FD::TYPE_INT64},   {"google.protobuf.UInt64Value", FD::TYPE_UINT64},
      {"google.protobuf.Int32Value", FD::TYPE_INT32},   {"google.protobuf.UInt32Value", FD::TYPE_UINT32},
      {"google.protobuf.BoolValue", FD::TYPE_BOOL},     {"google.protobuf.StringValue", FD::TYPE_STRING},
      {"google.protobuf.BytesValue", FD::TYPE_BYTES},
  };
  return kWrappers;
}

bool IsWrapper(const pb::Descriptor* m) { return Wrappers().count(m->full_name()) != 0; }

// Messages whose schema is written by hand: the well-known types, whose
// JSON form is special, and google.rpc.Status, the error body (which the
// plugin's descriptor pool may not hold).
bool IsWellKnown(const pb::Descriptor* m) {
  static const std::set<std::string> kNames = {
      "google.protobuf.Timestamp", "google.protobuf.Duration",  "google.protobuf.FieldMask",
      "google.protobuf.Struct",    "google.protobuf.Value",     "google.protobuf.ListValue",
      "google.protobuf.Empty",     "google.protobuf.Any",       "google.rpc.Status",
  };
  return kNames.count(m->full_name()) != 0 || IsWrapper(m);
}

bool IsHttpBody(const pb::Descriptor* m) { return m != nullptr && m->full_name() == "google.api.HttpBody"; }

bool IsNullValue(const pb::EnumDescriptor* e) { return e->full_name() == "google.protobuf.NullValue"; }

// Messages one piece of query or path text can fill (the gateway's rule).
static bool IsTextMessage(const pb::Descriptor* m) {
  const std::string& n = m->full_name();
  return IsWrapper(m) || n == "google.protobuf.Timestamp" || n == "google.protobuf.Duration" ||
         n == "google.protobuf.FieldMask";
}

bool IsTextConvertible(const FD* field) {
  if (field->is_map()) return false;
  return field->cpp_type() != FD::CPPTYPE_MESSAGE || IsTextMessage(field->message_type());
}

JsonValue Ref(const std::string& name) {
  JsonValue v = JsonValue::Object();
  v["$ref"] = std::string(kSchemas) + name;
  return v;
}

JsonValue Type(const char* type) {
  JsonValue v = JsonValue::Object();
  v["type"] = type;
  return v;
}

JsonValue Nullable(JsonValue schema) {
  JsonValue v = JsonValue::Object();
  JsonValue any = JsonValue::Array();
  any.Push(std::move(schema));
  any.Push(Type("null"));
  v["anyOf"] = std::move(any);
  return v;
}

// A floating-point value in JSON: a number, or one of the strings for the
// values JSON numbers cannot hold.
static JsonValue FloatJson(const char* format) {
  JsonValue number = Type("number");
  number["format"] = format;
  JsonValue special = Type("string");
  special["enum"] = JsonValue::Array({"NaN", "Infinity", "-Infinity"});
  JsonValue v = JsonValue::Object();
  v["oneOf"] = JsonValue::Array({std::move(number), std::move(special)});
  return v;
}

JsonValue IntegerSchema(const char* format, bool is_unsigned) {
  JsonValue v = Type("integer");
  v["format"] = format;
  if (is_unsigned) v["minimum"] = 0;
  return v;
}

static JsonValue Int64String(bool is_signed) {
  JsonValue v = Type("string");
  v["format"] = is_signed ? "int64" : "uint64";
  v["pattern"] = is_signed ? "^-?[0-9]+$" : "^[0-9]+$";
  return v;
}

static JsonValue BytesJson() {
  JsonValue v = Type("string");
  v["format"] = "byte";
  v["contentEncoding"] = "base64";
  return v;
}

// The proto3 JSON form of a scalar (not message, not enum) field type.
JsonValue ScalarJson(FD::Type type) {
  switch (type) {
    case FD::TYPE_DOUBLE: return FloatJson("double");
    case FD::TYPE_FLOAT: return FloatJson("float");
    case FD::TYPE_INT64:
    case FD::TYPE_SINT64:
    case FD::TYPE_SFIXED64: return Int64String(true);
    case FD::TYPE_UINT64:
    case FD::TYPE_FIXED64: return Int64String(false);
    case FD::TYPE_INT32:
    case FD::TYPE_SINT32:
    case FD::TYPE_SFIXED32: return IntegerSchema("int32", false);
    case FD::TYPE_UINT32:
    case FD::TYPE_FIXED32: return IntegerSchema("uint32", true);
    case FD::TYPE_BOOL: return Type("boolean");
    case FD::TYPE_STRING: return Type("string");
    case FD::TYPE_BYTES: return BytesJson();
    default: return JsonValue::Object();
  }
}

// The form of a scalar in a query parameter or path segment (text).
JsonValue ScalarText(FD::Type type) {
  switch (type) {
    case FD::TYPE_DOUBLE:
    case FD::TYPE_FLOAT: {
      JsonValue v = Type("number");
      v["format"] = type == FD::TYPE_DOUBLE ? "double" : "float";
      return v;
    }
    case FD::TYPE_INT64:
    case FD::TYPE_SINT64:
    case FD::TYPE_SFIXED64: {
      JsonValue v = Type("integer");
      v["format"] = "int64";
      return v;
    }
    case FD::TYPE_UINT64:
    case FD::TYPE_FIXED64: {
      JsonValue v = Type("integer");
      v["format"] = "uint64";
      v["minimum"] = 0;
      return v;
    }
    case FD::TYPE_BYTES: {
      JsonValue v = Type("string");
      v["format"] = "byte";
      return v;
    }
    default: return ScalarJson(type);
  }
}

static JsonValue WrapperJson(FD::Type type) {
  JsonValue v = ScalarJson(type);
  if (const JsonValue* one_of = v.Find("oneOf")) {  // floating point
    JsonValue any = JsonValue::Array(one_of->items());
    any.Push(Type("null"));
    JsonValue out = JsonValue::Object();
    out["anyOf"] = std::move(any);
    return out;
  }
  JsonValue out = JsonValue::Object();
  out["type"] = JsonValue::Array({v.Find("type")->string(), "null"});
  for (const auto& member : v.members()) {
    if (member.first != "type") out[member.first] = member.second;
  }
  return out;
}

// The component schema of a type in IsWellKnown (its JSON form is special).
JsonValue WellKnownJson(const std::string& n) {
  auto wrapper = Wrappers().find(n);
  if (wrapper != Wrappers().end()) {
    JsonValue v = WrapperJson(wrapper->second);
    v["description"] = "The wrapped value itself, or null (" + n + ").";
    return v;
  }
  if (n == "google.protobuf.Timestamp") {
    JsonValue v = Type("string");
    v["format"] = "date-time";
    v["description"] =
        "RFC 3339 date-time in UTC (\"Z\"), with 0, 3, 6 or 9 fractional digits on output "
        "(google.protobuf.Timestamp).";
    return v;
  }
  if (n == "google.protobuf.Duration") {
    JsonValue v = Type("string");
    v["pattern"] = "^-?[0-9]+(\\.[0-9]{1,9})?s$";
    v["description"] = "Seconds with an \"s\" suffix, e.g. \"1.5s\" (google.protobuf.Duration).";
    return v;
  }
  if (n == "google.protobuf.FieldMask") {
    JsonValue v = Type("string");
    v["description"] =
        "Comma-separated field paths in lowerCamelCase, e.g. \"user.displayName,photo\" "
        "(google.protobuf.FieldMask).";
    return v;
  }
  if (n == "google.protobuf.Struct") {
    JsonValue v = Type("object");
    v["description"] = "Any JSON object (google.protobuf.Struct).";
    return v;
  }
  if (n == "google.protobuf.Value") {
    JsonValue v = JsonValue::Object();
    v["description"] = "Any JSON value (google.protobuf.Value).";
    return v;
  }
  if (n == "google.protobuf.ListValue") {
    JsonValue v = Type("array");
    v["description"] = "Any JSON array (google.protobuf.ListValue).";
    return v;
  }
  if (n == "google.protobuf.Empty") {
    JsonValue v = Type("object");
    v["description"] = "An empty JSON object (google.protobuf.Empty).";
    return v;
  }
  if (n == kStatus) {
    JsonValue v = Type("object");
    v["description"] =
        "The status of a failed call (google.rpc.Status): the gRPC code, a message for developers "
        "and details (google.protobuf.Any).";
    JsonValue& properties = v["properties"];
    properties["code"] = IntegerSchema("int32", false);
    properties["code"]["description"] = "The gRPC status code (3 for INVALID_ARGUMENT, ...).";
    properties["message"] = Type("string");
    JsonValue details = Type("array");
    details["items"] = Ref("google.protobuf.Any");
    properties["details"] = std::move(details);
    return v;
  }
  // google.protobuf.Any
  JsonValue v = Type("object");
  JsonValue type_url = Type("string");
  type_url["description"] = "The type URL of the packed message, e.g. \"type.googleapis.com/pkg.Message\".";
  v["properties"]["@type"] = std::move(type_url);
  v["required"] = JsonValue::Array({"@type"});
  v["description"] =
      "A message of any type: \"@type\" and the fields of the packed message, or \"@type\" and "
      "\"value\" for a well-known type (google.protobuf.Any).";
  return v;
}

}  // namespace schema
}  // namespace openapi
}  // namespace grpcgw
