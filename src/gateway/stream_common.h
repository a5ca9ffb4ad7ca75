// What the three streaming transports share: starting the call with the
// request's metadata and deadline, and the event-loop side of a stream
// (AsyncStream) once the worker handed the connection over.
#ifndef GRPCGW_GATEWAY_STREAM_COMMON_H_
#define GRPCGW_GATEWAY_STREAM_COMMON_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "gateway/gateway_state.h"
#include "grpcgw/stream_call.h"
#include "server/http_response.h"
#include "server/stream_io.h"

namespace grpcgw {
namespace internal {

// Starts ctx's streaming call. A server-streaming call gets ctx.request as
// its request; with `send_request` a bidi call gets it as its only request
// and is half-closed (SSE, WebSocket server-streaming semantics do this
// themselves). Errors are statuses to answer with.
grpc::Status StartStream(RequestContext& ctx, bool send_request, std::shared_ptr<StreamCall>* call);

// The event-loop side of a gateway stream: what SSE, chunked and WebSocket
// streams share once the worker handed the connection over. Callbacks run
// on the connection's loop thread (server/stream_io.h); the call reaches the
// loop through its listener (a waker). Nothing here blocks.
class AsyncStream : public StreamHandler {
 public:
  ~AsyncStream() override;

  void OnStart(StreamIo& io) final;
  void OnClosed() override;

 protected:
  // Copies what the stream needs from ctx (the request itself is gone when
  // the worker returns).
  AsyncStream(RequestContext& ctx, std::shared_ptr<StreamCall> call, std::unique_ptr<StreamSlot> slot);

  // Called once from OnStart, after the listener is set.
  virtual void Started() = 0;

  // A whole HTTP response: `status`, the response metadata of the call
  // (initial and trailing) and the headers the request collected, the
  // JSON error body. The error handler hook runs on it.
  std::string ErrorResponse(const grpc::Status& status, int http_status = 0);
  // Ends the stream with an HTTP error response (before the stream's head
  // went out).
  void FailBeforeHead(const grpc::Status& status, int http_status = 0);

  // Headers for a stream's head: initial metadata (if it arrived) and the
  // request's collected headers.
  httplib::Headers HeadHeaders() const;
  // The end of a chunked stream's body: with the call's trailing metadata
  // as Grpc-Trailer-* trailers when the client takes trailers.
  std::string ChunkedEnd() const;

  StreamIo* io_ = nullptr;
  std::shared_ptr<StreamCall> call_;
  const CompiledBinding& binding_;
  const GatewayOptions& options_;
  // The request bound from the path and query (a prototype for streamed
  // requests).
  std::unique_ptr<google::protobuf::Message> request_;
  httplib::Headers extra_headers_;  // headers set on ctx.res before the stream started
  std::unique_ptr<httplib::Request> req_copy_;  // for options.error_handler only
  bool keep_alive_;                 // the request allows another on the connection
  bool trailers_ok_;                // the client sent TE: trailers
  std::unique_ptr<StreamSlot> slot_;
};

// Whether the request's TE header lists "trailers" (RFC 9110 section
// 10.1.4): the client takes trailer fields, so the gRPC trailing metadata
// can travel as real HTTP trailers.
bool AcceptsTrailers(const httplib::Request& req);
// Whether the connection may serve another request after this one, as the
// client asked: HTTP/1.1 without a `close` token in Connection (read as a
// token list in any case, from the head the front door parsed).
bool RequestKeepsAlive(const RequestContext& ctx);

// Output above this many unsent bytes stops taking responses from the call.
constexpr size_t kStreamHighWater = 64 * 1024;

// The text of a top-level scalar field (for SSE id: and event:): strings as
// they are, numbers in decimal, enums by name, bools true/false, messages as
// JSON. Empty if unset.
std::string FieldText(const google::protobuf::Message& message, const google::protobuf::FieldDescriptor* field);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_STREAM_COMMON_H_
