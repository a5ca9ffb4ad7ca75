// The plain TCP transport (see server/transport.h).
#include "server/transport.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace grpcgw {
namespace internal {

static_assert(kReadable == POLLIN && kWritable == POLLOUT && kFailed == POLLERR && kHangUp == POLLHUP,
              "readiness bits are poll(2)'s");

int PollSocket(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  for (;;) {
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r;
    return p.revents & (POLLIN | POLLOUT | POLLERR | POLLHUP | POLLNVAL);
  }
}

bool SocketPeerClosed(int fd) {
  pollfd p{fd, POLLIN | POLLRDHUP, 0};
  int r = ::poll(&p, 1, 0);
  if (r <= 0) return false;
  if (p.revents & (POLLERR | POLLHUP | POLLNVAL | POLLRDHUP)) return true;
  if (p.revents & POLLIN) {
    char c;
    ssize_t got = ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
    return got == 0;
  }
  return false;
}

namespace {

class SocketTransport final : public Transport {
 public:
  explicit SocketTransport(int fd) : fd_(fd) {}
  ~SocketTransport() override {
    if (fd_ >= 0) ::close(fd_);
  }

  IoResult Recv(char* data, size_t n) override {
    for (;;) {
      ssize_t got = ::recv(fd_, data, n, MSG_DONTWAIT);
      if (got > 0) return IoResult::Ok(static_cast<size_t>(got));
      if (got == 0) return n == 0 ? IoResult::Ok(0) : IoResult::End();
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        retry_on_ = kReadable;
        return IoResult::WouldBlock();
      }
      return IoResult::Error();
    }
  }
  IoResult Send(const char* data, size_t n) override {
    for (;;) {
      ssize_t w = ::send(fd_, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w >= 0) return IoResult::Ok(static_cast<size_t>(w));
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        retry_on_ = kWritable;
        return IoResult::WouldBlock();
      }
      return IoResult::Error();
    }
  }
  bool CanSendFromAnyThread() const override { return true; }
  IoResult SendFromAnyThread(const char* data, size_t n) override {
    for (;;) {
      ssize_t w = ::send(fd_, data, n, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w >= 0) return IoResult::Ok(static_cast<size_t>(w));
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return IoResult::WouldBlock();
      return IoResult::Error();
    }
  }
  short RetryOn() const override { return retry_on_; }
  int Wait(short events, std::chrono::milliseconds timeout) override { return PollSocket(fd_, events, timeout); }
  bool PeerClosed() override { return SocketPeerClosed(fd_); }
  void CloseWrite() override { ::shutdown(fd_, SHUT_WR); }
  void Shutdown() override { ::shutdown(fd_, SHUT_RDWR); }
  int fd() const override { return fd_; }

 private:
  const int fd_;
  short retry_on_ = kReadable;
};

}  // namespace

std::unique_ptr<Transport> MakeSocketTransport(int fd) { return std::make_unique<SocketTransport>(fd); }

}  // namespace internal
}  // namespace grpcgw
