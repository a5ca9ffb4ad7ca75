// Many WebSocket sessions at once beside unary traffic, and abrupt
// departures: no call outlives its client, and the server's connections
// all close.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "test_server.h"
#include "test_util.h"
#include "websocket_test_util.h"

namespace e2e_test {
namespace {

TEST_CASE("200 concurrent sessions while unary requests keep answering, and departures leave no calls",
          "[websocket][load]") {
  constexpr int kSessions = 200;
  TestServer server;

  // Unary traffic all along, on its own keep-alive connection.
  std::atomic<bool> stop{false};
  std::atomic<int> unary_ok{0}, unary_failed{0};
  std::atomic<long> unary_worst_ms{0};
  std::thread unary([&] {
    httplib::Client client = server.Client(std::chrono::seconds(5));
    client.set_keep_alive(true);
    while (!stop.load()) {
      auto start = std::chrono::steady_clock::now();
      auto res = client.Get("/v1/shelves/s1/books/b1");
      long ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
      if (res && res->status == 200) {
        ++unary_ok;
      } else {
        ++unary_failed;
      }
      if (ms > unary_worst_ms.load()) unary_worst_ms = ms;
      std::this_thread::sleep_for(2ms);
    }
  });

  std::vector<std::unique_ptr<WsClient>> sessions;
  for (int i = 0; i < kSessions; ++i) {
    sessions.push_back(std::make_unique<WsClient>(server.port()));
    INFO("session " << i);
    REQUIRE(sessions.back()->Open("/v1/rooms/s" + std::to_string(i) + ":echo"));
  }
  // Every session carries traffic at the same time.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < kSessions; ++i) {
      REQUIRE(sessions[i]->SendText("{\"text\":\"r" + std::to_string(round) + "\"}"));
    }
    for (int i = 0; i < kSessions; ++i) {
      std::string reply;
      INFO("session " << i << ", round " << round);
      REQUIRE(sessions[i]->ReadText(&reply, 10s));
      CHECK(reply.find("\"r" + std::to_string(round) + "\"") != std::string::npos);
    }
  }
  CHECK(server.service().events().Count("echo:started:") == kSessions);
  int ok_during_sessions = unary_ok.load();

  // A third leave with RST, a third with FIN, a third say goodbye properly.
  for (int i = 0; i < kSessions; ++i) {
    if (i % 3 == 0) {
      sessions[i]->conn().Close(/*reset=*/true);
    } else if (i % 3 == 1) {
      sessions[i]->conn().Close();
    } else {
      REQUIRE(sessions[i]->SendText(""));
    }
  }
  int departed = 0;
  for (int i = 0; i < kSessions; ++i) {
    const std::string room = "s" + std::to_string(i);
    INFO("session " << i);
    if (i % 3 == 2) {
      CHECK(sessions[i]->ReadClose(10s).code == 1000);
      CHECK(server.service().events().WaitFor("echo:half-closed:" + room, 10s));
    } else {
      ++departed;
      CHECK(server.service().events().WaitFor("echo:cancelled:" + room, 10s));
    }
    CHECK(server.service().events().WaitFor("echo:done:" + room, 10s));
  }
  CHECK(server.service().events().WithPrefix("echo:cancelled:").size() == static_cast<size_t>(departed));
  CHECK(server.service().events().WithPrefix("echo:done:").size() == static_cast<size_t>(kSessions));
  sessions.clear();
  // Only the unary client's connection may remain.
  CHECK(WaitUntil([&] { return server.http().open_connections() <= 1; }, 10s));

  stop = true;
  unary.join();
  INFO("unary: " << unary_ok.load() << " ok (" << ok_during_sessions << " while sessions opened), worst "
                 << unary_worst_ms.load() << " ms");
  CHECK(unary_failed.load() == 0);
  CHECK(ok_during_sessions > 0);
  CHECK(unary_worst_ms.load() < 2000);
}

}  // namespace
}  // namespace e2e_test
