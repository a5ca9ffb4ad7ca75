// Server-Sent Events for server-streaming and bidi methods (DESIGN.md
// section 4): one event per response, flushed as it comes; the
// End-of-stream event when the service ends OK; `event: failure` when it
// fails after the stream started; heartbeats while idle; the client leaving
// cancels the call.
//
// When the stream starts: the response head goes out with the first
// message, or when the call ends OK, so that a failure before the first
// message is an ordinary HTTP error with the mapped status (the call's
// status is known before anything is written). A service that has sent its
// initial metadata but no message for a whole heartbeat interval gets the
// stream started then (head and a heartbeat), so that a quiet stream still
// reaches the client and proxies keep it open; a failure after that point
// is an `event: failure`.
#include <algorithm>

#include "gateway/stream_common.h"
#include "grpcgw/json.h"
#include "grpcgw/sse_writer.h"
#include "grpcgw/status.h"

namespace grpcgw {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;

// How often the wait for the first message checks for a departed client.
constexpr auto kPeerCheck = std::chrono::milliseconds(250);

enum class Start { kMessage, kFinished, kQuiet, kClientGone };

// Waits for the first response, the end of the call, or (with a heartbeat)
// a heartbeat interval of silence after the initial metadata. Cancels the
// call when the client leaves first.
Start AwaitFirstMessage(RequestContext& ctx, StreamCall& call, std::chrono::milliseconds heartbeat,
                        std::unique_ptr<google::protobuf::Message>* first) {
  const auto since = Clock::now();
  for (;;) {
    auto wait = kPeerCheck;
    if (heartbeat.count() > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(since + heartbeat - Clock::now());
      wait = std::clamp(left, std::chrono::milliseconds(1), kPeerCheck);
    }
    StreamCall::Next next = call.Read(first, wait);
    if (next == StreamCall::Next::kMessage) return Start::kMessage;
    if (next == StreamCall::Next::kFinished) return Start::kFinished;
    if (ctx.conn.PeerClosed()) {
      call.Cancel();
      return Start::kClientGone;
    }
    if (heartbeat.count() > 0 && Clock::now() - since >= heartbeat &&
        call.WaitForInitialMetadata(std::chrono::milliseconds(0))) {
      return Start::kQuiet;
    }
  }
}

}  // namespace

void ServeSse(RequestContext& ctx) {
  StreamSlot slot(*ctx.binding.gateway);
  if (!slot.ok()) {
    return WriteError(ctx, grpc::Status(grpc::StatusCode::UNAVAILABLE, "too many open streams"), 503);
  }
  BodyReader body(ctx.conn, ctx.req, ctx.options.max_request_body_bytes, ctx.options.chunked.idle_timeout);
  if (!body.Drain()) ctx.conn.CloseAfterResponse();

  std::shared_ptr<StreamCall> call;
  grpc::Status s = StartStream(ctx, /*send_request=*/true, &call);
  if (!s.ok()) return WriteError(ctx, s);

  const SseOptions& options = ctx.options.sse;
  std::unique_ptr<google::protobuf::Message> first;
  Start start = AwaitFirstMessage(ctx, *call, options.heartbeat, &first);
  if (start == Start::kClientGone) {
    // Nobody to answer: write nothing and close.
    ctx.conn.TakeOver();
    return;
  }
  if (start == Start::kFinished && !call->status().ok()) {
    httplib::Headers headers;
    AddResponseMetadataHeaders(*call->context(), false, &headers);
    AddResponseMetadataHeaders(*call->context(), true, &headers);
    for (auto& h : headers) ctx.res.headers.insert(h);
    return WriteError(ctx, call->status());
  }

  httplib::Headers headers = ctx.res.headers;  // what dispatch set (CORS, the request hook)
  AddResponseMetadataHeaders(*call->context(), false, &headers);
  std::unique_ptr<SseWriter> sse = SseWriter::Start(ctx.conn, headers);
  if (options.retry.count() > 0) sse->Retry(options.retry);

  std::string data;
  auto on_message = [&](const google::protobuf::Message& response) {
    data.clear();
    grpc::Status st = AppendMessageJson(response, &data, ctx.options.json_output);
    if (!st.ok()) {
      data = StatusToJson(grpc::Status(grpc::StatusCode::INTERNAL, "response has no JSON form: " + st.error_message()));
      sse->Send(data, "failure");
      return false;
    }
    return sse->Send(data, FieldText(response, ctx.binding.sse_event_field),
                     FieldText(response, ctx.binding.sse_id_field));
  };
  auto on_idle = [&] { return sse->Comment("keep-alive"); };

  bool client_left = false;
  if (start == Start::kMessage && !on_message(*first)) client_left = true;
  if (start == Start::kQuiet && !on_idle()) client_left = true;
  if (client_left) {
    call->Cancel();
    return;
  }
  if (start != Start::kFinished && !PumpResponses(ctx, *call, on_message, options.heartbeat, on_idle)) return;

  grpc::Status status = call->status();
  if (status.ok()) {
    if (options.end_of_stream) {
      const SseEvent& eos = *options.end_of_stream;
      sse->Send(eos.data, eos.event, eos.id);
    }
  } else {
    sse->Send(StatusToJson(status, ctx.options.json_output), "failure");
  }
}

}  // namespace internal
}  // namespace grpcgw
