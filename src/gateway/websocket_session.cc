// WebSocket transport (DESIGN.md section 4): one streaming call per
// WebSocket session, on grpcgw::WebSocket.
//
// Client to server: each text message (or binary message, when the method
// allows them) is one JSON request message, the first merged over what the
// path and query bound; an empty message half-closes. A server-streaming
// call starts with the first message (the request) and refuses later ones
// with 1008. Server to client: each response is one text message; the call
// ending closes with 1000, or 4000 + the gRPC code and the status message.
//
// Threads: the worker thread pumps responses (StreamCall::Read -> SendText)
// while a reader thread forwards client messages (ReadMessage ->
// StreamCall::Write); both share the call through the bounded StreamCall
// bridge, so a client that stops reading blocks the pump (and the bridge
// stops reading gRPC), and a service that stops reading blocks the reader
// (and the socket is no longer read). WebSocket serializes their frames.
// Whoever ends the session first (the client leaving, a protocol or JSON
// error, server shutdown) cancels the call; the pump then closes.
#include <mutex>
#include <thread>

#include "gateway/request_body.h"
#include "gateway/stream_common.h"
#include "grpcgw/json.h"
#include "grpcgw/websocket.h"

namespace grpcgw {
namespace internal {
namespace {

// Close reasons the gateway sends.

// A server-streaming call takes exactly one request message.
constexpr char kErrSecondRequest[] = "a server-streaming call takes one request message";
// A message arrived after the empty message that ended the requests.
constexpr char kErrAfterHalfClose[] = "message after the end of the request stream";
// A response could not be printed as JSON (a gateway fault: 1011).
constexpr char kErrResponseJson[] = "response has no JSON form";

// How often the pump looks at the session while no response comes.
constexpr auto kPumpSlice = std::chrono::milliseconds(250);

uint16_t CloseCodeFor(const grpc::Status& status) {
  if (status.ok()) return WebSocket::kCloseNormal;
  return static_cast<uint16_t>(4000 + static_cast<int>(status.error_code()));
}

WebSocket::Options SessionOptions(const RequestContext& ctx) {
  WebSocket::Options o;
  o.allowed_origins = ctx.options.websocket.allowed_origins;
  o.subprotocols = ctx.options.websocket.subprotocols;
  o.ping_interval = ctx.options.websocket.ping_interval;
  o.max_message_bytes = ctx.options.max_message_bytes;
  o.accept_binary = ctx.binding.method->transports.websocket_binary;
  return o;
}

// The gRPC code of a refused handshake, for the JSON error body.
grpc::StatusCode CodeOfRefusal(int http_status) {
  switch (http_status) {
    case 403: return grpc::StatusCode::PERMISSION_DENIED;
    case 426: return grpc::StatusCode::FAILED_PRECONDITION;
    default: return grpc::StatusCode::INVALID_ARGUMENT;
  }
}

class Session {
 public:
  Session(RequestContext& ctx, WebSocket& ws) : ctx_(ctx), ws_(ws) {}

  // Reads the first message of a server-streaming call into ctx.request.
  // False when the session ended first (the call never starts).
  bool ReadFirstRequest() {
    std::string text;
    if (!ws_.ReadMessage(&text)) return false;
    if (text.empty()) return true;  // no more requests: the path and query are the request
    grpc::Status s = MergeBodyElement(ctx_.binding, ctx_.options, text, ctx_.request.get());
    if (!s.ok()) {
      ws_.Close(CloseCodeFor(s), s.error_message());
      return false;
    }
    return true;
  }

  // Drives `call` to its end, then closes the session.
  void Run(std::shared_ptr<StreamCall> call) {
    call_ = std::move(call);
    std::thread reader([this] { ReadRequests(); });
    PumpResponses();
    // The close is sent: the reader ends at the peer's close, or at the
    // close timeout, or when the connection drops.
    reader.join();
  }

