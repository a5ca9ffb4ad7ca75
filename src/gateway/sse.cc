// Server-Sent Events for server-streaming and bidi methods (docs/design.md):
// one event per response, flushed as it comes; the End-of-stream event when
// the service ends OK; `event: failure` when it fails after the stream
// started; heartbeats while idle; the client leaving cancels the call.
//
// The stream runs on the connection's event loop (SseStream); the worker
// only binds the request and starts the call.
//
// When the stream starts: the response head goes out with the first
// message, when the call ends OK, or once the call has run
// SseOptions::open_grace without failing — so EventSource.onopen fires
// promptly on a quiet stream. A failure before that is an ordinary HTTP
// error with the mapped status; after it, an `event: failure`. (The
// service's initial metadata alone does not start the stream: gRPC reports
// it for a call that fails without a response too.)
#include <algorithm>

#include "gateway/stream_common.h"
#include "grpcgw/json.h"
#include "grpcgw/sse_writer.h"
#include "grpcgw/status.h"

namespace grpcgw {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;

class SseStream final : public AsyncStream {
 public:
  SseStream(RequestContext& ctx, std::shared_ptr<StreamCall> call, std::unique_ptr<StreamSlot> slot)
      : AsyncStream(ctx, std::move(call), std::move(slot)), sse_(options_.sse) {}

  void OnData(StreamIo&, std::string_view) override {}  // nothing more is expected
  void OnWake(StreamIo&) override { Pump(); }
  void OnWritable(StreamIo&) override { Pump(); }

  void OnTimer(StreamIo&) override {
    if (phase_ == Phase::kDone) return;
    const auto now = Clock::now();
    if (phase_ == Phase::kAwaitHead) {
      if (now - since_ >= sse_.open_grace) {
        OpenStream();
        Pump();
        if (phase_ == Phase::kDone) return;
      }
    } else if (sse_.heartbeat.count() > 0 && now - last_write_ >= sse_.heartbeat) {
      io_->Write(": keep-alive\n\n");
      last_write_ = now;
    }
    ArmTimer();
  }

  void OnShutdown(StreamIo&) override {
    if (phase_ == Phase::kDone) return;
    phase_ = Phase::kDone;
    call_->Cancel();
    if (!head_sent_) {
      return FailBeforeHead(grpc::Status(grpc::StatusCode::UNAVAILABLE, "the server is shutting down"));
    }
    if (sse_.on_shutdown) {
      const SseEvent& e = *sse_.on_shutdown;
      io_->Write(SseWriter::FormatEvent(e.data, e.event, e.id));
    }
    io_->Finish(false);
  }

 private:
  enum class Phase { kAwaitHead, kStreaming, kDone };

  void Started() override {
    since_ = Clock::now();
    ArmTimer();
    Pump();
  }

  void ArmTimer() {
    if (phase_ == Phase::kAwaitHead) {
      io_->SetTimer(since_ + sse_.open_grace);
    } else if (phase_ == Phase::kStreaming && sse_.heartbeat.count() > 0) {
      io_->SetTimer(last_write_ + sse_.heartbeat);
    } else {
      io_->SetTimer(Clock::time_point::max());
    }
  }

  void OpenStream() {
    head_sent_ = true;
    phase_ = Phase::kStreaming;
    std::string head = SseWriter::FormatHead(HeadHeaders());
    if (sse_.retry.count() > 0) head += "retry: " + std::to_string(sse_.retry.count()) + "\n\n";
    io_->Write(head);
    last_write_ = Clock::now();
  }

  void Pump() {
    if (phase_ == Phase::kDone || io_ == nullptr) return;
    bool wrote = false;
    while (io_->Unsent() < kStreamHighWater) {
      std::unique_ptr<google::protobuf::Message> response;
      StreamCall::Next next = call_->Read(&response, std::chrono::milliseconds(0));
      if (next == StreamCall::Next::kTimeout) break;
      if (phase_ == Phase::kAwaitHead) {
        if (next == StreamCall::Next::kFinished && !call_->status().ok()) {
          phase_ = Phase::kDone;
          return FailBeforeHead(call_->status());
        }
        OpenStream();
      }
      if (next == StreamCall::Next::kFinished) return End();
      data_.clear();
      grpc::Status st = AppendMessageJson(*response, &data_, options_.json_output);
      if (!st.ok()) {
        io_->Write(SseWriter::FormatEvent(
            StatusToJson(grpc::Status(grpc::StatusCode::INTERNAL, "response has no JSON form: " + st.error_message())),
            "failure"));
        phase_ = Phase::kDone;
        call_->Cancel();
        return io_->Finish(false);
      }
      io_->Write(SseWriter::FormatEvent(data_, FieldText(*response, binding_.sse_event_field),
                                        FieldText(*response, binding_.sse_id_field)));
      wrote = true;
    }
    if (wrote) {
      last_write_ = Clock::now();
      ArmTimer();
    }
  }

  void End() {
    phase_ = Phase::kDone;
    grpc::Status status = call_->status();
    if (status.ok()) {
      if (sse_.end_of_stream) {
        const SseEvent& eos = *sse_.end_of_stream;
        io_->Write(SseWriter::FormatEvent(eos.data, eos.event, eos.id));
      }
    } else {
      io_->Write(SseWriter::FormatEvent(StatusToJson(status, options_.json_output), "failure"));
    }
    io_->Finish(false);
  }

  const SseOptions& sse_;
  Phase phase_ = Phase::kAwaitHead;
  bool head_sent_ = false;
  Clock::time_point since_;
  Clock::time_point last_write_;
  std::string data_;
};

}  // namespace

void ServeSse(RequestContext& ctx) {
  auto slot = std::make_unique<StreamSlot>(*ctx.binding.gateway);
  if (!slot->ok()) {
    return WriteError(ctx, grpc::Status(grpc::StatusCode::UNAVAILABLE, "too many open streams"), 503);
  }
  // A GET's body (if any) was read by the server; it means nothing here.
  BodyReader body(ctx.conn, ctx.req, ctx.options.max_request_body_bytes, ctx.options.chunked.idle_timeout);
  if (!body.Drain()) ctx.conn.CloseAfterResponse();

  std::shared_ptr<StreamCall> call;
  grpc::Status s = StartStream(ctx, /*send_request=*/true, &call);
  if (!s.ok()) return WriteError(ctx, s);
  ctx.conn.Detach(std::make_shared<SseStream>(ctx, std::move(call), std::move(slot)));
}

}  // namespace internal
}  // namespace grpcgw
