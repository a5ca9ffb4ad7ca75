// EventLoop: one epoll thread that owns a set of non-blocking sockets.
//
// Everything registered with a loop runs on the loop's thread: readiness
// callbacks (IoWatcher::OnEvents), tasks posted from other threads (Post),
// and timers. Nothing here blocks: a callback that would have to wait
// arranges to be called again (a readiness event, a timer, a posted task).
//
//   EventLoop loop;
//   std::thread t([&] { loop.Run(); });
//   loop.Post([&] { loop.Add(fd, EPOLLIN, &watcher); });
//   ...
//   loop.Quit();
//   t.join();
//
// Sockets are watched one-shot: after an event the socket is disarmed until
// the watcher calls Arm() again, so a socket handed to another thread for a
// while (a worker running a handler) raises no events meanwhile.
//
// Thread-safety: Post, PostLazy, Quit and InLoopThread may be called from any thread;
// everything else only on the loop's thread.
#ifndef GRPCGW_SERVER_EVENT_LOOP_H_
#define GRPCGW_SERVER_EVENT_LOOP_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace grpcgw {
namespace internal {

class IoWatcher {
 public:
  virtual ~IoWatcher() = default;
  // `events` is a set of EPOLL* bits.
  virtual void OnEvents(uint32_t events) = 0;
};

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using TimerId = std::pair<Clock::time_point, uint64_t>;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until Quit(). Tasks still queued then are dropped.
  void Run();
  void Quit();
  bool InLoopThread() const { return std::this_thread::get_id() == thread_id_.load(); }

  // Runs `task` on the loop thread, soon. Thread-safe.
  void Post(std::function<void()> task);
  // Runs `task` on the loop thread when it next wakes up for anything else,
  // at the latest within a second; the loop is not woken for it.
  // Thread-safe.
  void PostLazy(std::function<void()> task);

  // Registers `fd` with one-shot interest `events` (EPOLLIN, EPOLLOUT,
  // EPOLLRDHUP); Arm re-arms (and changes) it; Remove forgets it.
  bool Add(int fd, uint32_t events, IoWatcher* watcher);
  void Arm(int fd, uint32_t events, IoWatcher* watcher);
  void Remove(int fd);

  // A timer running `fn` once at `when`. Cancel of a timer that ran is a
  // no-op.
  TimerId AddTimer(Clock::time_point when, std::function<void()> fn);
  void CancelTimer(const TimerId& id);
  static TimerId NoTimer() { return {Clock::time_point::min(), 0}; }

  // Number of watched sockets (tests, benchmarks).
  size_t watched() const { return watched_.load(); }

 private:
  void RunTasks();
  int NextTimeoutMs();
  void RunTimers();

  const int epoll_fd_;
  const int wake_fd_;
  std::atomic<std::thread::id> thread_id_{};
  std::atomic<bool> quit_{false};
  std::atomic<size_t> watched_{0};

  std::mutex mu_;
  std::vector<std::function<void()>> tasks_;  // guarded by mu_
  bool wake_pending_ = false;                 // guarded by mu_

  uint64_t next_timer_ = 1;
  std::map<TimerId, std::function<void()>> timers_;
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_EVENT_LOOP_H_
