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

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <thread>

#include "server/http_status.h"
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

  // Keeps the next write (httplib's response head) to send it together
  // with the body that follows, in one segment.
  void HoldNextWrite() { hold_next_ = true; }
  // Sends a held head whose body never came (HEAD, empty body).
  bool FlushHeld() {
    hold_next_ = false;
    if (held_.empty()) return true;
    bool ok = c_->WriteAll(held_);
    held_.clear();
    return ok;
  }

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
    // httplib reads request lines a byte at a time: serve those from the
    // buffer here.
    if (size == 1 && c_->buffer_pos_ + 1 < c_->buffer_.size()) {
      *ptr = c_->buffer_[c_->buffer_pos_++];
      return 1;
    }
    return c_->Read(ptr, size, std::chrono::duration_cast<std::chrono::milliseconds>(c_->options_.read_timeout));
  }
  ssize_t write(const char* ptr, size_t size) override {
    if (c_->taken_over_) return static_cast<ssize_t>(size);
    if (hold_next_) {
      hold_next_ = false;
      held_.assign(ptr, size);
      return static_cast<ssize_t>(size);
    }
    bool ok = true;
    if (!held_.empty()) {
      if (size <= kCoalesceLimit) {
        held_.append(ptr, size);
        ok = c_->WriteAll(held_);
        held_.clear();
        return ok ? static_cast<ssize_t>(size) : -1;
      }
      ok = FlushHeld();
    }
    return ok && c_->WriteAll(std::string_view(ptr, size)) ? static_cast<ssize_t>(size) : -1;
  }
  // The addresses of a socket do not change: asked once per connection
  // (httplib asks for both on every request).
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    if (!remote_.known) remote_.Fetch(::getpeername, c_->socket_);
    ip = remote_.ip;
    port = remote_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!local_.known) local_.Fetch(::getsockname, c_->socket_);
    ip = local_.ip;
    port = local_.port;
  }
  socket_t socket() const override { return c_->socket_; }

 private:
  // Bodies up to this size are copied behind a held head; larger ones are
  // sent after it.
  static constexpr size_t kCoalesceLimit = 64 * 1024;

  struct Address {
    bool known = false;
    std::string ip;  // empty when the address could not be read
    int port = 0;
    template <class F>
    void Fetch(F get, int socket) {
      known = true;
      sockaddr_storage addr{};
      socklen_t len = sizeof addr;
      if (get(socket, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
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
  };
  Connection* c_;
  mutable Address remote_;
  mutable Address local_;
  bool hold_next_ = false;
  std::string held_;  // a response head waiting for its body
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
  // Small reads go through the buffer, so that httplib's byte-at-a-time
  // line reader costs one system call per 16 KiB, not per byte.
  char chunk[16384];
  const bool buffered = n < 4096;
  char* into = buffered ? chunk : data;
  const size_t want = buffered ? sizeof chunk : n;
  // Bytes that already arrived are taken without waiting (the keep-alive
  // loop has just seen the socket readable); poll only when there are none.
  ssize_t got;
  do {
    got = ::recv(socket_, into, want, MSG_DONTWAIT);
  } while (got < 0 && errno == EINTR);
  if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    int r = PollFor(socket_, POLLIN, timeout);
    if (r == 0) {
      if (timed_out) *timed_out = true;
      return -1;
    }
    if (r < 0 || shutting_down_) return -1;
    do {
      got = ::recv(socket_, into, want, 0);
    } while (got < 0 && errno == EINTR);
  }
  if (got <= 0 || !buffered) return got;
  size_t k = std::min(n, static_cast<size_t>(got));
  memcpy(data, chunk, k);
  buffer_.assign(chunk + k, static_cast<size_t>(got) - k);
  buffer_pos_ = 0;
  return static_cast<long>(k);
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
  // Runs right before httplib writes a response: a response with a body in
  // memory goes out as one write (head and body), not two segments.
  set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
    Connection* c = current_connection;
    if (c != nullptr && !c->taken_over_ && req.method != "HEAD" && (!res.body.empty() || res.content_length_ > 0)) {
      c->stream_->HoldNextWrite();
    }
  });
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
    if (!res.body.empty() || res.content_provider_) return;
    std::string message = res.status == 404 ? "no route for " + req.method + " " + req.path
                                            : internal::ReasonPhrase(res.status);
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
    if (!conn.stream_->FlushHeld()) ret = false;
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
