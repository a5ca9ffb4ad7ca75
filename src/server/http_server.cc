// HttpServer: httplib::Server on event loops.
//
// Threads: N event-loop threads own every socket (accepting, reading and
// checking request heads and bodies, idle keep-alive connections, and the
// asynchronous streams of the gateway); a worker pool runs handlers, one
// request at a time, with the head and body already read. Each connection
// has exactly one owner at a time: its loop, or the worker running its
// request (the loop does not watch the socket meanwhile), and ownership
// passes by posting to the loop.
//
// Layering: this file owns sockets and readiness; HTTP/1.1 heads and
// chunked bodies are checked by server/http1_parser; a taken-over stream is
// protocol code behind server/stream_io.h.
#include "grpcgw/http_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <limits>
#include <condition_variable>
#include <cstring>
#include <regex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "server/event_loop.h"
#include "server/front_door.h"
#include "server/http1_parser.h"
#include "server/http2_session.h"
#include "server/http_response.h"
#include "server/http_status.h"
#include "server/stream_io.h"
#include "server/task_queue.h"
#include "server/tls.h"
#include "server/transport.h"
#include "text/quote.h"

namespace grpcgw {
namespace {

thread_local Connection* current_connection = nullptr;

constexpr char kLineBreakOrNul[3] = {'\r', '\n', '\0'};

using internal::IoResult;
using internal::kFailed;
using internal::kHangUp;
using internal::kReadable;
using internal::kWritable;

// Ready bits that say the connection failed rather than became ready
// (POLLNVAL included).
constexpr int kNotReady = ~(kReadable | kWritable);

// The gRPC code an HTTP status made by the front door or by httplib itself
// stands for, for the JSON error body.
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
    case 416: return 11;  // OUT_OF_RANGE (a Range that cannot be satisfied)
    case 417: return 9;   // an Expect the server does not meet
    case 429: return 8;
    case 431: return 8;   // request head over the limits, like 413 and 414
    case 501: return 12;
    case 503: return 14;  // UNAVAILABLE
    case 504: return 4;
    case 505: return 12;  // an HTTP version the server does not implement
    default: return status >= 500 ? 13 : 2;  // INTERNAL / UNKNOWN
  }
}

// httplib reads a request body by its own reading of the framing headers,
// not RFC 9112's: a POST, PUT, PATCH or DELETE without Content-Length is
// read until the connection closes, and a Transfer-Encoding that is not
// exactly "chunked" in its first field (such as "chunked," or an empty field
// before it) is not taken as chunked. Either way a user route's handler would
// read past the request, unbounded, while the front door had framed it
// otherwise. Before httplib reads, its copy of the request says what the
// front door decided, in the one form httplib reads alike.
void StateFraming(const internal::RequestHead& head, httplib::Request& req) {
  using Body = internal::RequestHead::Body;
  req.headers.erase("Transfer-Encoding");
  req.headers.erase("Content-Length");
  switch (head.body) {
    case Body::kNone:
      if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE" ||
          req.method == "PRI") {
        req.headers.emplace("Content-Length", "0");
      }
      break;
    case Body::kContentLength:
      req.headers.emplace("Content-Length", std::to_string(head.content_length));
      break;
    case Body::kChunked:
      req.headers.emplace("Transfer-Encoding", "chunked");
      break;
  }
}

