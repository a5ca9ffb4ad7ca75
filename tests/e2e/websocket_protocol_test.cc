// The WebSocket transport against a hostile client, in the spirit of the
// Autobahn test suite: raw frames on a raw socket, each violation answered
// with the exact close code RFC 6455 (and DESIGN.md section 4) asks for,
// followed by the server closing the connection; and the valid but unusual
// (fragments cut anywhere, control frames between fragments, every close
// code) accepted.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "test_server.h"
#include "test_util.h"
#include "websocket_test_util.h"

namespace e2e_test {
namespace {

constexpr char kEchoPath[] = "/v1/rooms/r:echo";

std::string TextOf(const std::string& json) {
  rapidjson::Document doc = ParseJson(json);
  if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("text") || !doc["text"].IsString()) return "<bad>";
  return doc["text"].GetString();
}

std::string EchoRequest(const std::string& text) { return "{\"text\":\"" + text + "\"}"; }

RawFrame MakeFrame(uint8_t opcode, std::string payload, bool fin = true) {
  RawFrame f;
  f.opcode = opcode;
  f.payload = std::move(payload);
  f.fin = fin;
  return f;
}

struct Violation {
  std::string name;
  std::string bytes;  // sent after the handshake
  int code;           // the close code expected
};

std::vector<Violation> Violations() {
  std::vector<Violation> v;
  auto add = [&](std::string name, std::string bytes, int code) { v.push_back({std::move(name), std::move(bytes), code}); };

  // Framing (section 5.2).
  {
    RawFrame f = MakeFrame(kOpText, "{}");
    f.masked = false;
    add("unmasked text frame", f.Encode(), 1002);
    RawFrame p = MakeFrame(kOpPing, "x");
    p.masked = false;
    add("unmasked ping", p.Encode(), 1002);
  }
  for (uint8_t rsv : {4, 2, 1, 7}) {
    RawFrame f = MakeFrame(kOpText, "{}");
    f.rsv = rsv;
    add("RSV bits " + std::to_string(rsv) + " on a text frame", f.Encode(), 1002);
  }
  {
    RawFrame f = MakeFrame(kOpPing, "");
    f.rsv = 4;
    add("RSV1 on a ping", f.Encode(), 1002);
  }
  for (uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    add("reserved opcode " + std::to_string(op), Frame(op, "{}"), 1002);
  }
  {
    RawFrame f = MakeFrame(kOpText, "{}");
    f.long_length = true;
    add("length not minimally encoded", f.Encode(), 1002);
    // 127 with the most significant bit of the 64-bit length set.
    std::string top_bit = "\x81\xFF";
    top_bit += std::string("\x80\x00\x00\x00\x00\x00\x00\x02", 8);
    top_bit += "\x01\x02\x03\x04";
    add("64-bit length with the top bit set", top_bit, 1002);
  }

  // Control frames (section 5.5).
  add("ping with 126 bytes of payload", Frame(kOpPing, std::string(126, 'p')), 1002);
  add("fragmented ping", Frame(kOpPing, "p", /*fin=*/false), 1002);
  add("fragmented close", Frame(kOpClose, ClosePayload(1000), /*fin=*/false), 1002);

  // Fragmentation (section 5.4).
  add("continuation without a message", Frame(kOpContinuation, "{}"), 1002);
  add("text frame inside a fragmented message", Frame(kOpText, "{", false) + Frame(kOpText, "}"), 1002);
  add("binary frame inside a fragmented text", Frame(kOpText, "{", false) + Frame(kOpBinary, "}"), 1002);

  // UTF-8 (section 8.1).
  add("invalid byte in a text frame", Frame(kOpText, "{\"text\":\"\xFF\"}"), 1007);
  add("UTF-16 surrogate", Frame(kOpText, "{\"text\":\"\xED\xA0\x80\"}"), 1007);
  add("overlong encoding", Frame(kOpText, "{\"text\":\"\xC0\xAF\"}"), 1007);
  add("code point above U+10FFFF", Frame(kOpText, "{\"text\":\"\xF4\x90\x80\x80\"}"), 1007);
  add("text ending inside a code point", Frame(kOpText, "{\"text\":\"\xE2\x82"), 1007);
  add("invalid sequence split across fragments",
      Frame(kOpText, "{\"text\":\"\xCE", false) + Frame(kOpContinuation, "\x28\"}"), 1007);
  add("fragmented text ending inside a code point",
      Frame(kOpText, "{\"text\":\"", false) + Frame(kOpContinuation, "\xF0\x9F\x98"), 1007);

  // Close frames (sections 5.5.1, 7.4).
  add("close payload of one byte", Frame(kOpClose, "\x03"), 1002);
  for (int code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    add("close code " + std::to_string(code), Frame(kOpClose, ClosePayload(static_cast<uint16_t>(code))), 1002);
  }
  add("close reason not UTF-8", Frame(kOpClose, ClosePayload(1000, "\xFF\xFE")), 1007);

  // The gateway's own rules (DESIGN.md section 4).
  add("binary message on a method without websocket_binary", Frame(kOpBinary, "{}"), 1003);
  add("invalid JSON", Frame(kOpText, "{\"text\":"), 4003);
  add("JSON that is not an object", Frame(kOpText, "[1,2]"), 4003);
  add("JSON of the wrong type for a field", Frame(kOpText, "{\"seq\":{}}"), 4003);
  return v;
}

TEST_CASE("protocol violations close the session with the exact code, then the connection",
          "[websocket][protocol]") {
  TestServer server;
  for (const Violation& c : Violations()) {
    DYNAMIC_SECTION(c.name) {
      WsClient ws(server.port());
      REQUIRE(ws.Open(kEchoPath));
      REQUIRE(ws.Send(c.bytes));
      WsClose close = ws.ReadClose();
      CHECK_FALSE(ws.malformed());
      CHECK(close.received);
      CHECK(close.code == c.code);
      CHECK(close.eof);
      if (c.code >= 4000) {
        // A gateway error (4000 + code): the whole status as one message first.
        REQUIRE(close.texts.size() == 1);
        rapidjson::Document error = ParseJson(close.texts[0]);
        REQUIRE(error.IsObject());
        REQUIRE(error.HasMember("error"));
        CHECK(error["error"]["code"].GetInt() == c.code - 4000);
      } else {
        CHECK(close.texts.empty());
      }
    }
  }
}

TEST_CASE("a violation after valid traffic still gets its code", "[websocket][protocol]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open(kEchoPath));
  REQUIRE(ws.SendText(EchoRequest("one")));
  std::string reply;
  REQUIRE(ws.ReadText(&reply));
  CHECK(TextOf(reply) == "one");
  RawFrame f = MakeFrame(kOpText, EchoRequest("two"));
  f.rsv = 2;
  REQUIRE(ws.SendFrame(f));
  WsClose close = ws.ReadClose();
  CHECK(close.code == 1002);
  CHECK(close.eof);
  // The call the session carried is cancelled.
  CHECK(server.service().events().WaitFor("echo:cancelled:r", 5s));
}

TEST_CASE("fragmented messages are reassembled, with control frames between fragments",
          "[websocket][protocol]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open(kEchoPath));
  std::string bytes = Frame(kOpText, "{\"text\":\"he", false) + Frame(kOpPing, "p1") +
                      Frame(kOpContinuation, "", false) + Frame(kOpContinuation, "ll", false) +
                      Frame(kOpPong, "unsolicited") + Frame(kOpContinuation, "o\"}");
  REQUIRE(ws.Send(bytes));
  // The pong for the ping comes first: it was answered mid-message.
  WsFrame f;
  REQUIRE(ws.ReadFrame(&f));
  CHECK(f.opcode == kOpPong);
  CHECK(f.payload == "p1");
  std::string reply;
  REQUIRE(ws.ReadText(&reply));
  CHECK(TextOf(reply) == "hello");

  SECTION("and the session goes on") {
    REQUIRE(ws.SendText(EchoRequest("again")));
    REQUIRE(ws.ReadText(&reply));
    CHECK(TextOf(reply) == "again");
    REQUIRE(ws.SendText(""));
    WsClose close = ws.ReadClose();
    CHECK(close.code == 1000);
  }
}

TEST_CASE("valid UTF-8 is accepted wherever the fragments split it", "[websocket][protocol][utf8]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open(kEchoPath));
  // 2-, 3- and 4-byte sequences, and a noncharacter (valid UTF-8).
  const std::string text = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5 \xE2\x82\xAC\xF0\x9D\x84\x9E\xEF\xBF\xBF";
  const std::string message = EchoRequest(text);
  for (size_t split = 1; split < message.size(); ++split) {
    INFO("split at byte " << split);
    REQUIRE(ws.Send(Frame(kOpText, message.substr(0, split), false) + Frame(kOpContinuation, message.substr(split))));
    std::string reply;
    REQUIRE(ws.ReadText(&reply));
    CHECK(TextOf(reply) == text);
  }
  // One byte per fragment.
  std::string bytes = Frame(kOpText, message.substr(0, 1), false);
  for (size_t i = 1; i + 1 < message.size(); ++i) bytes += Frame(kOpContinuation, message.substr(i, 1), false);
  bytes += Frame(kOpContinuation, message.substr(message.size() - 1));
  REQUIRE(ws.Send(bytes));
  std::string reply;
  REQUIRE(ws.ReadText(&reply));
  CHECK(TextOf(reply) == text);
}

TEST_CASE("invalid UTF-8 is refused with 1007 wherever the fragments split it", "[websocket][protocol][utf8]") {
  TestServer server;
  struct Case {
    std::string name;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"surrogate after valid text", "{\"text\":\"\xCE\xBA\xE1\xBD\xB9\xED\xA0\x80\"}"},
      {"truncated 4-byte sequence at the end", "{\"text\":\"ab\xF0\x9D\x84"},
      {"lone continuation byte", "{\"text\":\"ab\x80" "cd\"}"},
  };
  for (const Case& c : cases) {
    for (size_t split = 1; split < c.message.size(); ++split) {
      DYNAMIC_SECTION(c.name << ", split at byte " << split) {
        WsClient ws(server.port());
        REQUIRE(ws.Open(kEchoPath));
        REQUIRE(ws.Send(Frame(kOpText, c.message.substr(0, split), false) +
                        Frame(kOpContinuation, c.message.substr(split))));
        WsClose close = ws.ReadClose();
        CHECK(close.code == 1007);
        CHECK(close.eof);
      }
    }
  }
}

