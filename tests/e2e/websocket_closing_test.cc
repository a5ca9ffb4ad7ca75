// A WebSocket session that ends inside one of its own callbacks — the
// client's close frame read in the same callback that then goes on to
// pump responses — ends cleanly: the close is echoed, the connection
// closes, the call ends. (Under AddressSanitizer this guards the session's
// lifetime: the server lets go of the session when it finishes, and the
// session must outlive the callback that finished it.)
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "test_server.h"
#include "test_util.h"
#include "websocket_test_util.h"

namespace e2e_test {
namespace {

TEST_CASE("sessions whose close arrives with their last message, or answers the server's close, end cleanly",
          "[websocket][close]") {
  TestServer server;
  auto& events = server.service().events();
  constexpr int kSessions = 20;

  // The client's close in the same write as a message: both are read in
  // one callback, which finishes the session and then pumps responses.
  std::vector<std::unique_ptr<WsClient>> clients;
  for (int i = 0; i < kSessions; ++i) {
    clients.push_back(std::make_unique<WsClient>(server.port()));
    const std::string room = "c" + std::to_string(i);
    INFO("session " << room);
    REQUIRE(clients.back()->Open("/v1/rooms/" + room + ":echo"));
    REQUIRE(clients.back()->Send(Frame(kOpText, "{\"text\":\"last\"}") + Frame(kOpClose, ClosePayload(1000))));
  }
  for (int i = 0; i < kSessions; ++i) {
    const std::string room = "c" + std::to_string(i);
    INFO("session " << room);
    clients[i]->answer_close = false;  // it sent its close already
    WsClose close = clients[i]->ReadClose(5s);
    CHECK(close.received);
    CHECK(close.code == 1000);
    CHECK(close.eof);
  }
  // (The call may be cancelled before the service read the message, so
  // its events may not name the room.)
  CHECK(WaitUntil([&] { return events.WithPrefix("echo:done:").size() == kSessions; }, 5s));
  clients.clear();

  // The server closes first (the call ended at the client's half-close);
  // the client's answer finishes the session.
  for (int i = 0; i < kSessions; ++i) {
    clients.push_back(std::make_unique<WsClient>(server.port()));
    const std::string room = "h" + std::to_string(i);
    INFO("session " << room);
    REQUIRE(clients.back()->Open("/v1/rooms/" + room + ":echo"));
    REQUIRE(clients.back()->SendText("{\"text\":\"hello\"}"));
    std::string reply;
    REQUIRE(clients.back()->ReadText(&reply));
    REQUIRE(clients.back()->SendText(""));
  }
  for (int i = 0; i < kSessions; ++i) {
    const std::string room = "h" + std::to_string(i);
    INFO("session " << room);
    WsClose close = clients[i]->ReadClose(5s);
    CHECK(close.code == 1000);
    CHECK(close.eof);
    CHECK(events.WaitFor("echo:done:" + room, 5s));
  }
  CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
}

}  // namespace
}  // namespace e2e_test
