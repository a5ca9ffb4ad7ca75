// Helpers of the server load tests (tests/e2e/server_*test.cc): many client
// connections held by ONE thread, as a load generator holds them —
// non-blocking sockets on an epoll instance that the calling thread drives
// with RunUntil — and parsers that take one protocol unit (a response head,
// an SSE event, a WebSocket frame, a chunk) off the front of a receive
// buffer as soon as it is complete.
//
//   LoadClients clients;
//   clients.on_data = [&](size_t i, LoadClients::Conn& c) { /* consume c.in */ };
//   size_t i = clients.Connect(server.port());
//   clients.Send(i, "GET /v1/watch/t HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
//   REQUIRE(clients.RunUntil([&] { return got_event; }, 5s));
//   clients.CloseAll();                      // every client vanishes at once
//
// Every wait is bounded (RunUntil returns false at its timeout). Not
// thread-safe: one thread owns a LoadClients.
#ifndef GRPCGW_TESTS_E2E_LOAD_CLIENT_H_
#define GRPCGW_TESTS_E2E_LOAD_CLIENT_H_

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace e2e_test {

class LoadClients {
 public:
  static constexpr size_t npos = static_cast<size_t>(-1);

  struct Conn {
    int fd = -1;
    bool connecting = false;
    bool eof = false;     // the server closed the connection (a read returned 0)
    bool failed = false;  // a socket error: refused, reset
    std::string in;       // received and not yet consumed by the test
    std::string out;      // queued and not yet sent
    size_t out_pos = 0;
    bool want_out = false;  // EPOLLOUT armed
    uint64_t received = 0;  // bytes in total
    bool open() const { return fd >= 0; }
    bool ended() const { return eof || failed; }
  };

  LoadClients() : epfd_(::epoll_create1(EPOLL_CLOEXEC)) {}
  ~LoadClients() {
    CloseAll();
    if (epfd_ >= 0) ::close(epfd_);
  }
  LoadClients(const LoadClients&) = delete;
  LoadClients& operator=(const LoadClients&) = delete;

  // Runs after each read on a connection (also the read that saw the end:
  // then conn.ended() is true and the socket is already closed).
  std::function<void(size_t index, Conn& conn)> on_data;
  // Runs once per round of the loop (about every 10 ms, and after events).
  std::function<void()> on_tick;

  // Starts a non-blocking connection to 127.0.0.1:`port`. Returns its index,
  // or npos when no socket could be made (then errno tells).
  size_t Connect(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return npos;
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int r = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    if (r != 0 && errno != EINPROGRESS) {
      int saved = errno;
      ::close(fd);
      errno = saved;
      return npos;
    }
    size_t i = conns_.size();
    conns_.emplace_back();
    Conn& c = conns_.back();
    c.fd = fd;
    c.connecting = r != 0;
    c.want_out = c.connecting;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (c.want_out ? uint32_t{EPOLLOUT} : 0u);
    ev.data.u64 = i;
    if (::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
      int saved = errno;
      ::close(fd);
      c.fd = -1;
      c.failed = true;
      errno = saved;
      return npos;
    }
    ++open_;
    return i;
  }

  // Queues `bytes` and sends as much as the socket takes now.
  void Send(size_t i, std::string_view bytes) {
    Conn& c = conns_[i];
    if (!c.open()) return;
    c.out.append(bytes.data(), bytes.size());
    if (!c.connecting) Flush(i);
  }

  // Closes one connection; with `reset` the close sends RST instead of FIN.
  void Close(size_t i, bool reset = false) {
    Conn& c = conns_[i];
    if (!c.open()) return;
    if (reset) {
      linger l{1, 0};
      ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    --open_;
  }

  // Closes every open connection, one after the other without pausing;
  // with `reset_every_other`, every second one sends RST.
  void CloseAll(bool reset_every_other = false) {
    for (size_t i = 0; i < conns_.size(); ++i) Close(i, reset_every_other && i % 2 == 1);
  }

  // Runs the loop until `pred()` holds (checked after every round) or
  // `timeout` passes; false on timeout.
  template <class Pred>
  bool RunUntil(Pred pred, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    epoll_event events[512];
    for (;;) {
      if (pred()) return true;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      int n = ::epoll_wait(epfd_, events, 512, static_cast<int>(std::min<long>(left.count(), 10)));
      for (int k = 0; k < n; ++k) Handle(static_cast<size_t>(events[k].data.u64), events[k].events);
      if (on_tick) on_tick();
    }
  }
  // Runs the loop for `duration`.
  void RunFor(std::chrono::milliseconds duration) {
    RunUntil([] { return false; }, duration);
  }

  size_t size() const { return conns_.size(); }
  size_t open_count() const { return open_; }
  Conn& at(size_t i) { return conns_[i]; }

 private:
  void Arm(size_t i) {
    Conn& c = conns_[i];
    bool want = c.connecting || c.out_pos < c.out.size();
    if (want == c.want_out || !c.open()) return;
    c.want_out = want;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (want ? uint32_t{EPOLLOUT} : 0u);
    ev.data.u64 = i;
    ::epoll_ctl(epfd_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void Flush(size_t i) {
    Conn& c = conns_[i];
    while (c.open() && c.out_pos < c.out.size()) {
      ssize_t w = ::send(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w > 0) {
        c.out_pos += static_cast<size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Fail(i);
      return;
    }
    if (c.out_pos == c.out.size()) {
      c.out.clear();
      c.out_pos = 0;
    }
    Arm(i);
  }

  void Fail(size_t i) {
    Conn& c = conns_[i];
    c.failed = true;
    Close(i);
    if (on_data) on_data(i, c);
  }

  void Handle(size_t i, uint32_t events) {
    Conn& c = conns_[i];
    if (!c.open()) return;
    if (c.connecting) {
      if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
      int error = 0;
      socklen_t len = sizeof error;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &error, &len);
      if (error != 0) return Fail(i);
      c.connecting = false;
      Flush(i);
      if (!c.open()) return;
    } else if (events & EPOLLOUT) {
      Flush(i);
      if (!c.open()) return;
    }
    if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) Read(i);
  }

  void Read(size_t i) {
    Conn& c = conns_[i];
    bool got_any = false;
    for (;;) {
      ssize_t n = ::recv(c.fd, buf_, sizeof buf_, MSG_DONTWAIT);
      if (n > 0) {
        c.in.append(buf_, static_cast<size_t>(n));
        c.received += static_cast<uint64_t>(n);
        got_any = true;
        if (static_cast<size_t>(n) < sizeof buf_) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n == 0) {
        c.eof = true;
      } else {
        c.failed = true;
      }
      Close(i);
      got_any = true;
      break;
    }
    if (got_any && on_data) on_data(i, c);
  }

  int epfd_;
  std::deque<Conn> conns_;  // stable references
  size_t open_ = 0;
  char buf_[65536];
};

// ---- parsers: each takes one complete unit off the front of `buf` ----

// A response head: true once "\r\n\r\n" arrived; `*status` is the status
// code (0 if the status line is not HTTP/1.x), `*head` the head's text.
inline bool TakeHead(std::string& buf, int* status, std::string* head = nullptr) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  *status = buf.compare(0, 7, "HTTP/1.") == 0 && buf.size() > 12 ? std::atoi(buf.c_str() + 9) : 0;
  if (head) head->assign(buf, 0, end + 4);
  buf.erase(0, end + 4);
  return true;
}

// The value of header `name` (given in lowercase) in a head, or "".
inline std::string HeadValue(const std::string& head, const std::string& name) {
  size_t pos = head.find("\r\n");
  while (pos != std::string::npos && pos + 2 < head.size()) {
    size_t end = head.find("\r\n", pos + 2);
    if (end == std::string::npos) break;
    std::string line = head.substr(pos + 2, end - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string key = line.substr(0, colon);
      for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (key == name) {
        size_t v = line.find_first_not_of(" \t", colon + 1);
        return v == std::string::npos ? std::string() : line.substr(v);
      }
    }
    pos = end;
  }
  return std::string();
}

// A whole response with a Content-Length body.
inline bool TakeResponse(std::string& buf, int* status, std::string* head, std::string* body) {
  size_t end = buf.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::string h = buf.substr(0, end + 4);
  size_t length = std::strtoul(HeadValue(h, "content-length").c_str(), nullptr, 10);
  if (buf.size() < end + 4 + length) return false;
  *status = buf.compare(0, 7, "HTTP/1.") == 0 && buf.size() > 12 ? std::atoi(buf.c_str() + 9) : 0;
  *head = std::move(h);
  body->assign(buf, end + 4, length);
  buf.erase(0, end + 4 + length);
  return true;
}

// One SSE event block (up to and including the blank line).
inline bool TakeSseEvent(std::string& buf, std::string* event) {
  size_t end = buf.find("\n\n");
  if (end == std::string::npos) return false;
  event->assign(buf, 0, end + 2);
  buf.erase(0, end + 2);
  return true;
}

// One chunk of a chunked body. kData: `*data` holds it; kLast: the last
// chunk and the (empty) trailer section; kError: broken framing.
enum class ChunkResult { kIncomplete, kData, kLast, kError };
inline ChunkResult TakeChunk(std::string& buf, std::string* data) {
  size_t eol = buf.find("\r\n");
  if (eol == std::string::npos) return buf.size() > 64 ? ChunkResult::kError : ChunkResult::kIncomplete;
  char* end = nullptr;
  size_t size = std::strtoul(buf.c_str(), &end, 16);
  if (end == buf.c_str()) return ChunkResult::kError;
  if (size == 0) {
    if (buf.size() < eol + 4) return ChunkResult::kIncomplete;
    if (buf.compare(eol + 2, 2, "\r\n") != 0) return ChunkResult::kError;
    buf.erase(0, eol + 4);
    return ChunkResult::kLast;
  }
  if (buf.size() < eol + 2 + size + 2) return ChunkResult::kIncomplete;
  if (buf.compare(eol + 2 + size, 2, "\r\n") != 0) return ChunkResult::kError;
  data->assign(buf, eol + 2, size);
  buf.erase(0, eol + 2 + size + 2);
  return ChunkResult::kData;
}

// One WebSocket frame from the server (unmasked, as a server sends them).
// kError: a masked frame or reserved bits set.
struct ServerFrame {
  bool fin = true;
  uint8_t opcode = 0;
  std::string payload;
};
enum class FrameResult { kIncomplete, kFrame, kError };
inline FrameResult TakeFrame(std::string& buf, ServerFrame* frame) {
  if (buf.size() < 2) return FrameResult::kIncomplete;
  const auto b0 = static_cast<uint8_t>(buf[0]);
  const auto b1 = static_cast<uint8_t>(buf[1]);
  if ((b1 & 0x80) != 0 || (b0 & 0x70) != 0) return FrameResult::kError;
  uint64_t length = b1 & 0x7F;
  size_t at = 2;
  if (length == 126 || length == 127) {
    size_t bytes = length == 126 ? 2 : 8;
    if (buf.size() < at + bytes) return FrameResult::kIncomplete;
    length = 0;
    for (size_t k = 0; k < bytes; ++k) length = (length << 8) | static_cast<uint8_t>(buf[at + k]);
    at += bytes;
  }
  if (buf.size() < at + length) return FrameResult::kIncomplete;
  frame->fin = (b0 & 0x80) != 0;
  frame->opcode = b0 & 0x0F;
  frame->payload.assign(buf, at, static_cast<size_t>(length));
  buf.erase(0, at + static_cast<size_t>(length));
  return FrameResult::kFrame;
}

// A masked client frame (RFC 6455 section 5.2) carrying `payload`.
inline std::string ClientFrame(uint8_t opcode, std::string_view payload) {
  std::string out;
  out += static_cast<char>(0x80 | (opcode & 0x0F));
  const size_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(0x80 | n);
  } else if (n <= 0xFFFF) {
    out += static_cast<char>(0x80 | 126);
    out += static_cast<char>((n >> 8) & 0xFF);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((uint64_t{n} >> shift) & 0xFF);
  }
  const uint8_t mask[4] = {0x1F, 0xA2, 0x6B, 0xC4};
  for (uint8_t b : mask) out += static_cast<char>(b);
  for (size_t k = 0; k < n; ++k) out += static_cast<char>(payload[k] ^ mask[k & 3]);
  return out;
}

// ---- process figures ----

// Open file descriptors of this process.
inline long OpenFds() {
  long n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

// Threads of this process (entries of /proc/self/task).
inline long TaskCount() {
  long n = 0;
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

// Raises the soft limit of open files to the hard limit; returns the soft
// limit in force afterwards.
inline rlim_t RaiseFileLimitToHard() {
  rlimit r{};
  if (::getrlimit(RLIMIT_NOFILE, &r) != 0) return 0;
  if (r.rlim_cur < r.rlim_max) {
    rlimit raised = r;
    raised.rlim_cur = r.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) r = raised;
  }
  return r.rlim_cur;
}

// Percentile `p` (0..100) of `values` (sorted in place); 0 when empty.
inline long Percentile(std::vector<long>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t k = static_cast<size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(k, values.size() - 1)];
}

}  // namespace e2e_test

#endif  // GRPCGW_TESTS_E2E_LOAD_CLIENT_H_
