// json_schema.h: proto3 JSON values as JSON Schema (2020-12, as OpenAPI 3.1
// uses it): scalar types, the well-known types and the error status, written
// by hand; and the form of a value in a query parameter or path segment.
//
//   JsonValue s = schema::ScalarJson(FieldDescriptor::TYPE_INT64);
//   // {"type": "string", "format": "int64", "pattern": "^-?[0-9]+$"}
//
// Messages and enums of the user's protos are written by document.cc.
#ifndef GRPCGW_OPENAPI_JSON_SCHEMA_H_
#define GRPCGW_OPENAPI_JSON_SCHEMA_H_

#include <map>
#include <string>

#include <google/protobuf/descriptor.h>

#include "openapi/json_value.h"

namespace grpcgw {
namespace openapi {
namespace schema {

extern const char kSchemas[];  // "#/components/schemas/"
extern const char kStatus[];   // "google.rpc.Status", the error body

// The wrapper types and the scalar type each wraps.
const std::map<std::string, google::protobuf::FieldDescriptor::Type>& Wrappers();
bool IsWrapper(const google::protobuf::Descriptor* m);
// Messages whose schema is written by hand (WellKnownJson): the well-known
// types, whose JSON form is special, and google.rpc.Status.
bool IsWellKnown(const google::protobuf::Descriptor* m);
bool IsHttpBody(const google::protobuf::Descriptor* m);
bool IsNullValue(const google::protobuf::EnumDescriptor* e);
// One piece of query or path text can fill `field` (the gateway's rule).
bool IsTextConvertible(const google::protobuf::FieldDescriptor* field);

JsonValue Ref(const std::string& component);  // {"$ref": "#/components/schemas/<component>"}
JsonValue Type(const char* type);              // {"type": <type>}
JsonValue Nullable(JsonValue schema);          // {"anyOf": [schema, {"type": "null"}]}
JsonValue IntegerSchema(const char* format, bool is_unsigned);

// The JSON form of a scalar field type (not message, not enum).
JsonValue ScalarJson(google::protobuf::FieldDescriptor::Type type);
// Its form as query or path text.
JsonValue ScalarText(google::protobuf::FieldDescriptor::Type type);
// The component schema of a message IsWellKnown accepts, by full name.
JsonValue WellKnownJson(const std::string& full_name);

}  // namespace schema
}  // namespace openapi
}  // namespace grpcgw

#endif  // GRPCGW_OPENAPI_JSON_SCHEMA_H_
