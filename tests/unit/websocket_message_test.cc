// Message assembly: fragmentation, control frames between fragments, UTF-8
// across fragments, close payloads and size limits, every input run over
// many chunkings.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "unit/websocket_test_util.h"
#include "websocket/frame.h"
#include "websocket/message_reader.h"

namespace grpcgw::internal {
namespace {

using std::string_literals::operator""s;
using testing::Chunking;
using testing::Chunkings;
using testing::ClientFrame;
using testing::Filler;
using testing::RawFrame;

std::string Text(std::string_view payload, bool fin = true) {
  return ClientFrame(Opcode::kText, payload, fin);
}
std::string Binary(std::string_view payload, bool fin = true) {
  return ClientFrame(Opcode::kBinary, payload, fin);
}
std::string Cont(std::string_view payload, bool fin = true) {
  return ClientFrame(Opcode::kContinuation, payload, fin);
}
std::string Ping(std::string_view payload) { return ClientFrame(Opcode::kPing, payload); }
std::string Pong(std::string_view payload) { return ClientFrame(Opcode::kPong, payload); }
std::string Close(std::string_view payload) { return ClientFrame(Opcode::kClose, payload); }
std::string CodeBytes(uint16_t code) {
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
}

// A message as a short string, so that expected sequences read as a table.
std::string Describe(const Message& m) {
  switch (m.type) {
    case Opcode::kText: return "text:" + m.data;
    case Opcode::kBinary: return "binary:" + m.data;
    case Opcode::kPing: return "ping:" + m.data;
    case Opcode::kPong: return "pong:" + m.data;
    case Opcode::kClose: return "close:" + std::to_string(m.close_code) + ":" + m.data;
    default: return "unexpected opcode";
  }
}

struct Outcome {
  std::vector<std::string> messages;
  uint16_t close_code = 0;  // 0: no failure
};

Outcome Read(const Chunking& chunking, MessageReader::Options options) {
  MessageReader reader(options);
  Outcome out;
  for (std::string_view piece : chunking.pieces) {
    if (!reader.Consume(piece)) break;
  }
  Message m;
  while (reader.Next(&m)) out.messages.push_back(Describe(m));
  out.close_code = reader.status().close_code;
  if (reader.failed()) CHECK_FALSE(reader.status().message.empty());
  return out;
}

struct Row {
  std::string name;
  std::string wire;
  std::vector<std::string> messages;  // expected, in order
  uint16_t close_code = 0;            // expected failure, 0 for none
  uint64_t max_message_size = uint64_t{4} << 20;
};

void RunRows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      MessageReader::Options options;
      options.max_message_size = row.max_message_size;
      for (const Chunking& chunking : Chunkings(row.wire)) {
        INFO(chunking.name);
        Outcome out = Read(chunking, options);
        CHECK(out.messages == row.messages);
        CHECK(out.close_code == row.close_code);
      }
    }
  }
}

TEST_CASE("message reader assembles messages and control frames", "[websocket][message]") {
  const std::string big = Filler(100 * 1024);
  std::string big_wire;
  for (size_t at = 0; at < big.size(); at += 16 * 1024) {
    const std::string_view piece = std::string_view(big).substr(at, 16 * 1024);
    big_wire += at == 0 ? Text(piece, false) : Cont(piece, at + 16 * 1024 >= big.size());
    if (at == 32 * 1024) big_wire += Ping("mid");
  }
  RunRows({
      {"single text frame", Text("hello"), {"text:hello"}},
      {"single binary frame", Binary("\x00\xFF\xFE"s), {"binary:\x00\xFF\xFE"s}},
      {"binary data need not be UTF-8", Binary("\xC0\x80"), {"binary:\xC0\x80"}},
      {"empty text message", Text(""), {"text:"}},
      {"two messages back to back", Text("a") + Text("b"), {"text:a", "text:b"}},
      {"fragmented text with interleaved ping and pong",
       Text("Hel", false) + Ping("1") + Cont("lo, ", false) + Pong("") + Cont("world"),
       {"ping:1", "pong:", "text:Hello, world"}},
      {"fragmented binary", Binary("ab", false) + Cont("cd", false) + Cont("ef"), {"binary:abcdef"}},
      {"empty fragments", Text("", false) + Cont("", false) + Cont("a", false) + Cont(""), {"text:a"}},
      {"3-byte character split across fragments",
       Text("\xE2", false) + Cont("\x82", false) + Cont("\xAC"), {"text:\xE2\x82\xAC"}},
      {"4-byte character split across fragments with a ping between",
       Text("x\xF0\x9F", false) + Ping("") + Cont("\x98\x80y"), {"ping:", "text:x\xF0\x9F\x98\x80y"}},
      {"ping with 125 bytes", Ping(Filler(125)), {"ping:" + Filler(125)}},
      {"close with code and reason", Close(CodeBytes(1000) + "bye"), {"close:1000:bye"}},
      {"close without payload", Close(""), {"close:1005:"}},
      {"close with a private code", Close(CodeBytes(4003) + "\xC3\xA9"), {"close:4003:\xC3\xA9"}},
      {"bytes after close are ignored",
       Text("last") + Close(CodeBytes(1001)) + RawFrame(0x81, "\x01", "x", false) + "garbage",
       {"text:last", "close:1001:"}},
      {"100 KiB in 16 KiB fragments with a ping", big_wire, {"ping:mid", "text:" + big}},
      {"message exactly at the limit", Text("1234", false) + Cont("56"), {"text:123456"}, 0, 6},
  });
}

