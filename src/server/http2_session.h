// HTTP/2 on a connection: an nghttp2 server session run as the
// connection's stream handler (server/stream_io.h) on its event loop.
//
// The connection turns into an HTTP/2 connection when its first bytes are
// the client preface (h2c with prior knowledge), or when TLS negotiated
// "h2". HPACK, framing, flow control and the protocol's checks are
// nghttp2's; this file maps streams onto the server's HTTP/1.1 machinery:
//
//   - each request stream is re-expressed as an HTTP/1.1 request (a head
//     made from the pseudo-headers and fields, the DATA as a Content-Length
//     or chunked body, `Connection: close`) and written into one end of a
//     socket pair whose other end the server serves as an ordinary
//     connection (Http2Host::OpenStream): the same front door (limits,
//     route body plans, JSON errors), workers, routes and stream handlers
//     as over HTTP/1.1, unchanged;
//   - the HTTP/1.1 response read back from the pair becomes HEADERS and
//     DATA (Content-Length, chunked and close-delimited bodies; a chunked
//     body's trailer fields become HTTP/2 trailers; connection-specific
//     fields dropped);
//   - RFC 8441 extended CONNECT (`:protocol websocket`) becomes a WebSocket
//     upgrade request (with a fresh Sec-WebSocket-Key); its 101 answer
//     becomes `:status 200`, and the frames go as DATA both ways.
//
// Flow control is end to end through the pair: DATA is consumed (window
// given back to the peer) only once written into the pair, so a stream
// handler that pauses reading closes that stream's window; a stream whose
// window is closed is not read from the pair beyond a small buffer, so the
// serving connection's queue grows and its handler stops pulling gRPC
// messages. Other streams are not held up: the connection-level window is
// given back as soon as DATA arrives (buffered bytes per stream are bounded
// by the stream window).
//
// Hardening: the header list (decoded) is bounded by max_head_bytes (431),
// concurrent streams by SETTINGS_MAX_CONCURRENT_STREAMS (nghttp2 refuses
// the excess with REFUSED_STREAM, or a PROTOCOL_ERROR GOAWAY once the peer
// acknowledged the setting), client resets by a token bucket (GOAWAY
// ENHANCE_YOUR_CALM: CVE-2023-44487), queued PING/SETTINGS acknowledgements
// and SETTINGS entries by nghttp2's bounds (the connection closes), and
// CONTINUATION frames per header block by nghttp2's bound.
#ifndef GRPCGW_SERVER_HTTP2_SESSION_H_
#define GRPCGW_SERVER_HTTP2_SESSION_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "server/stream_io.h"

namespace grpcgw {
struct HttpServerOptions;

namespace internal {
class EventLoop;

// Counters (tests, benchmarks); owned by the server.
struct Http2Stats {
  std::atomic<uint64_t> connections{0};
  std::atomic<uint64_t> streams{0};
  std::atomic<uint64_t> extended_connects{0};  // RFC 8441 WebSocket streams
  std::atomic<uint64_t> goaways_calm{0};       // GOAWAY ENHANCE_YOUR_CALM sent
};

// What a session needs from the server, on the connection's loop thread.
struct Http2Host {
  std::shared_ptr<EventLoop> loop;
  const HttpServerOptions* options = nullptr;
  Http2Stats* stats = nullptr;
  // Opens an internal connection served like one accepted from the
  // listener (on this loop) and returns the session's end of it
  // (non-blocking), or -1. `extended_connect` marks a WebSocket over
  // HTTP/2.
  std::function<int(bool extended_connect)> open_stream;
};

// The 24 bytes every HTTP/2 connection starts with.
inline constexpr std::string_view kHttp2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

std::shared_ptr<StreamHandler> MakeHttp2Session(Http2Host host);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_HTTP2_SESSION_H_
