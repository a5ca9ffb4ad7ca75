// Chunked transfer (docs/design.md): request streams as whitespace- or
// newline-separated JSON values, forwarded one by one as they arrive;
// response streams as NDJSON chunks ({"result":...} lines, or bare lines),
// flushed as they come.
//
// Threads: none of its own. The worker binds the request and starts the
// call; the stream then runs on the connection's event loop (ChunkedStream).
// An upload's bytes come in as the socket gives them (the body's framing,
// Content-Length or chunked, removed here), are split into JSON values and
// go into the call as far as its bounded request queue takes them (reading
// pauses meanwhile); responses go out as far as the socket takes them (the
// call's reads stop while it is behind). Bidi is full duplex on one request.
//
// When the response starts: with the first response message (or, for a
// client-streaming call, with its one response), so that a failure before
// it is an ordinary HTTP error with the mapped status; after it, a failure
// is an {"error":...} record at the end of the body. An upload that breaks
// (bad JSON, a message or the whole upload over its limit, bad framing, no
// bytes for ChunkedOptions::idle_timeout) cancels the call and explains it.
#include <algorithm>
#include <cstdio>

#include "gateway/json_sequence.h"
#include "gateway/request_body.h"
#include "gateway/stream_common.h"
#include "grpcgw/chunk_writer.h"
#include "grpcgw/json.h"
#include "grpcgw/status.h"
#include "server/http1_parser.h"

namespace grpcgw {
namespace internal {

void WriteUnaryResponse(RequestContext& ctx, const google::protobuf::Message& response,
                        const grpc::ClientContext& context);

namespace {

using Clock = std::chrono::steady_clock;

// Response lines written together, at most (about).
constexpr size_t kCoalesceBytes = 16384;

std::string Record(const GatewayOptions& options, bool error, const std::string& json) {
  if (options.chunked.bare_lines) return json + "\n";
  return (error ? "{\"error\":" : "{\"result\":") + json + "}\n";
}

class ChunkedStream final : public AsyncStream {
 public:
  ChunkedStream(RequestContext& ctx, std::shared_ptr<StreamCall> call, std::unique_ptr<StreamSlot> slot,
                bool streams_requests)
      : AsyncStream(ctx, std::move(call), std::move(slot)),
        conn_(ctx.conn),
        req_(ctx.req),
        streams_requests_(streams_requests),
        client_streaming_(ctx.binding.method->kind == MethodKind::kClientStreaming),
        splitter_(ctx.options.max_message_bytes) {
    if (streams_requests_) {
      const std::string te = ctx.req.get_header_value("Transfer-Encoding");
      chunked_body_ = !te.empty();
      if (chunked_body_) {
        decoder_ = std::make_unique<ChunkedBodyDecoder>();
      } else {
        const std::string cl = ctx.req.get_header_value("Content-Length");
        body_left_ = cl.empty() ? 0 : std::strtoull(cl.c_str(), nullptr, 10);
        if (body_left_ == 0) body_done_ = true;
      }
    } else {
      body_done_ = true;  // read by the worker
    }
  }

  void OnData(StreamIo&, std::string_view data) override {
    if (!streams_requests_ || body_done_ || failed_) return;  // nothing more is expected
    last_body_byte_ = Clock::now();
    Decode(data);
    Forward();
    Pump();
  }
  void OnWake(StreamIo&) override {
    Forward();
    Pump();
  }
  void OnWritable(StreamIo&) override { Pump(); }
  void OnTimer(StreamIo&) override {
    if (finished_ || body_done_ || failed_) return;
    if (Clock::now() - last_body_byte_ >= options_.chunked.idle_timeout) {
      Fail(408, grpc::StatusCode::DEADLINE_EXCEEDED,
           "request stream: no data for " + std::to_string(options_.chunked.idle_timeout.count()) + " ms");
      return Pump();
    }
    ArmTimer();
  }

  void OnShutdown(StreamIo&) override {
    if (finished_) return;
    call_->Cancel();
    grpc::Status status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down");
    if (!head_sent_) {
      keep_alive_ = false;
      finished_ = true;
      return FailBeforeHead(status);
    }
    finished_ = true;
    io_->Write(ChunkWriter::FormatChunk(Record(options_, true, StatusToJson(status, options_.json_output))));
    io_->Write("0\r\n\r\n");
    io_->Finish(false);
  }

 private:
  void Started() override {
    last_body_byte_ = Clock::now();
    ArmTimer();
    if (body_done_ && streams_requests_) EndOfBody();
    if (streams_requests_) Forward();
    Pump();
  }

