#include "server/task_queue.h"

#include <thread>

namespace grpcgw {
namespace internal {

ElasticTaskQueue::ElasticTaskQueue(size_t min_threads, size_t max_threads,
                                   std::chrono::seconds idle_exit)
    : state_(std::make_shared<State>()) {
  state_->min_threads = min_threads;
  state_->max_threads = max_threads < 1 ? 1 : max_threads;
  state_->idle_exit = idle_exit;
}

ElasticTaskQueue::~ElasticTaskQueue() { shutdown(); }

void ElasticTaskQueue::enqueue(std::function<void()> fn) {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  if (s.shutdown) return;
  s.tasks.push_back(std::move(fn));
  if (s.idle >= s.tasks.size() || s.threads >= s.max_threads) {
    s.work_cv.notify_one();
    return;
  }
  ++s.threads;
  lock.unlock();
  std::thread(Work, state_).detach();
}

void ElasticTaskQueue::Work(std::shared_ptr<State> state) {
  State& s = *state;
  std::unique_lock<std::mutex> lock(s.mu);
  for (;;) {
    if (!s.tasks.empty()) {
      auto fn = std::move(s.tasks.front());
      s.tasks.pop_front();
      lock.unlock();
      fn();
      fn = nullptr;
      lock.lock();
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

void ElasticTaskQueue::shutdown() {
  State& s = *state_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.shutdown = true;
  s.work_cv.notify_all();
  s.exit_cv.wait(lock, [&s] { return s.threads == 0; });
}

size_t ElasticTaskQueue::threads() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->threads;
}

}  // namespace internal
}  // namespace grpcgw
