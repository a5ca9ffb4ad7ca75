// SSE under load, end to end: clients that leave mid-stream, a client that
// never reads, hundreds of open streams next to unary traffic. The bounds
// are generous on purpose (a loaded 2-core machine); each one is far below
// what the failure it guards against would produce.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sse_test_util.h"
#include "test_server.h"
#include "test_util.h"

namespace e2e_test {

// AddressSanitizer keeps freed memory in quarantine (up to 256 MB), so RSS
// says nothing about the gateway's buffers in a sanitized build; there the
// tests rely on what the service could send.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssMeaningful = false;
#else
constexpr bool kRssMeaningful = true;
#endif

namespace {

std::string FirstWatchEvent(const std::string& topic) {
  return "data: {\"seq\":\"0\",\"kind\":\"tick\",\"topic\":\"" + topic + "\",\"text\":\"\",\"lastEventId\":\"\"}\n\n";
}

TEST_CASE("200 clients leaving mid-stream leave no calls, connections, threads or memory behind",
          "[sse][load]") {
  TestServer server;
  auto& events = server.service().events();
  constexpr int kBatch = 25;
  constexpr int kClients = 200;

  // One stream first, so that what grows once (gRPC's threads, the pool's
  // first workers) is counted in the baseline.
  {
    SseStream warm(server.port());
    REQUIRE(warm.Open("/v1/watch/warm?count=2&wait_for_signal=true"));
    REQUIRE(warm.NextEvent() == FirstWatchEvent("warm"));
  }
  REQUIRE(events.WaitFor("watch:done:warm", 5s));
  const long threads_before = Threads();
  const long rss_before = RssKb();

  for (int start = 0; start < kClients; start += kBatch) {
    std::vector<std::unique_ptr<SseStream>> batch;
    for (int i = start; i < start + kBatch; ++i) {
      batch.push_back(std::make_unique<SseStream>(server.port()));
      REQUIRE(batch.back()->Send("/v1/watch/d" + std::to_string(i) + "?count=5&wait_for_signal=true"));
    }
    for (int i = start; i < start + kBatch; ++i) {
      SseStream& s = *batch[i - start];
      REQUIRE(s.ReadHead());
      REQUIRE(s.head.status == 200);
      REQUIRE(s.NextEvent() == FirstWatchEvent("d" + std::to_string(i)));
    }
    // Half leave with FIN, half with RST.
    for (int i = start; i < start + kBatch; ++i) batch[i - start]->conn().Close(/*reset=*/i % 2 == 1);
    for (int i = start; i < start + kBatch; ++i) {
      INFO("client " << i);
      REQUIRE(events.WaitFor("watch:cancelled:d" + std::to_string(i), 5s));
    }
  }

  CHECK(WaitUntil([&] { return events.WithPrefix("watch:done:d").size() == kClients; }, 5s));
  CHECK(events.WithPrefix("watch:cancelled:d").size() == kClients);
  CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
  // Idle workers above min_threads stay for 30 s, so the pool may keep one
  // worker per client of the last batch; 200 leaked workers would show.
  const long threads_after = Threads();
  INFO("threads before " << threads_before << ", after " << threads_after);
  CHECK(threads_after <= threads_before + kBatch + 16);
  const long rss_after = RssKb();
  INFO("VmRSS before " << rss_before << " kB, after " << rss_after << " kB");
  if (kRssMeaningful) CHECK(rss_after - rss_before < 64 * 1024);
}

TEST_CASE("a client that does not read holds the service back instead of filling the gateway's memory",
          "[sse][load]") {
  TestServer server;
  auto& events = server.service().events();
  constexpr int kMessages = 100000;
  const std::string text(1000, 'x');  // ~1 KB per event: 100 MB if nothing held the service back
  auto sent = [&] { return events.WithPrefix("watch:sent:slow:").size(); };

  const long rss_before = RssKb();
  NonReader reader(server.port(), "GET /v1/watch/slow?count=" + std::to_string(kMessages) + "&text=" + text +
                                      " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");
  REQUIRE(reader.ok());
  REQUIRE(events.WaitFor("watch:sent:slow:0", 5s));

  // The service's writes block once the socket buffers and the gateway's
  // bounded queue are full: its sent count stops growing.
  size_t last = 0;
  auto last_change = std::chrono::steady_clock::now();
  bool stalled = WaitUntil(
      [&] {
        size_t now_sent = sent();
        auto now = std::chrono::steady_clock::now();
        if (now_sent != last) {
          last = now_sent;
          last_change = now;
        }
        return now - last_change >= 1s;
      },
      20s);
  const size_t held_at = sent();
  const long rss_held = RssKb();
  INFO("service sent " << held_at << " of " << kMessages << " messages; VmRSS grew "
                       << (rss_held - rss_before) << " kB");
  REQUIRE(stalled);
  CHECK(held_at < kMessages / 5);
  if (kRssMeaningful) CHECK(rss_held - rss_before < 48 * 1024);
  CHECK(events.Count("watch:done:slow") == 0);

  // Leaving unblocks everything: the call is cancelled.
  reader.Close();
  CHECK(events.WaitFor("watch:cancelled:slow", 5s));
  CHECK(events.WaitFor("watch:done:slow", 5s));
  CHECK(sent() < static_cast<size_t>(kMessages));
}

TEST_CASE("500 open SSE streams do not block unary requests or new streams", "[sse][load]") {
  constexpr int kStreams = 500;
  RaiseFileLimit(4 * kStreams + 256);
  TestServer server;
  auto& events = server.service().events();

  // Unary traffic all along, from two threads of its own.
  std::atomic<bool> stop{false};
  std::atomic<int> unary_ok{0}, unary_failed{0};
  std::atomic<long> unary_slowest_ms{0};
  std::vector<std::thread> unary_threads;
  for (int t = 0; t < 2; ++t) {
    unary_threads.emplace_back([&, t] {
      httplib::Client client = server.Client(5s);
      int n = 0;
      while (!stop.load()) {
        auto begin = std::chrono::steady_clock::now();
        std::string name = "u" + std::to_string(t) + "-" + std::to_string(n++);
        auto res = client.Get("/v1/books/" + name);
        long ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin)
                      .count();
        if (res && res->status == 200 && res->body.find(name) != std::string::npos) {
          ++unary_ok;
        } else {
          ++unary_failed;
        }
        long prev = unary_slowest_ms.load();
        while (ms > prev && !unary_slowest_ms.compare_exchange_weak(prev, ms)) {
        }
        std::this_thread::sleep_for(10ms);  // pacing, not waiting for anything
      }
    });
  }
  auto stop_unary = [&] {
    stop = true;
    for (auto& t : unary_threads) t.join();
    unary_threads.clear();
  };

