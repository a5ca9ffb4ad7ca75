// Helpers for the WebSocket unit tests: running a decoder over many
// chunkings of its input, and building frames byte by byte.
#ifndef GRPCGW_TESTS_UNIT_WEBSOCKET_TEST_UTIL_H_
#define GRPCGW_TESTS_UNIT_WEBSOCKET_TEST_UTIL_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "websocket/frame.h"

namespace grpcgw::internal::testing {

// One way to cut an input into pieces.
struct Chunking {
  std::string name;
  std::vector<std::string_view> pieces;
};

// The chunkings every decoder test runs over: the whole input at once, one
// byte at a time, every single split point (inputs up to 300 bytes), and
// random chunkings from a fixed seed (mostly small pieces, some large).
inline std::vector<Chunking> Chunkings(std::string_view input, int random_count = 24) {
  std::vector<Chunking> out;
  out.push_back({"whole", {input}});
  if (input.size() <= 300) {
    Chunking bytes{"byte by byte", {}};
    for (size_t i = 0; i < input.size(); ++i) bytes.pieces.push_back(input.substr(i, 1));
    out.push_back(std::move(bytes));
    for (size_t i = 1; i < input.size(); ++i) {
      out.push_back({"split at " + std::to_string(i), {input.substr(0, i), input.substr(i)}});
    }
  }
  std::mt19937 rng(20240611u ^ static_cast<uint32_t>(input.size()));
  for (int r = 0; r < random_count; ++r) {
    Chunking c{"random #" + std::to_string(r), {}};
    size_t at = 0;
    while (at < input.size()) {
      size_t size;
      switch (rng() % 4) {
        case 0: size = 1 + rng() % 3; break;
        case 1: size = 1 + rng() % 17; break;
        case 2: size = 1 + rng() % 300; break;
        default: size = 1 + rng() % 70000; break;
      }
      size = std::min(size, input.size() - at);
      c.pieces.push_back(input.substr(at, size));
      at += size;
    }
    out.push_back(std::move(c));
  }
  return out;
}

inline constexpr std::array<uint8_t, 4> kTestMask = {0x37, 0xFA, 0x21, 0x3D};

// A masked frame as a client sends it, FIN set.
inline std::string ClientFrame(Opcode opcode, std::string_view payload, bool fin = true) {
  return EncodeMaskedFrame(opcode, payload, kTestMask, fin);
}

// A frame with arbitrary first byte and hand-written length bytes, masked
// with kTestMask: for violations the encoders cannot produce.
inline std::string RawFrame(uint8_t first_byte, std::string_view length_bytes,
                            std::string_view payload, bool masked = true) {
  std::string out;
  out += static_cast<char>(first_byte);
  std::string length(length_bytes);
  if (masked) length[0] = static_cast<char>(static_cast<uint8_t>(length[0]) | 0x80);
  out += length;
  if (masked) out.append(reinterpret_cast<const char*>(kTestMask.data()), 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    out += masked ? static_cast<char>(static_cast<uint8_t>(payload[i]) ^ kTestMask[i & 3])
                  : payload[i];
  }
  return out;
}

// Deterministic filler of `n` bytes.
inline std::string Filler(size_t n, char base = 'a') {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(base + i % 26);
  return s;
}

}  // namespace grpcgw::internal::testing

#endif  // GRPCGW_TESTS_UNIT_WEBSOCKET_TEST_UTIL_H_
