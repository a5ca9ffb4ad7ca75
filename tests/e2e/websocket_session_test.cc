// The WebSocket transport of the gateway, end to end (DESIGN.md section 4):
// the handshake and its refusals, bidi, server-streaming and
// client-streaming calls, half-close, error close codes, metadata, the
// stream limit, the client leaving, server shutdown, and backpressure in
// both directions.
#include <catch2/catch.hpp>

#include <fcntl.h>

#include <algorithm>
#include <string>
#include <vector>

#include "test_server.h"
#include "test_util.h"
#include "websocket_test_util.h"

namespace e2e_test {
namespace {

rapidjson::Document Json(const std::string& text) {
  rapidjson::Document doc = ParseJson(text);
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc.IsObject());
  return doc;
}

std::string Str(const rapidjson::Document& doc, const char* name) {
  if (!doc.HasMember(name) || !doc[name].IsString()) return "<missing>";
  return doc[name].GetString();
}

bool HasMetadata(const std::vector<std::pair<std::string, std::string>>& md, const std::string& key,
                 const std::string& value) {
  return std::find(md.begin(), md.end(), std::make_pair(key, value)) != md.end();
}

TEST_CASE("handshake refusals are HTTP errors with the JSON body", "[websocket][handshake]") {
  ServerConfig config;
  config.gateway.websocket.allowed_origins = {"https://app.example.com"};
  TestServer server(config);
  const std::string common = "Upgrade: websocket\r\nConnection: Upgrade\r\n";
  const std::string key = std::string("Sec-WebSocket-Key: ") + kSampleKey + "\r\n";
  struct Case {
    std::string name;
    std::string headers;
    int status;
    int grpc_code;
  };
  const std::vector<Case> cases = {
      {"key not base64 of 16 bytes", common + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=\r\n", 400, 3},
      {"no key", common + "Sec-WebSocket-Version: 13\r\n", 400, 3},
      {"version 8", common + "Sec-WebSocket-Version: 8\r\n" + key, 426, 9},
      {"no version", common + key, 426, 9},
      {"another origin", common + "Sec-WebSocket-Version: 13\r\n" + key + "Origin: https://evil.example.com\r\n", 403, 7},
      {"same host on another port", common + "Sec-WebSocket-Version: 13\r\n" + key + "Origin: http://127.0.0.1:1\r\n", 403, 7},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      WsClient ws(server.port());
      REQUIRE_FALSE(ws.Open("/v1/rooms/r:echo", c.headers, 5s, /*replace_defaults=*/true));
      CHECK(ws.head.status == c.status);
      CHECK(ws.head.header("Content-Type") == "application/json");
      std::string body;
      REQUIRE(ws.ReadRefusalBody(&body));
      ErrorBody error = ParseErrorBody(body);
      CHECK(error.valid);
      CHECK(error.code == c.grpc_code);
      CHECK_FALSE(error.message.empty());
      if (c.status == 426) CHECK(ws.head.header("Sec-WebSocket-Version") == "13");
      // No call was started.
      CHECK(server.service().events().Count("echo:started:") == 0);
    }
  }
}

TEST_CASE("the handshake accepts allowed origins and selects a subprotocol", "[websocket][handshake]") {
  ServerConfig config;
  config.gateway.websocket.allowed_origins = {"https://app.example.com"};
  config.gateway.websocket.subprotocols = {"grpcgw.v1", "json"};
  TestServer server(config);
  struct Case {
    std::string name;
    std::string headers;
    std::string subprotocol;  // expected in the 101, "" for none
  };
  const std::string port = std::to_string(server.port());
  const std::vector<Case> cases = {
      {"no Origin", "", ""},
      {"the request's own origin", "Origin: http://127.0.0.1\r\n", ""},
      {"a listed origin", "Origin: https://app.example.com\r\n", ""},
      {"the server's preference wins", "Sec-WebSocket-Protocol: json, grpcgw.v1\r\n", "grpcgw.v1"},
      {"the one offered that is spoken", "Sec-WebSocket-Protocol: mqtt, json\r\n", "json"},
      {"none spoken", "Sec-WebSocket-Protocol: mqtt\r\n", ""},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      WsClient ws(server.port());
      REQUIRE(ws.Open("/v1/rooms/r:echo", c.headers));
      CHECK(ws.head.header("Sec-WebSocket-Accept") == kSampleAccept);
      CHECK(Lowercase(ws.head.header("Upgrade")) == "websocket");
      CHECK(ws.head.header("Sec-WebSocket-Protocol") == c.subprotocol);
      REQUIRE(ws.SendText("{\"text\":\"hi\"}"));
      std::string reply;
      REQUIRE(ws.ReadText(&reply));
      CHECK(Str(Json(reply), "text") == "hi");
    }
  }
}

