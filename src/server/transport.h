// Transport: the bytes of one connection, under the HTTP code.
//
// The server's HTTP/1.1 code (the event loop's front door and streams in
// server/http_server.cc, and the worker side through Connection) moves
// bytes only through a Transport, never through the socket itself, so that
// the same code runs over a plain TCP socket, over TLS (the record layer may
// have to read in order to write, and buffers decrypted bytes the socket no
// longer shows), or over an in-memory pipe (one stream of a multiplexed
// connection).
//
// Calls never block except Wait. Recv and Send return what they did; after
// kWouldBlock, RetryOn() says which readiness (kReadable / kWritable) to wait
// for before calling again — not always the direction of the call.
//
// Threads: a transport has one owner at a time (the connection's event loop,
// or the worker running its handler; ownership passes through the loop's
// posted tasks, which order the memory). Every call but Shutdown() is the
// owner's, PeerClosed() included (over TLS it reads a record); Shutdown()
// alone may be called from any thread, to wake an owner blocked in Wait.
#ifndef GRPCGW_SERVER_TRANSPORT_H_
#define GRPCGW_SERVER_TRANSPORT_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

namespace grpcgw {
namespace internal {

// Readiness bits; the same values as poll(2)'s POLLIN, POLLOUT, POLLERR,
// POLLHUP (checked in transport.cc), so socket transports pass them through.
constexpr short kReadable = 0x001;
constexpr short kWritable = 0x004;
constexpr short kFailed = 0x008;
constexpr short kHangUp = 0x010;

struct IoResult {
  enum Status {
    kOk,          // `bytes` (> 0) moved
    kWouldBlock,  // nothing moved; wait for RetryOn() and call again
    kEnd,         // Recv: the peer ended its stream cleanly
    kError,       // the connection failed (reset, protocol error, shut down)
  };
  Status status;
  size_t bytes;

  static IoResult Ok(size_t n) { return {kOk, n}; }
  static IoResult WouldBlock() { return {kWouldBlock, 0}; }
  static IoResult End() { return {kEnd, 0}; }
  static IoResult Error() { return {kError, 0}; }
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Takes the connection's opening (a TLS handshake) a step further: kOk
  // once it is done (at once without TLS), kWouldBlock (wait for RetryOn()),
  // kError or kEnd when it failed. Recv and Send come after kOk.
  virtual IoResult Handshake() { return IoResult::Ok(0); }

  // Up to `n` bytes from the peer.
  virtual IoResult Recv(char* data, size_t n) = 0;
  // Up to `n` bytes to the peer (a partial send is kOk with fewer bytes).
  virtual IoResult Send(const char* data, size_t n) = 0;
  // Whether SendFromAnyThread works: a plain socket can be written by
  // another thread while its owner reads (a TLS session cannot).
  virtual bool CanSendFromAnyThread() const { return false; }
  // Send, from a thread other than the one calling Recv and Send (which
  // may run at the same time); the caller keeps it from racing with that
  // thread's own sends. Leaves RetryOn() alone. kError when unsupported.
  virtual IoResult SendFromAnyThread(const char* /*data*/, size_t /*n*/) { return IoResult::Error(); }
  // After the last kWouldBlock: kReadable or kWritable.
  virtual short RetryOn() const = 0;
  // True when Recv has bytes without waiting for readiness (decrypted
  // bytes a TLS record held beyond the last Recv): a readiness-driven
  // reader must not wait before reading again.
  virtual bool HasBuffered() const { return false; }

  // Waits up to `timeout` until one of `events` (kReadable, kWritable) is
  // ready; returns the ready bits (with kFailed / kHangUp), 0 on timeout,
  // -1 on error. kReadable is ready at once when HasBuffered().
  virtual int Wait(short events, std::chrono::milliseconds timeout) = 0;
  // True when the peer has ended its stream or the connection failed,
  // checked without blocking and without losing data.
  virtual bool PeerClosed() = 0;

  // Ends our sending side after what was sent so far (TLS: close_notify,
  // then the socket's write side); reading goes on.
  virtual void CloseWrite() = 0;
  // Makes every call fail and wakes a Wait (server shutdown). Any thread.
  virtual void Shutdown() = 0;

  // The socket, for the event loop's readiness and the peer's address; -1
  // when the bytes do not travel over a socket of their own (an in-memory
  // transport, which a loop cannot watch).
  virtual int fd() const = 0;
  // The application protocol agreed in the TLS handshake (ALPN: "h2",
  // "http/1.1"); empty without TLS or when none was agreed.
  virtual std::string_view protocol() const { return {}; }
};

// A non-blocking TCP socket; owns `fd` (closed by the destructor).
std::unique_ptr<Transport> MakeSocketTransport(int fd);

// For transports over a socket: poll(2) on `fd` (ready bits as Wait
// returns them), and whether the peer ended its stream (a hang-up, or
// end of stream with nothing unread before it).
int PollSocket(int fd, short events, std::chrono::milliseconds timeout);
bool SocketPeerClosed(int fd);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_TRANSPORT_H_
