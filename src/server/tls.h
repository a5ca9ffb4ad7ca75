// TLS for HttpServer: the server's SSL_CTX (from PEM files or the
// caller's, swappable at run time) and the TLS transport of one connection.
//
// The transport (server/transport.h) runs OpenSSL on a non-blocking socket:
// SSL_ERROR_WANT_READ / WANT_WRITE become kWouldBlock with RetryOn()
// kReadable / kWritable, decrypted bytes OpenSSL holds beyond a Recv show
// in HasBuffered(), and the socket is written with MSG_NOSIGNAL (its own
// BIO), so a peer gone mid-write is an error, not a SIGPIPE.
//
// Threads: TlsServerContext is thread-safe. A TLS transport follows the
// transport rule: one owner at a time (OpenSSL's per-thread error queue is
// cleared before each call, so an owner's errors never leak into the next
// owner's); Shutdown() may be called from any thread and touches only the
// socket.
#ifndef GRPCGW_SERVER_TLS_H_
#define GRPCGW_SERVER_TLS_H_

#include <memory>
#include <mutex>
#include <string>

#include "grpcgw/http_server.h"
#include "server/transport.h"

namespace grpcgw {
namespace internal {

class TlsServerContext {
 public:
  explicit TlsServerContext(const TlsOptions& options);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // Makes the context from the options (reading the PEM files); false with
  // `*error` when that fails (the previous context, if any, stays).
  bool Load(std::string* error);
  // Serves new connections with `ctx` (a reference is taken).
  bool Use(SSL_CTX* ctx, std::string* error);
  bool loaded() const;

  // A TLS transport for an accepted socket (owning it), in the server's
  // handshake role; null when no context is loaded or OpenSSL fails (the
  // socket is closed then).
  std::unique_ptr<Transport> Accept(int fd);

 private:
  struct Ctx;
  bool Install(SSL_CTX* ctx, bool caller_owned, std::string* error);

  const TlsOptions options_;
  mutable std::mutex mu_;
  std::shared_ptr<Ctx> current_;  // guarded by mu_
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_TLS_H_