// Errors httplib makes itself (no route, bad request line, ...) get the
// same JSON body as the gateway's own errors.
httplib::Server::HandlerResponse JsonErrorBody(const httplib::Request& req, httplib::Response& res) {
  if (!res.body.empty() || res.content_provider_) return httplib::Server::HandlerResponse::Unhandled;
  // The JSON body goes out whole: httplib would apply the request's Range
  // to it. `req` is process_request's own (non-const) Request.
  const_cast<httplib::Request&>(req).ranges.clear();
  std::string message = res.status == 404 ? "no route for " + req.method + " " + req.path
                                          : internal::ReasonPhrase(res.status);
  res.set_content("{\"code\":" + std::to_string(GrpcCodeForHttpStatus(res.status)) +
                      ",\"message\":" + internal::QuoteJson(message) + ",\"details\":[]}",
                  "application/json");
  return httplib::Server::HandlerResponse::Handled;
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
    if (c_->taken_over_ || c_->capture_ != nullptr) return true;
    int r = c_->transport_->Wait(
        kWritable, std::chrono::duration_cast<std::chrono::milliseconds>(c_->options_.write_timeout));
    return r > 0 && !(r & kNotReady);
  }
  ssize_t read(char* ptr, size_t size) override {
    // httplib reads request lines a byte at a time: serve those from the
    // buffer here.
    if (size == 1 && c_->buffer_pos_ + 1 < c_->buffer_.size()) {
      *ptr = c_->buffer_[c_->buffer_pos_++];
      ++c_->consumed_;
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
    if (!c_->peer_ip_.empty()) {
      ip = c_->peer_ip_;
      port = c_->peer_port_;
      return;
    }
    if (!remote_.known) remote_.Fetch(::getpeername, c_->socket());
    ip = remote_.ip;
    port = remote_.port;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    if (!c_->local_ip_.empty()) {
      ip = c_->local_ip_;
      port = c_->local_port_;
      return;
    }
    if (!local_.known) local_.Fetch(::getsockname, c_->socket());
    ip = local_.ip;
    port = local_.port;
  }
  socket_t socket() const override { return c_->socket(); }

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
      if (socket < 0 || get(socket, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return;
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

Connection::Connection(std::unique_ptr<internal::Transport> transport, const HttpServerOptions& options)
    : transport_(std::move(transport)), options_(options), stream_(std::make_unique<StreamAdapter>(this)) {}

Connection::~Connection() = default;

Connection* Connection::Current() { return current_connection; }

int Connection::socket() const { return transport_->fd(); }

std::string_view Connection::protocol() const { return transport_->protocol(); }

int Connection::WaitRetry(std::chrono::milliseconds timeout) {
  // In short slices, so that a shutdown is noticed.
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (shutting_down_ && taken_over_) return -1;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return 0;
    int r = transport_->Wait(transport_->RetryOn(), std::min(left, std::chrono::milliseconds(200)));
    if (r != 0) return r;
  }
}

long Connection::Read(char* data, size_t n, std::chrono::milliseconds timeout, bool* timed_out) {
  if (timed_out) *timed_out = false;
  if (n == 0) return 0;
  if (buffer_pos_ < buffer_.size()) {
    size_t k = std::min(n, buffer_.size() - buffer_pos_);
    memcpy(data, buffer_.data() + buffer_pos_, k);
    buffer_pos_ += k;
    consumed_ += k;
    if (buffer_pos_ == buffer_.size()) {
      buffer_.clear();
      buffer_pos_ = 0;
    }
    return static_cast<long>(k);
  }
  // At shutdown, a handler that took the connection over (a blocking
  // stream) gives up its I/O at once; any other handler (a unary call) runs
  // to its end within the grace period, and is woken by the socket's
  // shutdown (Connection::Shutdown) when that runs out.
  if (shutting_down_ && taken_over_) return -1;
  // Small reads go through the buffer, so that httplib's byte-at-a-time
  // line reader costs one system call per 16 KiB, not per byte.
  char chunk[16384];
  const bool buffered = n < 4096;
  char* into = buffered ? chunk : data;
  const size_t want = buffered ? sizeof chunk : n;
  // Bytes that already arrived are taken without waiting (the keep-alive
  // loop has just seen the connection readable); wait only when there are
  // none (for the readiness the transport asks for: TLS may have to write).
  IoResult r = transport_->Recv(into, want);
  while (r.status == IoResult::kWouldBlock) {
    int ready = WaitRetry(timeout);
    if (ready == 0) {
      if (timed_out) *timed_out = true;
      return -1;
    }
    if (ready < 0 || (shutting_down_ && taken_over_)) return -1;
    r = transport_->Recv(into, want);
    // A failure the transport does not see yet must not spin.
    if (r.status == IoResult::kWouldBlock && (ready & kNotReady)) return -1;
  }
  if (r.status == IoResult::kEnd) return 0;
  if (r.status != IoResult::kOk) return -1;
  const ssize_t got = static_cast<ssize_t>(r.bytes);
  if (!buffered) {
    consumed_ += static_cast<uint64_t>(got);
    return got;
  }
  size_t k = std::min(n, static_cast<size_t>(got));
  consumed_ += k;
  memcpy(data, chunk, k);
  buffer_.assign(chunk + k, static_cast<size_t>(got) - k);
  buffer_pos_ = 0;
  return static_cast<long>(k);
}

bool Connection::WriteAll(std::string_view data) {
  if (capture_ != nullptr) {
    capture_->append(data.data(), data.size());
    return true;
  }
  auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(options_.write_timeout);
  while (!data.empty()) {
    if (shutting_down_ && taken_over_) return false;
    IoResult w = transport_->Send(data.data(), data.size());
    if (w.status == IoResult::kOk) {
      data.remove_prefix(w.bytes);
      continue;
    }
    if (w.status == IoResult::kWouldBlock) {
      int r = WaitRetry(timeout);
      if (r <= 0 || (r & kNotReady)) return false;
      continue;
    }
    return false;
  }
  return true;
}

void Connection::TakeOver() { taken_over_ = true; }

void Connection::Detach(std::shared_ptr<internal::StreamHandler> handler) {
  taken_over_ = true;
  detached_ = std::move(handler);
}

bool Connection::PeerClosed() const {
  if (shutting_down_ && taken_over_) return true;
  return transport_->PeerClosed();
}

bool Connection::WaitReadable(std::chrono::milliseconds timeout) const {
  if (buffer_pos_ < buffer_.size()) return true;
  int r = transport_->Wait(kReadable, timeout);
  return r > 0;
}

void Connection::CloseWrite() { transport_->CloseWrite(); }

void Connection::Shutdown() {
  shutting_down_ = true;
  transport_->Shutdown();
}

namespace internal {

using Clock = std::chrono::steady_clock;

// One event loop and the connections it owns.
struct LoopShard {
  std::shared_ptr<EventLoop> loop = std::make_shared<EventLoop>();
  std::thread thread;
  std::unordered_map<LoopConn*, std::shared_ptr<LoopConn>> conns;  // loop thread only
};

struct UserRoute {
  std::string method;
  std::string pattern;
  std::regex regex;
  size_t max_body;
};

class ServerCore : public IoWatcher {
 public:
  ServerCore(HttpServer& server, const HttpServerOptions& options);
  ~ServerCore() override;

  bool Bind(const std::string& host, int port, std::string* error, int* bound_port);
  bool Run();  // listen_after_bind
  void Shutdown(std::chrono::milliseconds grace);

  void OnEvents(uint32_t events) override;  // the listening socket
  void Adopt(std::unique_ptr<Transport> transport);  // on the first loop
  void Forget(LoopShard& shard, LoopConn* conn);

  BodyPlan PlanFor(const RequestHead& head) const;
  int listen_fd() const { return listen_fd_; }
  // The transport of an accepted socket (owning it); null when TLS could
  // not be set up for it (the socket is closed then).
  std::unique_ptr<Transport> MakeTransport(int fd);

  HttpServer& server;
  const HttpServerOptions& options;
  std::vector<std::unique_ptr<LoopShard>> shards;
  std::unique_ptr<WorkerPool> workers;
  std::vector<UserRoute> routes;  // before listening only
  std::atomic<size_t> open{0};
  Http2Stats http2;
  std::unique_ptr<TlsServerContext> tls;  // null without TLS
  std::atomic<uint64_t> tls_handshakes{0};
  std::atomic<uint64_t> tls_handshake_failures{0};
  std::atomic<uint64_t> tls_handshake_timeouts{0};
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};

 private:
  void Accept();
  void CloseListener();

  int listen_fd_ = -1;
  size_t next_shard_ = 0;
  std::mutex mu_;
  std::mutex join_mu_;  // joining the loop threads
  std::condition_variable cv_;
  bool run_returned_ = true;  // guarded by mu_
  bool loops_started_ = false;  // guarded by mu_
  bool stopped_ = false;      // guarded by mu_
};

// A connection on its loop: the TLS handshake, the front door (reading and
// checking request heads and bodies), the hand-off to a worker and back, and
// a taken-over stream's I/O.
class LoopConn final : public IoWatcher, public StreamIo, public std::enable_shared_from_this<LoopConn> {
 public:
  enum class State { kHandshake, kHead, kBody, kWorker, kStream, kLinger, kClosed };

  // Owns `transport` (and its socket).
  LoopConn(ServerCore& core, LoopShard& shard, std::unique_ptr<Transport> transport)
      : core_(core), shard_(shard), conn_(std::move(transport), core.options),
        parser_(HeadLimits{core.options.max_request_line_bytes, core.options.max_head_bytes,
                           core.options.max_headers}) {}

  void Start() {
    shard_.loop->Add(fd(), EPOLLIN | EPOLLRDHUP, this);
    armed_ = EPOLLIN | EPOLLRDHUP;
    if (!core_.tls) return WaitForRequest();
    // The handshake runs here, on the loop, within the head timeout.
    state_ = State::kHandshake;
    SetServerTimer(Clock::now() + core_.options.head_timeout, &LoopConn::OnHandshakeTimeout);
    ContinueHandshake();
    if (state_ == State::kHandshake) Arm();
  }

  State state() const { return state_; }
  int fd() const { return conn_.transport_->fd(); }
  Transport& transport() { return *conn_.transport_; }

  void OnEvents(uint32_t events) override {
    armed_ = 0;  // one-shot: the event disarmed the socket
    auto keep = shared_from_this();
    if (state_ == State::kClosed || state_ == State::kWorker) return;
    in_callback_ = true;
    HandleEvents(events);
    in_callback_ = false;
    if (write_failed_ && state_ == State::kStream) return Close(false);
    Arm();
  }

  void HandleEvents(uint32_t events) {
    if (events & EPOLLERR) return Close(false);
    if (state_ == State::kHandshake) return ContinueHandshake();
    // The transport says which readiness each direction waits for (TLS
    // may have to read in order to write, and the other way round).
    const bool readable = events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP);
    const bool writable = events & EPOLLOUT;
    const bool had_output = out_pos_ < out_.size();
    const bool flush_ready = had_output && (write_retry_ == kReadable ? readable : writable);
    if (flush_ready && !Flush()) return Close(false);
    if (state_ == State::kClosed) return;
    if (read_retry_ == kWritable ? writable || (events & (EPOLLRDHUP | EPOLLHUP)) : readable) {
      if (state_ == State::kStream && read_paused_) {
        // Not reading: a hang-up means the client is gone.
        if (events & (EPOLLRDHUP | EPOLLHUP)) return Close(false);
        input_waiting_->store(true);
        if (lazy_wake_->exchange(false)) {
          // Answered without waking the loop (a unary call answered from its
          // gRPC thread): finish first, and read the input in the state that
          // leaves.
          auto handler = handler_;
          handler->OnWake(*this);
          if (state_ == State::kClosed) return;
          return HandleEvents(events);
        }
        paused_input_ = true;  // re-armed for hang-ups only
      } else {
        ReadSome();
        if (state_ == State::kClosed || state_ == State::kWorker) return;
      }
    }
    if (state_ == State::kStream && out_.size() == out_pos_ && flush_ready && handler_) {
      auto handler = handler_;
      handler->OnWritable(*this);
    }
  }

  // Server shutdown, on the loop thread.
  void BeginShutdown() {
    auto keep = shared_from_this();
    switch (state_) {
      case State::kHandshake:
      case State::kHead:
      case State::kBody:
        return Close(false);
      case State::kStream: {
        auto handler = handler_;
        handler->OnShutdown(*this);
        if (state_ != State::kClosed) Arm();
        return;
      }
      case State::kWorker:  // ends when its handler returns
        // A handler that took the connection over gives up its blocking
        // I/O; others finish (see Connection::Read).
        conn_.shutting_down_ = true;
        return;
      default:
        return;
    }
  }
  void ForceClose() {
    auto keep = shared_from_this();
    if (state_ == State::kWorker) {
      conn_.Shutdown();  // wakes the handler; it hands the connection back
      return;
    }
    Close(false);
  }

  // ---- StreamIo ----
  void Write(std::string_view bytes) override {
    if (state_ == State::kClosed || bytes.empty()) return;
    if (out_pos_ == out_.size()) {
      out_.clear();
      out_pos_ = 0;
      ssize_t w = SendSome(bytes.data(), bytes.size());
      if (w < 0) {
        write_failed_ = true;
        return;
      }
      bytes.remove_prefix(static_cast<size_t>(w));
      if (bytes.empty()) return;
    }
    out_.append(bytes.data(), bytes.size());
    unsent_.store(out_.size() - out_pos_, std::memory_order_release);
    if (!in_callback_) Arm();
  }
  size_t Unsent() const override { return out_.size() - out_pos_; }
  bool CanSendNow() const override { return conn_.transport_->CanSendFromAnyThread(); }
  // Any thread. The handler's lock keeps its Writes out; the loop's own
  // sends (Flush) only run while unsent_ is not 0, and the socket stays
  // open until the handler's OnClosed returned.
  bool SendNow(std::string_view bytes, size_t* sent) override {
    if (!send_now_ok_.load(std::memory_order_acquire) || unsent_.load(std::memory_order_acquire) != 0) {
      return false;
    }
    IoResult r = conn_.transport_->SendFromAnyThread(bytes.data(), bytes.size());
    *sent = r.status == IoResult::kOk ? r.bytes : 0;
    return true;
  }
  void PauseReading(bool paused) override {
    if (read_paused_ == paused) return;
    read_paused_ = paused;
    paused_input_ = false;
    if (!paused && state_ == State::kStream) {
      // Bytes that arrived while paused are still in the socket.
      if (!in_callback_) Arm();
    }
  }
  void SetTimer(Clock::time_point when) override {
    shard_.loop->CancelTimer(stream_timer_);
    stream_timer_ = EventLoop::NoTimer();
    if (when == Clock::time_point::max()) return;
    std::weak_ptr<LoopConn> weak = shared_from_this();
    stream_timer_ = shard_.loop->AddTimer(when, [weak] {
      auto c = weak.lock();
      if (!c || c->state_ != State::kStream) return;
      c->stream_timer_ = EventLoop::NoTimer();
      c->Callback([&] { c->handler_->OnTimer(*c); });
    });
  }
  void Finish(bool keep_alive) override {
    if (state_ != State::kStream) return;
    send_now_ok_.store(false);
    shard_.loop->CancelTimer(stream_timer_);
    stream_timer_ = EventLoop::NoTimer();
    auto handler = std::move(handler_);
    if (keep_alive && !core_.stopping && !write_failed_) {
      NextRequest();
    } else if (out_pos_ == out_.size()) {
      // The stream's protocol ended it: nothing more to wait for.
      Close(true);
    } else {
      close_when_flushed_ = true;
      Linger();
    }
  }
  void Drain() override {
    if (state_ != State::kStream) return;
    send_now_ok_.store(false);
    shard_.loop->CancelTimer(stream_timer_);
    stream_timer_ = EventLoop::NoTimer();
    auto handler = std::move(handler_);
    Linger();
  }
  void Abort() override { Close(false); }
  bool shutting_down() const override { return core_.stopping.load(); }
  std::function<void()> LazyWaker() override {
    std::weak_ptr<LoopConn> weak = shared_from_this();
    std::shared_ptr<EventLoop> loop = shard_.loop;
    std::shared_ptr<std::atomic<bool>> lazy = lazy_wake_;
    std::shared_ptr<std::atomic<bool>> input = input_waiting_;
    return [weak, loop, lazy, input] {
      // Paired with the loop's store of input_waiting_ and load of
      // lazy_wake_ (sequentially consistent, both): either this sees input
      // waiting and wakes the loop, or the loop sees the wake-up when the
      // input arrives.
      lazy->store(true);
      auto task = [weak, lazy] {
        if (!lazy->exchange(false)) return;  // the loop took it with input
        WakeHandler(weak);
      };
      if (input->load()) {
        loop->Post(std::move(task));
      } else {
        loop->PostLazy(std::move(task));
      }
    };
  }
  std::function<void()> Waker() override {
    std::weak_ptr<LoopConn> weak = shared_from_this();
    std::shared_ptr<EventLoop> loop = shard_.loop;
    std::shared_ptr<std::atomic<bool>> pending = wake_pending_;
    return [weak, loop, pending] {
      if (pending->exchange(true)) return;
      loop->Post([weak, pending] {
        pending->store(false);
        WakeHandler(weak);
      });
    };
  }
  // A posted wake-up, on the loop thread.
  static void WakeHandler(const std::weak_ptr<LoopConn>& weak) {
    auto c = weak.lock();
    if (!c || c->state_ != State::kStream) return;
    c->Callback([&] { c->handler_->OnWake(*c); });
  }

  // Back from a worker (on the loop thread).
  void AfterWorker(bool keep_alive) {
    auto keep = shared_from_this();
    conn_.request_head_ = nullptr;
    if (state_ == State::kClosed) return;
    if (conn_.detached_) {
      handler_ = std::move(conn_.detached_);
      state_ = State::kStream;
      // A pipelined request already waiting: a wake-up that would not wake
      // the loop must wake it (see LazyWaker).
      input_waiting_->store(conn_.buffer_pos_ < conn_.buffer_.size());
      unsent_.store(out_.size() - out_pos_);
      send_now_ok_.store(true);
      conn_.taken_over_ = false;
      Callback([&] { handler_->OnStart(*this); });
      if (state_ != State::kStream) return;
      // A handler that paused reading at its start (a unary call waiting
      // for its completion) leaves what follows the request (a pipelined
      // request) in the buffer for the next request.
      if (read_paused_) {
        if (core_.stopping) BeginShutdown();
        if (state_ == State::kStream) Arm();
        return;
      }
      // Bytes after the head reach the stream.
      if (conn_.buffer_pos_ < conn_.buffer_.size()) {
        std::string rest = conn_.buffer_.substr(conn_.buffer_pos_);
        conn_.buffer_.clear();
        conn_.buffer_pos_ = 0;
        Callback([&] { handler_->OnData(*this, rest); });
        if (state_ != State::kStream) return;
      }
      std::string().swap(conn_.buffer_);
      conn_.buffer_pos_ = 0;
      if (core_.stopping) BeginShutdown();
      if (state_ == State::kStream) Arm();
      return;
    }
    if (conn_.taken_over_ && !conn_.keep_alive_after_takeover_) {
      // The handler ran its own protocol to its end (a WebSocket closing
      // handshake, a stream delimited by the close): nothing to wait for.
      return Close(true);
    }
    if (conn_.close_after_response_) keep_alive = false;
    if (conn_.shutting_down_ || core_.stopping) keep_alive = false;
    // Whatever the handler left of a body the loop had read is skipped.
    if (keep_alive && conn_.consumed_ < request_end_) {
      uint64_t skip = request_end_ - conn_.consumed_;
      if (conn_.body_buffered_ && skip <= conn_.buffer_.size() - conn_.buffer_pos_) {
        conn_.buffer_pos_ += static_cast<size_t>(skip);
        conn_.consumed_ += skip;
      } else {
        keep_alive = false;
      }
    }
    conn_.taken_over_ = false;
    conn_.keep_alive_after_takeover_ = false;
    conn_.close_after_response_ = false;
    if (!keep_alive) return Linger();
    NextRequest();
  }

  // `graceful`: the connection's end is the protocol's (TLS: close_notify
  // goes out first); otherwise it is cut.
  void Close(bool graceful) {
    if (state_ == State::kClosed) return;
    state_ = State::kClosed;
    send_now_ok_.store(false);
    shard_.loop->CancelTimer(timer_);
    shard_.loop->CancelTimer(stream_timer_);
    shard_.loop->Remove(fd());
    if (handler_) {
      auto handler = std::move(handler_);
      handler->OnClosed();
    }
    if (graceful) transport().CloseWrite();
    transport().Shutdown();
    core_.Forget(shard_, this);
  }

 private:
  // Runs a handler callback; arms the socket once after it.
  template <class F>
  void Callback(F&& f) {
    auto keep = shared_from_this();
    // The handler may end the stream (Finish, Abort) from inside the
    // callback: it lives until the callback returned.
    auto keep_handler = handler_;
    bool outer = !in_callback_;
    in_callback_ = true;
    f();
    if (outer) {
      in_callback_ = false;
      if (write_failed_ && state_ == State::kStream) return Close(false);
      if (state_ == State::kStream) Arm();
    }
  }

  void Arm() {
    if (state_ == State::kClosed || state_ == State::kWorker) return;
    uint32_t ev = EPOLLRDHUP;
    bool reading = state_ == State::kHandshake || state_ == State::kHead || state_ == State::kBody ||
                   state_ == State::kLinger || (state_ == State::kStream && !read_paused_);
    if (reading) {
      ev |= read_retry_ == kWritable ? EPOLLOUT : EPOLLIN;
    } else if (state_ == State::kStream && read_paused_ && !paused_input_ && read_retry_ != kWritable) {
      // While reading is paused (a unary call in flight), the socket is
      // armed as reading will want it again: no system call when it
      // resumes. Bytes arriving meanwhile disarm it (paused_input_).
      ev |= EPOLLIN;
    }
    if (out_pos_ < out_.size()) ev |= write_retry_ == kReadable ? EPOLLIN : EPOLLOUT;
    // Armed as wanted already (after a wake-up or a timer): no system call.
    if (ev != armed_) {
      shard_.loop->Arm(fd(), ev, this);
      armed_ = ev;
    }
    // Bytes the transport already holds (decrypted TLS records) raise no
    // readiness: read them from a posted task.
    if (reading && transport().HasBuffered() && !buffered_read_posted_) {
      buffered_read_posted_ = true;
      std::weak_ptr<LoopConn> weak = shared_from_this();
      shard_.loop->Post([weak] {
        auto c = weak.lock();
        if (!c) return;
        c->buffered_read_posted_ = false;
        c->OnEvents(EPOLLIN);
      });
    }
  }

  // Bytes sent (0 when the transport would block), -1 on a failure.
  ssize_t SendSome(const char* data, size_t n) {
    IoResult r = transport().Send(data, n);
    switch (r.status) {
      case IoResult::kOk:
        write_retry_ = kWritable;
        return static_cast<ssize_t>(r.bytes);
      case IoResult::kWouldBlock:
        write_retry_ = transport().RetryOn();
        return 0;
      default:
        return -1;
    }
  }

  // Sends queued output; false on a socket error.
  bool Flush() {
    while (out_pos_ < out_.size()) {
      ssize_t w = SendSome(out_.data() + out_pos_, out_.size() - out_pos_);
      if (w < 0) return false;
      if (w == 0) return true;
      out_pos_ += static_cast<size_t>(w);
    }
    if (out_.capacity() > 16384) std::string().swap(out_);
    out_.clear();
    out_pos_ = 0;
    unsent_.store(0, std::memory_order_release);
    if (state_ == State::kLinger && close_when_flushed_) {
      Close(true);
      return true;
    }
    if (state_ == State::kLinger && !lingering_) StartLinger();
    return true;
  }

  void ReadSome() {
    char chunk[16384];
    for (int round = 0; round < 4; ++round) {
      IoResult r = transport().Recv(chunk, sizeof chunk);
      if (r.status == IoResult::kWouldBlock) {
        read_retry_ = transport().RetryOn();
        return;
      }
      read_retry_ = kReadable;
      if (r.status != IoResult::kOk) {
        // The client is gone (or half-closed, which is taken as gone).
        return Close(false);
      }
      const size_t got = r.bytes;
      std::string_view data(chunk, got);
      switch (state_) {
        case State::kHead:
        case State::kBody:
          conn_.buffer_.append(data.data(), data.size());
          OnRequestBytes(data.size());
          break;
        case State::kStream:
          Callback([&] { handler_->OnData(*this, data); });
          if (read_paused_) return;
          break;
        case State::kLinger:
          lingered_ += data.size();
          if (lingered_ > (1u << 20)) return Close(false);
          break;
        default:
          return;
      }
      if (state_ != State::kHead && state_ != State::kBody && state_ != State::kStream &&
          state_ != State::kLinger) {
        return;
      }
      if (got < sizeof chunk && !transport().HasBuffered()) return;
    }
  }

  // ---- TLS ----

  void ContinueHandshake() {
    IoResult r = transport().Handshake();
    if (r.status == IoResult::kWouldBlock) {
      read_retry_ = transport().RetryOn();
      return;
    }
    read_retry_ = kReadable;
    if (r.status != IoResult::kOk) {
      // Not TLS (plaintext HTTP to a TLS port), no protocol or cipher in
      // common, a bad record: there is nobody to answer in a way the client
      // would read.
      ++core_.tls_handshake_failures;
      return Close(false);
    }
    ++core_.tls_handshakes;
    // The protocol agreed by ALPN is transport().protocol() from here on.
    if (core_.options.http2 && transport().protocol() == "h2") return StartHttp2();
    WaitForRequest();
  }
  void OnHandshakeTimeout() {
    if (state_ != State::kHandshake) return;
    ++core_.tls_handshake_timeouts;
    Close(false);
  }

  // ---- the front door ----

  void WaitForRequest() {
    state_ = State::kHead;
    read_paused_ = false;  // each stream pauses for itself
    paused_input_ = false;
    parser_.Reset();
    request_start_ = conn_.consumed_;
    SetServerTimer(Clock::now() + core_.options.keep_alive_timeout, &LoopConn::OnIdleTimeout);
    if (conn_.buffer_pos_ < conn_.buffer_.size()) OnRequestBytes(conn_.buffer_.size() - conn_.buffer_pos_);
    if (state_ == State::kHead || state_ == State::kBody) Arm();
  }

  void NextRequest() {
    if (++served_ >= core_.options.keep_alive_max_count) return Linger();
    if (conn_.buffer_pos_ > 0) {
      conn_.buffer_.erase(0, conn_.buffer_pos_);
      conn_.buffer_pos_ = 0;
    }
    if (conn_.buffer_.empty()) std::string().swap(conn_.buffer_);
    conn_.body_buffered_ = false;
    WaitForRequest();
  }

  std::string_view Pending() const {
    return std::string_view(conn_.buffer_).substr(conn_.buffer_pos_);
  }

  void OnRequestBytes(size_t fresh) {
    if (state_ == State::kHead) {
      if (!head_started_) {
        head_started_ = true;
        SetServerTimer(Clock::now() + core_.options.head_timeout, &LoopConn::OnHeadTimeout);
      }
      if (served_ == 0 && request_start_ == 0 && core_.options.http2 && !conn_.http2_) {
        // HTTP/2 with prior knowledge: the client preface, or its start.
        std::string_view p = Pending();
        size_t n = std::min(p.size(), kHttp2Preface.size());
        if (p.substr(0, n) == kHttp2Preface.substr(0, n)) {
          if (n < kHttp2Preface.size()) return;
          return StartHttp2();
        }
      }
      switch (parser_.Parse(Pending())) {
        case RequestHeadParser::Result::kIncomplete:
          return;
        case RequestHeadParser::Result::kError:
          return Reject(parser_.error().status, parser_.error().message);
        case RequestHeadParser::Result::kComplete:
          head_started_ = false;
          return OnHead();
      }
    }
    if (state_ == State::kBody) {
      window_bytes_ += fresh;
      CheckBody();
    }
  }

  void OnHead() {
    const RequestHead& head = parser_.head();
    if (core_.stopping) return Reject(503, "the server is shutting down");
    plan_ = core_.PlanFor(head);
    body_start_ = parser_.head_size();
    const bool has_body = head.body != RequestHead::Body::kNone &&
                          !(head.body == RequestHead::Body::kContentLength && head.content_length == 0);
    if (has_body && head.body == RequestHead::Body::kContentLength && head.content_length > plan_.max_bytes) {
      return Reject(plan_.too_large_status, plan_.too_large_status == 404
                                                ? "no route for " + head.method + " " + PathOf(head.target)
                                                : "request body of " + std::to_string(head.content_length) +
                                                      " bytes is over the limit of " +
                                                      std::to_string(plan_.max_bytes));
    }
    if (!has_body || plan_.streamed) {
      request_end_ = request_start_ + body_start_ +
                     (head.body == RequestHead::Body::kContentLength ? head.content_length : 0);
      conn_.body_buffered_ = !has_body;
      return Dispatch(/*streamed=*/has_body);
    }
    state_ = State::kBody;
    window_bytes_ = 0;
    if (head.body == RequestHead::Body::kChunked) {
      ChunkedBodyDecoder::Limits limits;
      limits.max_body_bytes = plan_.max_bytes;
      chunked_ = std::make_unique<ChunkedBodyDecoder>(limits);
      chunk_scan_ = 0;
    }
    if (head.expect_continue && Pending().size() <= body_start_) Write("HTTP/1.1 100 Continue\r\n\r\n");
    SetServerTimer(Clock::now() + core_.options.body_rate_window, &LoopConn::OnBodyWindow);
    CheckBody();
  }

  void CheckBody() {
    const RequestHead& head = parser_.head();
    std::string_view body = Pending().substr(std::min(body_start_, Pending().size()));
    if (head.body == RequestHead::Body::kContentLength) {
      if (body.size() < head.content_length) return;
      request_end_ = request_start_ + body_start_ + head.content_length;
    } else {
      size_t consumed = 0;
      auto r = chunked_->Feed(body.substr(chunk_scan_), &consumed, nullptr);
      chunk_scan_ += consumed;
      if (r == ChunkedBodyDecoder::Result::kError) {
        int status = chunked_->error().status;
        if (status == 413 && plan_.too_large_status == 404) {
          return Reject(404, "no route for " + head.method + " " + PathOf(head.target));
        }
        return Reject(status, chunked_->error().message);
      }
      if (r == ChunkedBodyDecoder::Result::kNeedMore) return;
      request_end_ = request_start_ + body_start_ + chunk_scan_;
      chunked_.reset();
    }
    conn_.body_buffered_ = true;
    Dispatch(/*streamed=*/false);
  }

  static std::string PathOf(const std::string& target) { return target.substr(0, target.find('?')); }

  // ---- HTTP/2 ----

  // The connection becomes an HTTP/2 session (server/http2_session.h), a
  // stream handler on this loop that gets every byte from the preface on.
  void StartHttp2() {
    shard_.loop->CancelTimer(timer_);
    timer_ = EventLoop::NoTimer();
    head_started_ = false;
    ++served_;
    Http2Host host;
    host.loop = shard_.loop;
    host.options = &core_.options;
    host.stats = &core_.http2;
    std::weak_ptr<LoopConn> weak = shared_from_this();
    host.open_stream = [weak](bool extended_connect) {
      auto c = weak.lock();
      return c ? c->OpenStream(extended_connect) : -1;
    };
    handler_ = MakeHttp2Session(std::move(host));
    state_ = State::kStream;
    Callback([&] { handler_->OnStart(*this); });
    if (state_ != State::kStream) return;
    std::string bytes(Pending());
    std::string().swap(conn_.buffer_);
    conn_.buffer_pos_ = 0;
    Callback([&] { handler_->OnData(*this, bytes); });
    if (state_ != State::kStream) return;
    if (core_.stopping) BeginShutdown();
    if (state_ == State::kStream) Arm();
  }

  // One HTTP/2 stream's internal connection: a socket pair whose one end is
  // served here like an accepted connection; the session gets the other.
  int OpenStream(bool extended_connect) {
    if (state_ != State::kStream) return -1;
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    ++core_.open;
    auto c = std::make_shared<LoopConn>(core_, shard_, MakeSocketTransport(sv[0]));
    c->conn_.http2_ = true;
    c->conn_.extended_connect_ = extended_connect;
    std::string ip;
    int port = 0;
    conn_.stream_->get_remote_ip_and_port(ip, port);
    c->conn_.peer_ip_ = ip;
    c->conn_.peer_port_ = port;
    conn_.stream_->get_local_ip_and_port(ip, port);
    c->conn_.local_ip_ = ip;
    c->conn_.local_port_ = port;
    shard_.conns.emplace(c.get(), c);
    c->Start();
    return sv[1];
  }

  void Dispatch(bool streamed) {
    shard_.loop->CancelTimer(timer_);
    timer_ = EventLoop::NoTimer();
    state_ = State::kWorker;
    if (!streamed && plan_.quick && core_.options.unary_on_loop &&
        request_end_ - request_start_ - body_start_ <= core_.options.unary_on_loop_max_body) {
      return RunOnLoop();
    }
    std::string unsent = out_.substr(out_pos_);
    out_.clear();
    out_pos_ = 0;
    const bool last = LastRequest();
    // The parser is left alone until the worker hands the connection back.
    conn_.request_head_ = &parser_.head();
    auto self = shared_from_this();
    const bool gateway = plan_.gateway;
    const size_t head_size = body_start_;
    bool queued = core_.workers->TryEnqueue([self, streamed, last, unsent, gateway, head_size] {
      if (!unsent.empty()) self->conn_.WriteAll(unsent);
      bool closed = false;
      bool ok = false;
      // A streamed body the handler may leave unread: the response says
      // the connection closes, unless a stream takes it over.
      if (!gateway || !self->core_.server.ProcessDirect(self->conn_, head_size, last || streamed, &closed, &ok)) {
        ok = self->core_.server.ProcessOne(self->conn_, last || streamed, &closed);
      }
      bool keep_alive = ok && !closed && !last;
      self->shard_.loop->Post([self, keep_alive] { self->AfterWorker(keep_alive); });
    });
    if (!queued) {
      conn_.request_head_ = nullptr;
      state_ = State::kHead;
      Reject(503, "the server is overloaded");
    }
  }

  // Whether the request just parsed is the connection's last: by the
  // server's count, or the client's Connection tokens (httplib would only
  // match a whole "close" value).
  bool LastRequest() const {
    return served_ + 1 >= core_.options.keep_alive_max_count || !parser_.head().keep_alive;
  }

  // Runs a quick handler on the loop thread: the head and body are in the
  // buffer, and what it writes is captured and sent by the loop.
  void RunOnLoop() {
    const bool last = LastRequest();
    conn_.request_head_ = &parser_.head();
    std::string captured;
    conn_.capture_ = &captured;
    bool closed = false;
    bool ok = false;
    if (!core_.server.ProcessDirect(conn_, body_start_, last, &closed, &ok)) {
      ok = core_.server.ProcessOne(conn_, last, &closed);
    }
    conn_.capture_ = nullptr;
    Write(captured);
    const bool keep_alive = ok && !closed && !last;
    // A pipelined request behind this one is served the same way: after a
    // turn of the loop, so that the stack does not grow with each.
    if (on_loop_depth_ > 0) {
      auto self = shared_from_this();
      shard_.loop->Post([self, keep_alive] { self->AfterWorker(keep_alive); });
      return;
    }
    ++on_loop_depth_;
    AfterWorker(keep_alive);
    --on_loop_depth_;
  }

  // Answers with a JSON error and closes the connection.
  void Reject(int status, const std::string& message) {
    shard_.loop->CancelTimer(timer_);
    timer_ = EventLoop::NoTimer();
    std::string body = "{\"code\":" + std::to_string(GrpcCodeForHttpStatus(status)) +
                       ",\"message\":" + internal::QuoteJson(message) + ",\"details\":[]}";
    Write("HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) +
          "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
          "\r\nConnection: close\r\n\r\n" + body);
    Linger();
  }

  // Closes after the queued output went out: our side first, then reading
  // (and dropping) what the client still sends, briefly, so that the
  // response is not lost to a reset.
  void Linger() {
    if (state_ == State::kClosed) return;
    if (write_failed_) return Close(false);
    state_ = State::kLinger;
    conn_.buffer_.clear();
    conn_.buffer_pos_ = 0;
    if (out_pos_ == out_.size()) StartLinger();
    SetServerTimer(Clock::now() + std::chrono::seconds(2), &LoopConn::OnLingerTimeout);
    Arm();
  }
  void StartLinger() {
    lingering_ = true;
    transport().CloseWrite();
  }

  using TimerFn = void (LoopConn::*)();
  void SetServerTimer(Clock::time_point when, TimerFn fn) {
    shard_.loop->CancelTimer(timer_);
    std::weak_ptr<LoopConn> weak = shared_from_this();
    timer_ = shard_.loop->AddTimer(when, [weak, fn] {
      auto c = weak.lock();
      if (!c || c->state_ == State::kClosed) return;
      c->timer_ = EventLoop::NoTimer();
      ((*c).*fn)();
    });
  }
  void OnIdleTimeout() {
    if (state_ == State::kHead && Pending().empty()) Close(false);
  }
  void OnHeadTimeout() {
    if (state_ == State::kHead) Reject(408, "request head not received in time");
  }
  void OnBodyWindow() {
    if (state_ != State::kBody) return;
    auto window_s = std::chrono::duration<double>(core_.options.body_rate_window).count();
    if (static_cast<double>(window_bytes_) < static_cast<double>(core_.options.min_body_rate) * window_s) {
      return Reject(408, "request body arriving slower than " + std::to_string(core_.options.min_body_rate) +
                             " bytes per second");
    }
    window_bytes_ = 0;
    SetServerTimer(Clock::now() + core_.options.body_rate_window, &LoopConn::OnBodyWindow);
  }
  void OnLingerTimeout() { Close(false); }

  ServerCore& core_;
  LoopShard& shard_;
  Connection conn_;
  State state_ = State::kHead;
  RequestHeadParser parser_;
  BodyPlan plan_;
  std::unique_ptr<ChunkedBodyDecoder> chunked_;
  size_t chunk_scan_ = 0;
  size_t body_start_ = 0;       // offset of the body in Pending()
  uint64_t request_start_ = 0;  // stream offsets (Connection::consumed_)
  uint64_t request_end_ = 0;
  uint64_t window_bytes_ = 0;
  bool head_started_ = false;
  size_t served_ = 0;
  int on_loop_depth_ = 0;  // RunOnLoop's AfterWorker running

  std::string out_;
  size_t out_pos_ = 0;
  // For SendNow from other threads: the unsent size of out_, and whether
  // a stream handler owns the connection.
  std::atomic<size_t> unsent_{0};
  std::atomic<bool> send_now_ok_{false};
  bool write_failed_ = false;
  bool lingering_ = false;
  bool close_when_flushed_ = false;
  size_t lingered_ = 0;

  std::shared_ptr<StreamHandler> handler_;
  bool read_paused_ = false;
  bool paused_input_ = false;  // input arrived while reading was paused
  bool in_callback_ = false;
  uint32_t armed_ = 0;  // the interest the socket is armed with; 0 once an event disarmed it
  // The readiness the transport's last would-block of each direction asked for.
  short read_retry_ = kReadable;
  short write_retry_ = kWritable;
  bool buffered_read_posted_ = false;
  std::shared_ptr<std::atomic<bool>> wake_pending_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> lazy_wake_ = std::make_shared<std::atomic<bool>>(false);
  // Input waits (buffered, or seen on the socket) while a stream has reading
  // paused.
  std::shared_ptr<std::atomic<bool>> input_waiting_ = std::make_shared<std::atomic<bool>>(false);
  EventLoop::TimerId timer_ = EventLoop::NoTimer();
  EventLoop::TimerId stream_timer_ = EventLoop::NoTimer();
};

ServerCore::ServerCore(HttpServer& s, const HttpServerOptions& o) : server(s), options(o) {
  if (options.tls.enabled()) {
    // "h2" is agreed only when the server serves HTTP/2.
    TlsOptions t = options.tls;
    if (!options.http2) t.alpn_protocols.erase(std::remove(t.alpn_protocols.begin(), t.alpn_protocols.end(), "h2"),
                                               t.alpn_protocols.end());
    tls = std::make_unique<TlsServerContext>(t);
  }
  size_t n = options.event_loops;
  if (n == 0) n = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < n; ++i) shards.push_back(std::make_unique<LoopShard>());
  workers = std::make_unique<WorkerPool>(options.min_threads, options.max_threads, options.max_queued_requests);
}

