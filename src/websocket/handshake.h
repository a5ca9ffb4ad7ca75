// The server side of the RFC 6455 opening handshake (section 4.2): decide
// whether a request asks for a WebSocket, whether it may have one, and
// write the 101 response.
//
//   HeaderLookup headers = [&](std::string_view name) -> std::optional<std::string> {
//     ...  // the request's header, repeated headers joined with ", "
//   };
//   if (IsUpgradeRequest(headers)) {
//     HandshakeResult result = CheckHandshake(req.method, req.version, headers, options);
//     if (!result.ok()) { ... reply result.status, result.error, result.headers ... }
//     Write(BuildHandshakeResponse(result));   // then speak frames
//   }
//
// What it does not do: read or write sockets, negotiate extensions (none
// are offered back, so permessage-deflate requests are simply declined), or
// handle HTTP/2 (RFC 8441) upgrades.
#ifndef GRPCGW_SRC_WEBSOCKET_HANDSHAKE_H_
#define GRPCGW_SRC_WEBSOCKET_HANDSHAKE_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grpcgw::internal {

// The value of the named request header (names are case-insensitive), with
// repeated headers joined by ", " as RFC 9110 section 5.3 allows for list
// headers; nullopt when absent.
using HeaderLookup = std::function<std::optional<std::string>(std::string_view name)>;

// Sec-WebSocket-Accept for a Sec-WebSocket-Key:
// base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
std::string ComputeAcceptKey(std::string_view client_key);

// True when `list` (a comma-separated header value) contains `token`,
// compared case-insensitively, ignoring spaces and tabs around elements.
bool HeaderHasToken(std::string_view list, std::string_view token);

// Whether the request asks to become a WebSocket: `Upgrade` lists the token
// "websocket" and `Connection` lists "upgrade" (both case-insensitive). Says
// nothing about whether the request is acceptable: see CheckHandshake().
bool IsUpgradeRequest(const HeaderLookup& headers);

struct HandshakeOptions {
  // Subprotocols the server speaks, most preferred first. The first of them
  // that the client offers in Sec-WebSocket-Protocol is selected (matched
  // case-sensitively, as tokens); none offered or none matching selects
  // none, and the handshake still succeeds.
  std::vector<std::string> subprotocols;

  // Origins accepted besides the request's own. An entry with "://" is
  // compared to the whole Origin header ("https://app.example.com:8443"),
  // one without to its host[:port] ("app.example.com:8443"), both
  // case-insensitively; "*" accepts every origin.
  std::vector<std::string> allowed_origins;

  // Requests without an Origin header come from non-browser clients, which
  // can forge it anyway; they are accepted unless this is false.
  bool allow_missing_origin = true;
};

// The decision on an upgrade request.
struct HandshakeResult {
  // 101 when accepted; otherwise the HTTP status of the refusal: 400 (not a
  // valid WebSocket request), 403 (origin not allowed) or 426 (unsupported
  // Sec-WebSocket-Version).
  int status = 101;
  // Why the request was refused (empty when accepted). Safe to show the
  // client.
  std::string error;
  // Headers the refusal must carry (426: Sec-WebSocket-Version: 13).
  std::vector<std::pair<std::string, std::string>> headers;
  // When accepted: the Sec-WebSocket-Accept value and the selected
  // subprotocol (empty for none).
  std::string accept_key;
  std::string subprotocol;

  bool ok() const { return status == 101; }
};

// Validates an upgrade request. `method` is the request method ("GET"),
// `http_version` the request line's version ("HTTP/1.1"). Checks, in order:
// GET (400), HTTP/1.1 or later (400), Upgrade and Connection as in
// IsUpgradeRequest() (400), a Host header (400), Sec-WebSocket-Version 13
// (426, with the Sec-WebSocket-Version header), a Sec-WebSocket-Key that is
// base64 of 16 bytes (400), and the Origin: the same host[:port] as Host,
// default ports (80, 443) implied, or listed in options.allowed_origins
// (403). Then selects the subprotocol.
HandshakeResult CheckHandshake(std::string_view method, std::string_view http_version,
                               const HeaderLookup& headers,
                               const HandshakeOptions& options);

// The whole 101 response for an accepted handshake: status line, Upgrade,
// Connection, Sec-WebSocket-Accept, Sec-WebSocket-Protocol when one was
// selected, `extra_headers`, and the blank line. Precondition: result.ok().
std::string BuildHandshakeResponse(
    const HandshakeResult& result,
    const std::vector<std::pair<std::string, std::string>>& extra_headers = {});

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_WEBSOCKET_HANDSHAKE_H_
