// How the event loop reads a request's body before a handler runs: the
// plan the gateway (or the user routes) give for one request head.
#ifndef GRPCGW_SERVER_FRONT_DOOR_H_
#define GRPCGW_SERVER_FRONT_DOOR_H_

#include <cstdint>
#include <functional>

#include "server/http1_parser.h"

namespace grpcgw {
namespace internal {

struct BodyPlan {
  // The handler reads the body itself, as it arrives (streamed uploads);
  // otherwise the loop reads all of it before the handler runs.
  bool streamed = false;
  // The most body bytes accepted; more is answered `too_large_status`.
  uint64_t max_bytes = 0;
  int too_large_status = 413;
  // The handler returns at once, without blocking (binding and starting a
  // gateway unary call): the loop may run it itself instead of handing it
  // to a worker (HttpServerOptions::unary_on_loop).
  bool quick = false;
  // The gateway serves the request: its handler runs without httplib's
  // request processing (HttpServer::ProcessDirect).
  bool gateway = false;
};

// True when the gateway serves this request; fills *plan.
using GatewayClassifier = std::function<bool(const RequestHead& head, BodyPlan* plan)>;

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_FRONT_DOOR_H_
