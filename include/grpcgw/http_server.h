// grpcgw/http_server.h: the HTTP server gateways mount on.
//
// A cpp-httplib `httplib::Server` with production defaults and socket
// ownership:
//   - TCP_NODELAY, a real listen backlog, keep-alive limits fit for API
//     traffic;
//   - an elastic worker pool: a connection busy with a long request or a
//     stream holds a worker, and the pool grows (up to a bound) instead of
//     starving everyone else;
//   - the connection loop is ours, so a handler can take the socket over
//     (WebSocket upgrades, streams written while the request body is still
//     arriving) through `Connection::Current()`.
//
//   grpcgw::HttpServer http;
//   http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
//     res.set_content("ok", "text/plain");
//   });
//   gateway.mount(http);                  // gateway routes, before user routes
//   int port = http.bind_to_any_port("127.0.0.1");
//   http.listen_after_bind();             // blocks until stop()
//
// Users' own routes work as on any httplib::Server. Call the listening
// functions on the HttpServer type (they add the backlog). Errors that
// httplib produces itself (no route: 404, ...) get the gateway's JSON error
// body. Not provided: TLS, HTTP/2.
#ifndef GRPCGW_HTTP_SERVER_H_
#define GRPCGW_HTTP_SERVER_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

namespace grpcgw {

struct HttpServerOptions {
  size_t min_threads = 8;                 // workers kept when idle
  size_t max_threads = 4096;              // workers at the most (one per busy connection)
  int listen_backlog = 1024;
  size_t keep_alive_max_count = 100000;   // requests per connection
  std::chrono::seconds keep_alive_timeout{30};
  std::chrono::seconds read_timeout{30};  // per read while a request is in progress
  std::chrono::seconds write_timeout{30};
};

namespace internal {
class GatewayDispatch;
}

// The connection a handler runs on; valid for the duration of the handler
// on that handler's thread.
class Connection {
 public:
  // The connection of the request the calling thread is handling, or null
  // outside a handler of an HttpServer.
  static Connection* Current();

  int socket() const { return socket_; }

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

  // True when the peer has closed its side or the socket failed, checked
  // without blocking and without consuming data.
  bool PeerClosed() const;
  // Waits until the socket is readable (or has buffered bytes) up to `timeout`.
  bool WaitReadable(std::chrono::milliseconds timeout) const;

  // Wakes a handler blocked on this connection (server shutdown).
  void Shutdown();
  bool shutting_down() const { return shutting_down_.load(); }

 private:
  friend class HttpServer;
  class StreamAdapter;
  explicit Connection(int socket, const HttpServerOptions& options);
  ~Connection();

  const int socket_;
  const HttpServerOptions& options_;
  std::string buffer_;  // bytes read from the socket and not yet consumed
  size_t buffer_pos_ = 0;
  bool taken_over_ = false;
  bool keep_alive_after_takeover_ = false;
  bool close_after_response_ = false;
  std::atomic<bool> shutting_down_{false};
  std::unique_ptr<StreamAdapter> stream_;
};

class HttpServer : public httplib::Server {
 public:
  HttpServer();
  explicit HttpServer(const HttpServerOptions& options);
  ~HttpServer() override;

  const HttpServerOptions& options() const { return options_; }

  // As httplib::Server's, plus the listen backlog.
  bool bind_to_port(const std::string& host, int port, int socket_flags = 0);
  int bind_to_any_port(const std::string& host, int socket_flags = 0);
  bool listen(const std::string& host, int port, int socket_flags = 0);

  // Stops accepting, wakes every open stream and waits for the workers.
  void stop();

  // Chains `handler` after the gateway routes (instead of replacing them).
  HttpServer& set_pre_routing_handler(HandlerWithResponse handler);

  // Number of open connections (for tests and benchmarks).
  size_t open_connections() const;

  // The gateways' shared routing table (created on first use; defined with
  // the gateway).
  internal::GatewayDispatch& dispatch();

 private:
  bool process_and_close_socket(socket_t sock) override;
  void RaiseBacklog();

  HttpServerOptions options_;
  std::shared_ptr<internal::GatewayDispatch> dispatch_;
  HandlerWithResponse gateway_hook_;       // set by dispatch()
  HandlerWithResponse user_pre_routing_;
  mutable std::mutex connections_mu_;
  std::set<Connection*> connections_;  // guarded by connections_mu_
};

}  // namespace grpcgw

#endif  // GRPCGW_HTTP_SERVER_H_