TEST_CASE("pings are answered with their payload", "[websocket][protocol][ping]") {
  TestServer server;
  WsClient ws(server.port());
  REQUIRE(ws.Open(kEchoPath));
  const std::vector<std::string> payloads = {"", "abc", std::string(125, 'z'), std::string("\x00\xFF\x01", 3)};
  for (const std::string& p : payloads) {
    INFO("payload of " << p.size() << " bytes");
    REQUIRE(ws.Send(Frame(kOpPing, p)));
    WsFrame f;
    REQUIRE(ws.ReadFrame(&f));
    CHECK(f.opcode == kOpPong);
    CHECK(f.payload == p);
  }
  REQUIRE(ws.SendText(EchoRequest("still open")));
  std::string reply;
  REQUIRE(ws.ReadText(&reply));
  CHECK(TextOf(reply) == "still open");
}

TEST_CASE("a close from the client is answered with its code and ends the call", "[websocket][protocol][close]") {
  TestServer server;
  for (int code : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
    DYNAMIC_SECTION("close code " << code) {
      server.service().events().Clear();
      WsClient ws(server.port());
      REQUIRE(ws.Open("/v1/rooms/c:echo"));
      REQUIRE(ws.SendText("{}"));  // the call is running
      std::string reply;
      REQUIRE(ws.ReadText(&reply));
      REQUIRE(ws.SendClose(static_cast<uint16_t>(code), "bye \xE2\x82\xAC"));
      ws.answer_close = false;
      WsClose close = ws.ReadClose();
      CHECK(close.code == code);
      CHECK(close.eof);
      CHECK(server.service().events().WaitFor("echo:cancelled:c", 5s));
    }
  }
  SECTION("a close without a code is answered without one") {
    WsClient ws(server.port());
    REQUIRE(ws.Open(kEchoPath));
    REQUIRE(ws.Send(Frame(kOpClose, "")));
    ws.answer_close = false;
    WsClose close = ws.ReadClose();
    CHECK(close.received);
    CHECK(close.code == 0);
    CHECK(close.eof);
  }
  SECTION("data after the client's close is ignored") {
    WsClient ws(server.port());
    REQUIRE(ws.Open(kEchoPath));
    REQUIRE(ws.Send(Frame(kOpClose, ClosePayload(1000)) + Frame(kOpText, "{\"text\":\"late\"}")));
    ws.answer_close = false;
    WsClose close = ws.ReadClose();
    CHECK(close.code == 1000);
    CHECK(close.texts.empty());
  }
}

