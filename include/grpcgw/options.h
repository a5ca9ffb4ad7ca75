// grpcgw/options.h: everything a gateway lets you set, with its default.
//
//   grpcgw::GatewayOptions options;
//   options.max_request_body_bytes = 1 << 20;
//   options.sse.heartbeat = std::chrono::seconds(5);
//   options.websocket.allowed_origins = {"https://app.example.com"};
//   grpcgw::Gateway<chat::Chat> gateway(*server, options);
//
// Defaults follow what grpc-gateway users expect (unpopulated fields printed,
// unknown input fields ignored); set `json_output` / `json_input` to
// grpcgw::JsonOptions{} for the strict specification behaviour.
#ifndef GRPCGW_OPTIONS_H_
#define GRPCGW_OPTIONS_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/support/status.h>

#include "grpcgw/json.h"
#include "grpcgw/stream_call.h"

namespace httplib {
struct Request;
struct Response;
}  // namespace httplib

namespace grpcgw {

// An SSE event the gateway writes by itself (the end-of-stream event).
struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

struct SseOptions {
  // A comment line (": keep-alive") after this long without an event; also
  // the longest time a departed client goes unnoticed.
  std::chrono::milliseconds heartbeat{15000};
  // Sent when the service ends the stream OK; nullopt sends none.
  std::optional<SseEvent> end_of_stream = SseEvent{"EOS", "EOS", ""};
  // `retry:` (milliseconds) sent at the start of the stream; 0 sends none.
  std::chrono::milliseconds retry{0};
  // The response head goes out when the call has run this long without
  // failing (or at once when the service sends its initial metadata or a
  // message), so that EventSource.onopen fires on a quiet stream; a failure
  // within it is an HTTP error status.
  std::chrono::milliseconds open_grace{50};
  // Sent to open streams when the server shuts down (HttpServer::stop),
  // before the connection closes; nullopt sends none.
  std::optional<SseEvent> on_shutdown = SseEvent{"", "shutdown", ""};
  // Response fields whose values become `id:` / `event:` for methods that
  // name none in (grpcgw.method).
  std::string id_field;
  std::string event_field;
};

struct WebSocketOptions {
  // Origins allowed besides the request's own (Origin host == Host);
  // "*" allows every origin.
  std::vector<std::string> allowed_origins;
  // Subprotocols the server accepts, in order of preference.
  std::vector<std::string> subprotocols;
  // Ping after this long without traffic; a peer that does not answer
  // within another interval is closed. 0 disables pings.
  std::chrono::milliseconds ping_interval{30000};
};

struct ChunkedOptions {
  // Write each message as a bare line (and the error status as the last
  // line) instead of {"result":...} / {"error":...}.
  bool bare_lines = false;
  // A request body that sends nothing for this long is abandoned and the
  // call cancelled.
  std::chrono::milliseconds idle_timeout{30000};
};

// Cross-origin requests from browsers (the Fetch standard's CORS protocol).
// Off until an origin is allowed. When on, for every path a binding of the
// gateway matches:
//   - a preflight (OPTIONS with Origin and Access-Control-Request-Method) is
//     answered 200 by the gateway, with the allowed methods, headers and
//     max-age, before any hook or route runs; an origin not allowed gets 403;
//   - every other response (unary, errors, SSE, chunked) to a request with
//     an allowed Origin carries Access-Control-Allow-Origin (and -Credentials,
//     -Expose-Headers when set);
//   - a WebSocket upgrade from an allowed origin is accepted, as from the
//     origins in WebSocketOptions::allowed_origins.
struct CorsOptions {
  // Origins allowed, each compared whole and case-insensitively
  // ("https://app.example.com"), or "*" for every origin.
  std::vector<std::string> allowed_origins;
  // Decides the origins the list does not name, when set.
  std::function<bool(std::string_view origin)> allow_origin;
  // Methods a preflight may ask for; empty: every method bound on the path.
  std::vector<std::string> allowed_methods;
  // Request headers a preflight may ask for; empty: whatever it asks for.
  std::vector<std::string> allowed_headers;
  // Response headers the page may read besides the CORS-safelisted ones.
  std::vector<std::string> exposed_headers;
  // Also expose the Grpc-Metadata-* and Grpc-Trailer-* headers a unary
  // response carries (stream heads expose `exposed_headers` only).
  bool expose_grpc_metadata = true;
  // Access-Control-Allow-Credentials: true (cookies, HTTP auth). With "*"
  // the request's origin is echoed, as the standard requires.
  bool allow_credentials = false;
  // How long a browser may cache a preflight; 0 sends no Access-Control-Max-Age.
  std::chrono::seconds max_age{600};