TEST_CASE("origins CORS allows may open WebSockets too", "[websocket][handshake][cors]") {
  ServerConfig config;
  config.gateway.cors.allowed_origins = {"https://app.example"};
  config.gateway.cors.allow_origin = [](std::string_view origin) { return origin == "https://tools.example.org"; };
  TestServer server(config);
  for (const char* origin : {"https://app.example", "https://tools.example.org"}) {
    DYNAMIC_SECTION("allowed: " << origin) {
      WsClient ws(server.port());
      REQUIRE(ws.Open("/v1/rooms/r:echo", std::string("Origin: ") + origin + "\r\n"));
      REQUIRE(ws.SendText("{\"text\":\"hi\"}"));
      std::string reply;
      REQUIRE(ws.ReadText(&reply));
      CHECK(Str(Json(reply), "text") == "hi");
    }
  }
  SECTION("refused: an origin neither CORS nor the WebSocket options allow") {
    WsClient ws(server.port());
    CHECK_FALSE(ws.Open("/v1/rooms/r:echo", "Origin: https://evil.example\r\n"));
    CHECK(ws.head.status == 403);
  }
}

TEST_CASE("the request hook's headers and CORS headers are on the 101", "[websocket][handshake][hook]") {
  ServerConfig config;
  config.gateway.cors.allowed_origins = {"https://app.example"};
  config.gateway.request_hook = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Request-Id", "ws-1");
    res.set_header("Connection", "keep-alive");  // the 101's own Connection stays
    return grpcgw::HookResult::kContinue;
  };
  TestServer server(config);
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v1/rooms/r:echo", "Origin: https://app.example\r\n"));
  CHECK(ws.head.header("X-Request-Id") == "ws-1");
  CHECK(ws.head.header("Access-Control-Allow-Origin") == "https://app.example");
  CHECK(ws.head.headers.count("connection") == 1);
  CHECK(Lowercase(ws.head.header("Connection")) == "upgrade");
  CHECK(ws.head.headers.count("upgrade") == 1);
  CHECK_FALSE(ws.head.has_header("Content-Length"));
  REQUIRE(ws.SendText("{\"text\":\"hi\"}"));
  std::string reply;
  REQUIRE(ws.ReadText(&reply));
  CHECK(Str(Json(reply), "text") == "hi");
}

TEST_CASE("bidi: every message is echoed until the client half-closes", "[websocket][bidi]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v1/rooms/lobby:echo"));
  // The first message merges over the path: the path's room wins.
  REQUIRE(ws.SendText(R"({"room":"elsewhere","text":"one"})"));
  REQUIRE(ws.SendText(R"({"text":"two"})"));
  REQUIRE(ws.SendText(R"({"text":"three \u00e9"})"));
  std::vector<std::string> texts;
  for (int i = 0; i < 3; ++i) {
    std::string reply;
    REQUIRE(ws.ReadText(&reply));
    rapidjson::Document doc = Json(reply);
    texts.push_back(Str(doc, "text"));
    CHECK(Str(doc, "seq") == std::to_string(i));  // int64 as a string
    if (i == 0) CHECK(Str(doc, "room") == "lobby");
  }
  CHECK(texts == std::vector<std::string>{"one", "two", "three \xC3\xA9"});
  REQUIRE(ws.SendText(""));  // half-close
  WsClose close = ws.ReadClose();
  CHECK(close.code == 1000);
  CHECK(close.reason.empty());
  CHECK(close.eof);
  CHECK(server.service().events().WaitFor("echo:half-closed:lobby", 5s));
  CHECK(server.service().events().Count("echo:cancelled:lobby") == 0);
}

