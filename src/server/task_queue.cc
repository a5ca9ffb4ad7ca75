#include "server/task_queue.h"

#include <algorithm>
#include <system_error>
#include <thread>

namespace grpcgw {
namespace internal {

WorkerPool::WorkerPool(size_t min_threads, size_t max_threads, size_t max_queued,
                       std::chrono::seconds idle_exit, std::chrono::microseconds grow_after)
    : state_(std::make_shared<State>()) {
  state_->max_threads = max_threads < 1 ? 1 : max_threads;
  state_->min_threads = std::min(std::max<size_t>(min_threads, 1), state_->max_threads);
  state_->max_queued = max_queued < 1 ? 1 : max_queued;
  state_->idle_exit = idle_exit;
  state_->grow_after = grow_after;
  if (state_->max_threads > state_->min_threads) grower_ = std::thread([this] { Grow(); });
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::StartWorker(const std::shared_ptr<State>& state) {
  State& s = *state;
  ++s.threads;
  ++s.starting;
  try {
    std::thread(Work, state).detach();
    return true;
  } catch (const std::system_error&) {
    // No thread can be created now (process or system limit).
    --s.threads;
    --s.starting;
    return false;
  }
}

bool WorkerPool::TryEnqueue(std::function<void()> fn) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  if (s.shutdown) return false;
  const size_t free = s.idle + s.starting;
  if (free <= s.tasks.size()) {
    if (s.threads < s.min_threads) {
      if (!StartWorker(state_) && s.threads == 0) return false;
    } else if (s.tasks.size() >= s.max_queued) {
      return false;
    } else if (s.threads < s.max_threads) {
      s.grow_cv.notify_one();
    }
  }
  s.tasks.push_back(Task{std::move(fn), Clock::now()});
  s.work_cv.notify_one();
  return true;
}

void WorkerPool::Grow() {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  for (;;) {
    if (s.shutdown) return;
    if (s.tasks.empty() || s.idle + s.starting >= s.tasks.size() || s.threads >= s.max_threads) {
      s.grow_cv.wait(lock);
      continue;
    }
    // The oldest task waits with no worker free: once it has waited
    // grow_after, a thread starts for it.
    const Clock::time_point due = s.tasks.front().queued + s.grow_after;
    if (Clock::now() < due) {
      s.grow_cv.wait_until(lock, due);
      continue;
    }
    if (!StartWorker(state_)) {
      // Out of threads for now: the queued tasks wait for running ones.
      s.grow_cv.wait_for(lock, std::chrono::milliseconds(100));
      continue;
    }
    // Give the new worker the time to take the task before judging the next.
    s.grow_cv.wait_for(lock, s.grow_after);
  }
}

void WorkerPool::Work(std::shared_ptr<State> state) {
  State& s = *state;
  std::unique_lock<std::mutex> lock(s.mu);
  --s.starting;
  for (;;) {
    if (!s.tasks.empty()) {
      auto fn = std::move(s.tasks.front().fn);
      s.tasks.pop_front();
      ++s.running;
      lock.unlock();
      fn();
      fn = nullptr;
      lock.lock();
      --s.running;
      s.exit_cv.notify_all();
      continue;
    }
    if (s.shutdown) break;
    ++s.idle;
    bool woke = s.work_cv.wait_for(lock, s.idle_exit, [&s] { return !s.tasks.empty() || s.shutdown; });
    --s.idle;
    if (!woke && s.threads > s.min_threads) break;
  }
  --s.threads;
  s.exit_cv.notify_all();
}

void WorkerPool::Shutdown() {
  State& s = *state_;
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.shutdown = true;
    s.work_cv.notify_all();
    s.grow_cv.notify_all();
  }
  if (grower_.joinable() && grower_.get_id() != std::this_thread::get_id()) grower_.join();
  std::unique_lock<std::mutex> lock(s.mu);
  s.exit_cv.wait(lock, [&s] { return s.threads == 0; });
}

size_t WorkerPool::threads() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->threads;
}

size_t WorkerPool::busy() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->running + state_->tasks.size();
}

}  // namespace internal
}  // namespace grpcgw
