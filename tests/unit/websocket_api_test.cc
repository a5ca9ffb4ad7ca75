// The usage shown in the websocket headers, as a server session would write
// it: decode what the client sent, answer pings, close on a violation.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "unit/websocket_test_util.h"
#include "websocket/frame.h"
#include "websocket/handshake.h"
#include "websocket/message_reader.h"

namespace grpcgw::internal {
namespace {

using testing::ClientFrame;

// A toy session: echoes text messages, answers pings, refuses binary with
// 1003, replies to a close, and closes with the reader's code on failure.
class EchoSession {
 public:
  // Returns the bytes to write back.
  std::string OnBytes(std::string_view bytes) {
    std::string out;
    if (closed_) return out;
    reader_.Consume(bytes);
    Message message;
    while (!closed_ && reader_.Next(&message)) {
      switch (message.type) {
        case Opcode::kText:
          AppendFrame(&out, Opcode::kText, message.data);
          break;
        case Opcode::kBinary:
          out += EncodeClose(kCloseUnsupportedData, "binary messages are not supported");
          closed_ = true;
          break;
        case Opcode::kPing:
          AppendFrame(&out, Opcode::kPong, message.data);
          break;
        case Opcode::kPong:
          break;
        case Opcode::kClose:
          out += EncodeClose(kCloseNormal);
          closed_ = true;
          break;
        default:
          break;
      }
    }
    if (!closed_ && reader_.failed()) {
      out += EncodeClose(reader_.status().close_code, reader_.status().message);
      closed_ = true;
    }
    return out;
  }

 private:
  MessageReader reader_;
  bool closed_ = false;
};

std::vector<std::string> ClientView(const std::string& server_bytes) {
  MessageReader::Options options;
  options.role = Role::kClient;
  MessageReader client(options);
  REQUIRE(client.Consume(server_bytes));
  std::vector<std::string> seen;
  Message m;
  while (client.Next(&m)) {
    if (m.type == Opcode::kClose) {
      seen.push_back("close " + std::to_string(m.close_code) + " " + m.data);
    } else {
      seen.push_back((m.type == Opcode::kPong ? "pong " : "text ") + m.data);
    }
  }
  return seen;
}

TEST_CASE("api example: a session echoes, answers pings and closes on violations", "[websocket][api]") {
  SECTION("clean exchange") {
    EchoSession session;
    std::string out = session.OnBytes(ClientFrame(Opcode::kText, "{\"a\":", false) +
                                      ClientFrame(Opcode::kPing, "hb"));
    out += session.OnBytes(ClientFrame(Opcode::kContinuation, "1}"));
    out += session.OnBytes(ClientFrame(Opcode::kClose, "\x03\xE8"));
    CHECK(ClientView(out) == std::vector<std::string>{"pong hb", "text {\"a\":1}", "close 1000 "});
  }
  SECTION("invalid UTF-8 closes with 1007 after earlier messages are answered") {
    EchoSession session;
    std::string out = session.OnBytes(ClientFrame(Opcode::kText, "ok") +
                                      ClientFrame(Opcode::kText, "\xC0\xAF"));
    CHECK(ClientView(out) ==
          std::vector<std::string>{"text ok", "close 1007 text message is not valid UTF-8"});
    CHECK(session.OnBytes(ClientFrame(Opcode::kText, "late")).empty());
  }
  SECTION("binary is refused by the session, not the reader") {
    EchoSession session;
    CHECK(ClientView(session.OnBytes(ClientFrame(Opcode::kBinary, "\x01"))) ==
          std::vector<std::string>{"close 1003 binary messages are not supported"});
  }
}

TEST_CASE("api example: handshake then frames", "[websocket][api]") {
  HeaderLookup headers = [](std::string_view name) -> std::optional<std::string> {
    if (name == "Host") return "localhost:8080";
    if (name == "Upgrade") return "websocket";
    if (name == "Connection") return "Upgrade";
    if (name == "Sec-WebSocket-Version") return "13";
    if (name == "Sec-WebSocket-Key") return "dGhlIHNhbXBsZSBub25jZQ==";
    if (name == "Origin") return "http://localhost:8080";
    return std::nullopt;
  };
  REQUIRE(IsUpgradeRequest(headers));
  HandshakeResult result = CheckHandshake("GET", "HTTP/1.1", headers, HandshakeOptions());
  REQUIRE(result.ok());
  const std::string response = BuildHandshakeResponse(result);
  CHECK(response.rfind("HTTP/1.1 101 Switching Protocols\r\n", 0) == 0);
  CHECK(response.find("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n") != std::string::npos);
  CHECK(response.size() >= 4);
  CHECK(response.substr(response.size() - 4) == "\r\n\r\n");
}

}  // namespace
}  // namespace grpcgw::internal
