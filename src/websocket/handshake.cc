#include "websocket/handshake.h"

#include <algorithm>
#include <cctype>

#include "text/base64.h"
#include "websocket/sha1.h"

namespace grpcgw::internal {
namespace {

// Appended to the client's key before hashing (RFC 6455 section 1.3).
constexpr char kAcceptGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

// Refusal messages, shown to the client in the error response.

// The opening handshake must be a GET (section 4.1, item 2).
constexpr char kErrMethod[] = "WebSocket handshake must use GET";
// HTTP/1.1 or later is required (section 4.1, item 2).
constexpr char kErrHttpVersion[] = "WebSocket handshake requires HTTP/1.1 or later";
// Upgrade: websocket and Connection: Upgrade are both required.
constexpr char kErrNotUpgrade[] =
    "WebSocket handshake requires Upgrade: websocket and Connection: Upgrade";
// Host is required (section 4.1, item 4).
constexpr char kErrNoHost[] = "WebSocket handshake requires a Host header";
// Only version 13 is spoken (section 4.4).
constexpr char kErrVersion[] = "unsupported Sec-WebSocket-Version; supported: 13";
// The key must be base64 of 16 bytes (section 4.1, item 7).
constexpr char kErrKey[] = "Sec-WebSocket-Key must be the base64 encoding of 16 bytes";
// Cross-origin request from an origin that is not allowed.
constexpr char kErrOrigin[] = "WebSocket origin not allowed";

bool IsSpaceOrTab(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpaceOrTab(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpaceOrTab(s.back())) s.remove_suffix(1);
  return s;
}

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
  }
  return true;
}

// Calls `fn` with each trimmed, non-empty element of a comma-separated list
// until it returns true; returns whether it did.
template <typename Fn>
bool AnyListElement(std::string_view list, Fn fn) {
  while (true) {
    const size_t comma = list.find(',');
    std::string_view element = Trim(list.substr(0, comma));
    if (!element.empty() && fn(element)) return true;
    if (comma == std::string_view::npos) return false;
    list.remove_prefix(comma + 1);
  }
}

// "HTTP/<major>[.<minor>]" with major.minor >= 1.1.
bool IsHttp11OrLater(std::string_view version) {
  constexpr std::string_view kPrefix = "HTTP/";
  if (version.substr(0, kPrefix.size()) != kPrefix) return false;
  version.remove_prefix(kPrefix.size());
  int major = 0, minor = 0;
  size_t i = 0;
  if (i == version.size() || !std::isdigit(static_cast<unsigned char>(version[i]))) return false;
  for (; i < version.size() && std::isdigit(static_cast<unsigned char>(version[i])); ++i) {
    major = std::min(major * 10 + (version[i] - '0'), 1000);
  }
  if (i < version.size()) {
    if (version[i] != '.') return false;
    ++i;
    if (i == version.size()) return false;
    for (; i < version.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(version[i]))) return false;
      minor = std::min(minor * 10 + (version[i] - '0'), 1000);
    }
  }
  return major > 1 || (major == 1 && minor >= 1);
}

struct HostPort {
  std::string_view host;
  std::string_view port;  // empty when absent
};

// Splits "host[:port]", where host may be a bracketed IPv6 literal.
HostPort SplitHostPort(std::string_view s) {
  const size_t colon = s.rfind(':');
  const size_t bracket = s.rfind(']');
  if (colon == std::string_view::npos ||
      (bracket != std::string_view::npos && bracket > colon)) {
    return {s, {}};
  }
  return {s.substr(0, colon), s.substr(colon + 1)};
}

std::string_view DefaultPort(std::string_view scheme) {
  if (EqualsIgnoreCase(scheme, "http") || EqualsIgnoreCase(scheme, "ws")) return "80";
  if (EqualsIgnoreCase(scheme, "https") || EqualsIgnoreCase(scheme, "wss")) return "443";
  return {};
}

// Origin is "scheme://host[:port]" (RFC 6454 section 6.1) or "null".
struct ParsedOrigin {
  bool valid = false;
  std::string_view scheme;
  std::string_view host_port;
};

ParsedOrigin ParseOrigin(std::string_view origin) {
  ParsedOrigin parsed;
  const size_t sep = origin.find("://");
  if (sep == std::string_view::npos || sep == 0) return parsed;
  parsed.scheme = origin.substr(0, sep);
  parsed.host_port = origin.substr(sep + 3);
  // Tolerate a trailing slash or path, which browsers do not send.
  parsed.host_port = parsed.host_port.substr(0, parsed.host_port.find('/'));
  parsed.valid = !parsed.host_port.empty();
  return parsed;
}