TEST_CASE("bidi: responses after the half-close still arrive", "[websocket][bidi]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v1/rooms/late:echo"));
  // Everything at once, half-close included, before reading anything.
  std::string bytes;
  for (int i = 0; i < 20; ++i) bytes += Frame(kOpText, "{\"text\":\"m" + std::to_string(i) + "\"}");
  bytes += Frame(kOpText, "");
  REQUIRE(ws.Send(bytes));
  WsClose close = ws.ReadClose();
  REQUIRE(close.texts.size() == 20);
  for (int i = 0; i < 20; ++i) CHECK(Str(Json(close.texts[i]), "text") == "m" + std::to_string(i));
  CHECK(close.code == 1000);
}

TEST_CASE("a failing call closes with 4000 + code and the status message", "[websocket][errors]") {
  TestServer server;
  struct Case {
    std::string name;
    std::string path;
    std::vector<std::string> messages;
    size_t responses;
    int code;
    std::string reason;
  };
  const std::string long_message(200, 'x');
  const std::vector<Case> cases = {
      {"bidi failing on its second message", "/v1/rooms/f:echo",
       {R"({"text":"ok"})", R"({"text":"not here","failCode":5})"}, 1, 4005, "not here"},
      {"server-streaming failing after one message", "/v1/watch/t?count=5&fail_after=1&fail_code=14&fail_message=try%20later",
       {}, 1, 4014, "try later"},
      // (The failure reaches the client once it writes again or half-closes.)
      {"client-streaming failing", "/v1/collect", {R"({"text":"a"})", R"({"text":"bad","failCode":3})", ""}, 0,
       4003, "bad"},
      {"a long reason is cut to 123 bytes", "/v1/rooms/f:echo", {"{\"text\":\"" + long_message + "\",\"failCode\":9}"},
       0, 4009, long_message.substr(0, 123)},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      WsClient ws(server.port());
      REQUIRE(ws.Open(c.path));
      for (const auto& m : c.messages) REQUIRE(ws.SendText(m));
      WsClose close = ws.ReadClose();
      // The responses, then the whole status as one last message.
      REQUIRE(close.texts.size() == c.responses + 1);
      auto error = Json(close.texts.back());
      REQUIRE(error.IsObject());
      REQUIRE(error.HasMember("error"));
      CHECK(error["error"]["code"].GetInt() == c.code - 4000);
      CHECK(std::string(error["error"]["message"].GetString()).substr(0, c.reason.size()) == c.reason);
      CHECK(error["error"]["details"].IsArray());
      CHECK(close.code == c.code);
      CHECK(close.reason == c.reason);
      CHECK(close.eof);
    }
  }
  SECTION("a reason is cut at a UTF-8 boundary") {
    // 100 two-byte characters: 123 bytes would split the 62nd.
    std::string euros;
    for (int i = 0; i < 100; ++i) euros += "\xC3\xA9";
    WsClient ws(server.port());
    REQUIRE(ws.Open("/v1/rooms/f:echo"));
    REQUIRE(ws.SendText("{\"text\":\"" + euros + "\",\"failCode\":9}"));
    WsClose close = ws.ReadClose();
    CHECK(close.code == 4009);
    CHECK(close.reason == euros.substr(0, 122));
  }
}

