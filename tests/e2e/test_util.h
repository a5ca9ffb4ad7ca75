// Helpers shared by the end-to-end tests: bounded waiting, a raw socket
// client (for what httplib::Client cannot do: disconnect mid-request, send
// malformed or partial requests, read a response as it streams), HTTP
// response parsing, JSON and base64.
//
//   RawConnection conn(server.port());
//   conn.Send("GET /v1/sleep/t1 HTTP/1.1\r\nHost: x\r\n\r\n");
//   REQUIRE(server.service().events().WaitFor("sleep:started:t1", 5s));
//   conn.Close();
//
//   RawResponse res;
//   REQUIRE(conn.ReadResponse(&res, 5s));  // status, headers, de-chunked body
//
// Every wait is bounded: a helper that runs out of time returns false (or
// what it has), it never blocks a test forever.
#ifndef GRPCGW_TESTS_E2E_TEST_UTIL_H_
#define GRPCGW_TESTS_E2E_TEST_UTIL_H_

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <thread>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "tls_test_util.h"

namespace e2e_test {

using namespace std::chrono_literals;

// Polls `pred` every few milliseconds until it holds or `timeout` passes.
template <class Pred>
bool WaitUntil(Pred pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

inline std::string Lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A response read off a raw connection. Header names are lowercased.
struct RawResponse {
  int status = 0;
  std::multimap<std::string, std::string> headers;
  std::string body;  // chunk framing removed
  std::multimap<std::string, std::string> trailers;  // of a chunked body; names in lower case

  std::string header(const std::string& name) const {
    auto it = headers.find(Lowercase(name));
    return it == headers.end() ? std::string() : it->second;
  }
  bool has_header(const std::string& name) const { return headers.count(Lowercase(name)) > 0; }
};

// One TCP connection to 127.0.0.1:<port>, used by one thread; over TLS
// (handshake done in the constructor) when `tls`, which is the suites'
// TLS switch by default.
class RawConnection {
 public:
  explicit RawConnection(int port, bool tls = TlsMode()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) return;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (tls) StartTls();
  }
  ~RawConnection() { Close(); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }
  // The socket (its bytes are TLS records when tls()).
  int fd() const { return fd_; }
  bool tls() const { return ssl_ != nullptr; }
  SSL* ssl() const { return ssl_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      if (fd_ < 0) return false;
      ssize_t n = ssl_ != nullptr ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                                  : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Half-closes the sending side (the server reads end of stream; over TLS
  // a close_notify first).
  void ShutdownWrite() {
    if (fd_ < 0) return;
    if (ssl_ != nullptr) SSL_shutdown(ssl_);
    ::shutdown(fd_, SHUT_WR);
  }

  // Closes the socket. With `reset`, the close sends RST instead of FIN.
  void Close(bool reset = false) {
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    if (fd_ < 0) return;
    if (reset) {
      linger l{1, 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    }
    ::close(fd_);
    fd_ = -1;
  }

  // Appends whatever arrives within `timeout` (returning as soon as some
  // bytes arrived) to the unread buffer. False on timeout, close or error;
  // closed() tells the close.
  bool Fill(std::chrono::milliseconds timeout) {
    if (fd_ < 0 || closed_) return false;
    if (ssl_ != nullptr) return FillTls(timeout);
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r <= 0) return false;
    char data[16384];
    ssize_t n = ::recv(fd_, data, sizeof(data), 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    buffer_.append(data, static_cast<size_t>(n));
    return true;
  }

  // True when bytes of the peer's stream can be read within `timeout_ms`
  // (over TLS: application data, or the end; records carrying neither,
  // such as TLS 1.3 session tickets, are taken in and do not count).
  bool DataReady(int timeout_ms) {
    if (!buffer_.empty() || closed_) return true;
    if (fd_ < 0) return false;
    if (ssl_ != nullptr && SSL_pending(ssl_) > 0) return true;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(std::max<long>(0, left.count()))) <= 0) return false;
      if (ssl_ == nullptr) return true;
      int flags = ::fcntl(fd_, F_GETFL);
      ::fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
      char c;
      int n = SSL_peek(ssl_, &c, 1);
      int error = SSL_get_error(ssl_, n);
      ::fcntl(fd_, F_SETFL, flags);
      if (n > 0 || error != SSL_ERROR_WANT_READ) return true;
      if (left.count() <= 0) return false;
    }
  }

  // True once the peer closed (seen by a read).
  bool closed() const { return closed_; }

  // Reads until `needle` is in the unread buffer; returns the buffer up to
  // and including it (consumed), or "" when `timeout` passed first.
  std::string ReadUntil(std::string_view needle, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      size_t at = buffer_.find(needle);
      if (at != std::string::npos) {
        std::string out = buffer_.substr(0, at + needle.size());
        buffer_.erase(0, at + needle.size());
        return out;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !Fill(left)) {
        if (closed_ || std::chrono::steady_clock::now() >= deadline) return std::string();
      }
    }
  }

