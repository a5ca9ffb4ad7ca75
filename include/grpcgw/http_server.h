// grpcgw/http_server.h: the HTTP server gateways mount on.
//
// A cpp-httplib `httplib::Server` (users add routes with Get/Post/... and
// write handlers against httplib::Request/Response as usual) whose sockets
// are run by a few epoll event-loop threads instead of a thread per
// connection:
//   - the loops accept, read and check request heads and bodies (strict
//     HTTP/1.1 framing, every size and time bounded), keep idle keep-alive
//     connections, and drive every established gateway stream (SSE,
//     WebSocket, chunked) — a connection or a stream costs memory, never a
//     thread;
//   - a worker thread runs only while a handler runs (binding and starting
//     a gateway call, a user's own route), with the request head and body
//     already read;
//   - a handler can take the connection over (`Connection::Current()`):
//     the blocking writers (SseWriter, ChunkWriter, WebSocket) keep the
//     worker for as long as they run, which is what they cost on user
//     routes.
//
//   grpcgw::HttpServer http;
//   http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
//     res.set_content("ok", "text/plain");
//   });
//   gateway.mount(http);                  // gateway routes, before user routes
//   int port = http.bind_to_any_port("127.0.0.1");
//   http.listen_after_bind();             // blocks until stop()
//
// Call the route, listening and stopping functions on the HttpServer type
// (they hide httplib's: the server needs to know the routes to apply body
// limits, and runs its own loops). Errors httplib produces itself (no
// route: 404, ...) and errors of the front door get the gateway's JSON error
// body.
//
// TLS (HttpServerOptions::tls): every connection of the server speaks TLS
// 1.2 or later with OpenSSL; handshakes run on the event loops (bounded by
// head_timeout), and https:// and wss:// serve every route and transport.
//
// HTTP/2: a connection whose first bytes are the HTTP/2 client preface
// (cleartext h2c with prior knowledge, `curl --http2-prior-knowledge`), or
// a TLS connection that agreed on "h2" by ALPN, is served as HTTP/2
// (nghttp2). Each request stream is served exactly like an HTTP/1.1 request
// (same front door, routes, limits and errors; see server/http2_session.h),
// SSE, chunked and WebSocket (RFC 8441 extended CONNECT) streams included.
#ifndef GRPCGW_HTTP_SERVER_H_
#define GRPCGW_HTTP_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

// OpenSSL's context type, as <openssl/types.h> declares it.
typedef struct ssl_ctx_st SSL_CTX;

namespace grpcgw {

// TLS for every connection of an HttpServer; off unless a certificate or a
// context is given.
struct TlsOptions {
  // The certificate chain (the server's certificate first, then the
  // intermediates) and its private key, PEM files. Read when the server
  // binds (an error there makes bind_* fail, the reason in last_error())
  // and again by HttpServer::ReloadCertificates().
  std::string cert_chain_file;
  std::string private_key_file;
  // Or a context the caller configured (certificates, SNI through its
  // servername callback, ciphers, session cache). The server holds a
  // reference (SSL_CTX_up_ref) for as long as it uses it, installs its ALPN
  // selection on it, and raises each connection's minimum to TLS 1.2.
  SSL_CTX* ssl_ctx = nullptr;
  // ALPN: the application protocols the server accepts, its preferred
  // first. A client offering none of them gets no protocol agreed (and is
  // served HTTP/1.1); Connection::protocol() tells what was agreed. "h2"
  // serves the connection as HTTP/2 (dropped from the list when
  // HttpServerOptions::http2 is off).
  std::vector<std::string> alpn_protocols{"h2", "http/1.1"};

