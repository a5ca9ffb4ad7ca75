// What the three streaming transports share: starting the call with the
// request's metadata and deadline, waiting for it to start while watching
// the client, and the pump that moves responses to the client with
// heartbeats and departure checks.
#ifndef GRPCGW_GATEWAY_STREAM_COMMON_H_
#define GRPCGW_GATEWAY_STREAM_COMMON_H_

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "gateway/gateway_state.h"
#include "grpcgw/stream_call.h"

namespace grpcgw {
namespace internal {

// Starts ctx's streaming call. A server-streaming call gets ctx.request as
// its request; with `send_request` a bidi call gets it as its only request
// and is half-closed (SSE, WebSocket server-streaming semantics do this
// themselves). Errors are statuses to answer with.
grpc::Status StartStream(RequestContext& ctx, bool send_request, std::shared_ptr<StreamCall>* call);

// Waits until the call sent its initial metadata, a message, or ended.
// Returns false (and cancels the call) if the client left first.
bool AwaitStreamStart(RequestContext& ctx, StreamCall& call);

// Moves responses to the client until the call ends or the client leaves.
//   on_message: write one response; false = client gone.
//   on_idle: called when `idle` passed with nothing written (a heartbeat);
//            false = client gone. May be null.
// Checks for a departed client at least every 250 ms. Returns true if the
// call finished (call.status() holds the result), false if the client left
// (the call was cancelled).
bool PumpResponses(RequestContext& ctx, StreamCall& call,
                   const std::function<bool(const google::protobuf::Message&)>& on_message,
                   std::chrono::milliseconds idle, const std::function<bool()>& on_idle);

// The text of a top-level scalar field (for SSE id: and event:): strings as
// they are, numbers in decimal, enums by name, bools true/false, messages as
// JSON. Empty if unset.
std::string FieldText(const google::protobuf::Message& message, const google::protobuf::FieldDescriptor* field);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_STREAM_COMMON_H_
