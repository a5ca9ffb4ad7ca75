// Helpers of the SSE end-to-end tests (tests/e2e/sse_*test.cc): an SSE
// client on a raw socket that reads the stream event by event, the bytes of
// an event as the SSE specification frames it, and process figures
// (threads, resident memory) read from /proc/self/status.
//
//   SseStream s(server.port());
//   REQUIRE(s.Open("/v1/watch/t?count=2"));
//   CHECK(s.head.status == 200);
//   std::string event = s.NextEvent();   // "data: {...}\n\n"
//
// Not thread-safe: one thread uses one SseStream.
#ifndef GRPCGW_TESTS_E2E_SSE_TEST_UTIL_H_
#define GRPCGW_TESTS_E2E_SSE_TEST_UTIL_H_

#include <sys/resource.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>

#include "test_util.h"

namespace e2e_test {

// One SSE request on its own connection.
class SseStream {
 public:
  explicit SseStream(int port) : conn_(port) {}

  // Sends a GET for `target` accepting text/event-stream, plus
  // `extra_headers` (each line ending in \r\n), and reads the response head.
  bool Open(const std::string& target, const std::string& extra_headers = "",
            std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return Send(target, extra_headers) && conn_.ReadHead(&head, timeout);
  }
  bool Send(const std::string& target, const std::string& extra_headers = "") {
    return conn_.connected() &&
           conn_.Send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n" +
                      extra_headers + "\r\n");
  }
  bool ReadHead(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return conn_.ReadHead(&head, timeout);
  }

  // The next event block (comments and fields up to and including the blank
  // line), or "" when nothing complete came within `timeout` or the stream
  // closed.
  std::string NextEvent(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return conn_.ReadUntil("\n\n", timeout);
  }
  // Everything until the server closes the connection; `*closed` tells
  // whether it did within `timeout`.
  std::string Rest(std::chrono::milliseconds timeout, bool* closed) { return conn_.ReadToClose(timeout, closed); }

  RawConnection& conn() { return conn_; }
  RawResponse head;

 private:
  RawConnection conn_;
};

// A connection that sends one request and never reads: its receive buffer
// is shrunk before connect() so that the TCP window stays small. Over TLS
// when the suites run over TLS (the handshake is its only reading).
class NonReader {
 public:
  NonReader(int port, const std::string& request, int receive_buffer = 4096) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      Close();
      return;
    }
    if (TlsMode()) {
      static SSL_CTX* const ctx = NewTestClientContext();
      timeval tv{10, 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      ssl_ = SSL_new(ctx);
      SSL_set_fd(ssl_, fd_);
      if (SSL_connect(ssl_) != 1 ||
          SSL_write(ssl_, request.data(), static_cast<int>(request.size())) != static_cast<int>(request.size())) {
        Close();
      }
      return;
    }
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      Close();
    }
  }
  ~NonReader() { Close(); }
  NonReader(const NonReader&) = delete;
  NonReader& operator=(const NonReader&) = delete;
  bool ok() const { return fd_ >= 0; }
  void Close() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ssl_ = nullptr;
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  SSL* ssl_ = nullptr;
  int fd_ = -1;
};

// The bytes of one event as the SSE specification frames it: optional id:
// and event: lines, one data: line (JSON is one line), a blank line.
inline std::string EventBytes(const std::string& data, const std::string& event = "",
                              const std::string& id = "") {
  std::string out;
  if (!id.empty()) out += "id: " + id + "\n";
  if (!event.empty()) out += "event: " + event + "\n";
  out += data.empty() ? "data:\n" : "data: " + data + "\n";
  return out + "\n";
}

// The data: line of an event block with exactly one such line, without the
// "data: " prefix; "" if there is not exactly one.
inline std::string DataOf(const std::string& block) {
  std::string data;
  int lines = 0;
  size_t pos = 0;
  while (pos < block.size()) {
    size_t end = block.find('\n', pos);
    if (end == std::string::npos) end = block.size();
    std::string line = block.substr(pos, end - pos);
    if (line.compare(0, 5, "data:") == 0) {
      ++lines;
      data = line.size() > 5 && line[5] == ' ' ? line.substr(6) : line.substr(5);
    }
    pos = end + 1;
  }
  return lines == 1 ? data : std::string();
}

// A field of /proc/self/status in its own unit (kB for Vm*), or -1.
inline long ProcStatus(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size() + 1, field + ":") == 0) return std::atol(line.c_str() + field.size() + 1);
  }
  return -1;
}
inline long Threads() { return ProcStatus("Threads"); }
inline long RssKb() { return ProcStatus("VmRSS"); }

// Raises the soft limit of open files to `want` (or the hard limit).
inline void RaiseFileLimit(rlim_t want) {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur >= want) return;
  r.rlim_cur = r.rlim_max == RLIM_INFINITY || r.rlim_max >= want ? want : r.rlim_max;
  setrlimit(RLIMIT_NOFILE, &r);
}

}  // namespace e2e_test

#endif  // GRPCGW_TESTS_E2E_SSE_TEST_UTIL_H_