TEST_CASE("server-streaming bound without a body starts at once from the path and query",
          "[websocket][server-streaming]") {
  TestServer server;
  struct Case {
    std::string name;
    std::string path;
    std::vector<std::string> texts;  // of the events
  };
  const std::vector<Case> cases = {
      {"the query", "/v1/watch/b?count=2&text=q", {"q", "q"}},
      {"the path and query", "/v1/watch/c?count=1&text=e", {"e"}},
      {"a WebSocket-only binding", "/v1/ws-only/e?count=2", {"", ""}},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      WsClient ws(server.port());
      REQUIRE(ws.Open(c.path));
      // No client message: the events come on their own.
      WsClose close = ws.ReadClose();
      REQUIRE(close.texts.size() == c.texts.size());
      for (size_t i = 0; i < c.texts.size(); ++i) CHECK(Str(Json(close.texts[i]), "text") == c.texts[i]);
      CHECK(close.code == 1000);
    }
  }
}

TEST_CASE("server-streaming: later messages are refused with 1008 and cancel the call",
          "[websocket][server-streaming]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v1/watch/second?count=5&wait_for_signal=true"));
  std::string reply;
  REQUIRE(ws.ReadText(&reply));
  REQUIRE(server.service().events().WaitFor("watch:waiting:second:1", 5s));
  REQUIRE(ws.SendText(R"({"count":1})"));
  WsClose close = ws.ReadClose();
  CHECK(close.code == 1008);
  CHECK(server.service().events().WaitFor("watch:cancelled:second", 5s));
}

ServerConfig PostOnlyStreams();

TEST_CASE("server-streaming bound with a body: an invalid first message closes with 4003 before any call",
          "[websocket][server-streaming]") {
  TestServer server(PostOnlyStreams());
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v2/watch/bad"));
  REQUIRE(ws.SendText(R"({"count":"many"})"));
  WsClose close = ws.ReadClose();
  CHECK(close.code == 4003);
  CHECK_FALSE(close.reason.empty());
  CHECK(server.service().events().Count("watch:started:bad") == 0);
}

TEST_CASE("client-streaming: one response message, then 1000", "[websocket][client-streaming]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v1/collect"));
  REQUIRE(ws.SendText(R"({"text":"a","value":"1"})"));
  REQUIRE(ws.SendText(R"({"text":"b","value":2})"));
  REQUIRE(ws.SendText(R"({"text":"c","value":39})"));
  REQUIRE(server.service().events().WaitFor("collect:received:c", 5s));
  REQUIRE(ws.SendText(""));
  WsClose close = ws.ReadClose();
  REQUIRE(close.texts.size() == 1);
  rapidjson::Document doc = Json(close.texts[0]);
  CHECK(Str(doc, "text") == "abc");
  CHECK(Str(doc, "sum") == "42");
  CHECK(doc["count"].GetInt() == 3);
  CHECK(close.code == 1000);
}

// e2e.Svc's streaming methods bound the way bidi and client-streaming methods
// usually are, with POST only, under /v2; plus a path where the GET binding
// of another method (GetBook) claims what a POST streaming binding also
// matches, and a path two streaming methods share under other verbs.
ServerConfig PostOnlyStreams() {
  ServerConfig config;
  config.setup = [](grpcgw::HttpServer& http, grpc::Server& grpc_server) {
    auto channel = grpc_server.InProcessChannel(grpc::ChannelArguments());
    std::vector<grpcgw::MethodSpec> methods;
    for (grpcgw::MethodSpec& m : grpcgw::ServiceTraits<e2e::Svc>::Methods(channel)) {
      if (m.name == "Echo") {
        m.bindings = {{"POST", "/v2/rooms/{room}:echo", "*", ""},
                      {"POST", "/v2/claimed/{room}", "*", ""},
                      {"POST", "/v2/shared/{room}", "*", ""}};
      } else if (m.name == "Collect") {
        m.bindings = {{"POST", "/v2/collect", "*", ""}, {"PUT", "/v2/shared/{text}", "*", ""}};
      } else if (m.name == "Watch") {
        m.bindings = {{"POST", "/v2/watch/{topic}", "*", ""}};
      } else if (m.name == "GetBook") {
        m.bindings = {{"GET", "/v2/claimed/{name}", "", ""}};
      } else {
        continue;
      }
      methods.push_back(std::move(m));
    }
    grpcgw::GatewayBase gateway(channel, std::move(methods), grpcgw::GatewayOptions{});
    gateway.mount(http);
  };
  return config;
}

