// WebSocket transport (DESIGN.md section 4): one streaming call per
// WebSocket session, on grpcgw::WebSocket.
//
// Client to server: each text message (or binary message, when the method
// allows them) is one JSON request message, the first merged over what the
// path and query bound; an empty message half-closes. A server-streaming
// call bound without a body starts at once from the path and query and
// refuses client messages with 1008; one bound with a body starts with the
// first message (the request) and refuses later ones with 1008. Server to client: each response is one text message; the call
// ending closes with 1000, or 4000 + the gRPC code and the status message.
//
// Threads: none of its own. The worker checks the handshake, writes the 101
// and starts the call; the session then runs on the connection's event loop
// (WsStream): frames in through MessageReader, into the call as far as its
// bounded request queue takes them (reading pauses while it is full), and
// responses out as far as the socket takes them (the call's reads stop while
// it is behind). Whoever ends the session first (the client leaving, a
// protocol or JSON error, server shutdown: 1001) cancels the call.
//
// A response that arrives on a gRPC thread while nothing is queued for the
// socket is sent from that thread (StreamIo::SendNow) instead of waking
// the loop, which saves a thread hop per message (an echo's round trip).
// The session's lock keeps the loop's callbacks out meanwhile; responses
// leave in the order the call read them, since both sides take them from
// the call under that lock. Everything else (the call's end, a response
// that has no JSON form, a socket that does not take the whole frame, TLS)
// goes to the loop as before.

#include <cstring>
#include <mutex>
#include <thread>

#include "gateway/request_body.h"
#include "gateway/stream_common.h"
#include "grpcgw/json.h"
#include "grpcgw/status.h"
#include "grpcgw/websocket.h"
#include "websocket/frame.h"
#include "websocket/handshake.h"
#include "websocket/message_reader.h"

namespace grpcgw {
namespace internal {
namespace {

// Close reasons the gateway sends.

// A server-streaming call takes exactly one request message.
constexpr char kErrSecondRequest[] = "a server-streaming call takes one request message";
// A server-streaming call bound without a body takes its request from the
// path and query.
constexpr char kErrNoRequestMessages[] = "this call takes its request from the path and query, not from messages";
// A message arrived after the empty message that ended the requests.
constexpr char kErrAfterHalfClose[] = "message after the end of the request stream";
// A response could not be printed as JSON (a gateway fault: 1011).
constexpr char kErrResponseJson[] = "response has no JSON form";


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

// A WebSocket session on the connection's event loop.
class WsStream final : public AsyncStream {
 public:
  WsStream(RequestContext& ctx, std::shared_ptr<StreamCall> call, std::unique_ptr<StreamSlot> slot,
           std::unique_ptr<grpc::ClientContext> pending_context, const WebSocket::Options& ws)
      : AsyncStream(ctx, std::move(call), std::move(slot)),
        ws_(ws),
        pending_context_(std::move(pending_context)),
        reader_(ReaderOptions(ws)) {
    const MethodKind kind = binding_.method->kind;
    streams_requests_ = kind == MethodKind::kClientStreaming || kind == MethodKind::kBidiStreaming;
    half_closed_ = !streams_requests_;
    link_->stream = this;
  }
  ~WsStream() override {
    // A gRPC thread in SendFromCallback finishes first.
    std::lock_guard<std::recursive_mutex> lock(mu_);
    link_->stream = nullptr;
  }

  void OnData(StreamIo&, std::string_view data) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    last_received_ = Clock::now();
    if (draining_) return;
    reader_.Consume(data.data(), data.size());
    Process();
    Pump();  // a call started by this message may have answered already
  }
  void OnWake(StreamIo&) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    Process();
    Pump();
  }
  void OnWritable(StreamIo&) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    Pump();
  }

