// binding.h: fills a request message from an HTTP request's path variables
// and query parameters, per one google.api.http binding; and the PATCH
// update_mask rule.
//
//   PathTemplate t;                                    // "/v1/{book.name=books/*}"
//   BindingPlan plan;
//   grpc::Status s = BindingPlan::Compile(UpdateBookRequest::descriptor(), t, "book", &plan);
//   if (!s.ok()) { /* refuse to mount: s names the bad field path */ }
//   ...
//   // per request, after Router::Lookup and ParseQueryString:
//   s = plan.BindPathVariables(match.variables, request);
//   if (s.ok()) s = plan.BindQueryParameters(params, /*reject_unknown=*/false, json_options, request);
//   // then the body; for PATCH with a body field:
//   if (s.ok()) s = FillUpdateMaskFromBody(body_json, plan.body_field(), request);
//
// Text to field conversion (path variables and query parameters alike):
//  - strings as they are; integers and floats in decimal ("NaN", "Infinity",
//    exponents accepted for floats); bools "true", "false", "1", "0";
//  - enums by value name or number; bytes in standard or URL-safe base64;
//  - google.protobuf.Timestamp (RFC 3339), Duration ("1.5s"), wrappers (their
//    wrapped type); FieldMask as a comma-separated list of paths, in proto
//    (snake_case) or JSON (lowerCamelCase) spelling, stored as proto paths;
//    each path must name a field (through singular message fields) of the
//    mask's target: the body field's message for a message body field
//    (`body: "book"`: paths of Book), else the request message;
//  - a repeated field: one element per query parameter occurrence, or, for a
//    path variable, one element per comma-separated item.
// Query parameter names are dotted field paths in proto or JSON names
// ("book.author.name", "pageTok"); `field[key]=value` sets a map entry.
//
// Errors are INVALID_ARGUMENT and name the parameter or variable, e.g.
//   query parameter "count": expected an integer (int32), got "abc"
//
// It does not parse the query string (routing/query.h), does not read the
// body, and does not check the field values any further than their types.
//
// Thread-safety: a BindingPlan is immutable after Compile; its const methods
// may run concurrently. The descriptors it holds must outlive it (generated
// descriptors live forever).
#ifndef GRPCGW_GATEWAY_BINDING_H_
#define GRPCGW_GATEWAY_BINDING_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include "grpcgw/json.h"
#include "routing/path_template.h"

namespace grpcgw {
namespace internal {

// A chain of fields from the request type to a leaf: {book, name} for
// "book.name". Every element but the last is a singular message field.
using FieldChain = std::vector<const google::protobuf::FieldDescriptor*>;

// Resolves `dotted` ("book.author.name") against `type`. Each part is a proto
// field name or, with `accept_json_names`, a JSON name (lowerCamelCase or
// json_name). Returns INVALID_ARGUMENT, naming `dotted` and the type that has
// no such field, if a part names no field or a part before the last is not a
// singular message field.
grpc::Status ResolveFieldPath(const google::protobuf::Descriptor* type, std::string_view dotted,
                              bool accept_json_names, FieldChain* out);

// How one HTTP binding fills its request message. Built once, when a
// gateway is mounted; a default-constructed plan binds nothing and has no
// body.
class BindingPlan {
 public:
  // Router::Match::variables: for each template variable, in template order,
  // its field path and its captured (decoded) value.
  using PathVariables = std::vector<std::pair<const std::vector<std::string>*, std::string>>;
  using QueryParameters = std::vector<std::pair<std::string, std::string>>;

  BindingPlan() = default;

  // Checks `tmpl`'s variables and `body` ("" for none, "*" for the whole
  // request, or a top-level field name) against `request_type` and fills
  // *out. Refused (INVALID_ARGUMENT, naming the variable or body and the
  // message type; callers add the method): an unknown field, a path through
  // a repeated or non-message field, a variable naming a map, a message
  // (other than the well-known types listed above) or a repeated message, two
  // variables one inside the other, a body that is not a top-level field.
  static grpc::Status Compile(const google::protobuf::Descriptor* request_type,
                              const PathTemplate& tmpl, const std::string& body, BindingPlan* out);

  // True if the binding takes a body ("*" or a field).
  bool has_body() const { return body_ != Body::kNone; }
  // True for body "*".
  bool body_is_whole_request() const { return body_ == Body::kWholeRequest; }
  // The body field, or null when the body is "" or "*".
  const google::protobuf::FieldDescriptor* body_field() const { return body_field_; }
  // The resolved field of each template variable, in template order.
  const std::vector<FieldChain>& variable_fields() const { return variables_; }

  // Sets each variable's field from its value. `variables` must come from a
  // Router match of the template this plan was compiled with (same count and
  // order). `request` must be of the compiled request type; it is not cleared.
  grpc::Status BindPathVariables(const PathVariables& variables,
                                 google::protobuf::Message* request) const;

  // Sets fields from query parameters (already split and decoded), in order.
  // A parameter naming a field bound by the path or the body (or a field
  // inside one) is a conflict: INVALID_ARGUMENT. A parameter naming no field
  // is ignored, or INVALID_ARGUMENT with `reject_unknown`. Also refused: a
  // singular field given twice, a second member of a set oneof, a path
  // through a repeated field, a message field other than a well-known type
  // listed above. Later `field[key]` entries replace earlier ones.
  // `json_options` is used for value conversion with ignore_unknown_fields
  // forced off, so an unknown enum name is an error, never dropped.
  grpc::Status BindQueryParameters(const QueryParameters& params, bool reject_unknown,
                                   const JsonOptions& json_options,
                                   google::protobuf::Message* request) const;

 private:
  enum class Body { kNone, kField, kWholeRequest };

  // The message whose fields FieldMask paths from text name.
  const google::protobuf::Descriptor* mask_target() const;

  const google::protobuf::Descriptor* request_type_ = nullptr;
  std::vector<FieldChain> variables_;
  std::vector<std::string> variable_names_;  // dotted, for messages
  Body body_ = Body::kNone;
  const google::protobuf::FieldDescriptor* body_field_ = nullptr;
};

// The PATCH rule of grpc-gateway (AIP-134): if `request` has a singular
// `google.protobuf.FieldMask update_mask` field with no paths yet, and
// `body_field` is a message field, fills update_mask with the field paths
// present in `body_json` (the body already merged into that field): keys of
// nested objects of message fields give dotted paths ("author.name"); map
// fields, repeated fields, well-known types and null values are leaves.
// Paths use proto names and are relative to the body field; keys that name no
// field are skipped. Does nothing otherwise (body_field null, no such field,
// mask already set, body not a JSON object). Returns INVALID_ARGUMENT only
// if `body_json` does not parse.
grpc::Status FillUpdateMaskFromBody(std::string_view body_json,
                                    const google::protobuf::FieldDescriptor* body_field,
                                    google::protobuf::Message* request);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_BINDING_H_