ServerCore::~ServerCore() {
  Shutdown(std::chrono::milliseconds(0));
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool ServerCore::Bind(const std::string& host, int port, std::string* error, int* bound_port) {
  if (listen_fd_ >= 0) {
    *error = "already bound";
    return false;
  }
  if (tls && !tls->loaded() && !tls->Load(error)) return false;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* result = nullptr;
  std::string service = std::to_string(port);
  int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &result);
  if (rc != 0) {
    *error = "cannot resolve " + host + ": " + gai_strerror(rc);
    return false;
  }
  std::string last = "no address for " + host;
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (options.reuse_port) ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &yes, sizeof yes);
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || ::listen(fd, options.listen_backlog) != 0) {
      last = "cannot listen on " + host + ":" + service + ": " + strerror(errno);
      ::close(fd);
      continue;
    }
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    *bound_port = addr.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port)
                                             : ntohs(reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
    listen_fd_ = fd;
    break;
  }
  ::freeaddrinfo(result);
  if (listen_fd_ < 0) *error = last;
  return listen_fd_ >= 0;
}

bool ServerCore::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  if (listen_fd_ < 0 || stopped_ || loops_started_) return false;
  run_returned_ = false;
  loops_started_ = true;
  for (auto& shard : shards) {
    EventLoop* loop = shard->loop.get();
    shard->thread = std::thread([loop] { loop->Run(); });
  }
  int fd = listen_fd_;
  shards[0]->loop->Post([this, fd] { shards[0]->loop->Add(fd, EPOLLIN, this); });
  running = true;
  cv_.wait(lock, [this] { return stopped_; });
  running = false;
  run_returned_ = true;
  cv_.notify_all();
  return true;
}

