#include "server/event_loop.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <stdexcept>

namespace grpcgw {
namespace internal {

EventLoop::EventLoop()
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (epoll_fd_ < 0 || wake_fd_ < 0) throw std::runtime_error("grpcgw: cannot create an event loop");
  epoll_event ev{};
  ev.data.ptr = nullptr;  // the wake-up descriptor
  // Edge-triggered: every write raises one event, and the counter is never
  // read back (a system call less per wake-up).
  ev.events = EPOLLIN | EPOLLET;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
}

EventLoop::~EventLoop() {
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void EventLoop::Quit() {
  quit_ = true;
  uint64_t one = 1;
  ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
  (void)ignored;
}

void EventLoop::Post(std::function<void()> task) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks_.push_back(std::move(task));
    wake = !wake_pending_;
    wake_pending_ = true;
  }
  if (wake) {
    uint64_t one = 1;
    ssize_t ignored = ::write(wake_fd_, &one, sizeof one);
    (void)ignored;
  }
}

void EventLoop::PostLazy(std::function<void()> task) {
  std::lock_guard<std::mutex> lock(mu_);
  tasks_.push_back(std::move(task));
}

bool EventLoop::Add(int fd, uint32_t events, IoWatcher* watcher) {
  epoll_event ev{};
  ev.events = events | EPOLLONESHOT;
  ev.data.ptr = watcher;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  ++watched_;
  return true;
}

void EventLoop::Arm(int fd, uint32_t events, IoWatcher* watcher) {
  epoll_event ev{};
  ev.events = events | EPOLLONESHOT;
  ev.data.ptr = watcher;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::Remove(int fd) {
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr) == 0) --watched_;
}

EventLoop::TimerId EventLoop::AddTimer(Clock::time_point when, std::function<void()> fn) {
  TimerId id{when, next_timer_++};
  timers_.emplace(id, std::move(fn));
  return id;
}

void EventLoop::CancelTimer(const TimerId& id) {
  if (id.second != 0) timers_.erase(id);
}

int EventLoop::NextTimeoutMs() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!tasks_.empty()) return 0;
  }
  if (timers_.empty()) return 1000;
  auto left = timers_.begin()->first.first - Clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(left).count() + 1;
  if (ms < 0) return 0;
  return ms > 1000 ? 1000 : static_cast<int>(ms);
}

void EventLoop::RunTimers() {
  auto now = Clock::now();
  while (!timers_.empty() && timers_.begin()->first.first <= now) {
    auto fn = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    fn();
  }
}

void EventLoop::RunTasks() {
  std::vector<std::function<void()>> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks.swap(tasks_);
    wake_pending_ = false;
  }
  for (auto& t : tasks) t();
}

void EventLoop::Run() {
  thread_id_ = std::this_thread::get_id();
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!quit_) {
    int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, NextTimeoutMs());
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      auto* watcher = static_cast<IoWatcher*>(events[i].data.ptr);
      if (watcher == nullptr) continue;  // the wake-up descriptor
      watcher->OnEvents(events[i].events);
    }
    RunTasks();
    RunTimers();
  }
  thread_id_ = std::thread::id();
}

}  // namespace internal
}  // namespace grpcgw
