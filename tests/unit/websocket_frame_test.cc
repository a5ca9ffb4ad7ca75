// Frame decoding and encoding (RFC 6455 section 5), every decoder input run
// over many chunkings.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "unit/websocket_test_util.h"
#include "websocket/frame.h"

namespace grpcgw::internal {
namespace {

using std::string_literals::operator""s;
using testing::Chunking;
using testing::Chunkings;
using testing::ClientFrame;
using testing::Filler;
using testing::RawFrame;

struct Decoded {
  std::vector<Frame> frames;
  bool failed = false;
  uint16_t close_code = 0;
};

Decoded Decode(const Chunking& chunking, FrameDecoder::Options options = {}) {
  FrameParser parser(options);
  Decoded out;
  for (std::string_view piece : chunking.pieces) {
    if (!parser.Consume(piece)) break;
  }
  Frame frame;
  while (parser.Next(&frame)) out.frames.push_back(std::move(frame));
  out.failed = parser.failed();
  out.close_code = parser.status().close_code;
  return out;
}

TEST_CASE("frame parser decodes every payload length encoding", "[websocket][frame]") {
  struct LengthRow {
    size_t length;
    std::string header;  // hand-written per section 5.2, mask bit set
  };
  const std::vector<LengthRow> rows = {
      {0, "\x82\x80"s},
      {1, "\x82\x81"s},
      {125, "\x82\xFD"s},
      {126, "\x82\xFE\x00\x7E"s},
      {127, "\x82\xFE\x00\x7F"s},
      {65535, "\x82\xFE\xFF\xFF"s},
      {65536, "\x82\xFF\x00\x00\x00\x00\x00\x01\x00\x00"s},
      {70000, "\x82\xFF\x00\x00\x00\x00\x00\x01\x11\x70"s},
      {size_t{1} << 20, "\x82\xFF\x00\x00\x00\x00\x00\x10\x00\x00"s},
  };
  for (const LengthRow& row : rows) {
    const std::string payload = Filler(row.length);
    const std::string wire = ClientFrame(Opcode::kBinary, payload);
    const std::string mask(reinterpret_cast<const char*>(testing::kTestMask.data()), 4);
    // The encoder writes the same header as the hand-written one.
    REQUIRE(wire.substr(0, row.header.size() + 4) == row.header + mask);
    REQUIRE(wire.size() == row.header.size() + 4 + row.length);
    DYNAMIC_SECTION("length " << row.length) {
      for (const Chunking& chunking : Chunkings(wire, row.length > 100000 ? 6 : 24)) {
        INFO(chunking.name);
        Decoded d = Decode(chunking);
        REQUIRE_FALSE(d.failed);
        REQUIRE(d.frames.size() == 1);
        CHECK(d.frames[0].opcode == Opcode::kBinary);
        CHECK(d.frames[0].fin);
        CHECK(d.frames[0].rsv == 0);
        CHECK(d.frames[0].payload == payload);
      }
    }
  }
}

TEST_CASE("frame encoding matches the RFC 6455 section 5.7 examples", "[websocket][frame]") {
  const std::array<uint8_t, 4> mask = {0x37, 0xFA, 0x21, 0x3D};
  CHECK(EncodeFrame(Opcode::kText, "Hello") == "\x81\x05Hello");
  CHECK(EncodeMaskedFrame(Opcode::kText, "Hello", mask) ==
        "\x81\x85\x37\xFA\x21\x3D\x7F\x9F\x4D\x51\x58");
  CHECK(EncodeFrame(Opcode::kText, "Hel", /*fin=*/false) == "\x01\x03Hel");
  CHECK(EncodeFrame(Opcode::kContinuation, "lo") == "\x80\x02lo");
  CHECK(EncodeFrame(Opcode::kPing, "Hello") == "\x89\x05Hello");
  CHECK(EncodeMaskedFrame(Opcode::kPong, "Hello", mask) ==
        "\x8A\x85\x37\xFA\x21\x3D\x7F\x9F\x4D\x51\x58");
  CHECK(EncodeFrame(Opcode::kBinary, std::string(256, 'x')).substr(0, 4) == "\x82\x7E\x01\x00"s);
  CHECK(EncodeFrame(Opcode::kBinary, std::string(65536, 'x')).substr(0, 10) ==
        "\x82\x7F\x00\x00\x00\x00\x00\x01\x00\x00"s);

  std::string appended = "prefix";
  AppendFrame(&appended, Opcode::kText, "Hello");
  CHECK(appended == "prefix\x81\x05Hello");
}

TEST_CASE("frame parser decodes the RFC 6455 examples on both sides", "[websocket][frame]") {
  const std::string masked_hello = "\x81\x85\x37\xFA\x21\x3D\x7F\x9F\x4D\x51\x58";
  for (const Chunking& chunking : Chunkings(masked_hello)) {
    INFO("server reads masked / " << chunking.name);
    {
      Decoded d = Decode(chunking);
      REQUIRE(d.frames.size() == 1);
      CHECK(d.frames[0].payload == "Hello");
      CHECK_FALSE(d.failed);
    }
  }
  const std::string unmasked = "\x01\x03Hel\x80\x02lo\x89\x05Hello";
  FrameDecoder::Options client;
  client.role = Role::kClient;
  for (const Chunking& chunking : Chunkings(unmasked)) {
    INFO("client reads unmasked / " << chunking.name);
    {
      Decoded d = Decode(chunking, client);
      REQUIRE_FALSE(d.failed);
      REQUIRE(d.frames.size() == 3);
      CHECK((d.frames[0].opcode == Opcode::kText && !d.frames[0].fin && d.frames[0].payload == "Hel"));
      CHECK((d.frames[1].opcode == Opcode::kContinuation && d.frames[1].fin && d.frames[1].payload == "lo"));
      CHECK((d.frames[2].opcode == Opcode::kPing && d.frames[2].payload == "Hello"));
    }
  }
}

TEST_CASE("frame parser reports a sequence of frames in order", "[websocket][frame]") {
  const std::string wire = ClientFrame(Opcode::kText, "one ", false) + ClientFrame(Opcode::kPing, "") +
                           ClientFrame(Opcode::kContinuation, Filler(300), false) +
                           ClientFrame(Opcode::kPong, Filler(125)) +
                           ClientFrame(Opcode::kContinuation, "") +
                           ClientFrame(Opcode::kClose, "\x03\xE8");
  for (const Chunking& chunking : Chunkings(wire)) {
    INFO(chunking.name);
    {
      Decoded d = Decode(chunking);
      REQUIRE_FALSE(d.failed);
      REQUIRE(d.frames.size() == 6);
      CHECK(d.frames[0].payload == "one ");
      CHECK_FALSE(d.frames[0].fin);
      CHECK(d.frames[1].opcode == Opcode::kPing);
      CHECK(d.frames[2].payload == Filler(300));
      CHECK(d.frames[3].payload == Filler(125));
      CHECK((d.frames[4].opcode == Opcode::kContinuation && d.frames[4].fin && d.frames[4].payload.empty()));
      CHECK(d.frames[5].opcode == Opcode::kClose);
    }
  }
}

struct ViolationRow {
  std::string name;
  std::string wire;
  uint16_t close_code;
  size_t fail_at;        // the failure is known once this many bytes arrived
  size_t frames_before;  // complete valid frames ahead of the violation
  uint64_t max_frame_size = uint64_t{16} << 20;
};

std::vector<ViolationRow> ViolationRows() {
  std::vector<ViolationRow> rows = {
      {"unmasked client frame", RawFrame(0x81, "\x05", "Hello", false), 1002, 2, 0},
      {"RSV1 without extension", RawFrame(0xC1, "\x05", "Hello"), 1002, 2, 0},
      {"RSV2", RawFrame(0xA1, "\x05", "Hello"), 1002, 2, 0},
      {"RSV3", RawFrame(0x91, "\x05", "Hello"), 1002, 2, 0},
      {"RSV bits on a control frame", RawFrame(0xC9, "\x00"s, ""), 1002, 2, 0},
      {"fragmented ping", RawFrame(0x09, "\x00"s, ""), 1002, 2, 0},
      {"fragmented pong", RawFrame(0x0A, "\x01", "x"), 1002, 2, 0},
      {"fragmented close", RawFrame(0x08, "\x02", "\x03\xE8"), 1002, 2, 0},
      {"ping with 126 bytes", RawFrame(0x89, "\x7E\x00\x7E"s, Filler(126)), 1002, 2, 0},
      {"close with 64-bit length", RawFrame(0x88, "\x7F\x00\x00\x00\x00\x00\x01\x00\x00"s, ""), 1002, 2, 0},
      {"16-bit length holding 125", RawFrame(0x82, "\x7E\x00\x7D"s, Filler(125)), 1002, 4, 0},
      {"16-bit length holding 0", RawFrame(0x82, "\x7E\x00\x00"s, ""), 1002, 4, 0},
      {"64-bit length holding 65535", RawFrame(0x82, "\x7F\x00\x00\x00\x00\x00\x00\xFF\xFF"s, ""), 1002, 10, 0},
      {"64-bit length holding 126", RawFrame(0x82, "\x7F\x00\x00\x00\x00\x00\x00\x00\x7E"s, ""), 1002, 10, 0},
      {"64-bit length with the top bit set", RawFrame(0x82, "\x7F\x80\x00\x00\x00\x00\x00\x00\x00"s, ""), 1002, 10, 0},
      {"frame above the limit, 7-bit length", ClientFrame(Opcode::kText, Filler(101)), 1009, 2, 0, 100},
      {"frame above the limit, 16-bit length", ClientFrame(Opcode::kBinary, Filler(1001)), 1009, 4, 0, 1000},
      {"frame above the limit, 64-bit length", ClientFrame(Opcode::kBinary, Filler(70000)), 1009, 10, 0, 65536},
      {"huge declared length, header only",
       RawFrame(0x82, "\x7F\x00\x00\x01\x00\x00\x00\x00\x00"s, ""), 1009, 10, 0},
      {"continuation above the limit", ClientFrame(Opcode::kContinuation, Filler(101)), 1009, 2, 0, 100},
  };
  for (uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    rows.push_back({"reserved opcode " + std::to_string(op), RawFrame(0x80 | op, "\x00"s, ""), 1002, 2, 0});
  }
  const std::string two_good = ClientFrame(Opcode::kText, "ok") + ClientFrame(Opcode::kPing, "p");
  rows.push_back({"violation after two good frames", two_good + RawFrame(0x81, "\x01", "x", false),
                  1002, two_good.size() + 2, 2});
  rows.push_back({"oversized frame after a good one", two_good + ClientFrame(Opcode::kText, Filler(200)),
                  1009, two_good.size() + 4, 2, 199});
  return rows;
}

TEST_CASE("frame parser fails each violation with its close code", "[websocket][frame]") {
  for (const ViolationRow& row : ViolationRows()) {
    FrameDecoder::Options options;
    options.max_frame_size = row.max_frame_size;
    DYNAMIC_SECTION(row.name) {
      for (const Chunking& chunking : Chunkings(row.wire)) {
        INFO(chunking.name);
        Decoded d = Decode(chunking, options);
        CHECK(d.failed);
        CHECK(d.close_code == row.close_code);
        CHECK(d.frames.size() == row.frames_before);
      }
    }
  }
}

TEST_CASE("frame parser fails as soon as the offending header bytes arrive", "[websocket][frame]") {
  for (const ViolationRow& row : ViolationRows()) {
    DYNAMIC_SECTION(row.name) {
      FrameDecoder::Options options;
      options.max_frame_size = row.max_frame_size;
      FrameParser parser(options);
      for (size_t i = 0; i < row.wire.size(); ++i) {
        INFO("after " << i + 1 << " bytes");
        const bool ok = parser.Consume(row.wire.data() + i, 1);
        REQUIRE(ok == (i + 1 < row.fail_at));
        if (!ok) break;
      }
      CHECK(parser.status().close_code == row.close_code);
      CHECK_FALSE(parser.status().message.empty());
      CHECK(parser.status().message.size() <= kMaxCloseReason);
      // The failure is permanent.
      const std::string good = ClientFrame(Opcode::kText, "late");
      CHECK_FALSE(parser.Consume(good));
      Frame frame;
      size_t frames = 0;
      while (parser.Next(&frame)) ++frames;
      CHECK(frames == row.frames_before);
    }
  }
}

TEST_CASE("frame parser on the client side refuses masked frames", "[websocket][frame]") {
  FrameDecoder::Options client;
  client.role = Role::kClient;
  FrameParser parser(client);
  CHECK(parser.Consume(EncodeFrame(Opcode::kText, "fine")));
  CHECK_FALSE(parser.Consume(ClientFrame(Opcode::kText, "masked")));
  CHECK(parser.status().close_code == kCloseProtocolError);
  Frame frame;
  REQUIRE(parser.Next(&frame));
  CHECK(frame.payload == "fine");
}

TEST_CASE("frame decoder tracks frame boundaries", "[websocket][frame]") {
  struct NullHandler : FrameDecoder::Handler {
    DecodeStatus OnFrameHeader(const FrameHeader&) override { return {}; }
    DecodeStatus OnFramePayload(const char*, size_t) override { return {}; }
    DecodeStatus OnFrameEnd() override { return {}; }
  } handler;
  FrameDecoder decoder(FrameDecoder::Options(), &handler);
  const std::string wire = ClientFrame(Opcode::kText, "abc");  // 2 + 4 + 3 bytes
  CHECK(decoder.AtFrameBoundary());
  for (size_t i = 0; i < wire.size(); ++i) {
    decoder.Consume(wire.data() + i, 1);
    CHECK(decoder.AtFrameBoundary() == (i + 1 == wire.size()));
  }
}

TEST_CASE("frame decoder handler can fail the stream", "[websocket][frame]") {
  struct RefusingHandler : FrameDecoder::Handler {
    DecodeStatus OnFrameHeader(const FrameHeader&) override { return {}; }
    DecodeStatus OnFramePayload(const char* data, size_t n) override {
      if (std::string_view(data, n).find('!') != std::string_view::npos) {
        return DecodeStatus::Error(kClosePolicyViolation, "no shouting");
      }
      return {};
    }
    DecodeStatus OnFrameEnd() override { return {}; }
  } handler;
  FrameDecoder decoder(FrameDecoder::Options(), &handler);
  CHECK(decoder.Consume(ClientFrame(Opcode::kText, "calm").data(), 10));
  const std::string loud = ClientFrame(Opcode::kText, "loud!");
  CHECK_FALSE(decoder.Consume(loud.data(), loud.size()));
  CHECK(decoder.status().close_code == kClosePolicyViolation);
  CHECK(decoder.status().message == "no shouting");
}

TEST_CASE("close frames are encoded with the code and a cut reason", "[websocket][frame]") {
  CHECK(EncodeClose(kCloseNormal) == "\x88\x02\x03\xE8");
  CHECK(EncodeClose(kCloseNormal, "bye") == "\x88\x05\x03\xE8" "bye");
  CHECK(EncodeClose(4014, "unavailable") == "\x88\x0D\x0F\xAE" "unavailable");
  CHECK(EncodeClose(kCloseNoStatus) == "\x88\x00"s);

  std::string e_acute;  // 100 x U+00E9
  for (int i = 0; i < 100; ++i) e_acute += "\xC3\xA9";
  struct CutRow {
    const char* name;
    std::string reason;
    size_t kept;  // reason bytes in the frame
  };
  const std::vector<CutRow> rows = {
      {"123 ASCII bytes fit", std::string(123, 'r'), 123},
      {"124 ASCII bytes are cut to 123", std::string(124, 'r'), 123},
      {"long ASCII", std::string(1000, 'r'), 123},
      {"2-byte characters are not split", e_acute, 122},
      {"invalid UTF-8 is not sent", "bad \xFF byte", 4},
  };
  for (const CutRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const std::string frame = EncodeClose(4003, row.reason);
      REQUIRE(frame.size() == 2 + 2 + row.kept);
      CHECK(static_cast<uint8_t>(frame[1]) == 2 + row.kept);  // unmasked, 7-bit length
      CHECK(static_cast<uint8_t>(frame[1]) <= kMaxControlPayload);
      CHECK(frame.substr(4) == row.reason.substr(0, row.kept));
      // What is sent is itself a valid close payload.
      uint16_t code = 0;
      std::string reason;
      CHECK(ParseClosePayload(frame.substr(2), &code, &reason).ok());
      CHECK(code == 4003);
    }
  }
}

TEST_CASE("close payloads are parsed by the RFC 6455 rules", "[websocket][frame]") {
  struct CloseRow {
    std::string name;
    std::string payload;
    uint16_t failure;  // 0: accepted
    uint16_t code = 0;
    std::string reason = "";
  };
  auto code_bytes = [](uint16_t c) {
    return std::string{static_cast<char>(c >> 8), static_cast<char>(c & 0xFF)};
  };
  std::vector<CloseRow> rows = {
      {"empty", "", 0, kCloseNoStatus},
      {"one byte", "\x03", 1002},
      {"code and reason", code_bytes(1001) + "going away", 0, 1001, "going away"},
      {"code and UTF-8 reason", code_bytes(1000) + "\xC3\xA9t\xC3\xA9", 0, 1000, "\xC3\xA9t\xC3\xA9"},
      {"reason not UTF-8", code_bytes(1000) + "\xFF", 1007},
      {"reason with a surrogate", code_bytes(1000) + "\xED\xA0\x80", 1007},
      {"reason ending inside a code point", code_bytes(1000) + "ab\xE2\x82", 1007},
  };
  for (uint16_t c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                     3999, 4000, 4014, 4999}) {
    rows.push_back({"valid code " + std::to_string(c), code_bytes(c), 0, c});
  }
  for (uint16_t c : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    rows.push_back({"invalid code " + std::to_string(c), code_bytes(c), 1002});
  }
  for (const CloseRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      if (row.name.rfind("valid code", 0) == 0) CHECK(IsValidCloseCode(row.code));
      if (row.name.rfind("invalid code", 0) == 0) {
        const uint16_t c = static_cast<uint16_t>((static_cast<uint8_t>(row.payload[0]) << 8) |
                                                 static_cast<uint8_t>(row.payload[1]));
        CHECK_FALSE(IsValidCloseCode(c));
      }
      uint16_t code = 0;
      std::string reason = "stale";
      DecodeStatus status = ParseClosePayload(row.payload, &code, &reason);
      CHECK(status.close_code == row.failure);
      if (row.failure == 0) {
        CHECK(code == row.code);
        CHECK(reason == row.reason);
      }
    }
  }
}

}  // namespace
}  // namespace grpcgw::internal
