// An HTTP/2 client for the tests (nghttp2's client session over a blocking
// loopback socket: h2c with prior knowledge, or TLS with ALPN "h2" in the
// suites' TLS run), and hand-built frames for the tests that must send what
// a well-behaved client never would.
//
//   H2Client c(server.port());
//   int32_t id = c.Request("GET", "/v1/books/b1");
//   REQUIRE(c.RunUntil([&] { return c.stream(id).closed; }, 5s));
//   REQUIRE(c.stream(id).status == 200);
#ifndef GRPCGW_TESTS_E2E_HTTP2_TEST_UTIL_H_
#define GRPCGW_TESTS_E2E_HTTP2_TEST_UTIL_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tls_test_util.h"

namespace h2_test {

using Headers = std::vector<std::pair<std::string, std::string>>;

inline int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

// A client connection carrying raw bytes: plain TCP, or TLS offering ALPN
// `alpn` (the test certificate is not checked).
class Wire {
 public:
  Wire(int port, bool tls, const std::string& alpn = "h2") : fd_(Connect(port)) {
    if (fd_ < 0 || !tls) return;
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    ctx_ = e2e_test::NewTestClientContext(alpn);
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_clear_mode(ssl_, SSL_MODE_AUTO_RETRY);
    if (SSL_connect(ssl_) != 1) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~Wire() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) ::close(fd_);
  }
  Wire(const Wire&) = delete;
  Wire& operator=(const Wire&) = delete;

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // The protocol ALPN agreed on ("" without TLS).
  std::string alpn() const {
    if (!ssl_) return "";
    const unsigned char* p = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl_, &p, &len);
    return p ? std::string(reinterpret_cast<const char*>(p), len) : "";
  }
  // Sends all of `data` (blocking, 10 s at most per write over TLS); false
  // once the connection failed.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      if (fd_ < 0) return false;
      ssize_t n = ssl_ ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                       : ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // Sends what the socket takes now: bytes sent, 0 when full, -1 when the
  // connection failed.
  ssize_t SendSome(std::string_view data) {
    if (fd_ < 0) return -1;
    if (ssl_) {
      pollfd p{fd_, POLLOUT, 0};
      if (::poll(&p, 1, 50) <= 0) return 0;
      if (p.revents & (POLLERR | POLLHUP)) return -1;
      int n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      return n > 0 ? n : -1;
    }
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
    return n <= 0 ? -1 : n;
  }
  // Waits up to `wait_ms` for bytes: the count, 0 at the end, -1 when
  // nothing came.
  ssize_t Recv(char* data, size_t n, int wait_ms) {
    if (fd_ < 0) return 0;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
    for (;;) {
      if (!(ssl_ && SSL_pending(ssl_) > 0)) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::max<long>(left.count(), 0))) <= 0) return -1;
      }
      if (!ssl_) {
        ssize_t got = ::recv(fd_, data, n, 0);
        return got < 0 ? 0 : got;
      }
      int got = SSL_read(ssl_, data, static_cast<int>(n));
      if (got > 0) return got;
      int e = SSL_get_error(ssl_, got);
      // A record without application data (a session ticket): wait on.
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return 0;
      if (std::chrono::steady_clock::now() >= deadline) return -1;
    }
  }

 private:
  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

class H2Client {
 public:
  struct Stream {
    int status = 0;
    Headers headers;
    Headers trailers;
    std::string body;
    bool closed = false;
    uint32_t error = 0;  // RST_STREAM code (or the close's error code)
    // Upload: bytes to send, and whether the request ends after them.
    std::string upload;
    bool upload_end = false;
    bool upload_deferred = false;
    std::string Header(const std::string& name) const {
      for (auto& [k, v] : headers) {
        if (k == name) return v;
      }
      return "";
    }
  };

