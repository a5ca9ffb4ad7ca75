// WorkerPool: the threads that run request handlers.
//
// A handler runs on a worker; sockets never do (the event loops own them),
// so a worker is busy only while a handler runs, and most handlers (binding
// and starting a gateway call) return within microseconds. The pool keeps
// up to `min_threads` workers, started as tasks arrive. Beyond them it
// grows only when a task has waited `grow_after` with no worker free (the
// workers are blocked in long handlers: a user route streaming with a
// blocking writer), one thread per such task, up to `max_threads`; a burst
// of short tasks is absorbed by the queue instead of a thread each. Tasks
// wait in a queue of at most `max_queued`. Idle workers above `min_threads`
// exit after a while.
//
// Under resource pressure it sheds load instead of failing: TryEnqueue
// returns false when the queue is full, or when no thread can be created
// and none is running to take the task (the caller answers 503).
//
// Thread-safe. Shutdown() waits for every running task to return.
#ifndef GRPCGW_SERVER_TASK_QUEUE_H_
#define GRPCGW_SERVER_TASK_QUEUE_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

namespace grpcgw {
namespace internal {

class WorkerPool {
 public:
  WorkerPool(size_t min_threads, size_t max_threads, size_t max_queued,
             std::chrono::seconds idle_exit = std::chrono::seconds(30),
             std::chrono::microseconds grow_after = std::chrono::milliseconds(2));
  ~WorkerPool();

  bool TryEnqueue(std::function<void()> fn);
  void Shutdown();

  size_t threads() const;
  // Tasks queued or running.
  size_t busy() const;

 private:
  // Shared with the (detached) workers, so that a worker finishing its
  // last unlock never touches a destroyed pool.
  using Clock = std::chrono::steady_clock;
  struct Task {
    std::function<void()> fn;
    Clock::time_point queued;
  };
  struct State {
    size_t min_threads;
    size_t max_threads;
    size_t max_queued;
    std::chrono::seconds idle_exit;
    std::chrono::microseconds grow_after;
    std::mutex mu;
    std::condition_variable work_cv;   // tasks or shutdown
    std::condition_variable exit_cv;   // a worker exited
    std::condition_variable grow_cv;   // tasks wait with no worker free, or shutdown
    std::deque<Task> tasks;            // guarded by mu
    size_t threads = 0;                // guarded by mu
    size_t idle = 0;                   // guarded by mu
    size_t starting = 0;               // started, not yet taking tasks; guarded by mu
    size_t running = 0;                // guarded by mu
    bool shutdown = false;             // guarded by mu
  };
  static void Work(std::shared_ptr<State> state);
  // Starts a worker (mu held); false when no thread can be created.
  static bool StartWorker(const std::shared_ptr<State>& state);
  // Grows the pool past min_threads when tasks wait too long.
  void Grow();

  std::shared_ptr<State> state_;
  std::thread grower_;
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_TASK_QUEUE_H_
