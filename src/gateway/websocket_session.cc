// WebSocket transport: replaced by the RFC 6455 session.
#include "gateway/gateway_state.h"

namespace grpcgw {
namespace internal {

void ServeWebSocket(RequestContext& ctx) {
  ctx.conn.CloseAfterResponse();
  WriteError(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "WebSocket transport not available"), 501);
}

}  // namespace internal
}  // namespace grpcgw
