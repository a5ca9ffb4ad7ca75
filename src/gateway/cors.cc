#include "gateway/cors.h"

#include <strings.h>

#include "gateway/gateway_state.h"
#include "grpcgw/status.h"

namespace grpcgw {
namespace internal {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool AllowsAnyOrigin(const CorsOptions& cors) {
  for (const auto& o : cors.allowed_origins) {
    if (o == "*") return true;
  }
  return false;
}

// A header list a preflight asks for, safe to echo: tokens, commas, spaces.
bool IsTokenList(std::string_view v) {
  for (unsigned char c : v) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ',' || c == ' ' ||
              c == '\t' || c == '-' || c == '_' || c == '.' || c == '!' || c == '#' || c == '$' || c == '%' ||
              c == '&' || c == '\'' || c == '*' || c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
    if (!ok) return false;
  }
  return true;
}

// Access-Control-Allow-Origin (+ Vary, -Credentials) for an allowed origin.
void AddAllowOrigin(const CorsOptions& cors, const std::string& origin, httplib::Response& res) {
  if (AllowsAnyOrigin(cors) && !cors.allow_credentials) {
    SetResponseHeader(res, "Access-Control-Allow-Origin", "*");
  } else {
    SetResponseHeader(res, "Access-Control-Allow-Origin", origin);
  }
  if (cors.allow_credentials) SetResponseHeader(res, "Access-Control-Allow-Credentials", "true");
}

}  // namespace

bool IsPreflight(const httplib::Request& req) {
  return req.method == "OPTIONS" && req.has_header("Origin") && req.has_header("Access-Control-Request-Method");
}

bool OriginAllowed(const CorsOptions& cors, std::string_view origin) {
  for (const auto& o : cors.allowed_origins) {
    if (o == "*" || EqualsIgnoreCase(o, origin)) return true;
  }
  return cors.allow_origin && cors.allow_origin(origin);
}

void AnswerPreflight(const CorsOptions& cors, const httplib::Request& req,
                     const std::vector<std::string>& path_methods, httplib::Response& res) {
  const std::string origin = req.get_header_value("Origin");
  AppendResponseHeaderList(res, "Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers");
  if (!OriginAllowed(cors, origin)) {
    res.status = 403;
    res.set_content(StatusToJson(grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                              "CORS: origin \"" + origin + "\" is not allowed")),
                    "application/json");
    return;
  }
  res.status = 200;
  AddAllowOrigin(cors, origin, res);
  SetResponseHeader(res, "Access-Control-Allow-Methods",
                    Join(cors.allowed_methods.empty() ? path_methods : cors.allowed_methods));
  if (!cors.allowed_headers.empty()) {
    SetResponseHeader(res, "Access-Control-Allow-Headers", Join(cors.allowed_headers));
  } else {
    std::string asked = req.get_header_value("Access-Control-Request-Headers");
    if (!asked.empty() && IsTokenList(asked)) SetResponseHeader(res, "Access-Control-Allow-Headers", asked);
  }
  if (cors.max_age.count() > 0) SetResponseHeader(res, "Access-Control-Max-Age", std::to_string(cors.max_age.count()));
}

void AddCorsHeaders(const CorsOptions& cors, const httplib::Request& req, httplib::Response& res) {
  if (!cors.enabled() || !req.has_header("Origin")) return;
  const std::string origin = req.get_header_value("Origin");
  if (!(AllowsAnyOrigin(cors) && !cors.allow_credentials)) AppendResponseHeaderList(res, "Vary", "Origin");
  if (!OriginAllowed(cors, origin)) return;
  AddAllowOrigin(cors, origin, res);
  if (!cors.exposed_headers.empty()) {
    SetResponseHeader(res, "Access-Control-Expose-Headers", Join(cors.exposed_headers));
  }
}

void ExposeMetadataHeaders(const CorsOptions& cors, httplib::Response& res) {
  if (!cors.expose_grpc_metadata || !res.has_header("Access-Control-Allow-Origin")) return;
  std::string names;
  std::string_view last;  // headers are ordered by name: repeats are adjacent
  for (const auto& [name, value] : res.headers) {
    if (!StartsWithIgnoreCase(name, "Grpc-Metadata-") && !StartsWithIgnoreCase(name, "Grpc-Trailer-")) continue;
    if (EqualsIgnoreCase(name, last)) continue;
    names += (names.empty() ? "" : ", ") + name;
    last = name;
  }
  if (!names.empty()) AppendResponseHeaderList(res, "Access-Control-Expose-Headers", names);
}

}  // namespace internal
}  // namespace grpcgw