void ServerCore::OnEvents(uint32_t) { Accept(); }

void ServerCore::Accept() {
  if (listen_fd_ < 0 || stopping) return;
  for (int i = 0; i < 64; ++i) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        // Out of descriptors or memory: back off instead of spinning.
        shards[0]->loop->AddTimer(Clock::now() + std::chrono::milliseconds(100), [this] {
          if (listen_fd_ >= 0 && !stopping) shards[0]->loop->Arm(listen_fd_, EPOLLIN, this);
        });
        return;
      }
      break;  // EAGAIN
    }
    if (open.load() >= options.max_connections && tls) {
      ::close(fd);  // a plaintext 503 means nothing to a TLS client
      continue;
    }
    if (open.load() >= options.max_connections) {
      static const std::string kBusy = [] {
        std::string body = "{\"code\":14,\"message\":\"too many open connections\",\"details\":[]}";
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      }();
      ssize_t ignored = ::send(fd, kBusy.data(), kBusy.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      (void)ignored;
      ::close(fd);
      continue;
    }
    int yes = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);
    std::unique_ptr<Transport> transport = MakeTransport(fd);
    if (!transport) continue;
    ++open;
    LoopShard& shard = *shards[next_shard_++ % shards.size()];
    if (&shard == shards[0].get()) {
      Adopt(std::move(transport));
    } else {
      // (std::function needs a copyable task.)
      auto holder = std::make_shared<std::unique_ptr<Transport>>(std::move(transport));
      shard.loop->Post([this, &shard, holder] {
        auto c = std::make_shared<LoopConn>(*this, shard, std::move(*holder));
        shard.conns.emplace(c.get(), c);
        if (stopping) return c->Close(false);
        c->Start();
      });
    }
  }
  shards[0]->loop->Arm(listen_fd_, EPOLLIN, this);
}