TEST_CASE("the server pings idle peers and drops those that do not answer", "[websocket][protocol][ping]") {
  ServerConfig config;
  config.gateway.websocket.ping_interval = std::chrono::milliseconds(200);
  TestServer server(config);

  SECTION("a peer that answers stays connected") {
    WsClient ws(server.port());
    REQUIRE(ws.Open(kEchoPath));
    std::string reply;
    // Nothing to read but pings for a while; ReadText answers them.
    auto until = std::chrono::steady_clock::now() + 1200ms;
    while (std::chrono::steady_clock::now() < until) {
      CHECK_FALSE(ws.ReadText(&reply, 100ms));
      REQUIRE_FALSE(ws.conn().closed());
    }
    CHECK(ws.pings_received() >= 3);
    REQUIRE(ws.SendText(EchoRequest("alive")));
    REQUIRE(ws.ReadText(&reply));
    CHECK(TextOf(reply) == "alive");
  }
  SECTION("a peer that stops answering is closed with 1011") {
    WsClient ws(server.port());
    REQUIRE(ws.Open(kEchoPath));
    REQUIRE(ws.SendText("{}"));
    ws.answer_pings = false;
    auto start = std::chrono::steady_clock::now();
    WsClose close = ws.ReadClose(5s);
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(ws.pings_received() >= 1);
    CHECK(close.code == 1011);
    CHECK(close.eof);
    CHECK(took < 2s);
    CHECK(server.service().events().WaitFor("echo:cancelled:r", 5s));
  }
}