TEST_CASE("WebSocket upgrades reach streaming methods bound with POST", "[websocket][routing]") {
  TestServer server(PostOnlyStreams());
  SECTION("bidi") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/v2/rooms/lobby:echo"));
    REQUIRE(ws.SendText(R"({"text":"one"})"));
    std::string reply;
    REQUIRE(ws.ReadText(&reply));
    rapidjson::Document doc = Json(reply);
    CHECK(Str(doc, "text") == "one");
    CHECK(Str(doc, "room") == "lobby");
    REQUIRE(ws.SendText(""));
    WsClose close = ws.ReadClose();
    CHECK(close.code == 1000);
  }
  SECTION("client-streaming") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/v2/collect"));
    REQUIRE(ws.SendText(R"({"text":"a","value":40})"));
    REQUIRE(ws.SendText(R"({"text":"b","value":2})"));
    REQUIRE(ws.SendText(""));
    WsClose close = ws.ReadClose();
    REQUIRE(close.texts.size() == 1);
    CHECK(Str(Json(close.texts[0]), "sum") == "42");
    CHECK(close.code == 1000);
  }
  SECTION("server-streaming: the first message is the request body") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/v2/watch/t1"));
    REQUIRE(ws.SendText(R"({"count":2,"text":"w"})"));
    WsClose close = ws.ReadClose();
    REQUIRE(close.texts.size() == 2);
    CHECK(Str(Json(close.texts[1]), "topic") == "t1");
    CHECK(close.code == 1000);
  }
  SECTION("a GET binding of another method keeps its path") {
    WsClient ws(server.port());
    CHECK_FALSE(ws.Open("/v2/claimed/b7"));
    CHECK(ws.head.status == 200);  // GetBook answered; no upgrade
    std::string body;
    REQUIRE(ws.ReadRefusalBody(&body));
    CHECK(Str(Json(body), "name") == "b7");
    CHECK(server.service().events().WithPrefix("echo:").empty());
  }
  SECTION("two streaming methods on one path under other verbs: 405, nothing started") {
    WsClient ws(server.port());
    CHECK_FALSE(ws.Open("/v2/shared/x"));
    CHECK(ws.head.status == 405);
    CHECK(server.service().events().WithPrefix("echo:").empty());
    CHECK(server.service().events().WithPrefix("collect:").empty());
  }
  SECTION("a GET without an upgrade is still 405") {
    auto res = server.Client().Get("/v2/collect");
    REQUIRE(res);
    CHECK(res->status == 405);
    CHECK(res->get_header_value("Allow") == "POST");
  }
}

TEST_CASE("upgrade headers become metadata and a bad Grpc-Timeout is an HTTP error", "[websocket][metadata]") {
  TestServer server;
  SECTION("metadata") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/v1/rooms/md:echo", "Grpc-Metadata-Trace-Id: abc123\r\nAuthorization: Bearer t0k\r\n"));
    REQUIRE(ws.SendText("{}"));
    std::string reply;
    REQUIRE(ws.ReadText(&reply));
    auto md = server.service().LastMetadata("Echo");
    CHECK(HasMetadata(md, "trace-id", "abc123"));
    CHECK(HasMetadata(md, "authorization", "Bearer t0k"));
  }
  SECTION("a deadline ends the call with DEADLINE_EXCEEDED") {
    WsClient ws(server.port());
    REQUIRE(ws.Open("/v1/watch/dl?count=3&wait_for_signal=true", "Grpc-Timeout: 300m\r\n"));
    WsClose close = ws.ReadClose();
    REQUIRE(close.texts.size() == 2);  // one event, then the error
    CHECK(Json(close.texts[1])["error"]["code"].GetInt() == 4);
    CHECK(close.code == 4004);
  }
  SECTION("a malformed Grpc-Timeout") {
    WsClient ws(server.port());
    REQUIRE_FALSE(ws.Open("/v1/rooms/md:echo", "Grpc-Timeout: soon\r\n"));
    CHECK(ws.head.status == 400);
    std::string body;
    REQUIRE(ws.ReadRefusalBody(&body));
    CHECK(ParseErrorBody(body).code == 3);
  }
}

