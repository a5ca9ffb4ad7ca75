// Server-Sent Events for server-streaming and bidi methods (DESIGN.md
// section 4): one event per response, flushed as it comes; the
// End-of-stream event when the service ends OK; `event: failure` when it
// fails after the stream started; heartbeats while idle; the client leaving
// cancels the call.
#include "gateway/stream_common.h"
#include "grpcgw/json.h"
#include "grpcgw/sse_writer.h"
#include "grpcgw/status.h"

namespace grpcgw {
namespace internal {

void ServeSse(RequestContext& ctx) {
  StreamSlot slot(*ctx.binding.gateway);
  if (!slot.ok()) {
    return WriteError(ctx, grpc::Status(grpc::StatusCode::UNAVAILABLE, "too many open streams"), 503);
  }
  HttpError http_error;
  BodyReader body(ctx.conn, ctx.req, ctx.options.max_request_body_bytes, ctx.options.chunked.idle_timeout);
  if (!body.Drain()) ctx.conn.CloseAfterResponse();

  std::shared_ptr<StreamCall> call;
  grpc::Status s = StartStream(ctx, /*send_request=*/true, &call);
  if (!s.ok()) return WriteError(ctx, s);
  if (!AwaitStreamStart(ctx, *call)) return;

  // A failure before the stream started is an ordinary HTTP error.
  if (call->Finished() && call->BufferedResponses() == 0 && !call->status().ok()) {
    httplib::Headers headers;
    AddResponseMetadataHeaders(*call->context(), false, &headers);
    AddResponseMetadataHeaders(*call->context(), true, &headers);
    for (auto& h : headers) ctx.res.headers.insert(h);
    return WriteError(ctx, call->status());
  }

  httplib::Headers headers;
  AddResponseMetadataHeaders(*call->context(), false, &headers);
  std::unique_ptr<SseWriter> sse = SseWriter::Start(ctx.conn, headers);
  const SseOptions& options = ctx.options.sse;
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
  if (!PumpResponses(ctx, *call, on_message, options.heartbeat, on_idle)) return;

  grpc::Status status = call->status();
  if (status.ok()) {
    if (options.end_of_stream) {
      const SseEvent& eos = *options.end_of_stream;
      sse->Send(eos.data, eos.event, eos.id);
    }
  } else {
    sse->Send(StatusToJson(status), "failure");
  }
}

}  // namespace internal
}  // namespace grpcgw