  bool enabled() const { return ssl_ctx != nullptr || !cert_chain_file.empty(); }
};

struct HttpServerOptions {
  // Threads. Event loops own the sockets (0: one per core); workers run
  // handlers only (a gateway handler binds and starts its call, then
  // returns). The pool keeps min_threads and grows up to max_threads only
  // while its workers are blocked (tasks wait and none finished for 10 ms:
  // long user handlers). Requests beyond that wait in a queue of at most
  // max_queued_requests; past it they get 503. A worker that cannot be
  // created is a 503 too (the server keeps running).
  size_t event_loops = 0;
  size_t min_threads = 4;
  size_t max_threads = 256;
  size_t max_queued_requests = 4096;
  // Gateway unary requests with a body of at most unary_on_loop_max_body
  // bytes are bound and their call started on the event loop itself, with
  // no hand-off to a worker (one thread wake-up less per call). The
  // gateway's hooks (request_hook, error_handler, the header matcher, a
  // CORS origin predicate) and httplib's logger then run on the loop and
  // must not block. false: every handler runs on a worker.
  bool unary_on_loop = true;
  size_t unary_on_loop_max_body = 64 << 10;

  // Connections. Past max_connections a new connection is accepted,
  // answered 503 and closed. listen_backlog is the kernel's accept queue.
  size_t max_connections = 100000;
  int listen_backlog = 1024;
  // SO_REUSEPORT on the listening socket (several processes sharing a
  // port). Off by default: binding a port in use fails.
  bool reuse_port = false;

  // Request heads: request line (414 beyond), whole head and header count
  // (431 beyond), checked from the first byte without buffering past the
  // limit; the whole head must arrive within head_timeout of its first
  // byte (408 and close).
  size_t max_request_line_bytes = 8192;
  size_t max_head_bytes = 65536;
  size_t max_headers = 100;
  std::chrono::milliseconds head_timeout{10000};

  // Request bodies on routes that are not the gateway's (the gateway has
  // GatewayOptions::max_request_body_bytes): 413 beyond, refused up front
  // when the declared length or a chunk size is over it. A request no route
  // serves gets its 404 after reading at most max_unrouted_body_bytes (and
  // the connection closes when it sent more). set_request_body_limit raises
  // the limit of one route.
  size_t max_request_body_bytes = 4 << 20;
  size_t max_unrouted_body_bytes = 64 << 10;
  // A body must keep arriving at min_body_rate bytes per second, measured
  // over each body_rate_window (408 and close below it).
  size_t min_body_rate = 1024;
  std::chrono::milliseconds body_rate_window{10000};

  // Keep-alive: requests per connection, and how long a connection may
  // wait idle for its next request.
  size_t keep_alive_max_count = 100000;
  std::chrono::seconds keep_alive_timeout{30};
  // Blocking reads and writes of handlers that took a connection over
  // (user routes with SseWriter, ChunkWriter, WebSocket, or reading a body
  // themselves).
  std::chrono::seconds read_timeout{30};
  std::chrono::seconds write_timeout{30};

  // stop(): how long open streams and running handlers get to end before
  // the rest is cancelled.
  std::chrono::milliseconds shutdown_grace{5000};

  // HTTP/2 (h2c with prior knowledge). Off: the preface is refused like
  // any malformed HTTP/1.1 request. The streams a client may have open at
  // once on one connection (SETTINGS_MAX_CONCURRENT_STREAMS); each open
  // stream is served as one internal connection (two descriptors), and
  // counts towards max_connections while it is open. The header list of a
  // request is bounded by max_head_bytes (431 beyond).
  bool http2 = true;
  uint32_t http2_max_concurrent_streams = 100;