TEST_CASE("sessions beyond max_concurrent_streams get 503 before the upgrade", "[websocket][limits]") {
  ServerConfig config;
  config.gateway.max_concurrent_streams = 2;
  TestServer server(config);
  WsClient a(server.port()), b(server.port()), c(server.port());
  REQUIRE(a.Open("/v1/rooms/a:echo"));
  REQUIRE(b.Open("/v1/rooms/b:echo"));
  REQUIRE_FALSE(c.Open("/v1/rooms/c:echo"));
  CHECK(c.head.status == 503);
  std::string body;
  REQUIRE(c.ReadRefusalBody(&body));
  CHECK(ParseErrorBody(body).code == 14);
  // A slot frees when a session ends.
  REQUIRE(a.SendText(""));
  CHECK(a.ReadClose().code == 1000);
  REQUIRE(WaitUntil([&] { return server.http().open_connections() == 1; }, 5s));
  WsClient d(server.port());
  REQUIRE(d.Open("/v1/rooms/d:echo"));
  // A round trip, so that the call is running before the server stops.
  REQUIRE(d.SendText("{}"));
  std::string reply;
  CHECK(d.ReadText(&reply));
}

TEST_CASE("the client going away cancels the call", "[websocket][lifecycle]") {
  TestServer server;
  struct Case {
    std::string name;
    bool reset;
  };
  for (const Case& c : {Case{"FIN", false}, Case{"RST", true}}) {
    DYNAMIC_SECTION("closed with " << c.name) {
      {
        WsClient ws(server.port());
        REQUIRE(ws.Open("/v1/rooms/gone:echo"));
        REQUIRE(ws.SendText("{}"));
        std::string reply;
        REQUIRE(ws.ReadText(&reply));
        ws.conn().Close(c.reset);
      }
      CHECK(server.service().events().WaitFor("echo:cancelled:gone", 5s));
      CHECK(server.service().events().WaitFor("echo:done:gone", 5s));
      CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
    }
  }
  SECTION("a server-streaming call waiting for its service") {
    {
      WsClient ws(server.port());
      REQUIRE(ws.Open("/v1/watch/w?count=3&wait_for_signal=true"));
      std::string reply;
      REQUIRE(ws.ReadText(&reply));
      REQUIRE(server.service().events().WaitFor("watch:waiting:w:1", 5s));
    }
    CHECK(server.service().events().WaitFor("watch:cancelled:w", 5s));
    CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
  }
}

TEST_CASE("stopping the server ends open sessions and cancels their calls", "[websocket][lifecycle]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v1/rooms/stop:echo"));
  REQUIRE(ws.SendText("{}"));
  std::string reply;
  REQUIRE(ws.ReadText(&reply));
  auto start = std::chrono::steady_clock::now();
  server.Stop();
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  CHECK(server.service().events().WaitFor("echo:cancelled:stop", 5s));
  bool closed = false;
  ws.conn().ReadToClose(5s, &closed);
  CHECK(closed);
}

// Fills the client's side without reading; returns the bytes sent before
// the connection stopped taking more for `stall`.
size_t SendUntilStalled(WsClient& ws, const std::string& frame, std::chrono::milliseconds stall,
                        std::chrono::milliseconds limit) {
  int fd = ws.conn().fd();
  size_t sent = 0;
  auto last_progress = std::chrono::steady_clock::now();
  auto end = last_progress + limit;
  size_t offset = 0;
  while (std::chrono::steady_clock::now() < end) {
    ssize_t n = ::send(fd, frame.data() + offset, frame.size() - offset, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      offset = (offset + static_cast<size_t>(n)) % frame.size();
      last_progress = std::chrono::steady_clock::now();
      continue;
    }
    if (std::chrono::steady_clock::now() - last_progress >= stall) break;
    std::this_thread::sleep_for(5ms);
  }
  return sent;
}