TEST_CASE("messages above max_message_bytes are refused with 1009", "[websocket][protocol][limits]") {
  ServerConfig config;
  config.gateway.max_message_bytes = 1000;
  TestServer server(config);
  const std::string prefix = "{\"text\":\"";
  const std::string suffix = "\"}";
  auto message_of = [&](size_t size) { return prefix + std::string(size - prefix.size() - suffix.size(), 'x') + suffix; };

  SECTION("exactly at the limit is accepted, one fragment or many") {
    WsClient ws(server.port());
    REQUIRE(ws.Open(kEchoPath));
    std::string m = message_of(1000);
    REQUIRE(ws.SendText(m));
    std::string reply;
    REQUIRE(ws.ReadText(&reply));
    CHECK(TextOf(reply).size() == 1000 - prefix.size() - suffix.size());
    REQUIRE(ws.Send(Frame(kOpText, m.substr(0, 500), false) + Frame(kOpContinuation, m.substr(500))));
    REQUIRE(ws.ReadText(&reply));
    CHECK(TextOf(reply).size() == 1000 - prefix.size() - suffix.size());
  }
  struct Case {
    std::string name;
    std::string bytes;
  };
  std::string over = message_of(1001);
  std::string huge_header = "\x81\xFF";
  huge_header += std::string("\x00\x00\x01\x00\x00\x00\x00\x00", 8);  // 2^40 bytes announced
  huge_header += "\x01\x02\x03\x04";
  const std::vector<Case> cases = {
      {"one byte over in one frame", Frame(kOpText, over)},
      {"one byte over across fragments", Frame(kOpText, over.substr(0, 600), false) + Frame(kOpContinuation, over.substr(600))},
      {"a frame announcing 2^40 bytes", huge_header},
      {"a binary frame over the limit", Frame(kOpBinary, std::string(1001, 'b'))},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      WsClient ws(server.port());
      REQUIRE(ws.Open(kEchoPath));
      REQUIRE(ws.Send(c.bytes));
      WsClose close = ws.ReadClose();
      CHECK(close.code == 1009);
      CHECK(close.eof);
    }
  }
}

}  // namespace
}  // namespace e2e_test
