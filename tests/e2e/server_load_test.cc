// The server under load, end to end: thousands of SSE streams and
// WebSocket sessions held by one client thread (non-blocking sockets on one
// epoll instance, as a load generator holds them), each receiving messages
// from the service while unary requests keep answering. The server's
// threads stay few whatever the number of streams; when every client
// vanishes at once, the service sees every call cancelled and the process
// returns to its baseline of connections, descriptors, threads and memory.
//
// Bounds are generous on purpose (a loaded 2-core machine, sanitizers);
// each is far from what the failure it guards against would produce (a
// thread per stream is thousands of threads).
#include <catch2/catch.hpp>
#include <malloc.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "load_client.h"
#include "sse_test_util.h"
#include "test_server.h"
#include "test_util.h"

namespace e2e_test {
namespace {

// AddressSanitizer makes everything about three times slower and keeps
// freed memory in quarantine: fewer streams there, and no memory figure.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

// Threads the server may add to the process, whatever the number of
// streams: its event loops, its worker pool (kWorkers: handlers only,
// binding and starting calls), and gRPC's own threads. A thread per
// connection would be thousands.
constexpr size_t kWorkers = 16;
constexpr long kMaxServerThreads = 64;

enum class Kind { kSse, kWebSocket };

struct Client {
  Kind kind;
  std::string key;  // SSE topic or WebSocket room
  bool head = false;
  int messages = 0;  // SSE events / WebSocket echoes received
};

// Holds `sse` SSE streams (Watch, one event per Signal) and `ws` WebSocket
// sessions (Echo) at once on one client thread, has each receive `rounds`
// more messages, measures, then closes every socket at once.
struct LoadRun {
  LoadRun(TestServer& s, std::string p, int sse_streams, int ws_sessions)
      : server(s), prefix(std::move(p)), sse(sse_streams), ws(ws_sessions) {}

  TestServer& server;
  const std::string prefix;
  const int sse;
  const int ws;
  const int rounds = 2;

  // Figures.
  long peak_threads = 0;  // /proc/self/task, while the streams were open
  long rss_open_kb = 0;   // VmRSS with every stream open
  size_t peak_workers = 0;
  size_t peak_connections = 0;
  std::vector<long> unary_ms;  // latency of each unary request made meanwhile
  int unary_failed = 0;
  int bad = 0;  // unexpected statuses, bytes or closes
  double open_seconds = 0;