TEST_CASE("backpressure: a client that stops reading stops the service, not the gateway's memory",
          "[websocket][backpressure]") {
  TestServer server(PostOnlyStreams());  // the request (with its large text) is the first message
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v2/watch/flood"));
  // 2000 events of 64 KiB: about 128 MiB if the gateway buffered them.
  const std::string text(64 * 1024, 'w');
  REQUIRE(ws.SendText("{\"count\":2000,\"text\":\"" + text + "\"}"));
  auto sent = [&] { return server.service().events().WithPrefix("watch:sent:flood:").size(); };
  // Nothing is read: the service is held up once the socket, the bounded
  // response queue and gRPC's window are full.
  size_t stalled_at = 0;
  auto give_up = std::chrono::steady_clock::now() + 20s;
  for (size_t before = 0; std::chrono::steady_clock::now() < give_up; before = stalled_at) {
    std::this_thread::sleep_for(300ms);
    stalled_at = sent();
    if (stalled_at > 0 && stalled_at == before) break;
  }
  INFO("the service sent " << stalled_at << " events before the client read any");
  CHECK(stalled_at > 0);
  CHECK(stalled_at < 500);
  std::this_thread::sleep_for(500ms);
  CHECK(sent() == stalled_at);
  // Reading lets everything through, in order (responses are sent by the
  // gRPC thread that read them while the socket takes them, by the loop
  // once it does not).
  size_t got = 0;
  size_t out_of_order = 0;
  std::string reply;
  while (ws.ReadText(&reply, 10s)) {
    if (reply.size() < text.size()) break;
    // int64 prints as a JSON string; seq 0 is left out.
    size_t at = reply.find("\"seq\":\"");
    size_t seq = at == std::string::npos ? 0 : std::stoul(reply.substr(at + 7));
    if (seq != got) ++out_of_order;
    ++got;
  }
  CHECK(got == 2000);
  CHECK(out_of_order == 0);
}

TEST_CASE("backpressure: a service that stops reading stops the gateway reading the client",
          "[websocket][backpressure]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v1/rooms/slow:echo"));
  // Echo answers each message before reading the next; the client reads
  // nothing, so the service stops reading, and then so must the gateway.
  const std::string frame = Frame(kOpText, "{\"text\":\"" + std::string(16 * 1024, 'c') + "\"}");
  size_t sent = SendUntilStalled(ws, frame, 1s, 30s);
  size_t sent_messages = sent / frame.size();
  size_t received = server.service().events().WithPrefix("echo:received:slow:").size();
  INFO("client sent " << sent_messages << " messages, the service received " << received);
  CHECK(sent_messages < 20000);  // the client was stopped, not the 30 s limit
  CHECK(received < sent_messages);
}

TEST_CASE("backpressure: a burst over the request queue resumes as the service takes it, with no response to wake it",
          "[websocket][backpressure][client-streaming]") {
  // 2000 messages in one write fill the call's bounded request queue at
  // once, so the session stops reading; in a client-streaming call no
  // response comes until the end, so only the queue draining may resume it.
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open("/v1/collect"));
  constexpr int kMessages = 2000;
  std::string burst;
  for (int i = 0; i < kMessages; ++i) burst += Frame(kOpText, R"({"text":"x","value":1})");
  REQUIRE(ws.conn().Send(burst));
  REQUIRE(ws.SendText(""));
  WsClose close = ws.ReadClose(10s);
  REQUIRE(close.texts.size() == 1);
  rapidjson::Document doc = Json(close.texts[0]);
  CHECK(doc["count"].GetInt() == kMessages);
  CHECK(Str(doc, "sum") == std::to_string(kMessages));
  CHECK(close.code == 1000);
}

}  // namespace
}  // namespace e2e_test
