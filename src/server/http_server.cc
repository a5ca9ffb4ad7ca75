// HttpServer: httplib::Server with our own connection loop and worker pool.
//
// Threads: httplib's accept loop (the thread that called listen) hands each
// accepted socket to the ElasticTaskQueue; one worker runs the whole
// keep-alive loop of a connection (process_and_close_socket), including any
// stream or WebSocket session a handler keeps going on it.
#include "grpcgw/http_server.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <thread>

#include "server/task_queue.h"

namespace grpcgw {
namespace {

thread_local Connection* current_connection = nullptr;

int PollFor(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r;
    return p.revents;
  }
}

// The gRPC code an HTTP status made by httplib itself stands for, for the
// JSON error body.
int GrpcCodeForHttpStatus(int status) {
  switch (status) {
    case 400: return 3;   // INVALID_ARGUMENT
    case 401: return 16;  // UNAUTHENTICATED
    case 403: return 7;   // PERMISSION_DENIED
    case 404: return 5;   // NOT_FOUND
    case 405: return 12;  // UNIMPLEMENTED
    case 408: return 4;   // DEADLINE_EXCEEDED
    case 413: return 8;   // RESOURCE_EXHAUSTED
    case 414: return 8;
    case 415: return 3;
    case 429: return 8;
    case 501: return 12;
    case 503: return 14;  // UNAVAILABLE
    case 504: return 4;
    default: return status >= 500 ? 13 : 2;  // INTERNAL / UNKNOWN
  }
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 400: return "bad request";
    case 405: return "method not allowed";
    case 413: return "payload too large";
    case 414: return "URI too long";
    case 415: return "unsupported media type";
    case 416: return "range not satisfiable";
    case 503: return "service unavailable";
    default: return status >= 500 ? "internal server error" : "request failed";
  }
}

std::string JsonQuote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace

// httplib::Stream over a Connection: buffered reads (httplib reads request
// lines a byte at a time), and writes that vanish once a handler took the
// socket over.
class Connection::StreamAdapter final : public httplib::Stream {
 public:
  explicit StreamAdapter(Connection* c) : c_(c) {}
  bool is_readable() const override {
    return c_->buffer_pos_ < c_->buffer_.size() ||
           c_->WaitReadable(std::chrono::duration_cast<std::chrono::milliseconds>(c_->options_.read_timeout));
  }
  bool is_writable() const override {
    if (c_->taken_over_) return true;
    int r = PollFor(c_->socket_, POLLOUT,
                    std::chrono::duration_cast<std::chrono::milliseconds>(c_->options_.write_timeout));
    return r > 0 && !(r & (POLLERR | POLLHUP | POLLNVAL));
  }
  ssize_t read(char* ptr, size_t size) override {
    return c_->Read(ptr, size, std::chrono::duration_cast<std::chrono::milliseconds>(c_->options_.read_timeout));
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (c_->taken_over_) return static_cast<ssize_t>(size);
    return c_->WriteAll(std::string_view(ptr, size)) ? static_cast<ssize_t>(size) : -1;
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    Address(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    Address(::getsockname, ip, port);
  }
  socket_t socket() const override { return c_->socket_; }

 private:
  template <class F>
  void Address(F get, std::string& ip, int& port) const {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (get(c_->socket_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
    char host[NI_MAXHOST];
    if (addr.ss_family == AF_INET) {
      auto* a = reinterpret_cast<sockaddr_in*>(&addr);
      inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
      port = ntohs(a->sin_port);
    } else if (addr.ss_family == AF_INET6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&addr);
      inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
      port = ntohs(a->sin6_port);
    } else {
      return;
    }
    ip = host;
  }
  Connection* c_;
};

Connection::Connection(int socket, const HttpServerOptions& options)
    : socket_(socket), options_(options), stream_(std::make_unique<StreamAdapter>(this)) {}

Connection::~Connection() = default;

Connection* Connection::Current() { return current_connection; }

long Connection::Read(char* data, size_t n, std::chrono::milliseconds timeout, bool* timed_out) {
  if (timed_out) *timed_out = false;
  if (n == 0) return 0;
  if (buffer_pos_ < buffer_.size()) {
    size_t k = std::min(n, buffer_.size() - buffer_pos_);
    memcpy(data, buffer_.data() + buffer_pos_, k);
    buffer_pos_ += k;
    if (buffer_pos_ == buffer_.size()) {
      buffer_.clear();
      buffer_pos_ = 0;
    }
    return static_cast<long>(k);
  }
  if (shutting_down_) return -1;
  int r = PollFor(socket_, POLLIN, timeout);
  if (r == 0) {
    if (timed_out) *timed_out = true;
    return -1;
  }
  if (r < 0 || shutting_down_) return -1;
  // Small reads go through the buffer, so that httplib's byte-at-a-time
  // line reader costs one system call per 16 KiB, not per byte.
  if (n < 4096) {
    buffer_.resize(16384);
    ssize_t got;
    do {
      got = ::recv(socket_, &buffer_[0], buffer_.size(), 0);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
      buffer_.clear();
      return got;
    }
    buffer_.resize(static_cast<size_t>(got));
    buffer_pos_ = 0;
    return Read(data, n, timeout, timed_out);
  }
  ssize_t got;
  do {
    got = ::recv(socket_, data, n, 0);
  } while (got < 0 && errno == EINTR);
  return got;
}

bool Connection::WriteAll(std::string_view data) {
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.write_timeout);
  while (!data.empty()) {
    if (shutting_down_) return false;
    ssize_t w = ::send(socket_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      data.remove_prefix(static_cast<size_t>(w));
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // Wait in short slices so that a shutdown is noticed.
      auto deadline = std::chrono::steady_clock::now() + timeout;
      int r = 0;
      while (r == 0 && std::chrono::steady_clock::now() < deadline && !shutting_down_) {
        r = PollFor(socket_, POLLOUT, std::chrono::milliseconds(200));
      }
      if (r <= 0 || (r & (POLLERR | POLLHUP | POLLNVAL))) return false;
      continue;
    }
    return false;
  }
  return true;
}

void Connection::TakeOver() { taken_over_ = true; }

bool Connection::PeerClosed() const {
  if (shutting_down_) return true;
  pollfd p{socket_, POLLIN | POLLRDHUP, 0};
  int r = ::poll(&p, 1, 0);
  if (r <= 0) return false;
  if (p.revents & (POLLERR | POLLHUP | POLLNVAL | POLLRDHUP)) return true;
  if (p.revents & POLLIN) {
    char c;
    ssize_t got = ::recv(socket_, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return got == 0;
  }
  return false;
}

bool Connection::WaitReadable(std::chrono::milliseconds timeout) const {
  if (buffer_pos_ < buffer_.size()) return true;
  int r = PollFor(socket_, POLLIN, timeout);
  return r > 0;
}

void Connection::Shutdown() {
  shutting_down_ = true;
  ::shutdown(socket_, SHUT_RDWR);
}

HttpServer::HttpServer() : HttpServer(HttpServerOptions{}) {}

HttpServer::HttpServer(const HttpServerOptions& options) : options_(options) {
  set_tcp_nodelay(true);
  set_keep_alive_max_count(options_.keep_alive_max_count);
  set_keep_alive_timeout(options_.keep_alive_timeout.count());
  set_read_timeout(options_.read_timeout.count());
  set_write_timeout(options_.write_timeout.count());
  new_task_queue = [this] {
    return new internal::ElasticTaskQueue(options_.min_threads, options_.max_threads);
  };
  httplib::Server::set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (gateway_hook_ && gateway_hook_(req, res) == HandlerResponse::Handled) {
      return HandlerResponse::Handled;
    }
    if (user_pre_routing_) return user_pre_routing_(req, res);
    return HandlerResponse::Unhandled;
  });
  // Errors httplib makes itself (no route, bad request line, ...) get the
  // same JSON body as the gateway's own errors.
  set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    std::string message = res.status == 404 ? "no route for " + req.method + " " + req.path
                                            : ReasonPhrase(res.status);
    res.set_content("{\"code\":" + std::to_string(GrpcCodeForHttpStatus(res.status)) +
                        ",\"message\":" + JsonQuote(message) + ",\"details\":[]}",
                    "application/json");
  });
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::RaiseBacklog() {
  socket_t s = svr_sock_;
  if (s != INVALID_SOCKET) ::listen(s, options_.listen_backlog);
}

