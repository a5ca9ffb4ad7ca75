// Chunked transfer (DESIGN.md section 4): request streams as whitespace- or
// newline-separated JSON values, forwarded one by one as they arrive;
// response streams as NDJSON chunks ({"result":...} lines, or bare lines),
// flushed as they come.
//
// Threads: for methods that stream requests, a reader thread moves the body
// into the call while the serving thread waits for responses (bidi: writes
// them as they come, so the stream is full duplex; client-streaming: waits
// for the single response). The serving thread watches for a departed
// client; the reader stops at the end of the body, on bad input (which
// cancels the call), or when the serving thread stops it.
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "gateway/json_sequence.h"
#include "gateway/request_body.h"
#include "gateway/stream_common.h"
#include "grpcgw/chunk_writer.h"
#include "grpcgw/json.h"
#include "grpcgw/status.h"

namespace grpcgw {
namespace internal {

void WriteUnaryResponse(RequestContext& ctx, const google::protobuf::Message& response,
                        const grpc::ClientContext& context);

namespace {

constexpr auto kPeerCheck = std::chrono::milliseconds(250);
// Response lines written together, at most (about).
constexpr size_t kCoalesceBytes = 16384;

// Reads the request body as a JSON sequence into the call, on a thread of
// its own. Start, Stop and the accessors are called by the serving thread.
class RequestStreamReader {
 public:
  RequestStreamReader(RequestContext& ctx, StreamCall& call)
      : ctx_(ctx),
        call_(call),
        body_(ctx.conn, ctx.req, ctx.options.max_request_body_bytes, ctx.options.chunked.idle_timeout),
        splitter_(ctx.options.max_message_bytes) {}
  ~RequestStreamReader() { Stop(); }

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }

  // Ends the reader and waits for it. A body not read to its end is
  // abandoned: the call is cancelled (if it still runs) and the connection
  // can serve nothing more. A failure the reader meets while stopping is
  // not reported.
  void Stop() {
    if (!thread_.joinable()) return;
    stopping_ = true;
    if (!body_complete_) {
      call_.Cancel();
      ::shutdown(ctx_.conn.socket(), SHUT_RD);
      abandoned_ = true;
    }
    thread_.join();
  }

  // After Stop(): whether the connection may serve another request.
  bool ConnectionReusable() const { return body_complete_ && !abandoned_; }
  bool failed() const { return failed_; }
  // Valid once failed() is true.
  grpc::Status error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }
  int http_status() const {
    std::lock_guard<std::mutex> lock(mu_);
    return http_status_;
  }

 private:
  // Until the body ends (half-close) or fails (the call is cancelled).
  void Run() {
    char buf[16384];
    std::string element, error;
    for (;;) {
      HttpError http_error;
      long got = body_.Read(buf, sizeof buf, &http_error);
      if (got < 0) {
        return Fail(http_error.http_status, static_cast<grpc::StatusCode>(http_error.grpc_code),
                    http_error.message);
      }
      if (got == 0) break;
      splitter_.Feed(buf, static_cast<size_t>(got));
      while (splitter_.Next(&element, &error)) {
        if (!Forward(element)) return;
      }
      if (!error.empty()) return Fail(413, grpc::StatusCode::RESOURCE_EXHAUSTED, "request stream: " + error);
    }
    while (splitter_.Finish(&element, &error)) {
      if (!Forward(element)) return;
    }
    if (!error.empty()) return Fail(400, grpc::StatusCode::INVALID_ARGUMENT, "request stream: " + error);
    body_complete_ = true;
    call_.WritesDone();
  }