std::unique_ptr<Transport> ServerCore::MakeTransport(int fd) {
  if (tls) return tls->Accept(fd);
  return MakeSocketTransport(fd);
}

void ServerCore::Adopt(std::unique_ptr<Transport> transport) {
  LoopShard& shard = *shards[0];
  auto c = std::make_shared<LoopConn>(*this, shard, std::move(transport));
  shard.conns.emplace(c.get(), c);
  c->Start();
}

void ServerCore::Forget(LoopShard& shard, LoopConn* conn) {
  auto it = shard.conns.find(conn);
  if (it == shard.conns.end()) return;
  // Destroyed after the events of this round (a pending event may name it).
  std::shared_ptr<LoopConn> keep = std::move(it->second);
  shard.conns.erase(it);
  shard.loop->Post([keep] {});
  if (open.fetch_sub(1) == 1) {
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }
}

void ServerCore::CloseListener() {
  int fd = listen_fd_;
  if (fd < 0) return;
  shards[0]->loop->Remove(fd);
  ::close(fd);
  listen_fd_ = -1;
}

BodyPlan ServerCore::PlanFor(const RequestHead& head) const {
  BodyPlan plan;
  if (server.gateway_classifier_ && server.gateway_classifier_(head, &plan)) {
    plan.gateway = true;
    return plan;
  }
  std::string path = head.target.substr(0, head.target.find('?'));
  const std::string& method = head.method == "HEAD" ? std::string("GET") : head.method;
  for (const UserRoute& r : routes) {
    if (r.method == method && std::regex_match(path, r.regex)) {
      plan.max_bytes = r.max_body;
      return plan;
    }
  }
  plan.max_bytes = options.max_unrouted_body_bytes;
  plan.too_large_status = 404;
  return plan;
}

