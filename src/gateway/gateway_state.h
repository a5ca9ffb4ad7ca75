// The gateway's internal model: the immutable state one Gateway shares with
// the HttpServer it is mounted on, the compiled form of each HTTP binding,
// and the per-request context the transports work from.
//
// Immutable after mount (GatewayState, CompiledBinding): read concurrently
// by every worker. A RequestContext belongs to one request on one worker.
#ifndef GRPCGW_GATEWAY_GATEWAY_STATE_H_
#define GRPCGW_GATEWAY_GATEWAY_STATE_H_

#include <httplib.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>

#include "gateway/binding.h"
#include "gateway/body_reader.h"
#include "grpcgw/http_server.h"
#include "grpcgw/method.h"
#include "grpcgw/options.h"
#include "routing/path_template.h"
#include "routing/router.h"

namespace grpcgw {
namespace internal {

class GatewayState;

struct CompiledBinding {
  const MethodSpec* method = nullptr;  // owned by the GatewayState
  GatewayState* gateway = nullptr;
  HttpBinding binding;
  PathTemplate path_template;
  BindingPlan plan;
  // The request is google.api.HttpBody (body "*"), or the body field is one.
  bool raw_request_body = false;
  // The response body (whole message or response_body field).
  const google::protobuf::FieldDescriptor* response_body_field = nullptr;
  bool raw_response_body = false;  // the response body is google.api.HttpBody
  // SSE `id:` / `event:` fields of the response, or null.
  const google::protobuf::FieldDescriptor* sse_id_field = nullptr;
  const google::protobuf::FieldDescriptor* sse_event_field = nullptr;
};

class GatewayState {
 public:
  GatewayState(std::shared_ptr<grpc::Channel> channel, std::vector<MethodSpec> methods,
               GatewayOptions options)
      : channel(std::move(channel)), methods(std::move(methods)), options(std::move(options)) {}

  const std::shared_ptr<grpc::Channel> channel;
  const std::vector<MethodSpec> methods;
  const GatewayOptions options;
  // What the generated header embeds for the OpenAPI document, or null.
  const OpenApiSource* openapi = nullptr;
  // Streams open now, across transports (bounded by max_concurrent_streams).
  std::atomic<size_t> open_streams{0};
};

// Takes one of the gateway's stream slots for its lifetime; ok() is false
// when the gateway is at max_concurrent_streams.
class StreamSlot {
 public:
  explicit StreamSlot(GatewayState& g) : g_(g) {
    size_t now = g_.open_streams.fetch_add(1) + 1;
    ok_ = now <= g_.options.max_concurrent_streams;
  }
  ~StreamSlot() { g_.open_streams.fetch_sub(1); }
  bool ok() const { return ok_; }

 private:
  GatewayState& g_;
  bool ok_;
};

// One gateway request being served.
struct RequestContext {
  const httplib::Request& req;
  httplib::Response& res;
  Connection& conn;
  const CompiledBinding& binding;
  const GatewayOptions& options;
  // The request message, with path variables and query parameters bound
  // (and, for unary and server-streaming calls, the body).
  std::unique_ptr<google::protobuf::Message> request;
};

// Writes the JSON error body for `status` into ctx.res, with the mapped HTTP
// status (or `http_status` when not 0), and runs the error handler hook.
void WriteError(RequestContext& ctx, const grpc::Status& status, int http_status = 0);
void WriteHttpError(RequestContext& ctx, const HttpError& error);

// A ClientContext carrying the request's headers as metadata and its
// deadline. INVALID_ARGUMENT for a malformed Grpc-Timeout or -Bin header.
grpc::Status MakeClientContext(const RequestContext& ctx, std::unique_ptr<grpc::ClientContext>* out);

// Response metadata as headers: Grpc-Metadata-<k> (initial), Grpc-Trailer-<k>.
void AddResponseMetadataHeaders(const grpc::ClientContext& context, bool trailers,
                                httplib::Headers* headers);


// Sets a response header, replacing any of that name (httplib's set_header
// adds one more).
void SetResponseHeader(httplib::Response& res, const std::string& name, const std::string& value);
// Appends `value` to a comma-separated list header (Vary, ...), creating it.
void AppendResponseHeaderList(httplib::Response& res, const std::string& name, const std::string& value);

// Last step of a response httplib writes (not taken over): gzips a body of
// at least options.compression.min_bytes when the client accepts gzip, and
// keeps httplib from compressing what the gateway decided to leave alone.
void FinishResponseBody(RequestContext& ctx);

// Transports, each in its own file.
void ServeUnary(RequestContext& ctx);
void ServeSse(RequestContext& ctx);
void ServeChunked(RequestContext& ctx);
void ServeWebSocket(RequestContext& ctx);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_GATEWAY_STATE_H_
