// The OpenAPI document a gateway serves (GatewayOptions::openapi): written
// when the gateway is mounted, from the service's descriptors, the comments
// its generated header embeds (OpenApiSource) and the gateway's options, by
// the same writer protoc-gen-grpcgw uses for its .openapi.json files; then
// served as a plain HttpServer route.
#ifndef GRPCGW_GATEWAY_OPENAPI_ROUTE_H_
#define GRPCGW_GATEWAY_OPENAPI_ROUTE_H_

#include <memory>
#include <string>

#include "gateway/gateway_state.h"
#include "grpcgw/http_server.h"

namespace grpcgw {
namespace internal {

// The document `gateway` serves, or null when its options do not ask for
// one. Throws std::invalid_argument when they do and the header embeds no
// OpenAPI source, the path is not absolute, a binding of the gateway
// answers GET on the path, or the document cannot be written.
std::shared_ptr<const std::string> OpenApiDocument(const GatewayState& gateway);

// Answers GET (and HEAD) `path` on `http` with `document` (application/json).
void ServeOpenApiDocument(HttpServer& http, const std::string& path,
                          std::shared_ptr<const std::string> document);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_OPENAPI_ROUTE_H_