  bool enabled() const { return !allowed_origins.empty() || static_cast<bool>(allow_origin); }
};

// What a request hook decided.
enum class HookResult {
  kContinue,  // serve the request (headers the hook added to the response stay)
  kAnswered,  // send the response as the hook left it (set its status)
};

// Runs for every request to a path of the gateway's bindings, after routing
// and CORS (preflights never reach it; CORS headers are already on the
// response) and before anything else: 405 and 400 answers, reading the body,
// the call. It may answer the request itself (authentication, rate limits)
// or add response headers (request ids), which every transport sends (not
// the 101 of a WebSocket). Runs on the request's worker thread, concurrently
// with other requests.
using RequestHook = std::function<HookResult(const httplib::Request& req, httplib::Response& res)>;

struct CompressionOptions {
  // A response body of at least this many bytes, of a compressible media
  // type (JSON, text/*, XML, JavaScript, SVG), is gzipped when the request's
  // Accept-Encoding accepts gzip; smaller ones go out as they are.
  // SIZE_MAX compresses nothing. Streams (SSE, chunked, WebSocket) are
  // never compressed.
  size_t min_bytes = 1024;
};

// The service's OpenAPI 3.1 document, served by the gateway. It needs the
// service's header generated with OpenAPI (`grpcgw_generate(... OPENAPI)`);
// the document is written when the gateway is mounted, from the descriptors
// and the comments the header embeds, and reflects this gateway's options
// (json_output names and unpopulated fields, enums_as_ints, SSE and
// chunked framing, WebSocket subprotocols). Each gateway serves its own
// service's document: gateways sharing an HttpServer need their own paths.
struct OpenApiOptions {
  bool serve = false;                 // GET `path` answers with the document
  std::string path = "/openapi.json";
};

// Decides which request headers become gRPC metadata, and under what key.
// Return false to drop the header. `key` is the header name as received.
using HeaderMatcher = std::function<bool(std::string_view key, std::string* metadata_key)>;

struct GatewayOptions {
  // Response JSON (the grpc-gateway default: unpopulated fields printed).
  JsonOptions json_output = [] {
    JsonOptions o;
    o.emit_unpopulated = true;
    return o;
  }();
  // Request JSON (the grpc-gateway default: unknown fields ignored).
  JsonOptions json_input = [] {
    JsonOptions o;
    o.ignore_unknown_fields = true;
    return o;
  }();

  // Limits. A body over max_request_body_bytes gets 413 (streamed uploads
  // are bounded per message and by max_stream_upload_bytes instead); one
  // message over max_message_bytes gets 413 / the error record / WebSocket
  // close 1009.
  size_t max_request_body_bytes = 4 << 20;
  // The whole upload of a streamed request (client-streaming or bidi over
  // chunked transfer), which is otherwise bounded per message only
  // (max_message_bytes); 0 is no limit.
  size_t max_stream_upload_bytes = 0;
  size_t max_message_bytes = 4 << 20;
  // Streaming calls open at once across the gateway; beyond: 503. An open
  // stream costs memory on the server's event loop, not a thread.
  size_t max_concurrent_streams = 100000;
  StreamLimits stream_limits;

  // Query parameters that name no field: ignored (false) or 400 (true).
  bool reject_unknown_query_parameters = false;
  // Replaces the default header rule (DESIGN.md section 4) when set.
  HeaderMatcher incoming_header_matcher;
  // Deadline for calls whose request has no Grpc-Timeout; 0 = none.
  std::chrono::milliseconds default_timeout{0};

  // See RequestHook.
  RequestHook request_hook;

  // Called before an error response is written (unary, and stream errors
  // before the first message); it may change the response. The default body
  // is already set. It runs on the event loop, or for a unary call's status
  // on the gRPC thread that completed the call: it must not block.
  std::function<void(const grpc::Status&, const httplib::Request&, httplib::Response&)> error_handler;

  SseOptions sse;
  WebSocketOptions websocket;
  ChunkedOptions chunked;
  CompressionOptions compression;
  CorsOptions cors;
  OpenApiOptions openapi;
};

}  // namespace grpcgw

#endif  // GRPCGW_OPTIONS_H_