bool HttpServer::bind_to_port(const std::string& host, int port, int socket_flags) {
  if (!httplib::Server::bind_to_port(host, port, socket_flags)) return false;
  RaiseBacklog();
  return true;
}

int HttpServer::bind_to_any_port(const std::string& host, int socket_flags) {
  int port = httplib::Server::bind_to_any_port(host, socket_flags);
  if (port > 0) RaiseBacklog();
  return port;
}

bool HttpServer::listen(const std::string& host, int port, int socket_flags) {
  return bind_to_port(host, port, socket_flags) && listen_after_bind();
}

void HttpServer::stop() {
  {
    std::lock_guard<std::mutex> lock(connections_mu_);
    for (Connection* c : connections_) c->Shutdown();
  }
  httplib::Server::stop();
}

HttpServer& HttpServer::set_pre_routing_handler(HandlerWithResponse handler) {
  user_pre_routing_ = std::move(handler);
  return *this;
}

size_t HttpServer::open_connections() const {
  std::lock_guard<std::mutex> lock(connections_mu_);
  return connections_.size();
}

bool HttpServer::process_and_close_socket(socket_t sock) {
  Connection conn(sock, options_);
  {
    std::lock_guard<std::mutex> lock(connections_mu_);
    connections_.insert(&conn);
  }
  bool ret = false;
  size_t count = options_.keep_alive_max_count;
  auto idle = std::chrono::duration_cast<std::chrono::milliseconds>(options_.keep_alive_timeout);
  while (count > 0 && svr_sock_ != INVALID_SOCKET && !conn.shutting_down()) {
    if (!conn.WaitReadable(idle)) break;
    bool connection_closed = false;
    current_connection = &conn;
    ret = process_request(*conn.stream_, count == 1, connection_closed, nullptr);
    current_connection = nullptr;
    if (conn.taken_over_) {
      if (!conn.keep_alive_after_takeover_) break;
      conn.taken_over_ = false;
      conn.keep_alive_after_takeover_ = false;
    }
    if (!ret || connection_closed || conn.close_after_response_) break;
    count--;
  }
  {
    std::lock_guard<std::mutex> lock(connections_mu_);
    connections_.erase(&conn);
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ret;
}

}  // namespace grpcgw
