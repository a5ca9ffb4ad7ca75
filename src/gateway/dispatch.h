// GatewayDispatch: the routes of every gateway mounted on one HttpServer.
//
// Mount() compiles a gateway's bindings (templates, field paths, body and
// response fields) and adds them to one Router, refusing invalid or
// ambiguous ones as a whole. Handle() runs as the HttpServer's pre-routing
// hook on a worker thread: a request no template matches is left to
// httplib's own routes (Unhandled); anything else is answered here.
//
// Thread-safety: Mount before the server listens; Handle runs concurrently.
#ifndef GRPCGW_GATEWAY_DISPATCH_H_
#define GRPCGW_GATEWAY_DISPATCH_H_

#include <httplib.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/gateway_state.h"
#include "routing/router.h"
#include "server/front_door.h"

namespace grpcgw {
namespace internal {

class GatewayDispatch {
 public:
  GatewayDispatch();
  ~GatewayDispatch();

  // Throws std::invalid_argument naming every problem; adds nothing then.
  void Mount(const std::shared_ptr<GatewayState>& gateway);

  httplib::Server::HandlerResponse Handle(const httplib::Request& req, httplib::Response& res);

  // On the event loop, for a request head: whether the gateway serves it,
  // and how its body is read (see server/front_door.h).
  bool Classify(const RequestHead& head, BodyPlan* plan) const;

 private:
  void Serve(RequestContext& ctx, const Router::Match& match, std::string_view query);
  const CompiledBinding* BindingForPath(std::string_view path, const std::vector<std::string>& methods) const;
  std::vector<std::string> MethodsOnPath(std::string_view path) const;
  Router::Outcome RouteWebSocketUpgrade(std::string_view path, const std::vector<std::string>& methods,
                                        Router::Match* match) const;

  Router router_;
  std::vector<std::unique_ptr<CompiledBinding>> bindings_;  // index = router target
  std::vector<std::shared_ptr<GatewayState>> gateways_;     // keeps bindings' owners alive
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_DISPATCH_H_