// A violation, and how many bytes of input make it detectable.
struct ViolationRow {
  std::string name;
  std::string before;  // valid input ahead of the violation
  std::string bad;     // the offending input
  size_t fail_after;   // bytes of `bad` after which the reader has failed
  uint16_t close_code;
  std::vector<std::string> messages;  // delivered before the failure
  uint64_t max_message_size = uint64_t{4} << 20;
};

constexpr size_t kSmallHeader = 6;  // 2 bytes + mask, payload up to 125

std::vector<ViolationRow> ViolationRows() {
  return {
      {"continuation without a message", "", Cont("x"), kSmallHeader, 1002, {}},
      {"continuation after a finished message", Text("a"), Cont("x"), kSmallHeader, 1002, {"text:a"}},
      {"text frame inside a fragmented text", Text("a", false), Text("b"), kSmallHeader, 1002, {}},
      {"binary frame inside a fragmented text", Text("a", false) + Ping("p"), Binary("b"),
       kSmallHeader, 1002, {"ping:p"}},
      {"unmasked frame", Text("a"), RawFrame(0x81, "\x01", "x", false), 2, 1002, {"text:a"}},
      {"fragmented ping", "", RawFrame(0x09, "\x00"s, ""), 2, 1002, {}},
      {"ping longer than 125 bytes", "", RawFrame(0x89, "\x7E\x00\x7E"s, Filler(126)), 2, 1002, {}},
      {"reserved opcode inside a fragmented message", Text("a", false), RawFrame(0x83, "\x00"s, ""),
       2, 1002, {}},

      {"invalid byte in a single frame", "", Text("ab\xFF" "cd"), kSmallHeader + 3, 1007, {}},
      {"invalid byte in the second fragment", Text("ok ", false) + Ping("p"),
       Cont("still \xC0\x80", false), kSmallHeader + 7, 1007, {"ping:p"}},
      {"invalid byte early in a long frame", "", Text("0123456789\xFE" + Filler(1000)),
       8 + 11, 1007, {}},
      {"surrogate split across fragments", Text("\xED", false), Cont("\xA0\x80"), kSmallHeader + 1,
       1007, {}},
      {"overlong split across fragments", Text("\xE0", false), Cont("\x80\x80"), kSmallHeader + 1,
       1007, {}},
      {"above U+10FFFF split across fragments", Text("\xF4", false), Cont("\x90\x80\x80"),
       kSmallHeader + 1, 1007, {}},
      {"text ends inside a code point", "", Text("ab\xE2\x82"), kSmallHeader + 4, 1007, {}},
      {"last fragment empty, code point unfinished", Text("\xF0\x9F\x98", false), Cont(""),
       kSmallHeader, 1007, {}},

      {"single frame above the message limit", "", Text(Filler(101)), 2, 1009, {}, 100},
      {"fragments add up above the limit", Text(Filler(60), false), Cont(Filler(41)),
       kSmallHeader, 1009, {}, 100},
      {"limit counts across a ping", Text(Filler(60), false) + Ping("p"), Cont(Filler(41)),
       kSmallHeader, 1009, {"ping:p"}, 100},

      {"close with a 1-byte payload", "", Close("\x03"), kSmallHeader + 1, 1002, {}},
      {"close code 1005", "", Close(CodeBytes(1005)), kSmallHeader + 2, 1002, {}},
      {"close code 999", "", Close(CodeBytes(999)), kSmallHeader + 2, 1002, {}},
      {"close code 1015", "", Close(CodeBytes(1015)), kSmallHeader + 2, 1002, {}},
      {"close code 2999", "", Close(CodeBytes(2999)), kSmallHeader + 2, 1002, {}},
      {"close code 5000", "", Close(CodeBytes(5000)), kSmallHeader + 2, 1002, {}},
      {"close reason not UTF-8", Text("a"), Close(CodeBytes(1000) + "\xFF"), kSmallHeader + 3, 1007,
       {"text:a"}},
  };
}