  // auto_window: give the server window back as DATA is received (off:
  // the connection's only; streams' through Consume).
  // tls: over TLS with ALPN "h2" (the suites' TLS run).
  explicit H2Client(int port, bool auto_window = true, bool tls = e2e_test::TlsMode())
      : wire_(port, tls), auto_window_(auto_window) {
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_header_callback(cb, &H2Client::OnHeader);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &H2Client::OnData);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &H2Client::OnClose);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &H2Client::OnFrame);
    nghttp2_option* opt;
    nghttp2_option_new(&opt);
    if (!auto_window) nghttp2_option_set_no_auto_window_update(opt, 1);
    nghttp2_session_client_new2(&ng_, cb, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);
    nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, nullptr, 0);
  }
  ~H2Client() { nghttp2_session_del(ng_); }
  H2Client(const H2Client&) = delete;
  H2Client& operator=(const H2Client&) = delete;

  bool connected() const { return wire_.connected(); }
  std::string alpn() const { return wire_.alpn(); }

  // Submits a request; `body` goes as DATA, ending the stream unless
  // `more` (then Send adds to it).
  int32_t Request(const std::string& method, const std::string& path, Headers extra = {},
                  const std::string* body = nullptr, bool more = false) {
    Headers h = {{":method", method}, {":scheme", "http"}, {":authority", "127.0.0.1"}, {":path", path}};
    for (auto& f : extra) h.push_back(f);
    std::vector<nghttp2_nv> nv;
    for (auto& [k, v] : h) nv.push_back(Nv(k, v));
    nghttp2_data_provider provider{};
    provider.read_callback = &H2Client::ReadUpload;
    const bool with_body = body != nullptr || more;
    int32_t id = nghttp2_submit_request(ng_, nullptr, nv.data(), nv.size(), with_body ? &provider : nullptr, nullptr);
    if (id > 0) {
      Stream& s = streams_[id];
      if (body) s.upload = *body;
      s.upload_end = !more;
    }
    return id;
  }
  // More request body for a stream opened with `more`.
  void Send(int32_t id, const std::string& data, bool end) {
    Stream& s = streams_[id];
    s.upload += data;
    s.upload_end = end;
    if (s.upload_deferred) {
      s.upload_deferred = false;
      nghttp2_session_resume_data(ng_, id);
    }
  }
  void Reset(int32_t id, uint32_t code = NGHTTP2_CANCEL) {
    nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, id, code);
  }
  // Gives the server `n` bytes of window on stream `id` (auto_window off).
  void Consume(int32_t id, size_t n) { nghttp2_session_consume(ng_, id, n); }

  // Runs the connection until `done` holds (true), the connection ends, or
  // `timeout` passes (false).
  bool RunUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (!Pump(0)) return done();
      if (done()) return true;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (!Pump(static_cast<int>(std::min<long>(left.count(), 50)))) return done();
    }
  }

  Stream& stream(int32_t id) { return streams_[id]; }
  bool goaway() const { return goaway_; }
  uint32_t goaway_code() const { return goaway_code_; }
  bool eof() const { return eof_; }
  uint32_t remote_max_streams() const {
    return nghttp2_session_get_remote_settings(ng_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  }
  uint32_t remote_setting(nghttp2_settings_id id) const { return nghttp2_session_get_remote_settings(ng_, id); }
  nghttp2_session* session() { return ng_; }

 private:
  // One round: send what is queued, wait up to `wait_ms` for input, read
  // it. False once the connection is over.
  bool Pump(int wait_ms) {
    if (!wire_.connected() || eof_) return false;
    for (;;) {
      const uint8_t* data;
      ssize_t n = nghttp2_session_mem_send(ng_, &data);
      if (n <= 0) break;
      if (!wire_.Send(std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(n)))) {
        eof_ = true;
        return false;
      }
    }
    char buf[65536];
    ssize_t got = wire_.Recv(buf, sizeof buf, wait_ms);
    if (got < 0) return true;
    if (got == 0) {
      eof_ = true;
      return false;
    }
    if (nghttp2_session_mem_recv(ng_, reinterpret_cast<uint8_t*>(buf), static_cast<size_t>(got)) < 0) {
      eof_ = true;
      return false;
    }
    return true;
  }

  static nghttp2_nv Nv(const std::string& k, const std::string& v) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(k.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), k.size(), v.size(),
                      NGHTTP2_NV_FLAG_NONE};
  }
  static H2Client* Self(void* p) { return static_cast<H2Client*>(p); }
  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    Stream& s = Self(user)->streams_[frame->hd.stream_id];
    std::string k(reinterpret_cast<const char*>(name), namelen);
    std::string v(reinterpret_cast<const char*>(value), valuelen);
    if (k == ":status") {
      s.status = std::atoi(v.c_str());
    } else if (s.status != 0 && frame->headers.cat == NGHTTP2_HCAT_HEADERS) {
      s.trailers.emplace_back(k, v);
    } else {
      s.headers.emplace_back(k, v);
    }
    return 0;
  }
  static int OnData(nghttp2_session* ng, uint8_t, int32_t id, const uint8_t* data, size_t len, void* user) {
    Self(user)->streams_[id].body.append(reinterpret_cast<const char*>(data), len);
    // Without auto_window the connection window is still given back:
    // streams' windows are the test's.
    if (!Self(user)->auto_window_) nghttp2_session_consume_connection(ng, len);
    return 0;
  }
  static int OnClose(nghttp2_session*, int32_t id, uint32_t code, void* user) {
    Stream& s = Self(user)->streams_[id];
    s.closed = true;
    s.error = code;
    return 0;
  }
  static int OnFrame(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    if (frame->hd.type == NGHTTP2_GOAWAY) {
      Self(user)->goaway_ = true;
      Self(user)->goaway_code_ = frame->goaway.error_code;
    }
    return 0;
  }
  static ssize_t ReadUpload(nghttp2_session*, int32_t id, uint8_t* buf, size_t length, uint32_t* flags,
                            nghttp2_data_source*, void* user) {
    Stream& s = Self(user)->streams_[id];
    size_t n = std::min(length, s.upload.size());
    memcpy(buf, s.upload.data(), n);
    s.upload.erase(0, n);
    if (s.upload.empty() && s.upload_end) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
    } else if (n == 0) {
      s.upload_deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    return static_cast<ssize_t>(n);
  }

  Wire wire_;
  bool auto_window_;
  nghttp2_session* ng_ = nullptr;
  std::map<int32_t, Stream> streams_;
  bool goaway_ = false;
  uint32_t goaway_code_ = 0;
  bool eof_ = false;
};

