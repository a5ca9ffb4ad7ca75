#include "server/task_queue.h"

#include <system_error>
#include <thread>

namespace grpcgw {
namespace internal {

WorkerPool::WorkerPool(size_t min_threads, size_t max_threads, size_t max_queued,
                       std::chrono::seconds idle_exit)
    : state_(std::make_shared<State>()) {
  state_->min_threads = min_threads;
  state_->max_threads = max_threads < 1 ? 1 : max_threads;
  state_->max_queued = max_queued < 1 ? 1 : max_queued;
  state_->idle_exit = idle_exit;
}

WorkerPool::~WorkerPool() { Shutdown(); }

bool WorkerPool::TryEnqueue(std::function<void()> fn) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  if (s.shutdown) return false;
  if (s.idle > s.tasks.size()) {
    s.tasks.push_back(std::move(fn));
    s.work_cv.notify_one();
    return true;
  }
  if (s.threads < s.max_threads) {
    ++s.threads;
    try {
      std::thread(Work, state_).detach();
    } catch (const std::system_error&) {
      // No thread can be created now (process or system limit).
      --s.threads;
      if (s.threads == 0 || s.tasks.size() >= s.max_queued) return false;
    }
    s.tasks.push_back(std::move(fn));
    s.work_cv.notify_one();
    return true;
  }
  if (s.tasks.size() >= s.max_queued) return false;
  s.tasks.push_back(std::move(fn));
  s.work_cv.notify_one();
  return true;
}

void WorkerPool::Work(std::shared_ptr<State> state) {
  State& s = *state;
  std::unique_lock<std::mutex> lock(s.mu);
  for (;;) {
    if (!s.tasks.empty()) {
      auto fn = std::move(s.tasks.front());
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
  std::unique_lock<std::mutex> lock(s.mu);
  s.shutdown = true;
  s.work_cv.notify_all();
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
