// WorkerPool: short tasks are served by the core workers, blocked workers
// make the pool grow, a full queue sheds.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/task_queue.h"

namespace grpcgw {
namespace internal {
namespace {

using namespace std::chrono_literals;

// A gate the tasks wait on until it opens.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> waiting{0};
  void Wait() {
    std::unique_lock<std::mutex> lock(mu);
    ++waiting;
    cv.wait(lock, [this] { return open; });
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
};

template <class F>
bool WaitFor(F done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST_CASE("WorkerPool grows past its core workers when they are all blocked", "[server][pool]") {
  WorkerPool pool(/*min_threads=*/2, /*max_threads=*/8, /*max_queued=*/100);
  Gate gate;
  for (int i = 0; i < 6; ++i) REQUIRE(pool.TryEnqueue([&gate] { gate.Wait(); }));
  // Every blocked task gets a thread of its own (two at once, the others
  // after they waited).
  CHECK(WaitFor([&] { return gate.waiting.load() == 6; }, 10s));
  CHECK(pool.threads() == 6);
  // Beyond max_threads tasks wait in the queue.
  for (int i = 0; i < 4; ++i) REQUIRE(pool.TryEnqueue([&gate] { gate.Wait(); }));
  CHECK(WaitFor([&] { return gate.waiting.load() == 8; }, 10s));
  std::this_thread::sleep_for(20ms);
  CHECK(gate.waiting.load() == 8);
  CHECK(pool.threads() == 8);
  CHECK(pool.busy() == 10);
  gate.Open();
  CHECK(WaitFor([&] { return pool.busy() == 0; }, 10s));
}

TEST_CASE("WorkerPool runs every task of a burst, and sheds past its queue", "[server][pool]") {
  WorkerPool pool(/*min_threads=*/1, /*max_threads=*/1, /*max_queued=*/3);
  Gate gate;
  std::atomic<int> ran{0};
  REQUIRE(pool.TryEnqueue([&] { gate.Wait(); ++ran; }));
  REQUIRE(WaitFor([&] { return gate.waiting.load() == 1; }, 10s));
  for (int i = 0; i < 3; ++i) REQUIRE(pool.TryEnqueue([&] { ++ran; }));
  CHECK_FALSE(pool.TryEnqueue([&] { ++ran; }));  // the queue is full: the caller answers 503
  gate.Open();
  CHECK(WaitFor([&] { return ran.load() == 4; }, 10s));

  WorkerPool burst(/*min_threads=*/2, /*max_threads=*/64, /*max_queued=*/10000);
  std::atomic<int> done{0};
  for (int i = 0; i < 5000; ++i) REQUIRE(burst.TryEnqueue([&] { ++done; }));
  CHECK(WaitFor([&] { return done.load() == 5000; }, 20s));
}

TEST_CASE("WorkerPool shutdown waits for running tasks", "[server][pool]") {
  std::atomic<bool> finished{false};
  {
    WorkerPool pool(2, 4, 10);
    REQUIRE(pool.TryEnqueue([&] {
      std::this_thread::sleep_for(50ms);
      finished = true;
    }));
    std::this_thread::sleep_for(5ms);
    pool.Shutdown();
    CHECK(finished.load());
    CHECK_FALSE(pool.TryEnqueue([] {}));
  }
}

}  // namespace
}  // namespace internal
}  // namespace grpcgw
