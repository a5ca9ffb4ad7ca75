// grpcgw::WebSocket on a user's own route (the public API, as the header's
// example uses it), and gateway bindings that change what a client message
// means: `body: "field"` and binary messages (websocket_binary).
#include <catch2/catch.hpp>

#include <grpcgw/websocket.h>

#include <atomic>
#include <string>
#include <vector>

#include "test_server.h"
#include "test_util.h"
#include "websocket_test_util.h"

namespace e2e_test {
namespace {

// A user route: echoes text as "echo: <text>" and binary as its size;
// "close" makes the server close with 4321; "ping" makes it ping.
void MountUserRoutes(grpcgw::HttpServer& http, std::atomic<int>* sessions_done,
                     std::atomic<int>* last_close_code) {
  http.Get("/ws/echo", [=](const httplib::Request& req, httplib::Response& res) {
    grpcgw::WebSocket::Options options;
    options.subprotocols = {"echo.v1"};
    options.max_message_bytes = 4096;
    auto ws = grpcgw::WebSocket::Accept(req, res, options);
    if (!ws) return;
    std::string message;
    grpcgw::WebSocket::MessageType type;
    while (ws->ReadMessage(&message, &type)) {
      if (type == grpcgw::WebSocket::MessageType::kBinary) {
        ws->SendText("binary " + std::to_string(message.size()));
      } else if (message == "close") {
        ws->Close(4321, "asked to close");
      } else if (message == "ping") {
        ws->Ping("from server");
      } else {
        ws->SendText("echo: " + message);
      }
    }
    last_close_code->store(ws->close_code());
    sessions_done->fetch_add(1);
  });
  http.Get("/ws/text-only", [](const httplib::Request& req, httplib::Response& res) {
    grpcgw::WebSocket::Options options;
    options.accept_binary = false;
    auto ws = grpcgw::WebSocket::Accept(req, res, options);
    if (!ws) return;
    std::string message;
    while (ws->ReadMessage(&message)) ws->SendText(message);
  });
  http.Get("/ws/timeout", [](const httplib::Request& req, httplib::Response& res) {
    auto ws = grpcgw::WebSocket::Accept(req, res);
    if (!ws) return;
    std::string message;
    bool timed_out = false;
    // Nothing arrives within 100 ms: the session is still open.
    if (!ws->ReadMessage(&message, nullptr, std::chrono::milliseconds(100), &timed_out) && timed_out &&
        !ws->closed()) {
      ws->SendText("timed out, still open");
    }
    ws->Close(grpcgw::WebSocket::kCloseNormal, "done");
  });
}

TEST_CASE("WebSocket on a user route: echo, subprotocol, server close, pings", "[websocket][api]") {
  std::atomic<int> sessions_done{0};
  std::atomic<int> last_close_code{0};
  ServerConfig config;
  config.setup = [&](grpcgw::HttpServer& http, grpc::Server&) {
    MountUserRoutes(http, &sessions_done, &last_close_code);
  };
  TestServer server(config);

  SECTION("echo, then the client closes") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/ws/echo", "Sec-WebSocket-Protocol: other, echo.v1\r\n"));
    CHECK(ws.head.header("Sec-WebSocket-Protocol") == "echo.v1");
    REQUIRE(ws.SendText("hello"));
    std::string reply;
    REQUIRE(ws.ReadText(&reply));
    CHECK(reply == "echo: hello");
    REQUIRE(ws.Send(Frame(kOpBinary, std::string("\x00\x01\x02", 3))));
    REQUIRE(ws.ReadText(&reply));
    CHECK(reply == "binary 3");
    REQUIRE(ws.SendClose(1001, "leaving"));
    ws.answer_close = false;
    WsClose close = ws.ReadClose();
    CHECK(close.code == 1001);
    CHECK(close.eof);
    REQUIRE(WaitUntil([&] { return sessions_done.load() == 1; }, 5s));
    CHECK(last_close_code.load() == 1001);
  }
  SECTION("the server closes with its code and waits for the answer") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/ws/echo"));
    REQUIRE(ws.SendText("close"));
    WsClose close = ws.ReadClose();
    CHECK(close.code == 4321);
    CHECK(close.reason == "asked to close");
    CHECK(close.eof);
    REQUIRE(WaitUntil([&] { return sessions_done.load() == 1; }, 5s));
    CHECK(last_close_code.load() == 4321);
  }
  SECTION("a server ping") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/ws/echo"));
    REQUIRE(ws.SendText("ping"));
    WsFrame f;
    REQUIRE(ws.ReadFrame(&f));
    CHECK(f.opcode == kOpPing);
    CHECK(f.payload == "from server");
  }
  SECTION("the route's own message limit") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/ws/echo"));
    REQUIRE(ws.SendText(std::string(4097, 'a')));
    CHECK(ws.ReadClose().code == 1009);
  }
  SECTION("binary refused when the route says so") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/ws/text-only"));
    REQUIRE(ws.Send(Frame(kOpBinary, "x")));
    WsClose close = ws.ReadClose();
    CHECK(close.code == 1003);
    CHECK(close.eof);
  }
  SECTION("a read with a timeout leaves the session open") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/ws/timeout"));
    WsClose close = ws.ReadClose();
    CHECK(close.texts == std::vector<std::string>{"timed out, still open"});
    CHECK(close.code == 1000);
    CHECK(close.reason == "done");
  }
  SECTION("a plain GET is refused with 400 and the JSON error body") {
    auto res = server.Client().Get("/ws/echo");
    REQUIRE(res);
    CHECK(res->status == 400);
    ErrorBody error = ParseErrorBody(res->body);
    CHECK(error.valid);
    CHECK(error.code == 3);
  }
  SECTION("a cross-origin upgrade is refused with 403") {
    WsClient ws(server.port());
    REQUIRE_FALSE(ws.Open("/ws/echo", "Origin: https://elsewhere.example\r\n"));
    CHECK(ws.head.status == 403);
  }
}