void ServerCore::Shutdown(std::chrono::milliseconds grace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
  }
  bool started;
  {
    std::lock_guard<std::mutex> lock(mu_);
    started = loops_started_;
  }
  stopping = true;
  if (started) {
    auto each_conn = [this](void (LoopConn::*fn)()) {
      for (auto& shard : shards) {
        LoopShard* s = shard.get();
        s->loop->Post([s, fn] {
          std::vector<std::shared_ptr<LoopConn>> all;
          for (auto& [p, c] : s->conns) all.push_back(c);
          for (auto& c : all) ((*c).*fn)();
        });
      }
    };
    shards[0]->loop->Post([this] { CloseListener(); });
    each_conn(&LoopConn::BeginShutdown);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, grace, [this] { return open.load() == 0; });
    lock.unlock();
    // What did not end within the grace period is closed (streams cancel
    // their calls; handlers blocked on their connection wake up).
    for (int round = 0; round < 20 && open.load() > 0; ++round) {
      each_conn(&LoopConn::ForceClose);
      lock.lock();
      cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return open.load() == 0; });
      lock.unlock();
    }
  } else {
    CloseListener();
  }
  workers->Shutdown();
  {
    std::lock_guard<std::mutex> join_lock(join_mu_);
    for (auto& shard : shards) {
      shard->loop->Quit();
      if (shard->thread.joinable()) shard->thread.join();
      shard->conns.clear();
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  stopped_ = true;
  cv_.notify_all();
  cv_.wait(lock, [this] { return run_returned_; });
}

}  // namespace internal

