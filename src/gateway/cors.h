// CORS for gateway routes (GatewayOptions::cors): preflight answers and the
// headers of actual responses.
//
//   if (IsPreflight(req) && cors.enabled()) AnswerPreflight(cors, req, methods_on_path, res);
//   else AddCorsHeaders(cors, req, res);    // before the transport writes anything
#ifndef GRPCGW_GATEWAY_CORS_H_
#define GRPCGW_GATEWAY_CORS_H_

#include <httplib.h>

#include <string>
#include <string_view>
#include <vector>

#include "grpcgw/options.h"

namespace grpcgw {
namespace internal {

// OPTIONS with Origin and Access-Control-Request-Method.
bool IsPreflight(const httplib::Request& req);

bool OriginAllowed(const CorsOptions& cors, std::string_view origin);

// Answers a preflight into `res`: 200 with the Access-Control-Allow-*
// headers, or 403 (JSON error body) for an origin that is not allowed.
// `path_methods`: the methods bound on the request's path.
void AnswerPreflight(const CorsOptions& cors, const httplib::Request& req,
                     const std::vector<std::string>& path_methods, httplib::Response& res);

// For a request that is not a preflight: Access-Control-Allow-Origin (and
// -Credentials, -Expose-Headers) when its Origin is allowed, Vary: Origin
// when the answer depends on it. Nothing when CORS is off.
void AddCorsHeaders(const CorsOptions& cors, const httplib::Request& req, httplib::Response& res);

// Adds the Grpc-Metadata-* / Grpc-Trailer-* headers of `res` to its
// Access-Control-Expose-Headers, if it has CORS headers and `cors` says so.
void ExposeMetadataHeaders(const CorsOptions& cors, httplib::Response& res);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_CORS_H_