TEST_CASE("message reader fails each violation with its close code", "[websocket][message]") {
  std::vector<Row> rows;
  for (const ViolationRow& v : ViolationRows()) {
    // Trailing valid input must not change the outcome.
    rows.push_back({v.name, v.before + v.bad + Text("after"), v.messages, v.close_code,
                    v.max_message_size});
  }
  RunRows(rows);
}

TEST_CASE("message reader fails at the first byte that shows the violation", "[websocket][message]") {
  for (const ViolationRow& v : ViolationRows()) {
    DYNAMIC_SECTION(v.name) {
      MessageReader::Options options;
      options.max_message_size = v.max_message_size;
      MessageReader reader(options);
      REQUIRE(reader.Consume(v.before));
      for (size_t i = 0; i < v.bad.size(); ++i) {
        INFO("after " << i + 1 << " bytes of the offending frame");
        const bool ok = reader.Consume(v.bad.data() + i, 1);
        REQUIRE(ok == (i + 1 < v.fail_after));
        if (!ok) break;
      }
      CHECK(reader.failed());
      CHECK(reader.status().close_code == v.close_code);
      CHECK(reader.status().message.size() <= kMaxCloseReason);
      CHECK_FALSE(reader.Consume(Text("ignored")));
      std::vector<std::string> messages;
      Message m;
      while (reader.Next(&m)) messages.push_back(Describe(m));
      CHECK(messages == v.messages);
    }
  }
}

TEST_CASE("message reader reports its state between messages", "[websocket][message]") {
  MessageReader reader;
  CHECK_FALSE(reader.in_message());
  REQUIRE(reader.Consume(Text("a", false)));
  CHECK(reader.in_message());
  REQUIRE(reader.Consume(Ping("")));
  CHECK(reader.in_message());
  REQUIRE(reader.Consume(Cont("b")));
  CHECK_FALSE(reader.in_message());
  CHECK_FALSE(reader.close_received());
  REQUIRE(reader.Consume(Close(CodeBytes(1000))));
  CHECK(reader.close_received());
  CHECK_FALSE(reader.failed());
  // Even a violation after the close is not reported.
  CHECK(reader.Consume(RawFrame(0x81, "\x01", "x", false)));
  CHECK_FALSE(reader.failed());
  std::vector<std::string> messages;
  Message m;
  while (reader.Next(&m)) messages.push_back(Describe(m));
  CHECK(messages == std::vector<std::string>{"ping:", "text:ab", "close:1000:"});
}

TEST_CASE("message reader on the client side reads what the server encodes", "[websocket][message]") {
  const std::string wire = EncodeFrame(Opcode::kText, "{\"n\":", false) +
                           EncodeFrame(Opcode::kPing, "hb") +
                           EncodeFrame(Opcode::kContinuation, "1}") +
                           EncodeClose(4014, "backend unavailable");
  MessageReader::Options options;
  options.role = Role::kClient;
  for (const Chunking& chunking : Chunkings(wire)) {
    INFO(chunking.name);
    Outcome out = Read(chunking, options);
    CHECK(out.close_code == 0);
    CHECK(out.messages ==
          std::vector<std::string>{"ping:hb", "text:{\"n\":1}", "close:4014:backend unavailable"});
  }
  MessageReader server;
  CHECK_FALSE(server.Consume(EncodeFrame(Opcode::kText, "unmasked")));
  CHECK(server.status().close_code == kCloseProtocolError);
}

}  // namespace
}  // namespace grpcgw::internal