  std::vector<std::unique_ptr<SseStream>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(std::make_unique<SseStream>(server.port()));
    if (!streams.back()->Send("/v1/watch/m" + std::to_string(i) + "?count=2&wait_for_signal=true")) {
      stop_unary();
      FAIL("could not open stream " << i);
    }
  }
  int opened = 0;
  for (int i = 0; i < kStreams; ++i) {
    SseStream& s = *streams[i];
    if (s.ReadHead(10s) && s.head.status == 200 && s.NextEvent(10s) == FirstWatchEvent("m" + std::to_string(i))) {
      ++opened;
    }
  }
  CHECK(opened == kStreams);

  // With every stream open: unary requests answer, and a new stream starts.
  int ok_before = unary_ok.load();
  CHECK(WaitUntil([&] { return unary_ok.load() >= ok_before + 20; }, 10s));
  SseStream extra(server.port());
  REQUIRE(extra.Open("/v1/watch/extra?count=1"));
  CHECK(extra.head.status == 200);
  CHECK(extra.NextEvent().find("\"topic\":\"extra\"") != std::string::npos);

  stop_unary();
  INFO("unary: " << unary_ok.load() << " ok, " << unary_failed.load() << " failed, slowest "
                 << unary_slowest_ms.load() << " ms");
  CHECK(unary_failed.load() == 0);
  CHECK(unary_slowest_ms.load() < 3000);

  // Every stream is still live: each gets its last event and the end.
  for (int i = 0; i < kStreams; ++i) server.service().Signal("m" + std::to_string(i));
  int finished = 0;
  for (int i = 0; i < kStreams; ++i) {
    SseStream& s = *streams[i];
    if (s.NextEvent(10s).find("\"kind\":\"last\"") != std::string::npos &&
        s.NextEvent(10s) == "id: EOS\nevent: EOS\ndata:\n\n") {
      ++finished;
    }
  }
  CHECK(finished == kStreams);
  streams.clear();
  CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 10s));
  CHECK(events.WithPrefix("watch:done:m").size() == static_cast<size_t>(kStreams));
}

}  // namespace
}  // namespace e2e_test