// ---- hand-built frames ----

inline std::string Frame(uint8_t type, uint8_t flags, uint32_t stream, const std::string& payload) {
  std::string f;
  uint32_t len = static_cast<uint32_t>(payload.size());
  f += static_cast<char>(len >> 16);
  f += static_cast<char>(len >> 8);
  f += static_cast<char>(len);
  f += static_cast<char>(type);
  f += static_cast<char>(flags);
  f += static_cast<char>((stream >> 24) & 0x7f);
  f += static_cast<char>(stream >> 16);
  f += static_cast<char>(stream >> 8);
  f += static_cast<char>(stream);
  return f + payload;
}

// A header block encoded with nghttp2's HPACK encoder.
class Hpack {
 public:
  Hpack() { nghttp2_hd_deflate_new(&d_, 4096); }
  ~Hpack() { nghttp2_hd_deflate_del(d_); }
  std::string Encode(const Headers& h) {
    std::vector<nghttp2_nv> nv;
    for (auto& [k, v] : h) {
      nv.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(k.data())),
                              reinterpret_cast<uint8_t*>(const_cast<char*>(v.data())), k.size(), v.size(),
                              NGHTTP2_NV_FLAG_NONE});
    }
    std::string out(nghttp2_hd_deflate_bound(d_, nv.data(), nv.size()), '\0');
    ssize_t n = nghttp2_hd_deflate_hd(d_, reinterpret_cast<uint8_t*>(out.data()), out.size(), nv.data(), nv.size());
    out.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return out;
  }

 private:
  nghttp2_hd_deflater* d_;
};

struct RawFrame {
  uint8_t type = 0;
  uint8_t flags = 0;
  uint32_t stream = 0;
  std::string payload;
  uint32_t Code() const {  // RST_STREAM and GOAWAY error codes
    size_t at = type == 7 ? 4 : 0;
    if (payload.size() < at + 4) return 0xffffffff;
    const auto* p = reinterpret_cast<const unsigned char*>(payload.data() + at);
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
};

// Reads frames from a raw connection until `stop` says so, the connection
// closes (*eof) or `timeout` passes.
inline std::vector<RawFrame> ReadFrames(Wire& wire, std::chrono::milliseconds timeout,
                                        const std::function<bool(const RawFrame&)>& stop, bool* eof) {
  std::vector<RawFrame> frames;
  std::string buf;
  *eof = false;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    while (buf.size() >= 9) {
      const auto* p = reinterpret_cast<const unsigned char*>(buf.data());
      size_t len = (size_t{p[0]} << 16) | (size_t{p[1]} << 8) | p[2];
      if (buf.size() < 9 + len) break;
      RawFrame f;
      f.type = p[3];
      f.flags = p[4];
      f.stream = ((uint32_t{p[5]} & 0x7f) << 24) | (uint32_t{p[6]} << 16) | (uint32_t{p[7]} << 8) | p[8];
      f.payload = buf.substr(9, len);
      buf.erase(0, 9 + len);
      frames.push_back(f);
      if (stop(frames.back())) return frames;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return frames;
    char chunk[65536];
    ssize_t got = wire.Recv(chunk, sizeof chunk, static_cast<int>(std::min<long>(left.count(), 100)));
    if (got < 0) continue;
    if (got == 0) {
      *eof = true;
      return frames;
    }
    buf.append(chunk, static_cast<size_t>(got));
  }
}

}  // namespace h2_test

#endif  // GRPCGW_TESTS_E2E_HTTP2_TEST_UTIL_H_
