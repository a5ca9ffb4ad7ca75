// Graceful shutdown, end to end. HttpServer::stop() lets running handlers
// finish within the grace period and cancels what remains; with open
// streams of every transport, held by one client thread (load_client.h),
// it ends each stream the way its protocol ends a stream early — SSE
// streams get the shutdown event, WebSocket sessions a 1001 close, chunked
// streams end — ends every call, and returns within the grace period plus
// a second.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "load_client.h"
#include "test_server.h"
#include "test_util.h"

namespace e2e_test {
namespace {

TEST_CASE("stop() lets a running unary call finish and answer, and cancels one still running after the grace period",
          "[server][shutdown]") {
  constexpr auto kGrace = std::chrono::milliseconds(1500);
  ServerConfig config;
  config.http.shutdown_grace = kGrace;
  TestServer server(config);
  auto& events = server.service().events();

  RawConnection finishing(server.port());
  REQUIRE(finishing.Send("GET /v1/sleep/finishing?duration=0.5s HTTP/1.1\r\nHost: x\r\n\r\n"));
  RawConnection forever(server.port());
  REQUIRE(forever.Send("GET /v1/sleep/forever HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(events.WaitFor("sleep:started:finishing", 5s));
  REQUIRE(events.WaitFor("sleep:started:forever", 5s));

  const auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] { server.http().stop(); });
  struct Join {
    std::thread& t;
    ~Join() {
      if (t.joinable()) t.join();
    }
  } join{stopper};  // a failed REQUIRE leaves through here too
  // The call that ends within the grace period answers as usual, and the
  // connection closes after it.
  RawResponse res;
  REQUIRE(finishing.ReadResponse(&res, 5s));
  CHECK(res.status == 200);
  CHECK(res.body.find("\"token\":\"finishing\"") != std::string::npos);
  CHECK(res.header("Connection") == "close");
  CHECK(events.Count("sleep:finished:finishing") == 1);
  CHECK(events.Count("sleep:cancelled:finishing") == 0);
  // The one that does not is cancelled when the grace period runs out.
  bool closed = false;
  forever.ReadToClose(kGrace + 5s, &closed);
  stopper.join();
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  CHECK(closed);
  CHECK(events.WaitFor("sleep:cancelled:forever", 5s));
  INFO("stop() returned after " << elapsed.count() << " ms");
  CHECK(elapsed >= kGrace - 100ms);
  CHECK(elapsed <= kGrace + 1s);
  CHECK(server.http().open_connections() == 0);
}

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

enum class Kind { kSse, kWebSocket, kChunked, kUnary };

struct Stream {
  Stream(Kind k, std::string name) : kind(k), key(std::move(name)) {}
  Kind kind;
  std::string key;  // topic or room
  bool head = false;
  int status = 0;
  int messages = 0;                // before the shutdown: events, echoes, lines
  std::vector<std::string> after;  // after the first message: events, lines, close reasons
  int close_code = -1;             // WebSocket: the server's close code (0: none given)
  bool last_chunk = false;         // chunked: the body ended properly
  bool framing_error = false;
  bool ended = false;  // the server closed the connection
  std::string body;    // unary
};

size_t CountWithPrefix(EventLog& events, const std::string& prefix) { return events.WithPrefix(prefix).size(); }

bool WaitForCount(EventLog& events, const std::string& prefix, size_t want, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (CountWithPrefix(events, prefix) >= want) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

TEST_CASE("stop() with open SSE, WebSocket and chunked streams: each ends its protocol's way, a running unary "
          "call finishes, every call ends, within the grace period",
          "[server][load][shutdown]") {
  TLS_SKIP("the load client (tests/e2e/load_client.h) drives thousands of plain non-blocking sockets; it "
           "has no TLS");
  const int kEach = kSanitized ? 300 : 1000;
  constexpr auto kGrace = std::chrono::milliseconds(3000);
  const rlim_t need = 2 * 3 * static_cast<rlim_t>(kEach) + 512;
  const rlim_t limit = RaiseFileLimitToHard();
  if (limit < need) {
    WARN("skipped: RLIMIT_NOFILE allows " << limit << " open files, the test needs " << need);
    return;
  }

  ServerConfig config;
  config.http.shutdown_grace = kGrace;
  config.gateway.max_concurrent_streams = 3 * static_cast<size_t>(kEach) + 16;
  // Chunked streams still hold a worker each while they run.
  config.http.max_threads = static_cast<size_t>(kEach) + 64;
  TestServer server(config);
  auto& events = server.service().events();

  LoadClients clients;
  std::vector<Stream> streams;
  int opened = 0, bad = 0, ended = 0;
  std::string first_bad;  // what went wrong first
  auto wrong = [&](const Stream& s, const std::string& what) {
    if (bad++ == 0) first_bad = s.key + ": " + what;
  };
  clients.on_data = [&](size_t i, LoadClients::Conn& c) {
    Stream& s = streams[i];
    if (s.kind == Kind::kUnary) {
      std::string head;
      if (!s.head && TakeResponse(c.in, &s.status, &head, &s.body)) s.head = true;
    } else {
      if (!s.head) {
        if (TakeHead(c.in, &s.status)) {
          s.head = true;
          if (s.status != (s.kind == Kind::kWebSocket ? 101 : 200)) wrong(s, "status " + std::to_string(s.status));
        }
      }
      if (s.head) {
        if (s.kind == Kind::kSse) {
          std::string event;
          while (TakeSseEvent(c.in, &event)) {
            if (event[0] == ':') continue;
            if (s.messages == 0) {
              if (event.find("\"topic\":\"" + s.key + "\"") == std::string::npos) wrong(s, event);
              ++s.messages;
              ++opened;
            } else {
              s.after.push_back(event);
            }
          }
        } else if (s.kind == Kind::kWebSocket) {
          ServerFrame f;
          FrameResult r;
          while ((r = TakeFrame(c.in, &f)) == FrameResult::kFrame) {
            if (f.opcode == 0x1 && s.messages == 0 && f.payload.find("\"text\":\"m0\"") != std::string::npos) {
              ++s.messages;
              ++opened;
            } else if (f.opcode == 0x8 && s.close_code < 0) {
              s.close_code = f.payload.size() >= 2 ? (static_cast<uint8_t>(f.payload[0]) << 8) |
                                                         static_cast<uint8_t>(f.payload[1])
                                                   : 0;
              s.after.push_back(f.payload.size() > 2 ? f.payload.substr(2) : std::string());
              // Answer the close, as a client does.
              clients.Send(i, ClientFrame(0x8, f.payload.substr(0, 2)));
            } else if (f.opcode == 0x9) {
              clients.Send(i, ClientFrame(0xA, f.payload));
            } else {
              wrong(s, "frame " + std::to_string(f.opcode) + " " + f.payload);
            }
          }
          if (r == FrameResult::kError) s.framing_error = true;
        } else {
          std::string data;
          ChunkResult r;
          while ((r = TakeChunk(c.in, &data)) != ChunkResult::kIncomplete) {
            if (r == ChunkResult::kError) {
              s.framing_error = true;
              break;
            }
            if (r == ChunkResult::kLast) {
              s.last_chunk = true;
              break;
            }
            // One chunk is one or more NDJSON lines.
            size_t pos = 0, nl;
            while ((nl = data.find('\n', pos)) != std::string::npos) {
              std::string line = data.substr(pos, nl - pos);
              pos = nl + 1;
              if (s.messages == 0) {
                if (line.compare(0, 10, "{\"result\":") != 0 ||
                    line.find("\"topic\":\"" + s.key + "\"") == std::string::npos) {
                  wrong(s, line);
                }
                ++s.messages;
                ++opened;
              } else {
                s.after.push_back(line);
              }
            }
          }
        }
      }
    }
    if (c.ended() && !s.ended) {
      s.ended = true;
      ++ended;
    }
  };
  auto add = [&](Kind kind, const std::string& key, const std::string& request) {
    size_t i = clients.Connect(server.port());
    INFO("connection " << streams.size() << ": errno " << errno);
    REQUIRE(i == streams.size());
    streams.emplace_back(kind, key);
    clients.Send(i, request);
  };

  // Open streams of every transport, each with its first message.
  for (int k = 0; k < kEach; ++k) {
    const std::string topic = "xs" + std::to_string(k);
    add(Kind::kSse, topic,
        "GET /v1/watch/" + topic + "?count=1000&wait_for_signal=true HTTP/1.1\r\nHost: x\r\n"
                                   "Accept: text/event-stream\r\n\r\n");
    const std::string room = "xw" + std::to_string(k);
    add(Kind::kWebSocket, room,
        "GET /v1/rooms/" + room + ":echo HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                                  "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" +
            ClientFrame(0x1, "{\"text\":\"m0\"}"));
    const std::string chunked = "xc" + std::to_string(k);
    add(Kind::kChunked, chunked,
        "GET /v1/watch/" + chunked + "?count=1000&wait_for_signal=true HTTP/1.1\r\nHost: x\r\n\r\n");
    if (k % 100 == 99) {  // a hundred of each at a time: the accept queue holds them all
      INFO("streams open: " << opened << "; bad " << bad << ", first " << first_bad);
      REQUIRE(clients.RunUntil([&] { return opened == 3 * (k + 1) || bad > 0; }, std::chrono::seconds(30)));
    }
  }
  INFO("streams open: " << opened << " of " << 3 * kEach << "; bad " << bad << ", first " << first_bad);
  REQUIRE(clients.RunUntil([&] { return opened == 3 * kEach || bad > 0; }, std::chrono::seconds(30)));
  REQUIRE(bad == 0);
  // A unary call that is running when the server stops.
  const size_t unary = streams.size();
  add(Kind::kUnary, "xu", "GET /v1/sleep/xu?duration=1s HTTP/1.1\r\nHost: x\r\n\r\n");
  REQUIRE(clients.RunUntil([&] { return events.Count("sleep:started:xu") == 1; }, std::chrono::seconds(10)));

  // stop() on a thread of its own; this thread goes on being the clients.
  const auto stop_start = std::chrono::steady_clock::now();
  std::atomic<bool> stopped{false};
  std::atomic<long> stop_ms{-1};
  std::thread stopper([&] {
    server.http().stop();
    stop_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - stop_start)
                  .count();
    stopped = true;
  });
  struct Join {
    std::thread& t;
    ~Join() {
      if (t.joinable()) t.join();
    }
  } join{stopper};
  const int total = static_cast<int>(streams.size());
  bool all_ended =
      clients.RunUntil([&] { return ended == total && stopped.load(); }, kGrace + std::chrono::seconds(10));
  stopper.join();

  // Every call ends.
  const size_t watches = 2 * static_cast<size_t>(kEach);
  bool calls_done = WaitForCount(events, "watch:done:x", watches, std::chrono::seconds(10)) &&
                    WaitForCount(events, "echo:done:xw", static_cast<size_t>(kEach), std::chrono::seconds(10));

  int sse_ok = 0, ws_ok = 0, chunked_cut = 0, chunked_record = 0, chunked_wrong = 0;
  int shown = 0;
  auto show = [&](const Stream& s, const std::string& what) {
    if (++shown > 5) return;
    std::string after;
    for (const auto& a : s.after) after += "[" + a + "]";
    UNSCOPED_INFO(s.key << ": " << what << "; after the first message: " << after << "; ended " << s.ended
                        << ", last chunk " << s.last_chunk << ", close code " << s.close_code);
  };
  for (const Stream& s : streams) {
    switch (s.kind) {
      case Kind::kSse:
        // The shutdown event (SseOptions::on_shutdown), then the close.
        if (s.after.size() == 1 && s.after[0] == "event: shutdown\ndata:\n\n" && s.ended) {
          ++sse_ok;
        } else {
          show(s, "SSE stream without the shutdown event and the close");
        }
        break;
      case Kind::kWebSocket:
        if (s.close_code == 1001 && s.ended && !s.framing_error) {
          ++ws_ok;
        } else {
          show(s, "WebSocket session without a 1001 close and the end of the connection");
        }
        break;
      case Kind::kChunked: {
        // Chunked streams still run on a worker thread (src/gateway/chunked.cc):
        // at shutdown the worker sees the connection shutting down, cancels
        // the call and returns without writing, and the connection closes —
        // the body is cut short, with neither an error record nor the last
        // chunk. Once they run on the event loop they end with an error
        // record and the last chunk. Either way the stream ends, and every
        // stream ends the same way.
        rapidjson::Document record;
        if (s.after.size() == 1) record = ParseJson(s.after[0]);
        const bool has_record = s.after.size() == 1 && !record.HasParseError() && record.IsObject() &&
                                record.HasMember("error") && record["error"].IsObject() &&
                                record["error"].HasMember("code");
        if (!s.ended || s.framing_error) {
          ++chunked_wrong;
          show(s, "chunked stream not ended");
        } else if (s.after.empty() && !s.last_chunk) {
          ++chunked_cut;
        } else if (has_record && s.last_chunk) {
          ++chunked_record;
        } else {
          ++chunked_wrong;
          show(s, "chunked stream ended otherwise");
        }
        break;
      }
      case Kind::kUnary:
        break;
    }
  }
  const Stream& u = streams[unary];
  WARN("shutdown with " << kEach << " open streams of each transport: stop() returned after " << stop_ms.load()
                        << " ms (grace " << kGrace.count() << " ms); SSE streams with the shutdown event "
                        << sse_ok << ", WebSocket sessions closed with 1001 " << ws_ok
                        << ", chunked streams cut by the close " << chunked_cut << ", ended with an error record "
                        << chunked_record << "; the running unary call answered " << u.status);

  CHECK(all_ended);
  CHECK(stop_ms.load() >= 0);
  CHECK(stop_ms.load() <= kGrace.count() + 1000);
  CHECK(sse_ok == kEach);
  CHECK(ws_ok == kEach);
  CHECK(chunked_wrong == 0);
  CHECK((chunked_cut == kEach || chunked_record == kEach));
  // The unary call that was running finished, and its answer went out.
  CHECK(u.status == 200);
  CHECK(u.body.find("\"token\":\"xu\"") != std::string::npos);
  CHECK(events.Count("sleep:finished:xu") == 1);
  CHECK(calls_done);
  CHECK(CountWithPrefix(events, "watch:done:x") == watches);
  CHECK(CountWithPrefix(events, "echo:done:xw") == static_cast<size_t>(kEach));
  CHECK(server.http().open_connections() == 0);
  CHECK(!server.http().is_running());
}

}  // namespace
}  // namespace e2e_test