  void OnTimer(StreamIo&) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    const auto now = Clock::now();
    if (close_sent_) {
      if (now >= close_sent_at_ + ws_.close_timeout) return Done();
    } else if (ws_.ping_interval.count() > 0) {
      if (ping_outstanding_ && last_received_ <= ping_sent_) {
        if (now - ping_sent_ >= ws_.ping_interval) {
          call_cancel();
          SendClose(WebSocket::kCloseInternalError, "ping timeout");
          return Done();
        }
      } else if (now - last_received_ >= ws_.ping_interval) {
        Write(EncodeFrame(Opcode::kPing, {}));
        ping_outstanding_ = true;
        ping_sent_ = now;
      }
    }
    ArmTimer();
  }

  void OnShutdown(StreamIo&) override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (close_sent_) return;
    End(WebSocket::kCloseGoingAway, "the server is shutting down");
  }

  void OnClosed() override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    AsyncStream::OnClosed();
  }

 private:
  static MessageReader::Options ReaderOptions(const WebSocket::Options& ws) {
    MessageReader::Options o;
    o.role = Role::kServer;
    o.max_message_size = ws.max_message_bytes;
    return o;
  }

  void Started() override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    if (call_) call_->SetListener(Listener());
    last_received_ = Clock::now();
    ArmTimer();
    Process();
    Pump();
  }

  void ArmTimer() {
    if (io_ == nullptr) return;
    if (close_sent_) {
      io_->SetTimer(close_sent_at_ + ws_.close_timeout);
    } else if (ws_.ping_interval.count() > 0) {
      bool awaiting = ping_outstanding_ && last_received_ <= ping_sent_;
      io_->SetTimer((awaiting ? ping_sent_ : last_received_) + ws_.ping_interval);
    } else {
      io_->SetTimer(Clock::time_point::max());
    }
  }

  void call_cancel() {
    if (call_) call_->Cancel();
  }

  // Client messages into the call, as far as the call takes them.
  void Process() {
    if (io_ == nullptr || finished_) return;
    if (pending_) {
      if (!call_) return;
      auto r = call_->TryWrite(&pending_);
      if (r == StreamCall::WriteResult::kFull) return;
      pending_.reset();  // queued, or the call ended (its status closes the session)
      io_->PauseReading(false);
    }
    Message m;
    while (!finished_ && reader_.Next(&m)) {
      switch (m.type) {
        case Opcode::kPing:
          if (!close_sent_) Write(EncodeFrame(Opcode::kPong, m.data));
          break;
        case Opcode::kPong:
          ping_outstanding_ = false;
          break;
        case Opcode::kClose:
          // The peer's close: an answer to ours, or its own to echo
          // (its code, without a reason).
          if (!close_sent_) {
            close_sent_ = true;
            Write(EncodeClose(m.close_code == kCloseNoStatus ? kCloseNoStatus : m.close_code));
          }
          call_cancel();
          return Done();
        case Opcode::kText:
        case Opcode::kBinary:
          if (close_sent_) break;  // closing: data is dropped
          if (m.type == Opcode::kBinary && !ws_.accept_binary) {
            call_cancel();
            SendClose(WebSocket::kCloseUnsupportedData, "binary messages are not accepted");
            break;
          }
          OnMessage(std::move(m.data));
          if (pending_) {
            io_->PauseReading(true);
            return;
          }
          break;
        default:
          break;
      }
    }
    if (reader_.failed() && !close_sent_) {
      // Fail the connection: the matching close, our end of stream, then
      // the peer's end of stream (so that unread input does not turn our
      // close into a reset).
      call_cancel();
      SendClose(reader_.status().close_code, reader_.status().message);
      draining_ = true;
      finished_ = true;
      io_->Drain();
    }
  }

  void OnMessage(std::string text) {
    if (!call_) {
      // A server-streaming call starts with its one request.
      if (!text.empty()) {
        grpc::Status s = MergeBodyElement(binding_, options_, text, request_.get());
        if (!s.ok()) return End(CloseCodeFor(s), s.error_message(), s);
      }
      std::unique_ptr<google::protobuf::Message> request(request_->New());
      request->CopyFrom(*request_);
      call_ = binding_.method->stream(std::move(pending_context_), std::move(request), options_.stream_limits);
      call_->SetListener(Listener());
      return;
    }
    if (text.empty()) {  // the end of the requests; repeating it is harmless
      if (streams_requests_) call_->WritesDone();
      half_closed_ = true;
      return;
    }
    if (half_closed_) {
      const char* why = streams_requests_                   ? kErrAfterHalfClose
                        : binding_.binding.body.empty() ? kErrNoRequestMessages
                                                          : kErrSecondRequest;
      return End(WebSocket::kClosePolicyViolation, why);
    }
    std::unique_ptr<google::protobuf::Message> request(request_->New());
    if (first_) request->CopyFrom(*request_);
    grpc::Status s = MergeBodyElement(binding_, options_, text, request.get());
    if (!s.ok()) return End(CloseCodeFor(s), s.error_message(), s);
    first_ = false;
    if (call_->TryWrite(&request) == StreamCall::WriteResult::kFull) pending_ = std::move(request);
  }

  // Responses to the client; the close when the call ended.
  void Pump() {
    if (io_ == nullptr || finished_ || !call_) return;
    Write({});  // what a gRPC thread left unsent
    while (io_->Unsent() < kStreamHighWater) {
      std::unique_ptr<google::protobuf::Message> response = std::move(held_);
      StreamCall::Next next = response ? StreamCall::Next::kMessage
                                       : call_->Read(&response, std::chrono::milliseconds(0));
      if (next == StreamCall::Next::kTimeout) return;
      if (next == StreamCall::Next::kFinished) {
        grpc::Status status = call_->status();
        if (end_code_ != 0) status = end_status_;
        uint16_t code = end_code_ != 0 ? end_code_ : CloseCodeFor(status);
        if (code >= 4000 && !close_sent_) {
          // The whole status (a close reason holds 123 bytes, no details).
          Write(EncodeFrame(Opcode::kText, "{\"error\":" + StatusToJson(status, options_.json_output) + "}"));
        }
        SendClose(code, end_code_ != 0 ? end_reason_ : status.error_message());
        return;
      }
      if (close_sent_) continue;  // closing: responses are dropped
      grpc::Status s = FrameResponse(*response);
      if (!s.ok()) {
        End(WebSocket::kCloseInternalError, std::string(kErrResponseJson) + ": " + s.error_message());
        continue;
      }
      Write(Frame());
    }
  }

  // The call's listener: from a gRPC thread, responses go straight to the
  // socket when they can (SendFromCallback); everything else wakes the
  // loop.
  std::function<void()> Listener() {
    std::function<void()> wake = io_->Waker();
    if (!io_->CanSendNow()) return wake;
    const std::thread::id loop = std::this_thread::get_id();
    return [link = link_, wake, loop] {
      if (std::this_thread::get_id() != loop) {
        std::unique_lock<std::recursive_mutex> lock(link->mu, std::try_to_lock);
        if (lock.owns_lock() && link->stream != nullptr && link->stream->SendFromCallback()) return;
      }
      wake();
    };
  }

  // On a gRPC thread, holding mu_: sends the responses the call has while
  // the socket takes them whole. True when the loop has nothing to do;
  // false when it must look (output is queued, the call ended, a request
  // waits for room, a frame went out in part).
  bool SendFromCallback() {
    if (io_ == nullptr || finished_ || close_sent_ || !call_ || held_ || !rest_.empty()) return false;
    for (;;) {
      std::unique_ptr<google::protobuf::Message> response;
      StreamCall::Next next = call_->Read(&response, std::chrono::milliseconds(0));
      if (next == StreamCall::Next::kTimeout) return !pending_;
      if (next == StreamCall::Next::kFinished) return false;
      if (!FrameResponse(*response).ok()) {
        held_ = std::move(response);  // the loop ends the session
        return false;
      }
      const std::string_view frame = Frame();
      size_t sent = 0;
      if (!io_->SendNow(frame, &sent)) sent = 0;
      if (sent < frame.size()) {
        rest_.assign(frame.substr(sent));
        return false;
      }
    }
  }

  // `response` as a text frame in frame_ (Frame()): the JSON is printed
  // behind room for the largest header, which goes right in front of it.
  grpc::Status FrameResponse(const google::protobuf::Message& response) {
    constexpr size_t kRoom = 10;  // an unmasked header's largest size
    frame_.assign(kRoom, '\0');
    grpc::Status s = AppendMessageJson(response, &frame_, options_.json_output);
    if (!s.ok()) return s;
    char header[kMaxFrameHeaderSize];
    const size_t size = EncodeFrameHeader(Opcode::kText, frame_.size() - kRoom, true, nullptr, header);
    frame_start_ = kRoom - size;
    std::memcpy(&frame_[frame_start_], header, size);
    return grpc::Status::OK;
  }
  std::string_view Frame() const { return std::string_view(frame_).substr(frame_start_); }

  // Loop thread: `bytes` to the client, after what a gRPC thread left
  // unsent (the rest of a frame).
  void Write(std::string_view bytes) {
    if (io_ == nullptr) return;
    if (!rest_.empty()) {
      io_->Write(rest_);
      rest_.clear();
    }
    io_->Write(bytes);
  }

  // Ends the session early with `code`: the call is cancelled first, and
  // the close carries `code` rather than the cancelled call's status.
  void End(uint16_t code, const std::string& reason, const grpc::Status& status = grpc::Status::OK) {
    if (end_code_ == 0) end_code_ = code, end_reason_ = reason, end_status_ = status;
    call_cancel();
    if (code >= 4000 && !close_sent_ && io_ != nullptr) {
      Write(EncodeFrame(Opcode::kText, "{\"error\":" + StatusToJson(status, options_.json_output) + "}"));
    }
    SendClose(code, reason);
    if (!call_) Done();
  }

  void SendClose(uint16_t code, std::string_view reason) {
    if (close_sent_ || io_ == nullptr) return;
    close_sent_ = true;
    close_sent_at_ = Clock::now();
    if (!IsValidCloseCode(code)) code = WebSocket::kCloseInternalError;
    Write(EncodeClose(code, reason));
    io_->PauseReading(false);
    ArmTimer();
  }

  void Done() {
    if (finished_ || io_ == nullptr) return;
    finished_ = true;
    io_->Finish(false);
  }

  using Clock = std::chrono::steady_clock;
  const WebSocket::Options ws_;
  std::unique_ptr<grpc::ClientContext> pending_context_;  // server-streaming: until the first message
  MessageReader reader_;
  std::unique_ptr<google::protobuf::Message> pending_;  // waiting for room in the call
  bool streams_requests_ = false;
  bool half_closed_ = false;
  bool first_ = true;
  bool close_sent_ = false;
  bool draining_ = false;
  bool finished_ = false;
  bool ping_outstanding_ = false;
  Clock::time_point close_sent_at_;
  Clock::time_point last_received_;
  Clock::time_point ping_sent_;
  uint16_t end_code_ = 0;
  std::string end_reason_;
  grpc::Status end_status_;
  // Everything above is shared with gRPC threads sending responses
  // (SendFromCallback) and guarded by mu_, which every loop callback holds.
  // The call's listener reaches the session through link_: the lock, and
  // the session while it exists (so that it is never destroyed there).
  struct Link {
    std::recursive_mutex mu;
    WsStream* stream = nullptr;  // guarded by mu
  };
  const std::shared_ptr<Link> link_ = std::make_shared<Link>();
  std::recursive_mutex& mu_ = link_->mu;
  std::unique_ptr<google::protobuf::Message> held_;  // taken from the call, not yet written
  std::string rest_;                                 // the unsent end of a frame a gRPC thread sent
  std::string frame_;                                // FrameResponse's frame, from frame_start_
  size_t frame_start_ = 0;
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
  auto slot = std::make_unique<StreamSlot>(*ctx.binding.gateway);
  if (!slot->ok()) {
    ctx.conn.CloseAfterResponse();
    return WriteError(ctx, grpc::Status(grpc::StatusCode::UNAVAILABLE, "too many open streams"), 503);
  }
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status s = MakeClientContext(ctx, &context);
  if (!s.ok()) {
    ctx.conn.CloseAfterResponse();
    return WriteError(ctx, s);
  }

  // The 101, then the session runs on the event loop.
  HandshakeResult result;
  result.status = handshake.status;
  result.accept_key = handshake.accept_key;
  result.subprotocol = handshake.subprotocol;
  // The headers the request hook and CORS put on the response go on the
  // 101 as on any other response, but for those the handshake writes itself
  // and body framing (a 101 has no body). httplib::Headers compares names
  // ignoring case.
  httplib::Headers headers = ctx.res.headers;
  for (const char* name : {"Upgrade", "Connection", "Sec-WebSocket-Accept", "Sec-WebSocket-Protocol",
                           "Sec-WebSocket-Extensions", "Content-Length", "Transfer-Encoding"}) {
    headers.erase(name);
  }
  ctx.conn.TakeOver();
  if (!ctx.conn.WriteAll(BuildHandshakeResponse(result, {headers.begin(), headers.end()}))) {
    return;  // the client left
  }

  const MethodSpec& method = *ctx.binding.method;
  std::shared_ptr<StreamCall> call;
  if (method.kind != MethodKind::kServerStreaming) {
    call = method.stream(std::move(context), nullptr, ctx.options.stream_limits);
  } else if (ctx.binding.binding.body.empty()) {
    // A binding without a body: the path and query are the whole request,
    // so the call starts at once.
    std::unique_ptr<google::protobuf::Message> request(ctx.request->New());
    request->CopyFrom(*ctx.request);
    call = method.stream(std::move(context), std::move(request), ctx.options.stream_limits);
  }
  ctx.conn.Detach(std::make_shared<WsStream>(ctx, std::move(call), std::move(slot), std::move(context), options));
}

}  // namespace internal
}  // namespace grpcgw