  void ArmTimer() {
    if (io_ == nullptr) return;
    if (streams_requests_ && !body_done_ && !failed_) {
      io_->SetTimer(last_body_byte_ + options_.chunked.idle_timeout);
    } else {
      io_->SetTimer(Clock::time_point::max());
    }
  }

  // The body's framing off; the payload into the splitter.
  void Decode(std::string_view data) {
    if (chunked_body_) {
      while (!data.empty() && !body_done_) {
        size_t consumed = 0;
        payload_.clear();
        auto r = decoder_->Feed(data, &consumed, &payload_);
        Split(payload_);
        data.remove_prefix(consumed);
        if (r == ChunkedBodyDecoder::Result::kError) {
          return Fail(decoder_->error().status == 413 ? 413 : 400, grpc::StatusCode::INVALID_ARGUMENT,
                      "request body: " + decoder_->error().message);
        }
        if (r == ChunkedBodyDecoder::Result::kDone) {
          body_done_ = true;
          EndOfBody();
        }
        if (consumed == 0) break;
      }
      return;
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(body_left_, data.size()));
    Split(data.substr(0, take));
    body_left_ -= take;
    if (body_left_ == 0) {
      body_done_ = true;
      EndOfBody();
    }
  }

  void Split(std::string_view payload) {
    if (payload.empty() || failed_) return;
    uploaded_ += payload.size();
    if (options_.max_stream_upload_bytes != 0 && uploaded_ > options_.max_stream_upload_bytes) {
      return Fail(413, grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "request stream over max_stream_upload_bytes (" +
                      std::to_string(options_.max_stream_upload_bytes) + " bytes)");
    }
    splitter_.Feed(payload.data(), payload.size());
    std::string element, error;
    while (splitter_.Next(&element, &error)) elements_.push_back(std::move(element));
    if (!error.empty()) {
      Fail(413, grpc::StatusCode::RESOURCE_EXHAUSTED, "request stream: " + error + " (max_message_bytes)");
    }
  }

  void EndOfBody() {
    std::string element, error;
    while (splitter_.Finish(&element, &error)) elements_.push_back(std::move(element));
    if (!error.empty()) return Fail(400, grpc::StatusCode::INVALID_ARGUMENT, "request stream: " + error);
    body_complete_ = true;
    ArmTimer();
  }

  // Elements into the call while it takes them; then the half-close.
  void Forward() {
    if (failed_ || io_ == nullptr) return;
    while (!elements_.empty() || pending_) {
      if (!pending_) {
        std::unique_ptr<google::protobuf::Message> request(request_->New());
        // The first message carries what the path and query bound.
        if (index_ == 0) request->CopyFrom(*request_);
        grpc::Status s = MergeBodyElement(binding_, options_, elements_.front(), request.get());
        elements_.pop_front();
        if (!s.ok()) {
          return Fail(400, grpc::StatusCode::INVALID_ARGUMENT,
                      "request stream element " + std::to_string(index_) + ": " + s.error_message());
        }
        ++index_;
        pending_ = std::move(request);
      }
      auto r = call_->TryWrite(&pending_);
      if (r == StreamCall::WriteResult::kFull) {
        io_->PauseReading(true);
        return;
      }
      pending_.reset();  // queued, or the call ended (its status answers)
    }
    io_->PauseReading(false);
    if (body_complete_ && !writes_done_) {
      writes_done_ = true;
      call_->WritesDone();
    }
  }

  void Fail(int http_status, grpc::StatusCode code, const std::string& message) {
    if (failed_) return;
    failed_ = true;
    fail_http_ = http_status;
    fail_status_ = grpc::Status(code, message);
    elements_.clear();
    pending_.reset();
    call_->Cancel();
    if (io_) io_->PauseReading(true);
  }

  bool Reusable() const { return body_done_ && !failed_ && keep_alive_; }

  // The status a stream ends with: an upload failure explains a cancelled
  // call better than the cancellation.
  grpc::Status FinalStatus() const { return failed_ ? fail_status_ : call_->status(); }

