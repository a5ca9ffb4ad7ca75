// grpcgw/json.h: the proto3 JSON mapping, for any message (generated or
// dynamic), on protobuf reflection and RapidJSON.
//
//   chat::Message message;
//   grpc::Status status = grpcgw::JsonToMessage(R"({"room":"a","text":"hi"})", &message);
//   if (!status.ok()) return status;  // INVALID_ARGUMENT, message names the bad field
//   std::string json;
//   status = grpcgw::MessageToJson(message, &json);  // {"room":"a","text":"hi"}
//
// The mapping is https://protobuf.dev/programming-guides/proto3/#json:
// lowerCamelCase (or json_name) keys on output, both names accepted on input;
// 64-bit integers as strings; bytes as base64; "NaN"/"Infinity"/"-Infinity";
// enums by name; every well-known type in its special form, Any resolved
// through the message's own descriptor pool. Input is strict: what the
// specification does not allow (trailing commas, comments, single quotes,
// duplicate keys, "true" for a bool, invalid UTF-8, lone surrogates) is an
// error, never guessed at.
//
// Every error is INVALID_ARGUMENT with the JSON path of the bad value and what
// was expected, e.g. `field "items[2].price": expected a number, got "abc"`.
//
// What it does not do: it does not print indented JSON, it does not read or
// write proto2 extensions (they are skipped on output, unknown on input), and
// it does not check that proto2 required fields are set (a gateway forwards the
// message, and the service decides).
//
// Thread-safety: every function is reentrant; concurrent calls on different
// messages are safe. What the codec learns about a compiled-in message type
// (keys, field kinds, where the generated class keeps its fields) is kept,
// once per type, for the life of the program and shared by all threads;
// nothing is kept for dynamic message types.
#ifndef GRPCGW_JSON_H_
#define GRPCGW_JSON_H_

#include <string>
#include <string_view>

#include <grpcpp/support/status.h>

namespace google::protobuf {
class FieldDescriptor;
class Message;
}  // namespace google::protobuf

namespace grpcgw {

struct JsonOptions {
  // Output: print fields that hold their default value. Follows protojson's
  // EmitUnpopulated (what grpc-gateway users see): proto3 scalars print their
  // default, repeated fields [], maps {}, unset singular messages and unset
  // proto2 scalars null; unset oneof members (and proto3 `optional` fields)
  // stay out.
  bool emit_unpopulated = false;
  // Output: use the proto field names instead of lowerCamelCase json_name.
  bool use_proto_names = false;
  // Output: print enum values as numbers.
  bool enums_as_ints = false;
  // Input: skip unknown fields and unknown enum names (a singular field with
  // an unknown enum name stays unset, a repeated one loses that element, a map
  // that entry) instead of failing.
  bool ignore_unknown_fields = false;
  // Both ways: the deepest nesting of JSON arrays and objects (input) or of
  // messages (output) accepted; deeper is INVALID_ARGUMENT, so hostile input
  // cannot overflow the stack.
  int max_depth = 100;
};

// Prints `message` as JSON into `*json` (replacing its contents). Fails only
// for messages that have no JSON form: an Any whose type cannot be resolved or
// whose payload does not parse, a Timestamp or Duration out of range, a
// FieldMask path that does not round-trip, a Value with no kind or a
// non-finite number, or nesting deeper than options.max_depth.
grpc::Status MessageToJson(const google::protobuf::Message& message, std::string* json,
                           const JsonOptions& options = {});

// Like MessageToJson, but appends to `*out` without clearing it, so framing
// ("data: <json>\n\n") can be built without extra copies. On error, `*out`
// keeps what was there before the call.
grpc::Status AppendMessageJson(const google::protobuf::Message& message, std::string* out,
                               const JsonOptions& options = {});

// Parses `json` (one JSON object, surrounding whitespace allowed) into
// `*message`, which is cleared first. On error `*message` is left in an
// unspecified but valid state.
grpc::Status JsonToMessage(std::string_view json, google::protobuf::Message* message,
                           const JsonOptions& options = {});

// Parses `json` and merges it into `*message`: fields already set stay unless
// the JSON sets them; repeated fields are appended to, map entries merged, and
// singular message fields merged recursively.
grpc::Status MergeJsonToMessage(std::string_view json, google::protobuf::Message* message,
                                const JsonOptions& options = {});

// Converts one JSON value (text, e.g. `42`, `"abc"`, `{"a":1}`) into `field`
// of `*message`: a singular field is set (a message field merged), a repeated
// field gets one element appended, and a map field gets the members of a JSON
// object merged in as entries. `field` must belong to message's descriptor.
// `field_path_for_errors` names the field in error messages (for example the
// query parameter "filter.tags"). Used to bind query parameters and path
// variables.
grpc::Status MergeJsonValueToField(std::string_view json_value,
                                   google::protobuf::Message* message,
                                   const google::protobuf::FieldDescriptor* field,
                                   std::string_view field_path_for_errors,
                                   const JsonOptions& options = {});

}  // namespace grpcgw

#endif  // GRPCGW_JSON_H_