TEST_CASE("WebSocket::CheckUpgrade decides without writing", "[websocket][api]") {
  httplib::Request req;
  req.method = "GET";
  req.version = "HTTP/1.1";
  req.headers.emplace("Host", "example.com");
  req.headers.emplace("Upgrade", "websocket");
  req.headers.emplace("Connection", "keep-alive, Upgrade");
  req.headers.emplace("Sec-WebSocket-Version", "13");
  req.headers.emplace("Sec-WebSocket-Key", kSampleKey);
  CHECK(grpcgw::WebSocket::IsUpgradeRequest(req));
  grpcgw::WebSocket::Handshake h = grpcgw::WebSocket::CheckUpgrade(req, grpcgw::WebSocket::Options());
  CHECK(h.ok());
  CHECK(h.accept_key == kSampleAccept);

  req.headers.emplace("Origin", "https://other.example");
  h = grpcgw::WebSocket::CheckUpgrade(req, grpcgw::WebSocket::Options());
  CHECK(h.status == 403);
  grpcgw::WebSocket::Options allow_all;
  allow_all.allowed_origins = {"*"};
  CHECK(grpcgw::WebSocket::CheckUpgrade(req, allow_all).ok());
}

// A second gateway for e2e.Svc's Echo with bindings the fixture's proto
// does not have: `body: "text"`, and binary messages allowed.
void MountFieldBodyEcho(grpcgw::HttpServer& http, grpc::Server& grpc_server) {
  auto channel = grpc_server.InProcessChannel(grpc::ChannelArguments());
  std::vector<grpcgw::MethodSpec> methods;
  for (grpcgw::MethodSpec m : grpcgw::ServiceTraits<e2e::Svc>::Methods(channel)) {
    if (m.name != "Echo") continue;
    m.bindings = {grpcgw::HttpBinding{"GET", "/v2/rooms/{room}:talk", "text", ""}};
    m.transports.websocket_binary = true;
    methods.push_back(m);
  }
  grpcgw::GatewayBase gateway(channel, methods, grpcgw::GatewayOptions());
  gateway.mount(http);
}

TEST_CASE("a body field binding takes each message as that field, and binary messages when the method allows them",
          "[websocket][bidi]") {
  ServerConfig config;
  config.setup = MountFieldBodyEcho;
  TestServer server(config);
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v2/rooms/field:talk"));
  REQUIRE(ws.SendText(R"("first")"));
  REQUIRE(ws.Send(Frame(kOpBinary, R"("second, binary")")));
  std::string reply;
  std::vector<std::string> texts, rooms;
  for (int i = 0; i < 2; ++i) {
    REQUIRE(ws.ReadText(&reply));
    rapidjson::Document doc = ParseJson(reply);
    REQUIRE(doc.IsObject());
    texts.push_back(doc["text"].GetString());
    rooms.push_back(doc["room"].GetString());
  }
  CHECK(texts == std::vector<std::string>{"first", "second, binary"});
  CHECK(rooms[0] == "field");  // the first message merged over the path
  SECTION("a message that is not the field's JSON") {
    REQUIRE(ws.SendText(R"({"text":"an object"})"));
    WsClose close = ws.ReadClose();
    CHECK(close.code == 4003);
  }
  SECTION("half-close") {
    REQUIRE(ws.Send(Frame(kOpBinary, "")));
    CHECK(ws.ReadClose().code == 1000);
  }
}

}  // namespace
}  // namespace e2e_test