HttpServer::HttpServer() : HttpServer(HttpServerOptions{}) {}

HttpServer::HttpServer(const HttpServerOptions& options)
    : options_(options), core_(std::make_unique<internal::ServerCore>(*this, options_)) {
  set_tcp_nodelay(true);
  set_keep_alive_max_count(options_.keep_alive_max_count);
  set_keep_alive_timeout(options_.keep_alive_timeout.count());
  set_read_timeout(options_.read_timeout.count());
  set_write_timeout(options_.write_timeout.count());
  // Bodies are bounded by the front door (per route) before httplib reads them.
  set_payload_max_length(std::numeric_limits<size_t>::max());
  // Runs right before httplib writes a response: a response with a body in
  // memory goes out as one write (head and body), not two segments.
  httplib::Server::set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    FinishResponseHead(req, res);
    Connection* c = current_connection;
    if (c == nullptr || c->taken_over_) return;
    if (req.method != "HEAD" && (!res.body.empty() || res.content_length_ > 0)) c->stream_->HoldNextWrite();
  });
  httplib::Server::set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    // Runs before httplib reads the body; `req` is process_request's own
    // (non-const) Request.
    if (Connection* c = current_connection; c != nullptr && c->request_head_ != nullptr) {
      StateFraming(*c->request_head_, const_cast<httplib::Request&>(req));
    }
    if (gateway_hook_ && gateway_hook_(req, res) == HandlerResponse::Handled) {
      return HandlerResponse::Handled;
    }
    if (user_pre_routing_) return user_pre_routing_(req, res);
    return HandlerResponse::Unhandled;
  });
  httplib::Server::set_error_handler(HandlerWithResponse(JsonErrorBody));
}

void HttpServer::FinishResponseHead(const httplib::Request& req, httplib::Response& res) {
  if (user_post_routing_) user_post_routing_(req, res);
  // A header field whose name or value holds CR, LF or NUL would end its
  // line early and split the response (a route copying a request header,
  // which httplib percent-decodes, into res.headers). httplib's set_header
  // drops such a field; fields put into res.headers directly are dropped
  // here.
  for (auto it = res.headers.begin(); it != res.headers.end();) {
    if (it->first.find_first_of(kLineBreakOrNul, 0, 3) != std::string::npos ||
        it->second.find_first_of(kLineBreakOrNul, 0, 3) != std::string::npos) {
      it = res.headers.erase(it);
    } else {
      ++it;
    }
  }
  Connection* c = current_connection;
  if (c == nullptr || c->taken_over_) return;
  if (c->close_after_response_ || c->shutting_down_) {
    // The response says what the server does with the connection (it
    // closes after this response when the server is stopping).
    res.headers.erase("Keep-Alive");
    res.headers.erase("Connection");
    res.set_header("Connection", "close");
  }
}

HttpServer::~HttpServer() { stop(); }

void HttpServer::RecordRoute(const char* method, const std::string& pattern) {
  core_->routes.push_back({method, pattern, std::regex(pattern), options_.max_request_body_bytes});
}

#define GRPCGW_ROUTE(Name, METHOD, HandlerType)                                   \
  HttpServer& HttpServer::Name(const std::string& pattern, HandlerType handler) { \
    RecordRoute(METHOD, pattern);                                                 \
    httplib::Server::Name(pattern, std::move(handler));                           \
    return *this;                                                                 \
  }
GRPCGW_ROUTE(Get, "GET", Handler)
GRPCGW_ROUTE(Post, "POST", Handler)
GRPCGW_ROUTE(Post, "POST", HandlerWithContentReader)
GRPCGW_ROUTE(Put, "PUT", Handler)
GRPCGW_ROUTE(Put, "PUT", HandlerWithContentReader)
GRPCGW_ROUTE(Patch, "PATCH", Handler)
GRPCGW_ROUTE(Patch, "PATCH", HandlerWithContentReader)
GRPCGW_ROUTE(Delete, "DELETE", Handler)
GRPCGW_ROUTE(Delete, "DELETE", HandlerWithContentReader)
GRPCGW_ROUTE(Options, "OPTIONS", Handler)
#undef GRPCGW_ROUTE

HttpServer& HttpServer::set_request_body_limit(const std::string& pattern, size_t max_bytes) {
  for (auto& r : core_->routes) {
    if (r.pattern == pattern) r.max_body = max_bytes;
  }
  return *this;
}

template <class F>
bool HttpServer::RecordError(F&& f) {
  std::string error;
  bool ok = f(&error);
  std::lock_guard<std::mutex> lock(error_mu_);
  last_error_ = std::move(error);
  return ok;
}

std::string HttpServer::last_error() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return last_error_;
}

bool HttpServer::bind_to_port(const std::string& host, int port, int /*socket_flags*/) {
  int bound = 0;
  if (!RecordError([&](std::string* error) { return core_->Bind(host, port, error, &bound); })) return false;
  // httplib's content providers stop once they see no listening socket.
  svr_sock_ = core_->listen_fd();
  return true;
}