  // Reads exactly `n` bytes (consumed), or returns false at timeout/close.
  bool ReadExactly(size_t n, std::string* out, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!Fill(left) && closed_) return false;
    }
    out->assign(buffer_, 0, n);
    buffer_.erase(0, n);
    return true;
  }

  // Reads until the peer closes (or `timeout`); returns everything unread.
  // `*saw_close` tells whether the close was seen.
  std::string ReadToClose(std::chrono::milliseconds timeout, bool* saw_close = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      Fill(left);
    }
    if (saw_close) *saw_close = closed_;
    std::string out;
    out.swap(buffer_);
    return out;
  }

  // Reads the status line and headers of a response.
  bool ReadHead(RawResponse* res, std::chrono::milliseconds timeout) {
    std::string head = ReadUntil("\r\n\r\n", timeout);
    if (head.empty()) return false;
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.compare(0, 5, "HTTP/") != 0 || status_line.size() < 12) return false;
    res->status = std::atoi(status_line.c_str() + 9);
    res->headers.clear();
    size_t pos = line_end + 2;
    while (pos < head.size()) {
      size_t end = head.find("\r\n", pos);
      if (end == pos || end == std::string::npos) break;
      std::string line = head.substr(pos, end - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t v = line.find_first_not_of(" \t", colon + 1);
        res->headers.emplace(Lowercase(line.substr(0, colon)),
                             v == std::string::npos ? std::string() : line.substr(v));
      }
      pos = end + 2;
    }
    return true;
  }

  // Reads one chunk of a chunked body into `*data`; false at timeout, on a
  // framing error, or at the last (empty) chunk (then `*last` is true).
  bool ReadChunk(std::string* data, std::chrono::milliseconds timeout, bool* last = nullptr,
                 std::multimap<std::string, std::string>* trailers = nullptr) {
    if (last) *last = false;
    std::string size_line = ReadUntil("\r\n", timeout);
    if (size_line.empty()) return false;
    size_t size = std::strtoul(size_line.c_str(), nullptr, 16);
    if (size == 0) {
      // The trailer section, up to its empty line.
      for (;;) {
        std::string line = ReadUntil("\r\n", timeout);
        if (line.size() <= 2) break;
        line.resize(line.size() - 2);
        size_t colon = line.find(':');
        if (trailers != nullptr && colon != std::string::npos) {
          size_t v = line.find_first_not_of(" \t", colon + 1);
          trailers->emplace(Lowercase(line.substr(0, colon)), v == std::string::npos ? "" : line.substr(v));
        }
      }
      if (last) *last = true;
      return false;
    }
    std::string crlf;
    if (!ReadExactly(size, data, timeout) || !ReadExactly(2, &crlf, timeout)) return false;
    return crlf == "\r\n";
  }

  // Reads a whole response: head, then a Content-Length, chunked or
  // read-to-close body.
  bool ReadResponse(RawResponse* res, std::chrono::milliseconds timeout, bool head_request = false) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    };
    if (!ReadHead(res, timeout)) return false;
    res->body.clear();
    res->trailers.clear();
    if (head_request || res->status == 204 || res->status == 304 || res->status / 100 == 1) return true;
    if (Lowercase(res->header("Transfer-Encoding")).find("chunked") != std::string::npos) {
      for (;;) {
        std::string chunk;
        bool last = false;
        if (!ReadChunk(&chunk, left(), &last, &res->trailers)) return last;
        res->body += chunk;
      }
    }
    if (res->has_header("Content-Length")) {
      return ReadExactly(std::strtoul(res->header("Content-Length").c_str(), nullptr, 10), &res->body, left());
    }
    bool saw_close = false;
    res->body = ReadToClose(left(), &saw_close);
    return saw_close;
  }

 private:
  void StartTls() {
    static SSL_CTX* const ctx = NewTestClientContext("http/1.1");
    // The handshake blocks, bounded by socket timeouts.
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    ssl_ = SSL_new(ctx);
    SSL_set_fd(ssl_, fd_);
    // A record without application data (a TLS 1.3 session ticket) returns
    // from SSL_read instead of blocking for the next one.
    SSL_clear_mode(ssl_, SSL_MODE_AUTO_RETRY);
    if (SSL_connect(ssl_) != 1) Close();
  }
  bool FillTls(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (SSL_pending(ssl_) == 0) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd_, POLLIN, 0};
        if (left.count() < 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      }
      char data[16384];
      int n = SSL_read(ssl_, data, sizeof(data));
      if (n > 0) {
        buffer_.append(data, static_cast<size_t>(n));
        return true;
      }
      if (SSL_get_error(ssl_, n) == SSL_ERROR_WANT_READ) continue;
      closed_ = true;
      return false;
    }
  }

  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool closed_ = false;
  std::string buffer_;  // received, not yet consumed
};

