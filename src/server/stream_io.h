// A connection taken over by an asynchronous stream (the gateway's SSE,
// WebSocket and chunked transports): the handler is protocol code, the
// server owns the socket and its readiness.
//
// A worker thread running a request handler hands the connection to a
// StreamHandler (Connection::Detach) and returns; from then on every
// callback runs on the connection's event-loop thread, and the handler
// never blocks. Bytes from the client arrive through OnData; bytes to the
// client go through StreamIo::Write, which queues what the socket cannot
// take yet. Other threads (gRPC reactions) reach the handler through a
// waker, which schedules OnWake on the loop thread; while nothing is
// queued they may also send bytes themselves (SendNow), if the handler
// keeps its callbacks out meanwhile.
//
// Flow control: a handler stops pulling responses while Unsent() is above
// its high-water mark and resumes in OnWritable (the queue drained); it
// pauses reading (PauseReading) while it cannot take more client data, and
// resumes when it can.
//
// Lifetime: the handler lives until the connection closes; after
// OnClosed no callback comes. Closing: Finish() ends the response (the
// connection serves the next request when `keep_alive`, else it closes
// after the queued bytes went out); Abort() closes at once.
#ifndef GRPCGW_SERVER_STREAM_IO_H_
#define GRPCGW_SERVER_STREAM_IO_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>

namespace grpcgw {
namespace internal {

class StreamIo {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~StreamIo() = default;

  // Loop thread only.
  virtual void Write(std::string_view bytes) = 0;
  virtual size_t Unsent() const = 0;
  virtual void PauseReading(bool paused) = 0;
  // One timer per stream: OnTimer runs at `when` (replacing an earlier
  // setting); Clock::time_point::max() clears it.
  virtual void SetTimer(Clock::time_point when) = 0;
  virtual void Finish(bool keep_alive) = 0;
  // Ends this side after a protocol failure: the queued bytes go out, then
  // our end of stream, and the connection closes once the peer ended its
  // own (or after a short while), so that unread input does not turn the
  // last bytes into a reset.
  virtual void Drain() = 0;
  virtual void Abort() = 0;
  // True once the server is stopping (OnShutdown was or will be called).
  virtual bool shutting_down() const = 0;

  // Any thread: schedules OnWake on the loop thread (several calls before
  // it runs give one OnWake). Safe to call after the connection closed.
  virtual std::function<void()> Waker() = 0;
  // Any thread: like Waker(), without waking the loop for it. OnWake runs
  // when input arrives on the connection (before it is read), or on the
  // loop's next turn (within a second); a hang-up meanwhile closes the
  // connection (OnClosed). For a handler that
  // answered through SendNow and has only its Finish left.
  virtual std::function<void()> LazyWaker() { return Waker(); }

  // Sending from another thread, to save the trip through the loop (a
  // response that arrived on a gRPC thread). Loop thread: whether the
  // transport allows it at all (not TLS).
  virtual bool CanSendNow() const { return false; }
  // Any thread, while the handler keeps its own callbacks (and so every
  // Write) out with a lock of its own: sends `bytes` at once if nothing is
  // queued, and returns true with *sent set to what the socket took (0 on
  // a failure: the loop finds it). The rest must go to Write, on the loop
  // thread, before anything else. False, with nothing sent, when output is
  // queued or the stream ended: the loop writes the bytes.
  virtual bool SendNow(std::string_view /*bytes*/, size_t* /*sent*/) { return false; }
};

class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  // First callback, on the loop thread.
  virtual void OnStart(StreamIo& io) = 0;
  // Bytes from the client. The handler takes all of them (keeping what it
  // cannot use yet) and pauses reading while it is behind.
  virtual void OnData(StreamIo& io, std::string_view data) = 0;
  // The queued output went out.
  virtual void OnWritable(StreamIo& /*io*/) {}
  virtual void OnWake(StreamIo& io) = 0;
  virtual void OnTimer(StreamIo& io) = 0;
  // The server is stopping: end the stream the way its protocol ends a
  // stream early, then Finish (or Abort).
  virtual void OnShutdown(StreamIo& io) = 0;
  // The connection is gone (the peer left, a socket error, Abort, or the
  // server's grace period ran out): release everything (cancel the call).
  // No write after this.
  virtual void OnClosed() = 0;
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_STREAM_IO_H_
