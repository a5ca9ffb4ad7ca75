// The body of a gateway request into the request message, per the binding:
// `body: "*"` (the whole message), `body: "field"` (one field), none; JSON,
// or raw bytes for google.api.HttpBody.
#ifndef GRPCGW_GATEWAY_REQUEST_BODY_H_
#define GRPCGW_GATEWAY_REQUEST_BODY_H_

#include <string>
#include <string_view>

#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include "gateway/gateway_state.h"

namespace grpcgw {
namespace internal {

// Reads the whole body (within the limits) and merges it into ctx.request.
// A binding without a body drains (and ignores) whatever was sent. On a
// transport-level problem *http_error is set (400/408/413/415/499);
// otherwise the returned status says whether the JSON was acceptable.
grpc::Status ReadRequestBody(RequestContext& ctx, HttpError* http_error);

// Merges one JSON body element (a whole message for "*", the field's value
// otherwise) into `request`; used for every element of a streamed body too.
// Fields already set in `request` (bound from the path) win over the body.
grpc::Status MergeBodyElement(const CompiledBinding& binding, const GatewayOptions& options,
                              std::string_view json, google::protobuf::Message* request);

// For a streamed upload (client-streaming or bidi over chunked transfer):
// false, with a 415 in *http_error, when its Content-Type or
// Content-Encoding is one the stream cannot read (the unary rules, with
// NDJSON also accepted; no Content-Encoding but identity).
bool CheckStreamedUploadMedia(const RequestContext& ctx, HttpError* http_error);

// True if Content-Type is acceptable as JSON (absent, application/json,
// application/*+json, with any parameters).
bool IsJsonContentType(const std::string& content_type);

// google.api.HttpBody <-> raw bytes.
void RawBodyOf(const google::protobuf::Message& http_body, std::string* content_type, std::string* data);
void SetRawBody(google::protobuf::Message* http_body, const std::string& content_type, std::string data);
bool IsHttpBody(const google::protobuf::Descriptor* descriptor);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_REQUEST_BODY_H_
