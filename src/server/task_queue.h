// ElasticTaskQueue: the worker pool of HttpServer.
//
// httplib runs a whole connection (its keep-alive loop, and any stream a
// handler keeps open on it) as one task, so a fixed pool of N threads
// serves at most N connections and queues everyone else behind long-lived
// streams. This pool starts a thread whenever a task arrives and no worker
// is idle, up to `max_threads`; beyond that tasks wait in the queue. Idle
// workers above `min_threads` exit after a while.
//
// Thread-safe. shutdown() waits for every running task to return.
#ifndef GRPCGW_SERVER_TASK_QUEUE_H_
#define GRPCGW_SERVER_TASK_QUEUE_H_

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

namespace grpcgw {
namespace internal {

class ElasticTaskQueue final : public httplib::TaskQueue {
 public:
  ElasticTaskQueue(size_t min_threads, size_t max_threads,
                   std::chrono::seconds idle_exit = std::chrono::seconds(30));
  ~ElasticTaskQueue() override;

  void enqueue(std::function<void()> fn) override;
  void shutdown() override;

  size_t threads() const;

 private:
  // Shared with the (detached) workers, so that a worker finishing its
  // last unlock never touches a destroyed queue.
  struct State {
    size_t min_threads;
    size_t max_threads;
    std::chrono::seconds idle_exit;
    std::mutex mu;
    std::condition_variable work_cv;   // tasks or shutdown
    std::condition_variable exit_cv;   // a worker exited
    std::deque<std::function<void()>> tasks;  // guarded by mu
    size_t threads = 0;                       // guarded by mu
    size_t idle = 0;                          // guarded by mu
    bool shutdown = false;                    // guarded by mu
  };
  static void Work(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_TASK_QUEUE_H_