bool IsSameOrigin(const ParsedOrigin& origin, std::string_view host_header) {
  if (!origin.valid) return false;
  const HostPort a = SplitHostPort(origin.host_port);
  const HostPort b = SplitHostPort(Trim(host_header));
  if (!EqualsIgnoreCase(a.host, b.host)) return false;
  const std::string_view default_port = DefaultPort(origin.scheme);
  const std::string_view port_a = a.port.empty() ? default_port : a.port;
  const std::string_view port_b = b.port.empty() ? default_port : b.port;
  return port_a == port_b;
}

bool IsAllowedOrigin(std::string_view origin, const std::optional<std::string>& host,
                     const HandshakeOptions& options) {
  const ParsedOrigin parsed = ParseOrigin(origin);
  if (host && IsSameOrigin(parsed, *host)) return true;
  for (const std::string& allowed : options.allowed_origins) {
    if (allowed == "*") return true;
    if (allowed.find("://") != std::string::npos) {
      if (EqualsIgnoreCase(allowed, origin)) return true;
    } else if (parsed.valid && EqualsIgnoreCase(allowed, parsed.host_port)) {
      return true;
    }
  }
  return false;
}

HandshakeResult Refuse(int status, std::string error) {
  HandshakeResult result;
  result.status = status;
  result.error = std::move(error);
  return result;
}

}  // namespace

std::string ComputeAcceptKey(std::string_view client_key) {
  Sha1 hash;
  hash.Update(client_key);
  hash.Update(kAcceptGuid);
  return Base64Encode(hash.Finish());
}

bool HeaderHasToken(std::string_view list, std::string_view token) {
  return AnyListElement(list, [token](std::string_view element) {
    return EqualsIgnoreCase(element, token);
  });
}

bool IsUpgradeRequest(const HeaderLookup& headers) {
  const std::optional<std::string> upgrade = headers("Upgrade");
  if (!upgrade || !HeaderHasToken(*upgrade, "websocket")) return false;
  const std::optional<std::string> connection = headers("Connection");
  return connection && HeaderHasToken(*connection, "upgrade");
}

HandshakeResult CheckHandshake(std::string_view method, std::string_view http_version,
                               const HeaderLookup& headers,
                               const HandshakeOptions& options) {
  if (method != "GET") return Refuse(400, kErrMethod);
  if (!IsHttp11OrLater(http_version)) return Refuse(400, kErrHttpVersion);
  if (!IsUpgradeRequest(headers)) return Refuse(400, kErrNotUpgrade);
  const std::optional<std::string> host = headers("Host");
  if (!host || Trim(*host).empty()) return Refuse(400, kErrNoHost);

  const std::optional<std::string> version = headers("Sec-WebSocket-Version");
  if (!version || Trim(*version) != "13") {
    HandshakeResult result = Refuse(426, kErrVersion);
    result.headers.emplace_back("Sec-WebSocket-Version", "13");
    return result;
  }

  const std::optional<std::string> key_header = headers("Sec-WebSocket-Key");
  const std::string_view key = key_header ? Trim(*key_header) : std::string_view();
  std::string key_bytes;
  if (!Base64Decode(key, &key_bytes) || key_bytes.size() != 16) {
    return Refuse(400, kErrKey);
  }

  const std::optional<std::string> origin = headers("Origin");
  if (origin ? !IsAllowedOrigin(Trim(*origin), host, options)
             : !options.allow_missing_origin) {
    return Refuse(403, kErrOrigin);
  }

  HandshakeResult result;
  result.accept_key = ComputeAcceptKey(key);
  if (const std::optional<std::string> offered = headers("Sec-WebSocket-Protocol")) {
    for (const std::string& protocol : options.subprotocols) {
      if (AnyListElement(*offered, [&protocol](std::string_view element) {
            return element == protocol;
          })) {
        result.subprotocol = protocol;
        break;
      }
    }
  }
  return result;
}

std::string BuildHandshakeResponse(
    const HandshakeResult& result,
    const std::vector<std::pair<std::string, std::string>>& extra_headers) {
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  response += result.accept_key;
  response += "\r\n";
  if (!result.subprotocol.empty()) {
    response += "Sec-WebSocket-Protocol: ";
    response += result.subprotocol;
    response += "\r\n";
  }
  for (const auto& [name, value] : extra_headers) {
    response += name;
    response += ": ";
    response += value;
    response += "\r\n";
  }
  response += "\r\n";
  return response;
}

}  // namespace grpcgw::internal