  // TLS (https://, wss://). A TLS handshake must end within head_timeout
  // of the connection's accept; the one-line 503 past max_connections is
  // not sent on a TLS port (the connection just closes).
  TlsOptions tls;
};

// Sets `ctx` up as an HttpServer serves with it: TLS 1.2 at least, and ALPN
// selecting from `alpn_protocols` (the server's preference first). The
// server does this to the context it is given; a servername (SNI) callback
// that switches a connection to another context (SSL_set_SSL_CTX) must have
// done it to that context too, since OpenSSL selects ALPN with the context
// switched to.
bool ConfigureTlsContext(SSL_CTX* ctx, const std::vector<std::string>& alpn_protocols);

// What the TLS handshakes of a server came to (tests and monitoring).
struct TlsCounters {
  uint64_t handshakes = 0;          // completed
  uint64_t handshake_failures = 0;  // protocol errors (plaintext to the port, no shared cipher, ...)
  uint64_t handshake_timeouts = 0;  // not done within head_timeout
};

namespace internal {
class GatewayDispatch;
class LoopConn;
class StreamHandler;
class ServerCore;
class Transport;
struct RequestHead;
struct BodyPlan;
}

// The connection a handler runs on; valid for the duration of the handler
// on that handler's thread.
class Connection {
 public:
  // The connection of the request the calling thread is handling, or null
  // outside a handler of an HttpServer.
  static Connection* Current();

  // The connection's socket (its peer's address; -1 when the connection is
  // not a socket of its own). Read and write through Read and WriteAll: the
  // bytes may be encrypted (TLS) or carried in frames (HTTP/2).
  int socket() const;
  // The application protocol agreed by ALPN in the TLS handshake ("h2",
  // "http/1.1"); empty on a plain connection.
  std::string_view protocol() const;

  // Reads up to `n` bytes of the request stream (bytes the server already
  // buffered first, then the socket), waiting at most `timeout`. Returns the
  // count, 0 at end of stream, -1 on error or timeout (`*timed_out` tells).
  long Read(char* data, size_t n, std::chrono::milliseconds timeout, bool* timed_out = nullptr);
  // Writes all of `data`; false if the peer is gone or the write timed out.
  bool WriteAll(std::string_view data);

  // Takes the socket over: httplib writes nothing more for this request,
  // and the connection closes when the handler returns unless
  // `keep_alive` is set with ReleaseAfterHandler(true).
  void TakeOver();
  bool taken_over() const { return taken_over_; }
  // After a take-over: whether the connection may serve further requests.
  void ReleaseAfterHandler(bool keep_alive) { keep_alive_after_takeover_ = keep_alive; }
  // Closes the connection after this request even without a take-over
  // (for example when a request body was left unread).
  void CloseAfterResponse() { close_after_response_ = true; }
  // Whether the server read the whole request body before the handler ran
  // (then whatever the handler leaves unread is skipped, and the connection
  // stays usable).
  bool body_buffered() const { return body_buffered_; }
  // The head of the request being handled as the client sent it (header
  // values byte for byte, where httplib::Request holds them percent-decoded);
  // null outside a handler.
  const internal::RequestHead* request_head() const { return request_head_; }

  // Takes the socket over for an asynchronous stream: when the handler
  // returns, `handler` runs the connection on its event loop (see
  // server/stream_io.h). Bytes the server buffered beyond this request's
  // head reach the handler first.
  void Detach(std::shared_ptr<internal::StreamHandler> handler);

  // True when the peer has closed its side or the socket failed, checked
  // without blocking and without consuming data.
  bool PeerClosed() const;
  // Waits until the socket is readable (or has buffered bytes) up to `timeout`.
  bool WaitReadable(std::chrono::milliseconds timeout) const;

  // Whether this request arrived as an HTTP/2 stream, and whether as a
  // WebSocket over HTTP/2 (RFC 8441 extended CONNECT).
  bool http2() const { return http2_; }
  bool extended_connect() const { return extended_connect_; }

  // Ends the server's sending side after the bytes written so far (TLS:
  // close_notify first); reading goes on.
  void CloseWrite();

  // Wakes a handler blocked on this connection (server shutdown).
  void Shutdown();
  bool shutting_down() const { return shutting_down_.load(); }

 private:
  friend class HttpServer;
  friend class internal::LoopConn;
  friend class internal::ServerCore;
  class StreamAdapter;
  Connection(std::unique_ptr<internal::Transport> transport, const HttpServerOptions& options);
  ~Connection();

