// TLS for HttpServer (see server/tls.h).
#include "server/tls.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace grpcgw {
namespace {

// OpenSSL's last error, as text (and the queue cleared).
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

// ---- the ALPN list a context selects from, held by the context ----

void FreeAlpn(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) { delete static_cast<std::string*>(ptr); }

int AlpnIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, FreeAlpn);
  return index;
}

// The server's first protocol the client offers too.
int SelectAlpn(SSL* ssl, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
               unsigned int inlen, void*) {
  auto* wire = static_cast<const std::string*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), AlpnIndex()));
  if (wire == nullptr) return SSL_TLSEXT_ERR_NOACK;
  const auto* ours = reinterpret_cast<const unsigned char*>(wire->data());
  for (size_t i = 0; i < wire->size(); i += 1 + ours[i]) {
    const unsigned char len = ours[i];
    for (unsigned int j = 0; j < inlen; j += 1u + in[j]) {
      if (in[j] == len && j + 1u + len <= inlen && memcmp(in + j + 1, ours + i + 1, len) == 0) {
        *out = ours + i + 1;
        *outlen = len;
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  // No protocol in common: go on without one (the connection speaks
  // HTTP/1.1, what a client that offers no ALPN expects too).
  return SSL_TLSEXT_ERR_NOACK;
}

std::string AlpnWire(const std::vector<std::string>& protocols) {
  std::string wire;
  for (const std::string& p : protocols) {
    if (p.empty() || p.size() > 255) continue;
    wire += static_cast<char>(p.size());
    wire += p;
  }
  return wire;
}

// ---- a socket BIO that never raises SIGPIPE ----

int BioWrite(BIO* bio, const char* data, int len) {
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
  BIO_clear_retry_flags(bio);
  for (;;) {
    ssize_t w = ::send(fd, data, static_cast<size_t>(len), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w >= 0) return static_cast<int>(w);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_write(bio);
    return -1;
  }
}

int BioRead(BIO* bio, char* data, int len) {
  const int fd = static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio)));
  BIO_clear_retry_flags(bio);
  for (;;) {
    ssize_t got = ::recv(fd, data, static_cast<size_t>(len), MSG_DONTWAIT);
    if (got >= 0) return static_cast<int>(got);  // 0: end of stream
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) BIO_set_retry_read(bio);
    return -1;
  }
}

long BioCtrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

int BioCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

BIO_METHOD* SocketBioMethod() {
  static BIO_METHOD* method = [] {
    BIO_METHOD* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "grpcgw socket");
    BIO_meth_set_write(m, BioWrite);
    BIO_meth_set_read(m, BioRead);
    BIO_meth_set_ctrl(m, BioCtrl);
    BIO_meth_set_create(m, BioCreate);
    return m;
  }();
  return method;
}

using internal::IoResult;
using internal::kReadable;
using internal::kWritable;

class TlsTransport final : public internal::Transport {
 public:
  TlsTransport(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}
  ~TlsTransport() override {
    SSL_free(ssl_);
    ::close(fd_);
  }

  IoResult Handshake() override {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_);
    if (r == 1) return IoResult::Ok(0);
    return Failed(r);
  }
  IoResult Recv(char* data, size_t n) override {
    if (n == 0) return IoResult::Ok(0);
    ERR_clear_error();
    size_t got = 0;
    int r = SSL_read_ex(ssl_, data, n, &got);
    if (r == 1) return IoResult::Ok(got);
    return Failed(r);
  }
  IoResult Send(const char* data, size_t n) override {
    if (n == 0) return IoResult::Ok(0);
    ERR_clear_error();
    size_t sent = 0;
    int r = SSL_write_ex(ssl_, data, n, &sent);
    if (r == 1) return IoResult::Ok(sent);
    return Failed(r);
  }
  short RetryOn() const override { return retry_on_; }
  bool HasBuffered() const override { return !fatal_ && SSL_pending(ssl_) > 0; }

  int Wait(short events, std::chrono::milliseconds timeout) override {
    if ((events & kReadable) && HasBuffered()) return kReadable;
    return internal::PollSocket(fd_, events, timeout);
  }
  bool PeerClosed() override {
    if (fatal_) return true;
    if (SSL_pending(ssl_) > 0) return false;
    pollfd p{fd_, POLLIN | POLLRDHUP, 0};
    if (::poll(&p, 1, 0) <= 0) return false;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL | POLLRDHUP)) return true;
    if (!(p.revents & POLLIN)) return false;
    // A record arrived: application data (not closed), or the peer's
    // close_notify. Peeking keeps the data for the next Recv.
    ERR_clear_error();
    char c;
    size_t got = 0;
    int r = SSL_peek_ex(ssl_, &c, 1, &got);
    if (r == 1) return false;
    IoResult f = Failed(r);
    return f.status == IoResult::kEnd || f.status == IoResult::kError;
  }

  void CloseWrite() override {
    // close_notify, once, on a connection that is still sound (OpenSSL
    // forbids it after a fatal error); then the socket's write side.
    if (!fatal_ && SSL_is_init_finished(ssl_) && !(SSL_get_shutdown(ssl_) & SSL_SENT_SHUTDOWN)) {
      ERR_clear_error();
      SSL_shutdown(ssl_);
      ERR_clear_error();
    }
    ::shutdown(fd_, SHUT_WR);
  }
  void Shutdown() override { ::shutdown(fd_, SHUT_RDWR); }
  int fd() const override { return fd_; }
  std::string_view protocol() const override {
    const unsigned char* p = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(ssl_, &p, &len);
    return p == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(p), len);
  }

 private:
  IoResult Failed(int r) {
    switch (SSL_get_error(ssl_, r)) {
      case SSL_ERROR_WANT_READ:
        retry_on_ = kReadable;
        return IoResult::WouldBlock();
      case SSL_ERROR_WANT_WRITE:
        retry_on_ = kWritable;
        return IoResult::WouldBlock();
      case SSL_ERROR_ZERO_RETURN:  // the peer's close_notify
        ERR_clear_error();
        return IoResult::End();
      case SSL_ERROR_SSL:
        // The peer closed the socket without close_notify: an end of
        // stream (HTTP frames its messages itself), not worth more.
        if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
          ERR_clear_error();
          fatal_ = true;
          return IoResult::End();
        }
        [[fallthrough]];
      default:
        ERR_clear_error();
        fatal_ = true;
        return IoResult::Error();
    }
  }

  const int fd_;
  SSL* const ssl_;
  short retry_on_ = kReadable;
  bool fatal_ = false;
};

}  // namespace

