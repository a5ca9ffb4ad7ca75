// SHA-1, base64 and the Sec-WebSocket-Accept key.
#include <catch2/catch.hpp>

#include <string>

#include "text/base64.h"
#include "websocket/handshake.h"
#include "websocket/sha1.h"

namespace grpcgw::internal {
namespace {

std::string Hex(const std::string& bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

struct Sha1Row {
  const char* name;
  std::string input;
  const char* digest_hex;
};

// Vectors from FIPS 180-2 appendix A and the NIST example values.
std::vector<Sha1Row> Sha1Rows() {
  return {
      {"empty", "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
      {"abc (one block)", "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
      {"448 bits (padding spills into a second block)",
       "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
      {"896 bits", "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
       "a49b2446a02c645bf419f995b67091253a04a259"},
      {"one million 'a'", std::string(1000000, 'a'),
       "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
  };
}

TEST_CASE("sha1 matches the FIPS 180 example digests", "[websocket][sha1]") {
  for (const Sha1Row& row : Sha1Rows()) {
    DYNAMIC_SECTION(row.name) { CHECK(Hex(Sha1Digest(row.input)) == row.digest_hex); }
  }
}

TEST_CASE("sha1 gives the same digest however the input is split", "[websocket][sha1]") {
  for (const Sha1Row& row : Sha1Rows()) {
    if (row.input.size() > 200) continue;
    for (size_t a = 0; a <= row.input.size(); ++a) {
      for (size_t b = a; b <= row.input.size(); b += 7) {
        INFO(row.name << " cut at " << a << " and " << b);
        Sha1 hash;
        hash.Update(std::string_view(row.input).substr(0, a));
        hash.Update(std::string_view(row.input).substr(a, b - a));
        hash.Update(std::string_view(row.input).substr(b));
        CHECK(Hex(hash.Finish()) == row.digest_hex);
      }
    }
  }
}

TEST_CASE("sha1 pads lengths around the 56-byte boundary", "[websocket][sha1]") {
  // 55 bytes pad within one block, 56 and 64 need a second one; computed
  // with an independent implementation (sha1sum).
  CHECK(Hex(Sha1Digest(std::string(55, 'a'))) == "c1c8bbdc22796e28c0e15163d20899b65621d65a");
  CHECK(Hex(Sha1Digest(std::string(56, 'a'))) == "c2db330f6083854c99d4b5bfb6e8f29f201be699");
  CHECK(Hex(Sha1Digest(std::string(64, 'a'))) == "0098ba824b5c16427bd7a1122a5a442a25ec644d");
}

TEST_CASE("sha1 can be reset and reused", "[websocket][sha1]") {
  Sha1 hash;
  hash.Update("something else");
  hash.Finish();
  hash.Reset();
  hash.Update("abc");
  CHECK(Hex(hash.Finish()) == "a9993e364706816aba3e25717850c26c9cd0d89d");
}

TEST_CASE("base64 encodes and decodes the RFC 4648 vectors", "[websocket][base64]") {
  const std::pair<const char*, const char*> rows[] = {
      {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [raw, text] : rows) {
    DYNAMIC_SECTION("'" << raw << "'") {
      CHECK(Base64Encode(raw) == text);
      std::string decoded;
      REQUIRE(Base64Decode(text, &decoded));
      CHECK(decoded == raw);
    }
  }
}

TEST_CASE("base64 round-trips every byte value", "[websocket][base64]") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n = 0; n <= all.size(); n += 17) {
    std::string decoded;
    INFO("length " << n);
    REQUIRE(Base64Decode(Base64Encode(all.substr(0, n)), &decoded));
    CHECK(decoded == all.substr(0, n));
  }
  CHECK(Base64Encode("\xFB\xFF") == "+/8=");
}

TEST_CASE("base64 decoding is strict", "[websocket][base64]") {
  const std::pair<const char*, const char*> rows[] = {
      {"length not a multiple of 4", "Zm9"},
      {"missing padding", "Zg"},
      {"character outside the alphabet", "Zm9*"},
      {"url-safe alphabet", "-_8="},
      {"padding in the middle", "Zg==Zm9v"},
      {"padding before data", "Z=9v"},
      {"three padding characters", "Z==="},
      {"whitespace", "Zm9v "},
      {"non-zero bits under one padding character", "Zm9="},
      {"non-zero bits under two padding characters", "Zh=="},
  };
  for (const auto& [name, text] : rows) {
    DYNAMIC_SECTION(name) {
      std::string decoded;
      CHECK_FALSE(Base64Decode(text, &decoded));
    }
  }
}

TEST_CASE("accept key matches the RFC 6455 example", "[websocket][handshake]") {
  // RFC 6455 section 1.3.
  CHECK(ComputeAcceptKey("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  // RFC 6455 section 4.2.2 / 1.2 example key.
  CHECK(ComputeAcceptKey("x3JJHMbDL1EzLkh9GBhXDw==") == "HSmrc0sMlYUkAGmm5OPpG2HaGWk=");
}

}  // namespace
}  // namespace grpcgw::internal
