// Graceful shutdown: HttpServer::stop() lets running handlers finish
// within the grace period and cancels what remains.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

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

}  // namespace
}  // namespace e2e_test