  // False when the stream cannot go on (bad element, or the call ended).
  bool Forward(const std::string& element) {
    std::unique_ptr<google::protobuf::Message> request(ctx_.request->New());
    // The first message carries what the path and query bound.
    if (index_ == 0) request->CopyFrom(*ctx_.request);
    grpc::Status s = MergeBodyElement(ctx_.binding, ctx_.options, element, request.get());
    if (!s.ok()) {
      Fail(400, grpc::StatusCode::INVALID_ARGUMENT,
           "request stream element " + std::to_string(index_) + ": " + s.error_message());
      return false;
    }
    ++index_;
    return call_.Write(std::move(request));  // false: the call ended
  }

  void Fail(int http_status, grpc::StatusCode code, const std::string& message) {
    if (stopping_) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      error_ = grpc::Status(code, message);
      http_status_ = http_status;
    }
    failed_ = true;
    call_.Cancel();
  }

  RequestContext& ctx_;
  StreamCall& call_;
  // Used by the reader thread only.
  BodyReader body_;
  JsonSequenceSplitter splitter_;
  size_t index_ = 0;  // of the next element

  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> body_complete_{false};
  std::atomic<bool> failed_{false};
  bool abandoned_ = false;  // serving thread only
  mutable std::mutex mu_;
  grpc::Status error_;   // guarded by mu_
  int http_status_ = 0;  // guarded by mu_
};

std::string Record(const GatewayOptions& options, bool error, const std::string& json) {
  if (options.chunked.bare_lines) return json + "\n";
  return (error ? "{\"error\":" : "{\"result\":") + json + "}\n";
}

// Waits for the first response or the end of the call, checking on the
// client meanwhile. kTimeout means the client left (the call is cancelled).
StreamCall::Next AwaitFirstResponse(RequestContext& ctx, StreamCall& call,
                                    std::unique_ptr<google::protobuf::Message>* response) {
  for (;;) {
    StreamCall::Next next = call.Read(response, kPeerCheck);
    if (next != StreamCall::Next::kTimeout) return next;
    if (ctx.conn.PeerClosed()) {
      call.Cancel();
      return next;
    }
  }
}

// The status a stream ends with: the reader's failure (bad input, limits)
// explains a cancelled call better than the cancellation.
grpc::Status FinalStatus(StreamCall& call, const RequestStreamReader* reader, int* http_status) {
  *http_status = 0;
  if (reader != nullptr && reader->failed()) {
    *http_status = reader->http_status();
    return reader->error();
  }
  return call.status();
}

void WriteErrorBeforeStream(RequestContext& ctx, StreamCall& call, const grpc::Status& status, int http_status) {
  httplib::Headers headers;
  AddResponseMetadataHeaders(*call.context(), false, &headers);
  AddResponseMetadataHeaders(*call.context(), true, &headers);
  for (auto& h : headers) ctx.res.headers.insert(h);
  WriteError(ctx, status, http_status);
}

void ServeClientStreaming(RequestContext& ctx, StreamCall& call, RequestStreamReader& reader) {
  std::unique_ptr<google::protobuf::Message> response;
  if (AwaitFirstResponse(ctx, call, &response) == StreamCall::Next::kTimeout) {
    reader.Stop();
    ctx.conn.CloseAfterResponse();
    return;
  }
  reader.Stop();
  if (!reader.ConnectionReusable()) ctx.conn.CloseAfterResponse();
  int http_status;
  grpc::Status status = FinalStatus(call, &reader, &http_status);
  if (!status.ok()) return WriteErrorBeforeStream(ctx, call, status, http_status);
  if (!response) {
    return WriteError(ctx, grpc::Status(grpc::StatusCode::INTERNAL, "the service sent no response"));
  }
  WriteUnaryResponse(ctx, *response, *call.context());
}

}  // namespace

