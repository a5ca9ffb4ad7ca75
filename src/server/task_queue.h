// WorkerPool: the threads that run request handlers.
//
// A handler runs on a worker; sockets never do (the event loops own them),
// so a worker is busy only while a handler runs. The pool starts a thread
// whenever a task arrives and no worker is idle, up to `max_threads`;
// beyond that tasks wait in a queue of at most `max_queued`. Idle workers
// above `min_threads` exit after a while.
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

namespace grpcgw {
namespace internal {

class WorkerPool {
 public:
  WorkerPool(size_t min_threads, size_t max_threads, size_t max_queued,
             std::chrono::seconds idle_exit = std::chrono::seconds(30));
  ~WorkerPool();

  bool TryEnqueue(std::function<void()> fn);
  void Shutdown();

  size_t threads() const;
  // Tasks queued or running.
  size_t busy() const;

 private:
  // Shared with the (detached) workers, so that a worker finishing its
  // last unlock never touches a destroyed pool.
  struct State {
    size_t min_threads;
    size_t max_threads;
    size_t max_queued;
    std::chrono::seconds idle_exit;
    std::mutex mu;
    std::condition_variable work_cv;   // tasks or shutdown
    std::condition_variable exit_cv;   // a worker exited
    std::deque<std::function<void()>> tasks;  // guarded by mu
    size_t threads = 0;                       // guarded by mu
    size_t idle = 0;                          // guarded by mu
    size_t running = 0;                       // guarded by mu
    bool shutdown = false;                    // guarded by mu
  };
  static void Work(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_TASK_QUEUE_H_