 private:
  // Reader thread: client messages into the call.
  void ReadRequests() {
    const MethodKind kind = ctx_.binding.method->kind;
    const bool streams_requests = kind == MethodKind::kClientStreaming || kind == MethodKind::kBidiStreaming;
    bool first = true;
    bool half_closed = !streams_requests;
    std::string text;
    while (ws_.ReadMessage(&text)) {
      if (text.empty()) {  // the end of the requests; repeating it is harmless
        if (streams_requests) call_->WritesDone();
        half_closed = true;
        continue;
      }
      if (half_closed) {
        End(WebSocket::kClosePolicyViolation, streams_requests ? kErrAfterHalfClose : kErrSecondRequest);
        continue;  // until the peer's close
      }
      std::unique_ptr<google::protobuf::Message> request(ctx_.request->New());
      if (first) request->CopyFrom(*ctx_.request);
      grpc::Status s = MergeBodyElement(ctx_.binding, ctx_.options, text, request.get());
      if (!s.ok()) {
        End(CloseCodeFor(s), s.error_message());
        continue;
      }
      first = false;
      // Blocks while the service is behind; false once the call ended,
      // whose status the pump sends.
      call_->Write(std::move(request));
    }
    // The session is over: if the call still runs, the client left (or
    // broke the protocol, or the server is stopping) and the call goes.
    call_->Cancel();
  }

  // Worker thread: responses to the client, then the close.
  void PumpResponses() {
    std::unique_ptr<google::protobuf::Message> response;
    std::string json;
    for (;;) {
      StreamCall::Next next = call_->Read(&response, kPumpSlice);
      if (next == StreamCall::Next::kFinished) break;
      if (next == StreamCall::Next::kMessage) {
        json.clear();
        grpc::Status s = AppendMessageJson(*response, &json, ctx_.options.json_output);
        if (!s.ok()) {
          End(WebSocket::kCloseInternalError, std::string(kErrResponseJson) + ": " + s.error_message());
          continue;
        }
        // False when the client is gone or a close was sent: the
        // responses still coming are dropped until the call ends.
        if (!ws_.SendText(json)) call_->Cancel();
        continue;
      }
      if (ctx_.conn.shutting_down() || ws_.closed()) call_->Cancel();
    }
    grpc::Status status = call_->status();
    uint16_t code = CloseCodeFor(status);
    std::string reason = status.error_message();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (end_code_ != 0) code = end_code_, reason = end_reason_;
    }
    ws_.Close(code, reason);
  }

  // Ends the session early with `code`: the call is cancelled first, and
  // the close carries `code` rather than the cancelled call's status.
  void End(uint16_t code, const std::string& reason) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (end_code_ == 0) end_code_ = code, end_reason_ = reason;
    }
    call_->Cancel();
    ws_.Close(code, reason);
  }

  RequestContext& ctx_;
  WebSocket& ws_;
  std::shared_ptr<StreamCall> call_;
  std::mutex mu_;
  // The close decided by End(), if any; guarded by mu_.
  uint16_t end_code_ = 0;
  std::string end_reason_;
};

}  // namespace

void ServeWebSocket(RequestContext& ctx) {
  const WebSocket::Options options = SessionOptions(ctx);
  WebSocket::Handshake handshake = WebSocket::CheckUpgrade(ctx.req, options);
  // Errors before the upgrade are plain HTTP errors. A GET upgrade carries
  // no body, and whatever follows it is not HTTP: never keep the
  // connection after a refusal.
  if (!handshake.ok()) {
    ctx.conn.CloseAfterResponse();
    for (const auto& [name, value] : handshake.headers) ctx.res.set_header(name.c_str(), value);
    return WriteError(ctx, grpc::Status(CodeOfRefusal(handshake.status), handshake.error), handshake.status);
  }
  StreamSlot slot(*ctx.binding.gateway);
  if (!slot.ok()) {
    ctx.conn.CloseAfterResponse();
    return WriteError(ctx, grpc::Status(grpc::StatusCode::UNAVAILABLE, "too many open streams"), 503);
  }
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status s = MakeClientContext(ctx, &context);
  if (!s.ok()) {
    ctx.conn.CloseAfterResponse();
    return WriteError(ctx, s);
  }

  std::unique_ptr<WebSocket> ws = WebSocket::Accept(ctx.conn, handshake, options);
  if (!ws) return;  // the client left before the 101 was written
  Session session(ctx, *ws);

  const MethodSpec& method = *ctx.binding.method;
  std::unique_ptr<google::protobuf::Message> request;
  if (method.kind == MethodKind::kServerStreaming) {
    if (!session.ReadFirstRequest()) return;
    request.reset(ctx.request->New());
    request->CopyFrom(*ctx.request);
  }
  session.Run(method.stream(std::move(context), std::move(request), ctx.options.stream_limits));
}

}  // namespace internal
}  // namespace grpcgw