  // Waits for the readiness the transport's last would-block asked for,
  // in slices so that a shutdown is noticed: the ready bits, 0 on timeout,
  // -1 on failure or shutdown.
  int WaitRetry(std::chrono::milliseconds timeout);

  const std::unique_ptr<internal::Transport> transport_;
  const HttpServerOptions& options_;
  std::string buffer_;  // bytes read from the socket and not yet consumed
  size_t buffer_pos_ = 0;
  bool taken_over_ = false;
  bool keep_alive_after_takeover_ = false;
  bool close_after_response_ = false;
  bool body_buffered_ = false;
  const internal::RequestHead* request_head_ = nullptr;
  uint64_t consumed_ = 0;  // bytes of the request stream handed out by Read
  std::shared_ptr<internal::StreamHandler> detached_;
  // While a handler runs on the event loop: what it writes, sent by the
  // loop afterwards (never a blocking write on the loop).
  std::string* capture_ = nullptr;
  std::atomic<bool> shutting_down_{false};
  bool http2_ = false;
  bool extended_connect_ = false;
  // The client's addresses (an HTTP/2 stream's internal connection has
  // those of the connection it came on); empty: the socket's.
  std::string peer_ip_, local_ip_;
  int peer_port_ = 0, local_port_ = 0;
  std::unique_ptr<StreamAdapter> stream_;
};

class HttpServer : public httplib::Server {
 public:
  HttpServer();
  explicit HttpServer(const HttpServerOptions& options);
  ~HttpServer() override;

  const HttpServerOptions& options() const { return options_; }

  // Routes, as httplib::Server's (the server records them to apply body
  // limits per route).
  HttpServer& Get(const std::string& pattern, Handler handler);
  HttpServer& Post(const std::string& pattern, Handler handler);
  HttpServer& Post(const std::string& pattern, HandlerWithContentReader handler);
  HttpServer& Put(const std::string& pattern, Handler handler);
  HttpServer& Put(const std::string& pattern, HandlerWithContentReader handler);
  HttpServer& Patch(const std::string& pattern, Handler handler);
  HttpServer& Patch(const std::string& pattern, HandlerWithContentReader handler);
  HttpServer& Delete(const std::string& pattern, Handler handler);
  HttpServer& Delete(const std::string& pattern, HandlerWithContentReader handler);
  HttpServer& Options(const std::string& pattern, Handler handler);
  // Raises (or lowers) the body limit of the user routes whose pattern is
  // `pattern` (every method). Bodies up to max_request_body_bytes are read
  // before the handler runs; a route allowed more reads its body itself
  // (httplib's ContentReader), holding its worker while it does.
  HttpServer& set_request_body_limit(const std::string& pattern, size_t max_bytes);

  // Listening. bind_* fail (false / -1) when the address is in use; the
  // reason is in last_error() (a copy: ReloadCertificates may set it from
  // another thread meanwhile).
  bool bind_to_port(const std::string& host, int port, int socket_flags = 0);
  int bind_to_any_port(const std::string& host, int socket_flags = 0);
  // Serves until stop(); false if not bound.
  bool listen_after_bind();
  bool listen(const std::string& host, int port, int socket_flags = 0);
  bool is_running() const;
  // Why the last bind or certificate reload failed; empty after one that
  // succeeded. Any thread.
  std::string last_error() const;

  // TLS. Reads options().tls's certificate and key files again and serves
  // new connections with them (open connections keep theirs); on an error
  // the old ones stay and last_error() says why. Any thread.
  bool ReloadCertificates();
  // Serves new connections with `ctx` from now on (a reference is taken).
  bool ReloadCertificates(SSL_CTX* ctx);
  bool tls_enabled() const { return options_.tls.enabled(); }
  TlsCounters tls_counters() const;

