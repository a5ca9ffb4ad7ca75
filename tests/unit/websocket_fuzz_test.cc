// Randomized robustness test of the frame and message decoders: mutated
// valid streams and random bytes, fed in random pieces (fixed seed). The
// decoders must not crash, must give the same outcome for every chunking,
// and whatever they deliver must satisfy the protocol's guarantees.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "unit/websocket_test_util.h"
#include "websocket/frame.h"
#include "websocket/message_reader.h"
#include "text/utf8.h"

namespace grpcgw::internal {
namespace {

using std::string_literals::operator""s;
using testing::ClientFrame;
using testing::Filler;

std::vector<std::string> SeedCorpus() {
  return {
      ClientFrame(Opcode::kText, "{\"room\":\"lobby\"}"),
      ClientFrame(Opcode::kText, "Hel", false) + ClientFrame(Opcode::kPing, "p") +
          ClientFrame(Opcode::kContinuation, "lo \xE2\x82\xAC"),
      ClientFrame(Opcode::kBinary, Filler(300), false) + ClientFrame(Opcode::kContinuation, Filler(70)),
      ClientFrame(Opcode::kText, Filler(70000)),
      ClientFrame(Opcode::kClose, "\x03\xE8" "bye"),
      ClientFrame(Opcode::kPong, Filler(125)) + ClientFrame(Opcode::kText, ""),
      ClientFrame(Opcode::kText, "\xF0\x9F\x98", false) + ClientFrame(Opcode::kContinuation, "\x80"),
  };
}

struct Result {
  std::vector<Message> messages;
  DecodeStatus status;
};

Result ReadInPieces(const std::string& input, std::mt19937& rng, bool whole,
                    uint64_t max_message_size) {
  MessageReader::Options options;
  options.max_message_size = max_message_size;
  MessageReader reader(options);
  size_t at = 0;
  while (at < input.size()) {
    const size_t range = rng() % 2 ? 8 : 2000;
    size_t n = whole ? input.size() : 1 + rng() % range;
    n = std::min(n, input.size() - at);
    if (!reader.Consume(input.data() + at, n)) break;
    at += n;
  }
  Result r;
  Message m;
  while (reader.Next(&m)) r.messages.push_back(std::move(m));
  r.status = reader.status();
  return r;
}

std::string Mutate(std::string s, std::mt19937& rng) {
  const int edits = 1 + rng() % 4;
  for (int e = 0; e < edits; ++e) {
    const size_t pos = s.empty() ? 0 : rng() % s.size();
    switch (rng() % 5) {
      case 0:  // flip bits
        if (!s.empty()) s[pos] = static_cast<char>(s[pos] ^ (1 << (rng() % 8)));
        break;
      case 1:  // random byte
        if (!s.empty()) s[pos] = static_cast<char>(rng());
        break;
      case 2:  // insert
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<char>(rng()));
        break;
      case 3:  // delete
        if (!s.empty()) s.erase(pos, 1);
        break;
      default:  // truncate
        s.resize(pos);
        break;
    }
  }
  return s;
}

TEST_CASE("message reader survives mutated input and ignores chunking", "[websocket][fuzz]") {
  std::mt19937 rng(6455);
  const std::vector<std::string> corpus = SeedCorpus();
  int failures = 0, clean = 0;
  for (int iteration = 0; iteration < 6000; ++iteration) {
    std::string input;
    if (iteration % 10 == 0) {
      input.resize(rng() % 200);
      for (char& c : input) c = static_cast<char>(rng());
    } else {
      input = corpus[rng() % corpus.size()];
      if (rng() % 3 == 0) input += corpus[rng() % corpus.size()];
      input = Mutate(std::move(input), rng);
    }
    const uint64_t limit = rng() % 2 ? 4096 : (uint64_t{4} << 20);
    INFO("iteration " << iteration);
    Result whole = ReadInPieces(input, rng, true, limit);
    Result pieces = ReadInPieces(input, rng, false, limit);

    REQUIRE(pieces.status.close_code == whole.status.close_code);
    REQUIRE(pieces.messages.size() == whole.messages.size());
    for (size_t i = 0; i < whole.messages.size(); ++i) {
      REQUIRE(pieces.messages[i].type == whole.messages[i].type);
      REQUIRE(pieces.messages[i].data == whole.messages[i].data);
      REQUIRE(pieces.messages[i].close_code == whole.messages[i].close_code);
    }
    if (whole.status.ok()) {
      ++clean;
    } else {
      ++failures;
      const uint16_t code = whole.status.close_code;
      REQUIRE((code == kCloseProtocolError || code == kCloseInvalidPayload ||
               code == kCloseMessageTooBig));
      REQUIRE(whole.status.message.size() <= kMaxCloseReason);
    }
    for (const Message& m : whole.messages) {
      switch (m.type) {
        case Opcode::kText:
          REQUIRE(IsValidUtf8(m.data));
          REQUIRE(m.data.size() <= limit);
          break;
        case Opcode::kBinary:
          REQUIRE(m.data.size() <= limit);
          break;
        case Opcode::kPing:
        case Opcode::kPong:
          REQUIRE(m.data.size() <= kMaxControlPayload);
          break;
        case Opcode::kClose:
          REQUIRE((m.close_code == kCloseNoStatus || IsValidCloseCode(m.close_code)));
          REQUIRE(IsValidUtf8(m.data));
          REQUIRE(m.data.size() <= kMaxCloseReason);
          break;
        default:
          FAIL("continuation reported as a message");
      }
    }
  }
  // The corpus must exercise both outcomes, or the test proves little.
  CHECK(failures > 1000);
  CHECK(clean > 200);
}

TEST_CASE("utf8 validator agrees with a code point decoder on random bytes", "[websocket][fuzz]") {
  // Reference: decode by the RFC 3629 definition (value ranges), not by
  // the byte table the validator uses.
  auto reference = [](const std::string& s) {
    size_t i = 0;
    while (i < s.size()) {
      const uint8_t b = static_cast<uint8_t>(s[i]);
      int n;
      uint32_t cp;
      if (b < 0x80) { n = 0; cp = b; }
      else if ((b & 0xE0) == 0xC0) { n = 1; cp = b & 0x1F; }
      else if ((b & 0xF0) == 0xE0) { n = 2; cp = b & 0x0F; }
      else if ((b & 0xF8) == 0xF0) { n = 3; cp = b & 0x07; }
      else return false;
      if (i + n >= s.size() && n > 0) return false;  // sequence runs past the end
      for (int k = 1; k <= n; ++k) {
        const uint8_t c = static_cast<uint8_t>(s[i + k]);
        if ((c & 0xC0) != 0x80) return false;
        cp = (cp << 6) | (c & 0x3F);
      }
      const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
      if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      i += n + 1;
    }
    return true;
  };
  std::mt19937 rng(3629);
  const uint8_t interesting[] = {0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1,
                                 0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, 0xF0, 0xF1,
                                 0xF3, 0xF4, 0xF5, 0xF8, 0xFF};
  int valid = 0;
  for (int iteration = 0; iteration < 200000; ++iteration) {
    std::string s(1 + rng() % 6, '\0');
    for (char& c : s) c = static_cast<char>(interesting[rng() % sizeof(interesting)]);
    INFO("iteration " << iteration);
    const bool expected = reference(s);
    REQUIRE(IsValidUtf8(s) == expected);
    valid += expected;
  }
  CHECK(valid > 1000);
}

}  // namespace
}  // namespace grpcgw::internal