// Parses JSON; a parse error leaves doc.HasParseError() true.
inline rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  return doc;
}

inline std::string ToJson(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// The gateway's JSON error body, {"code","message","details"}.
struct ErrorBody {
  bool valid = false;  // a JSON object with exactly these three members, of these types
  int code = -1;
  std::string message;
  std::string details;  // the details array, as JSON
};

inline ErrorBody ParseErrorBody(const std::string& text) {
  ErrorBody e;
  rapidjson::Document doc = ParseJson(text);
  if (doc.HasParseError() || !doc.IsObject() || doc.MemberCount() != 3) return e;
  auto code = doc.FindMember("code");
  auto message = doc.FindMember("message");
  auto details = doc.FindMember("details");
  if (code == doc.MemberEnd() || !code->value.IsInt() || message == doc.MemberEnd() ||
      !message->value.IsString() || details == doc.MemberEnd() || !details->value.IsArray()) {
    return e;
  }
  e.valid = true;
  e.code = code->value.GetInt();
  e.message = message->value.GetString();
  e.details = ToJson(details->value);
  return e;
}

// RFC 4648 base64: the standard alphabet with padding, or the URL-safe one
// (without padding unless `pad`).
inline std::string Base64(std::string_view data, bool url_safe = false, bool pad = true) {
  const char* alphabet = url_safe ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                                  : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(data[i]) << 16) | (static_cast<unsigned char>(data[i + 1]) << 8) |
                 static_cast<unsigned char>(data[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(data[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(data[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (rest == 2) out += alphabet[(v >> 6) & 63];
    if (pad) out += rest == 2 ? "=" : "==";
  }
  return out;
}

// Percent-encodes everything but RFC 3986 unreserved characters.
inline std::string UrlEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace e2e_test

#endif  // GRPCGW_TESTS_E2E_TEST_UTIL_H_