  // Stops accepting, lets running handlers finish and streams end within
  // options().shutdown_grace (SSE streams get their final event, WebSocket
  // sessions a 1001 close, chunked streams their error record), cancels what
  // remains, and returns when every connection is closed and listen
  // returned. Idempotent.
  void stop();
  void Shutdown(std::chrono::milliseconds grace);

  // Chains `handler` after the gateway routes (instead of replacing them).
  HttpServer& set_pre_routing_handler(HandlerWithResponse handler);

  // httplib's response hooks, as httplib::Server's; set them here, not
  // through an httplib::Server reference. The event loop serves gateway
  // unary requests without httplib's request processing (from the head the
  // front door parsed; see HttpServerOptions::unary_on_loop) and applies
  // these hooks there in the same order. A post-routing handler runs before
  // the server's own check of the response's header fields (it is chained,
  // not replaced). A request with Expect: 100-continue goes through
  // httplib's processing when an Expect handler is set.
  HttpServer& set_logger(httplib::Logger logger);
  HttpServer& set_default_headers(httplib::Headers headers);
  HttpServer& set_error_handler(HandlerWithResponse handler);
  HttpServer& set_error_handler(Handler handler);
  HttpServer& set_exception_handler(ExceptionHandler handler);
  HttpServer& set_post_routing_handler(Handler handler);
  HttpServer& set_expect_100_continue_handler(Expect100ContinueHandler handler);

  // Open connections, worker threads and event-loop threads (tests and
  // benchmarks).
  size_t open_connections() const;
  size_t worker_threads() const;
  size_t loop_threads() const;
  // HTTP/2 counters since the server was made (tests, benchmarks):
  // connections, streams, WebSocket streams by extended CONNECT, and
  // connections ended with GOAWAY ENHANCE_YOUR_CALM (floods, rapid reset).
  struct Http2Counters {
    uint64_t connections = 0;
    uint64_t streams = 0;
    uint64_t extended_connects = 0;
    uint64_t calm_goaways = 0;
  };
  Http2Counters http2_counters() const;

  // The gateways' shared routing table (created on first use; defined with
  // the gateway).
  internal::GatewayDispatch& dispatch();

 private:
  friend class internal::ServerCore;
  friend class internal::LoopConn;
  // Runs httplib's request processing for one request on a worker.
  bool ProcessOne(Connection& conn, bool last, bool* connection_closed);
  // Serves a request the gateway claimed from its parsed head
  // (conn.request_head(), `head_size` bytes at the start of the buffer),
  // without httplib's processing; false when it must go through it
  // (nothing was read then). *ok as ProcessOne's result.
  bool ProcessDirect(Connection& conn, size_t head_size, bool last, bool* connection_closed, bool* ok);
  // Runs after every response is made, before it is written.
  void FinishResponseHead(const httplib::Request& req, httplib::Response& res);
  void RecordRoute(const char* method, const std::string& pattern);

  // Runs `f` (a bind or a certificate load) with a string for its error,
  // and keeps that string as last_error() when `f` fails.
  template <class F>
  bool RecordError(F&& f);

  HttpServerOptions options_;
  mutable std::mutex error_mu_;
  std::string last_error_;  // guarded by error_mu_
  std::shared_ptr<internal::GatewayDispatch> dispatch_;
  HandlerWithResponse gateway_hook_;       // set by dispatch()
  std::function<bool(const internal::RequestHead&, internal::BodyPlan*)> gateway_classifier_;
  HandlerWithResponse user_pre_routing_;
  // The hooks of httplib's writer, as set through this class.
  httplib::Logger user_logger_;
  httplib::Headers user_default_headers_;
  HandlerWithResponse user_error_handler_;
  ExceptionHandler user_exception_handler_;
  Handler user_post_routing_;
  bool expect_handler_set_ = false;
  std::unique_ptr<internal::ServerCore> core_;
};

}  // namespace grpcgw

#endif  // GRPCGW_HTTP_SERVER_H_