void ServeChunked(RequestContext& ctx) {
  StreamSlot slot(*ctx.binding.gateway);
  if (!slot.ok()) {
    ctx.conn.CloseAfterResponse();
    return WriteError(ctx, grpc::Status(grpc::StatusCode::UNAVAILABLE, "too many open streams"), 503);
  }
  const MethodSpec& method = *ctx.binding.method;
  bool streams_requests = method.kind == MethodKind::kClientStreaming || method.kind == MethodKind::kBidiStreaming;

  if (!streams_requests) {
    // Server streaming: the body (if the binding takes one) is the request.
    HttpError http_error;
    grpc::Status s = ReadRequestBody(ctx, &http_error);
    if (http_error.http_status != 0) return WriteHttpError(ctx, http_error);
    if (!s.ok()) return WriteError(ctx, s);
  }

  std::shared_ptr<StreamCall> call;
  grpc::Status s = StartStream(ctx, /*send_request=*/false, &call);
  if (!s.ok()) {
    if (streams_requests) ctx.conn.CloseAfterResponse();
    return WriteError(ctx, s);
  }
  std::unique_ptr<RequestStreamReader> reader;
  if (streams_requests) {
    reader = std::make_unique<RequestStreamReader>(ctx, *call);
    reader->Start();
  }
  if (method.kind == MethodKind::kClientStreaming) return ServeClientStreaming(ctx, *call, *reader);

  // The head goes out with the first message, so that a failure before it
  // is an ordinary HTTP error.
  std::unique_ptr<google::protobuf::Message> first;
  StreamCall::Next next = AwaitFirstResponse(ctx, *call, &first);
  if (next == StreamCall::Next::kTimeout) {  // the client left
    if (reader) reader->Stop();
    ctx.conn.CloseAfterResponse();
    return;
  }
  int http_status;
  if (next == StreamCall::Next::kFinished) {
    if (reader) reader->Stop();
    grpc::Status status = FinalStatus(*call, reader.get(), &http_status);
    if (!status.ok()) {
      if (reader && !reader->ConnectionReusable()) ctx.conn.CloseAfterResponse();
      return WriteErrorBeforeStream(ctx, *call, status, http_status);
    }
  }

  httplib::Headers headers = ctx.res.headers;  // what dispatch set (CORS, the request hook)
  AddResponseMetadataHeaders(*call->context(), false, &headers);
  std::unique_ptr<ChunkWriter> out = ChunkWriter::Start(ctx.conn, 200, "application/x-ndjson", headers);

  std::string json;
  std::string pending;  // lines not written yet
  bool unprintable = false;
  auto on_message = [&](const google::protobuf::Message& response) {
    json.clear();
    grpc::Status st = AppendMessageJson(response, &json, ctx.options.json_output);
    if (!st.ok()) {
      unprintable = true;
      out->Write(pending + Record(ctx.options, true,
                                  StatusToJson(grpc::Status(grpc::StatusCode::INTERNAL,
                                                            "response has no JSON form: " + st.error_message()))));
      return false;
    }
    // Lines of responses that are already waiting share one chunk; the
    // chunk goes out when no more is waiting, so nothing is held back.
    pending += Record(ctx.options, false, json);
    if (call->BufferedResponses() > 0 && pending.size() < kCoalesceBytes) return true;
    bool ok = out->Write(pending);
    pending.clear();
    return ok;
  };
  bool finished = true;
  if (first && !on_message(*first)) {
    call->Cancel();
    finished = false;
  }
  if (finished && next != StreamCall::Next::kFinished) {
    finished = PumpResponses(ctx, *call, on_message, std::chrono::milliseconds(0), nullptr);
  }
  if (reader) reader->Stop();
  if (!finished) {
    // The client left (the connection closes), or a response could not be
    // printed (its error line was written: end the body properly).
    if (unprintable) out->Finish();
    return;
  }
  grpc::Status status = FinalStatus(*call, reader.get(), &http_status);
  if (!status.ok()) out->Write(Record(ctx.options, true, StatusToJson(status, ctx.options.json_output)));
  out->Finish();
  if (!reader || reader->ConnectionReusable()) ctx.conn.ReleaseAfterHandler(true);
}

}  // namespace internal
}  // namespace grpcgw