bool ConfigureTlsContext(SSL_CTX* ctx, const std::vector<std::string>& alpn_protocols) {
  if (ctx == nullptr) return false;
  int min = SSL_CTX_get_min_proto_version(ctx);
  if (min == 0 || min < TLS1_2_VERSION) SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  auto wire = std::make_unique<std::string>(AlpnWire(alpn_protocols));
  void* old = SSL_CTX_get_ex_data(ctx, AlpnIndex());
  if (SSL_CTX_set_ex_data(ctx, AlpnIndex(), wire.get()) != 1) return false;
  wire.release();
  delete static_cast<std::string*>(old);
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);
  return true;
}

namespace internal {

struct TlsServerContext::Ctx {
  explicit Ctx(SSL_CTX* c) : ctx(c) {}
  ~Ctx() { SSL_CTX_free(ctx); }
  SSL_CTX* const ctx;
};

TlsServerContext::TlsServerContext(const TlsOptions& options) : options_(options) {}

TlsServerContext::~TlsServerContext() = default;

bool TlsServerContext::loaded() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_ != nullptr;
}

bool TlsServerContext::Load(std::string* error) {
  if (options_.cert_chain_file.empty()) {
    if (options_.ssl_ctx != nullptr) return Use(options_.ssl_ctx, error);
    *error = "TLS: no certificate chain file and no SSL_CTX";
    return false;
  }
  const std::string& key = options_.private_key_file.empty() ? options_.cert_chain_file : options_.private_key_file;
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    *error = "TLS: cannot make a context: " + OpenSslError();
    return false;
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  if (SSL_CTX_use_certificate_chain_file(ctx, options_.cert_chain_file.c_str()) != 1) {
    *error = "TLS: cannot load the certificate chain " + options_.cert_chain_file + ": " + OpenSslError();
  } else if (SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1) {
    const bool mismatch = ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH;
    *error = mismatch ? "TLS: the private key " + key + " does not match the certificate " +
                            options_.cert_chain_file + ": " + OpenSslError()
                      : "TLS: cannot load the private key " + key + ": " + OpenSslError();
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    *error = "TLS: the private key " + key + " does not match the certificate " + options_.cert_chain_file + ": " +
             OpenSslError();
  } else if (!ConfigureTlsContext(ctx, options_.alpn_protocols)) {
    *error = "TLS: cannot set up ALPN: " + OpenSslError();
  } else {
    auto holder = std::make_shared<Ctx>(ctx);
    std::lock_guard<std::mutex> lock(mu_);
    current_ = std::move(holder);
    return true;
  }
  SSL_CTX_free(ctx);
  return false;
}

bool TlsServerContext::Use(SSL_CTX* ctx, std::string* error) {
  if (ctx == nullptr) {
    *error = "TLS: null SSL_CTX";
    return false;
  }
  if (!ConfigureTlsContext(ctx, options_.alpn_protocols)) {
    *error = "TLS: cannot set up ALPN: " + OpenSslError();
    return false;
  }
  SSL_CTX_up_ref(ctx);
  auto holder = std::make_shared<Ctx>(ctx);
  std::lock_guard<std::mutex> lock(mu_);
  current_ = std::move(holder);
  return true;
}

std::unique_ptr<Transport> TlsServerContext::Accept(int fd) {
  std::shared_ptr<Ctx> ctx;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ctx = current_;
  }
  ERR_clear_error();
  SSL* ssl = ctx ? SSL_new(ctx->ctx) : nullptr;  // holds its own reference to the context
  BIO* bio = ssl ? BIO_new(SocketBioMethod()) : nullptr;
  if (bio == nullptr) {
    ERR_clear_error();
    if (ssl) SSL_free(ssl);
    ::close(fd);
    return nullptr;
  }
  BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  SSL_set_bio(ssl, bio, bio);
  SSL_set_accept_state(ssl);
  // Writes may be partial and retried from a moved buffer (the loop's
  // output queue); idle connections give their buffers back.
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  SSL_set_options(ssl, SSL_OP_NO_RENEGOTIATION);
  int min = SSL_get_min_proto_version(ssl);
  if (min == 0 || min < TLS1_2_VERSION) SSL_set_min_proto_version(ssl, TLS1_2_VERSION);
  return std::make_unique<TlsTransport>(fd, ssl);
}

}  // namespace internal
}  // namespace grpcgw