  void Run() {
    LoadClients clients;
    std::vector<Client> state;
    int sse_with = 0, ws_with = 0;  // receivers that got their first message
    int sse_total = 0, ws_total = 0;
    auto last_sample = std::chrono::steady_clock::now();
    auto sample = [&] {
      peak_threads = std::max(peak_threads, TaskCount());
      peak_workers = std::max(peak_workers, server.http().worker_threads());
      peak_connections = std::max(peak_connections, server.http().open_connections());
    };

    // Unary requests all along, one at a time on a keep-alive connection of
    // their own thread (so that their latency is the server's, not the
    // load client's).
    std::atomic<bool> stop_unary{false};
    std::atomic<size_t> unary_done{0};
    std::thread unary([&] {
      httplib::Client client = server.Client(std::chrono::seconds(10));
      client.set_keep_alive(true);
      for (int n = 0; !stop_unary.load() && n < 100000; ++n) {
        const std::string name = prefix + "u" + std::to_string(n);
        auto begin = std::chrono::steady_clock::now();
        auto res = client.Get("/v1/books/" + name);
        unary_ms.push_back(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - begin).count());
        if (!res || res->status != 200 || res->body.find(name) == std::string::npos) ++unary_failed;
        ++unary_done;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    auto join_unary = [&] {
      stop_unary = true;
      if (unary.joinable()) unary.join();
    };
    struct OnExit {
      std::function<void()> f;
      ~OnExit() { f(); }
    } on_exit{join_unary};  // a failed REQUIRE leaves through here too

    clients.on_data = [&](size_t i, LoadClients::Conn& c) {
      Client& cl = state[i];
      if (!cl.head) {
        int status;
        if (!TakeHead(c.in, &status)) {
          if (c.ended()) ++bad;
          return;
        }
        cl.head = true;
        if (status != (cl.kind == Kind::kSse ? 200 : 101)) ++bad;
      }
      if (cl.kind == Kind::kSse) {
        std::string event;
        while (TakeSseEvent(c.in, &event)) {
          if (event[0] == ':') continue;  // a heartbeat
          if (event.find("\"seq\":\"" + std::to_string(cl.messages) + "\"") == std::string::npos ||
              event.find("\"topic\":\"" + cl.key + "\"") == std::string::npos) {
            ++bad;
          }
          if (++cl.messages == 1) ++sse_with;
          ++sse_total;
        }
      } else {
        ServerFrame f;
        FrameResult r;
        while ((r = TakeFrame(c.in, &f)) == FrameResult::kFrame) {
          if (f.opcode == 0x9) {
            clients.Send(i, ClientFrame(0xA, f.payload));
          } else if (f.opcode == 0x1 && f.payload.find("\"text\":\"m" + std::to_string(cl.messages) + "\"") !=
                                            std::string::npos) {
            if (++cl.messages == 1) ++ws_with;
            ++ws_total;
          } else {
            ++bad;  // a close, or an echo that is not the one expected
          }
        }
        if (r == FrameResult::kError) ++bad;
      }
      if (c.ended()) ++bad;  // the server never ends a stream here
    };
    clients.on_tick = [&] {
      auto now = std::chrono::steady_clock::now();
      if (now - last_sample >= std::chrono::milliseconds(50)) {
        last_sample = now;
        sample();
      }
    };
    auto add = [&](Kind kind, std::string key) -> size_t {
      size_t i = clients.Connect(server.port());
      if (i == LoadClients::npos) return i;
      state.push_back(Client{kind, std::move(key)});
      return i;
    };

    // Streams open in batches, so that the kernel's accept queue never
    // overflows (a dropped SYN is retried a second later).
    const auto open_start = std::chrono::steady_clock::now();
    constexpr int kBatch = 500;
    for (int start = 0; start < sse; start += kBatch) {
      int end = std::min(sse, start + kBatch);
      for (int k = start; k < end; ++k) {
        std::string topic = prefix + "s" + std::to_string(k);
        size_t i = add(Kind::kSse, topic);
        INFO("connection for SSE stream " << k << ": errno " << errno);
        REQUIRE(i != LoadClients::npos);
        clients.Send(i, "GET /v1/watch/" + topic + "?count=1000&wait_for_signal=true HTTP/1.1\r\nHost: x\r\n"
                            "Accept: text/event-stream\r\n\r\n");
      }
      INFO("SSE streams with their first event: " << sse_with << " of " << end << "; bad " << bad);
      REQUIRE(clients.RunUntil([&] { return sse_with == end || bad > 0; }, std::chrono::seconds(30)));
      REQUIRE(bad == 0);
    }
    std::vector<size_t> ws_index;
    for (int start = 0; start < ws; start += kBatch) {
      int end = std::min(ws, start + kBatch);
      for (int k = start; k < end; ++k) {
        std::string room = prefix + "w" + std::to_string(k);
        size_t i = add(Kind::kWebSocket, room);
        INFO("connection for WebSocket session " << k << ": errno " << errno);
        REQUIRE(i != LoadClients::npos);
        ws_index.push_back(i);
        clients.Send(i, "GET /v1/rooms/" + room + ":echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" +
                            ClientFrame(0x1, "{\"text\":\"m0\"}"));
      }
      INFO("WebSocket sessions with their first echo: " << ws_with << " of " << end << "; bad " << bad);
      REQUIRE(clients.RunUntil([&] { return ws_with == end || bad > 0; }, std::chrono::seconds(30)));
      REQUIRE(bad == 0);
    }
    open_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - open_start).count();
    rss_open_kb = RssKb();
    sample();

    // Every stream and session receives more, all at the same time.
    for (int round = 1; round <= rounds; ++round) {
      for (int k = 0; k < sse; ++k) server.service().Signal(prefix + "s" + std::to_string(k));
      for (size_t i : ws_index) {
        clients.Send(i, ClientFrame(0x1, "{\"text\":\"m" + std::to_string(round) + "\"}"));
      }
      const int want_sse = sse * (round + 1), want_ws = ws * (round + 1);
      INFO("round " << round << ": SSE events " << sse_total << " of " << want_sse << ", WebSocket echoes "
                    << ws_total << " of " << want_ws << "; bad " << bad);
      REQUIRE(clients.RunUntil([&] { return (sse_total == want_sse && ws_total == want_ws) || bad > 0; },
                               std::chrono::seconds(30)));
      REQUIRE(bad == 0);
    }
    // Unary requests go on a little longer with everything open.
    const size_t unary_before = unary_done.load();
    clients.RunUntil([&] { return unary_done.load() >= unary_before + 20; }, std::chrono::seconds(10));
    sample();
    CHECK(unary_done.load() >= unary_before + 20);
    CHECK(server.http().open_connections() == static_cast<size_t>(sse + ws + 1));
    join_unary();

    // Every client vanishes at once (every other one with RST).
    clients.on_data = nullptr;
    clients.on_tick = nullptr;
    clients.CloseAll(/*reset_every_other=*/true);
  }
};

size_t CountWithPrefix(EventLog& events, const std::string& prefix) { return events.WithPrefix(prefix).size(); }

// Waits until the service recorded `want` events starting with `prefix`,
// polling gently (the log holds tens of thousands of events).
bool WaitForCount(EventLog& events, const std::string& prefix, size_t want, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (CountWithPrefix(events, prefix) >= want) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TEST_CASE("thousands of SSE streams and WebSocket sessions on one client thread: few server threads, every call "
          "cancelled when the clients vanish, and nothing left behind",
          "[server][load]") {
  TLS_SKIP("the load client (tests/e2e/load_client.h) drives thousands of plain non-blocking sockets; it "
           "has no TLS");
  const int kSse = kSanitized ? 1500 : 5000;
  const int kWs = kSanitized ? 300 : 1000;
  const int kSmallSse = kSse / 10, kSmallWs = kWs / 10;
  // Both ends of every connection are in this process.
  const rlim_t need = 2 * static_cast<rlim_t>(kSse + kWs) + 512;
  const rlim_t limit = RaiseFileLimitToHard();
  if (limit < need) {
    WARN("skipped: RLIMIT_NOFILE allows " << limit << " open files, the test needs " << need);
    return;
  }

  const long threads_before_server = TaskCount();
  ServerConfig config;
  config.gateway.max_concurrent_streams = static_cast<size_t>(kSse + kWs) + 16;
  // The worker pool starts a thread for each request that arrives while no
  // worker is idle (up to max_threads, 256 by default), so a burst of
  // connections grows it whether or not anything streams; capped here, it
  // shows that the streams themselves hold no thread.
  config.http.max_threads = kWorkers;
  TestServer server(config);
  auto& events = server.service().events();

  // First a tenth of the load: what grows once (gRPC's threads, the worker
  // pool, allocator pools) grows here, and the baseline is taken after it.
  LoadRun small(server, "a", kSmallSse, kSmallWs);
  small.Run();
  REQUIRE(WaitForCount(events, "watch:done:as", kSmallSse, std::chrono::seconds(20)));
  REQUIRE(WaitForCount(events, "echo:done:aw", kSmallWs, std::chrono::seconds(20)));
  REQUIRE(WaitUntil([&] { return server.http().open_connections() == 0; }, 10s));
  events.Clear();
  const long fds_baseline = OpenFds();
  // Threads other than the pool's workers (which stay up to 30 s idle, and
  // are bounded by kWorkers below).
  const long threads_baseline = TaskCount() - static_cast<long>(server.http().worker_threads());
  // Memory that is free but kept by malloc (in its arenas) is handed back
  // before each reading, so that the figures show what is in use.
  malloc_trim(0);
  const long rss_baseline = RssKb();

  LoadRun big(server, "b", kSse, kWs);
  big.Run();
  const auto vanished = std::chrono::steady_clock::now();

  // The service sees every call cancelled, and every call ends.
  bool all_cancelled = WaitForCount(events, "watch:cancelled:bs", kSse, std::chrono::seconds(30)) &&
                       WaitForCount(events, "echo:cancelled:bw", kWs, std::chrono::seconds(30));
  const double cancel_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - vanished).count();
  bool all_done = WaitForCount(events, "watch:done:bs", kSse, std::chrono::seconds(10)) &&
                  WaitForCount(events, "echo:done:bw", kWs, std::chrono::seconds(10));
  const size_t sse_cancelled = CountWithPrefix(events, "watch:cancelled:bs");
  const size_t ws_cancelled = CountWithPrefix(events, "echo:cancelled:bw");
  bool no_connections = WaitUntil([&] { return server.http().open_connections() == 0; }, 10s);
  // Descriptors and threads go back to the baseline.
  long fds_after = OpenFds();
  WaitUntil([&] { return (fds_after = OpenFds()) <= fds_baseline; }, 10s);
  auto non_worker_threads = [&] { return TaskCount() - static_cast<long>(server.http().worker_threads()); };
  long threads_after = non_worker_threads();
  WaitUntil([&] { return (threads_after = non_worker_threads()) <= threads_baseline; }, 5s);
  events.Clear();  // (its capacity stays)
  const long rss_untrimmed = RssKb();
  malloc_trim(0);
  const long rss_after = RssKb();

  std::vector<long> small_unary = small.unary_ms, big_unary = big.unary_ms;
  const long small_p99 = Percentile(small_unary, 99), big_p99 = Percentile(big_unary, 99);
  const long big_p50 = Percentile(big_unary, 50);
  const long big_max = big_unary.empty() ? 0 : big_unary.back();
  WARN("server load: " << kSmallSse << " SSE + " << kSmallWs << " WebSocket: peak process threads "
                       << small.peak_threads << " (" << (small.peak_threads - threads_before_server)
                       << " above the process before the server), workers " << small.peak_workers << " (at most "
                       << kWorkers << "), loops " << server.http().loop_threads() << ", opened in "
                       << small.open_seconds << " s, unary p99 " << small_p99 << " ms over " << small_unary.size()
                       << "\n"
                       << kSse << " SSE + " << kWs << " WebSocket: peak process threads " << big.peak_threads << " ("
                       << (big.peak_threads - threads_before_server) << " above), workers " << big.peak_workers
                       << ", peak connections " << big.peak_connections << ", VmRSS " << big.rss_open_kb
                       << " kB with all open (" << (big.rss_open_kb - rss_baseline) * 1024 / (kSse + kWs)
                       << " bytes per stream: both ends and the gRPC call), opened in " << big.open_seconds
                       << " s, unary p50 " << big_p50 << " ms, p99 " << big_p99 << " ms, max " << big_max
                       << " ms over " << big_unary.size() << "\n"
                       << "all vanished: every call cancelled after " << cancel_seconds << " s; fds " << fds_after
                       << " (baseline " << fds_baseline << "), threads besides workers " << threads_after << " (baseline "
                       << threads_baseline << "), VmRSS " << rss_after << " kB after malloc_trim ("
                       << rss_untrimmed << " kB before; baseline " << rss_baseline << " kB)");

  CHECK(small.bad == 0);
  CHECK(big.bad == 0);
  CHECK(small.unary_failed == 0);
  CHECK(big.unary_failed == 0);
  CHECK(big_max < 2000);
  // Threads: a small fixed number, the same for ten times the streams.
  CHECK(big.peak_workers <= kWorkers);
  CHECK(big.peak_threads - threads_before_server < kMaxServerThreads);
  CHECK(big.peak_threads <= small.peak_threads + 8);
  CHECK(all_cancelled);
  CHECK(all_done);
  CHECK(sse_cancelled == static_cast<size_t>(kSse));
  CHECK(ws_cancelled == static_cast<size_t>(kWs));
  CHECK(no_connections);
  CHECK(fds_after <= fds_baseline);
  CHECK(threads_after <= threads_baseline);
  // Memory: what the streams held is freed. The first big run leaves some
  // 10 MiB in malloc's and gRPC's pools (further runs add next to nothing);
  // a leak of 5 KiB per stream would be 30 MiB.
  if (!kSanitized) CHECK(rss_after - rss_baseline < 24 * 1024);
}

}  // namespace
}  // namespace e2e_test