  void Pump() {
    if (finished_ || io_ == nullptr) return;
    if (client_streaming_) return PumpClientStreaming();
    std::string lines;
    bool ended = false;
    while (io_->Unsent() < kStreamHighWater && lines.size() < kCoalesceBytes) {
      std::unique_ptr<google::protobuf::Message> response;
      StreamCall::Next next = call_->Read(&response, std::chrono::milliseconds(0));
      if (next == StreamCall::Next::kTimeout) break;
      if (next == StreamCall::Next::kFinished) {
        ended = true;
        break;
      }
      json_.clear();
      grpc::Status st = AppendMessageJson(*response, &json_, options_.json_output);
      if (!st.ok()) {
        Fail(500, grpc::StatusCode::INTERNAL, "response has no JSON form: " + st.error_message());
        ended = true;
        break;
      }
      lines += Record(options_, false, json_);
    }
    if (!head_sent_ && lines.empty()) {
      if (!ended) return;
      grpc::Status status = FinalStatus();
      if (!status.ok()) {
        keep_alive_ = Reusable();
        finished_ = true;
        return FailBeforeHead(status, failed_ ? fail_http_ : 0);
      }
    }
    if (!head_sent_) {
      head_sent_ = true;
      io_->Write(ChunkHead());
    }
    if (!lines.empty()) io_->Write(ChunkWriter::FormatChunk(lines));
    if (!ended) return;
    if (!body_done_ && !failed_) {
      // The call ended before the upload did: the rest of the body is not
      // read, so the connection cannot serve another request.
      keep_alive_ = false;
    }
    finished_ = true;
    grpc::Status status = FinalStatus();
    if (!status.ok()) {
      io_->Write(ChunkWriter::FormatChunk(Record(options_, true, StatusToJson(status, options_.json_output))));
    }
    io_->Write(ChunkedEnd());
    io_->Finish(Reusable());
  }

  void PumpClientStreaming() {
    std::unique_ptr<google::protobuf::Message> response;
    StreamCall::Next next = call_->Read(&response, std::chrono::milliseconds(0));
    if (next == StreamCall::Next::kTimeout) return;
    if (next == StreamCall::Next::kMessage) {
      // The call ends right after its one response.
      final_response_ = std::move(response);
      next = call_->Read(&response, std::chrono::milliseconds(0));
      if (next != StreamCall::Next::kFinished) return;
    }
    finished_ = true;
    keep_alive_ = Reusable();
    grpc::Status status = FinalStatus();
    if (!status.ok()) return FailBeforeHead(status, failed_ ? fail_http_ : 0);
    if (!final_response_) {
      return FailBeforeHead(grpc::Status(grpc::StatusCode::INTERNAL, "the service sent no response"));
    }
    httplib::Response res;
    res.headers = extra_headers_;
    RequestContext ctx{req_, res, conn_, binding_, options_, nullptr};
    WriteUnaryResponse(ctx, *final_response_, *call_->context());
    FinishResponseBody(ctx);
    io_->Write(SerializeResponse(res, keep_alive_, false, trailers_ok_));
    io_->Finish(keep_alive_);
  }

  std::string ChunkHead() {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
                       "Transfer-Encoding: chunked\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
    for (const auto& [k, v] : HeadHeaders()) {
      if (k.find_first_of(":\r\n") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) continue;
      head += k + ": " + v + "\r\n";
    }
    return head + "\r\n";
  }

  Connection& conn_;
  const httplib::Request req_;  // a copy: the worker's request is gone
  const bool streams_requests_;
  const bool client_streaming_;
  // The upload.
  bool chunked_body_ = false;
  std::unique_ptr<ChunkedBodyDecoder> decoder_;
  uint64_t body_left_ = 0;
  bool body_done_ = false;      // the body's framing ended
  bool body_complete_ = false;  // ... and every element was split off
  bool writes_done_ = false;
  uint64_t uploaded_ = 0;
  std::string payload_;
  JsonSequenceSplitter splitter_;
  std::deque<std::string> elements_;
  std::unique_ptr<google::protobuf::Message> pending_;
  size_t index_ = 0;
  Clock::time_point last_body_byte_;
  bool failed_ = false;
  int fail_http_ = 0;
  grpc::Status fail_status_;
  // The response.
  bool head_sent_ = false;
  bool finished_ = false;
  std::string json_;
  std::unique_ptr<google::protobuf::Message> final_response_;
};

}  // namespace

void ServeChunked(RequestContext& ctx) {
  auto slot = std::make_unique<StreamSlot>(*ctx.binding.gateway);
  if (!slot->ok()) {
    if (!ctx.conn.body_buffered()) ctx.conn.CloseAfterResponse();
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
    if (!ctx.conn.body_buffered()) ctx.conn.CloseAfterResponse();
    return WriteError(ctx, s);
  }
  ctx.conn.Detach(std::make_shared<ChunkedStream>(ctx, std::move(call), std::move(slot), streams_requests));
}

}  // namespace internal
}  // namespace grpcgw