int HttpServer::bind_to_any_port(const std::string& host, int /*socket_flags*/) {
  int bound = 0;
  if (!RecordError([&](std::string* error) { return core_->Bind(host, 0, error, &bound); })) return -1;
  svr_sock_ = core_->listen_fd();
  return bound;
}

bool HttpServer::listen_after_bind() { return core_->Run(); }

bool HttpServer::listen(const std::string& host, int port, int socket_flags) {
  return bind_to_port(host, port, socket_flags) && listen_after_bind();
}

bool HttpServer::is_running() const { return core_->running.load(); }

void HttpServer::stop() { Shutdown(options_.shutdown_grace); }

void HttpServer::Shutdown(std::chrono::milliseconds grace) {
  core_->Shutdown(grace);
  svr_sock_ = INVALID_SOCKET;
}

HttpServer& HttpServer::set_pre_routing_handler(HandlerWithResponse handler) {
  user_pre_routing_ = std::move(handler);
  return *this;
}

HttpServer& HttpServer::set_logger(httplib::Logger logger) {
  user_logger_ = logger;
  httplib::Server::set_logger(std::move(logger));
  return *this;
}

HttpServer& HttpServer::set_default_headers(httplib::Headers headers) {
  user_default_headers_ = headers;
  httplib::Server::set_default_headers(std::move(headers));
  return *this;
}

HttpServer& HttpServer::set_error_handler(HandlerWithResponse handler) {
  user_error_handler_ = handler;
  httplib::Server::set_error_handler(std::move(handler));
  return *this;
}

HttpServer& HttpServer::set_error_handler(Handler handler) {
  return set_error_handler(
      HandlerWithResponse([handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
        handler(req, res);
        return HandlerResponse::Handled;
      }));
}

HttpServer& HttpServer::set_exception_handler(ExceptionHandler handler) {
  user_exception_handler_ = handler;
  httplib::Server::set_exception_handler(std::move(handler));
  return *this;
}

HttpServer& HttpServer::set_post_routing_handler(Handler handler) {
  user_post_routing_ = std::move(handler);
  return *this;
}

HttpServer& HttpServer::set_expect_100_continue_handler(Expect100ContinueHandler handler) {
  expect_handler_set_ = static_cast<bool>(handler);
  httplib::Server::set_expect_100_continue_handler(std::move(handler));
  return *this;
}

size_t HttpServer::open_connections() const { return core_->open.load(); }

bool HttpServer::ReloadCertificates() {
  return RecordError([this](std::string* error) {
    if (!core_->tls) return *error = "TLS is not enabled (HttpServerOptions::tls)", false;
    return core_->tls->Load(error);
  });
}

bool HttpServer::ReloadCertificates(SSL_CTX* ctx) {
  return RecordError([this, ctx](std::string* error) {
    if (!core_->tls) return *error = "TLS is not enabled (HttpServerOptions::tls)", false;
    return core_->tls->Use(ctx, error);
  });
}

TlsCounters HttpServer::tls_counters() const {
  TlsCounters c;
  c.handshakes = core_->tls_handshakes.load();
  c.handshake_failures = core_->tls_handshake_failures.load();
  c.handshake_timeouts = core_->tls_handshake_timeouts.load();
  return c;
}
size_t HttpServer::worker_threads() const { return core_->workers->threads(); }
size_t HttpServer::loop_threads() const { return core_->shards.size(); }

HttpServer::Http2Counters HttpServer::http2_counters() const {
  Http2Counters c;
  c.connections = core_->http2.connections.load();
  c.streams = core_->http2.streams.load();
  c.extended_connects = core_->http2.extended_connects.load();
  c.calm_goaways = core_->http2.goaways_calm.load();
  return c;
}

// What httplib's process_request does for a request the gateway serves,
// from the head the front door parsed (instead of reading it again): the
// same httplib::Request (path and query parameters percent-decoded, header
// values too, empty ones left out, framing as the front door decided, the
// address headers), the gateway's hook, and a response written by the
// server unless a stream took the connection over. Left to httplib: targets
// it would read differently (a fragment, more than one '?'), and an Expect
// with a user handler. Not done here, as the gateway has no use for them: a
// second 100 Continue (the loop sent one when the body was still to come)
// and the Range header (a gateway response is always whole).
bool HttpServer::ProcessDirect(Connection& conn, size_t head_size, bool last, bool* connection_closed,
                               bool* ok) {
  const internal::RequestHead& head = *conn.request_head_;
  if (!gateway_hook_) return false;
  if (expect_handler_set_ && head.expect_continue) return false;
  const std::string& target = head.target;
  const size_t q = target.find('?');
  if (target.find('#') != std::string::npos ||
      (q != std::string::npos && target.find('?', q + 1) != std::string::npos)) {
    return false;
  }

  httplib::Request req;
  httplib::Response res;
  res.version = "HTTP/1.1";
  for (const auto& h : user_default_headers_) {
    if (res.headers.find(h.first) == res.headers.end()) res.headers.insert(h);
  }
  req.method = head.method;
  req.target = target;
  req.version = head.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  req.path = httplib::detail::decode_url(target.substr(0, q), false);
  if (q != std::string::npos && q + 1 < target.size()) {
    httplib::detail::parse_query_text(target.substr(q + 1), req.params);
  }
  for (const internal::HeaderField& f : head.headers) {
    if (f.value.empty()) continue;
    req.headers.emplace(f.name, f.value.find('%') == std::string::npos ? f.value
                                                                       : httplib::detail::decode_url(f.value, false));
  }
  StateFraming(head, req);
  conn.stream_->get_remote_ip_and_port(req.remote_addr, req.remote_port);
  req.headers.emplace("REMOTE_ADDR", req.remote_addr);
  req.headers.emplace("REMOTE_PORT", std::to_string(req.remote_port));
  conn.stream_->get_local_ip_and_port(req.local_addr, req.local_port);
  req.headers.emplace("LOCAL_ADDR", req.local_addr);
  req.headers.emplace("LOCAL_PORT", std::to_string(req.local_port));
  // HTTP/1.0 closes: the response would have to say keep-alive.
  *connection_closed = req.version == "HTTP/1.0" || !head.keep_alive;

  // The head is read; the body (if any) is what follows in the buffer.
  const size_t buffer_pos = conn.buffer_pos_;
  const uint64_t consumed = conn.consumed_;
  conn.buffer_pos_ += head_size;
  conn.consumed_ += head_size;
  current_connection = &conn;
  HandlerResponse handled = HandlerResponse::Handled;
  try {
    handled = gateway_hook_(req, res);
  } catch (...) {
    if (user_exception_handler_) {
      user_exception_handler_(req, res, std::current_exception());
    } else {
      res.status = 500;
    }
  }
  if (handled == HandlerResponse::Unhandled) {
    // Not the gateway's after all: httplib's processing, from the start.
    current_connection = nullptr;
    conn.buffer_pos_ = buffer_pos;
    conn.consumed_ = consumed;
    return false;
  }
  if (res.status == -1) res.status = 200;
  *ok = true;
  if (!conn.taken_over_) {
    if (res.status >= 400) {
      if (user_error_handler_) {
        user_error_handler_(req, res);
      } else {
        JsonErrorBody(req, res);
      }
    }
    FinishResponseHead(req, res);
    const bool keep_alive = !*connection_closed && !last && !conn.close_after_response_ && !conn.shutting_down_;
    const bool head_only = req.method == "HEAD";
    if (user_logger_) {
      httplib::Response copy = res;  // the logger sees the body
      *ok = conn.WriteAll(internal::SerializeResponse(copy, keep_alive, head_only));
    } else {
      *ok = conn.WriteAll(internal::SerializeResponse(res, keep_alive, head_only));
    }
  }
  if (user_logger_) user_logger_(req, res);
  current_connection = nullptr;
  return true;
}

bool HttpServer::ProcessOne(Connection& conn, bool last, bool* connection_closed) {
  current_connection = &conn;
  bool ok = process_request(*conn.stream_, last, *connection_closed, nullptr);
  current_connection = nullptr;
  if (!conn.stream_->FlushHeld()) ok = false;
  return ok;
}

}  // namespace grpcgw
