// Chunked transfer (DESIGN.md section 4): request streams as whitespace- or
// newline-separated JSON values, forwarded one by one as they arrive;
// response streams as NDJSON chunks ({"result":...} lines, or bare lines),
// flushed as they come. Bidi is full duplex: a reader thread forwards the
// request body while this thread writes responses.
#include <sys/socket.h>

#include <atomic>
#include <functional>
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

// Reads the request body as a JSON sequence into the call. Runs on the
// serving thread (client-streaming) or a reader thread (bidi).
class RequestStreamReader {
 public:
  RequestStreamReader(RequestContext& ctx, StreamCall& call)
      : ctx_(ctx),
        call_(call),
        body_(ctx.conn, ctx.req, ctx.options.max_request_body_bytes, ctx.options.chunked.idle_timeout),
        splitter_(ctx.options.max_message_bytes) {}

  // Until the body ends (half-close) or fails (the call is cancelled).
  void Run() {
    char buf[16384];
    std::string element, error;
    bool first = true;
    for (;;) {
      HttpError http_error;
      long got = body_.Read(buf, sizeof buf, &http_error);
      if (got < 0) return Fail(http_error.http_status, static_cast<grpc::StatusCode>(http_error.grpc_code),
                               http_error.message);
      if (got == 0) break;
      splitter_.Feed(buf, static_cast<size_t>(got));
      while (splitter_.Next(&element, &error)) {
        if (!Forward(element, first)) return;
        first = false;
      }
      if (!error.empty()) return Fail(413, grpc::StatusCode::RESOURCE_EXHAUSTED, "request stream: " + error);
    }
    while (splitter_.Finish(&element, &error)) {
      if (!Forward(element, first)) return;
      first = false;
    }
    if (!error.empty()) return Fail(400, grpc::StatusCode::INVALID_ARGUMENT, "request stream: " + error);
    body_complete_ = true;
    call_.WritesDone();
  }

  bool body_complete() const { return body_complete_; }
  bool failed() const { return failed_.load(); }
  int http_status() const { return http_status_; }
  grpc::Status error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

 private:
  bool Forward(const std::string& element, bool first) {
    std::unique_ptr<google::protobuf::Message> request(ctx_.request->New());
    // The first message carries what the path and query bound.
    if (first) request->CopyFrom(*ctx_.request);
    grpc::Status s = MergeBodyElement(ctx_.binding, ctx_.options, element, request.get());
    if (!s.ok()) {
      Fail(400, grpc::StatusCode::INVALID_ARGUMENT,
           "request stream element " + std::to_string(index_) + ": " + s.error_message());
      return false;
    }
    ++index_;
    if (!call_.Write(std::move(request))) return false;  // the call ended
    return true;
  }

  void Fail(int http_status, grpc::StatusCode code, const std::string& message) {
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
  BodyReader body_;
  JsonSequenceSplitter splitter_;
  size_t index_ = 0;
  std::atomic<bool> body_complete_{false};
  std::atomic<bool> failed_{false};
  mutable std::mutex mu_;
  grpc::Status error_;    // guarded by mu_
  int http_status_ = 0;   // guarded by mu_
};

std::string Record(const GatewayOptions& options, bool error, const std::string& json) {
  if (options.chunked.bare_lines) return json + "\n";
  return (error ? "{\"error\":" : "{\"result\":") + json + "}\n";
}

void ServeClientStreaming(RequestContext& ctx, StreamCall& call) {
  RequestStreamReader reader(ctx, call);
  reader.Run();
  if (!reader.body_complete()) ctx.conn.CloseAfterResponse();
  std::unique_ptr<google::protobuf::Message> response;
  while (call.Read(&response, std::chrono::milliseconds(250)) == StreamCall::Next::kTimeout) {
    if (ctx.conn.PeerClosed()) {
      call.Cancel();
      return;
    }
  }
  if (reader.failed()) return WriteError(ctx, reader.error(), reader.http_status());
  if (!call.status().ok() || !response) {
    return WriteError(ctx, call.status().ok() ? grpc::Status(grpc::StatusCode::INTERNAL, "no response")
                                             : call.status());
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
  if (method.kind == MethodKind::kClientStreaming) return ServeClientStreaming(ctx, *call);

  std::unique_ptr<RequestStreamReader> reader;
  std::thread reader_thread;
  if (streams_requests) {
    reader = std::make_unique<RequestStreamReader>(ctx, *call);
    reader_thread = std::thread([&reader] { reader->Run(); });
  }
  // Ends the reader: once the call is over nothing more of the body is
  // wanted, and a reader blocked on an idle client must not hold us up.
  auto stop_reader = [&] {
    if (!reader_thread.joinable()) return;
    if (!reader->body_complete()) ::shutdown(ctx.conn.socket(), SHUT_RD);
    reader_thread.join();
  };
  struct Joiner {
    std::function<void()> stop;
    ~Joiner() { stop(); }
  } joiner{stop_reader};

  if (!AwaitStreamStart(ctx, *call)) return;
  if (call->Finished() && call->BufferedResponses() == 0 && (!call->status().ok() || (reader && reader->failed()))) {
    stop_reader();
    ctx.conn.CloseAfterResponse();
    if (reader && reader->failed()) return WriteError(ctx, reader->error(), reader->http_status());
    return WriteError(ctx, call->status());
  }

  httplib::Headers headers;
  AddResponseMetadataHeaders(*call->context(), false, &headers);
  std::unique_ptr<ChunkWriter> out = ChunkWriter::Start(ctx.conn, 200, "application/x-ndjson", headers);

  std::string json;
  auto on_message = [&](const google::protobuf::Message& response) {
    json.clear();
    grpc::Status st = AppendMessageJson(response, &json, ctx.options.json_output);
    if (!st.ok()) {
      out->Write(Record(ctx.options, true,
                        StatusToJson(grpc::Status(grpc::StatusCode::INTERNAL,
                                                  "response has no JSON form: " + st.error_message()))));
      return false;
    }
    return out->Write(Record(ctx.options, false, json));
  };
  if (!PumpResponses(ctx, *call, on_message, std::chrono::milliseconds(0), nullptr)) return;
  stop_reader();

  grpc::Status status = call->status();
  if (reader && reader->failed()) status = reader->error();
  if (!status.ok()) out->Write(Record(ctx.options, true, StatusToJson(status)));
  out->Finish();
  if (!reader || reader->body_complete()) ctx.conn.ReleaseAfterHandler(true);
}

}  // namespace internal
}  // namespace grpcgw
