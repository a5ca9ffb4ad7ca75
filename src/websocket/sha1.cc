#include "websocket/sha1.h"

#include <algorithm>
#include <cstring>

namespace grpcgw::internal {
namespace {

// Initial hash value, FIPS 180-4 section 5.3.1.
constexpr uint32_t kInitialHash[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu,
                                      0x10325476u, 0xC3D2E1F0u};

inline uint32_t RotateLeft(uint32_t x, int n) {
  return (x << n) | (x >> (32 - n));
}

}  // namespace

Sha1::Sha1() { Reset(); }

void Sha1::Reset() {
  std::memcpy(h_, kInitialHash, sizeof(h_));
  block_size_ = 0;
  message_bytes_ = 0;
}

void Sha1::Update(std::string_view data) {
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  size_t n = data.size();
  message_bytes_ += n;
  if (block_size_ > 0) {
    size_t take = std::min(n, sizeof(block_) - block_size_);
    std::memcpy(block_ + block_size_, p, take);
    block_size_ += take;
    p += take;
    n -= take;
    if (block_size_ < sizeof(block_)) return;
    ProcessBlock(block_);
    block_size_ = 0;
  }
  for (; n >= sizeof(block_); p += sizeof(block_), n -= sizeof(block_)) {
    ProcessBlock(p);
  }
  std::memcpy(block_, p, n);
  block_size_ = n;
}

std::string Sha1::Finish() {
  // Padding, section 5.1.1: a 1 bit, zeros up to 56 mod 64 bytes, then the
  // message length in bits as a 64-bit big-endian integer.
  const uint64_t bit_length = message_bytes_ * 8;
  block_[block_size_++] = 0x80;
  if (block_size_ > 56) {
    std::memset(block_ + block_size_, 0, sizeof(block_) - block_size_);
    ProcessBlock(block_);
    block_size_ = 0;
  }
  std::memset(block_ + block_size_, 0, 56 - block_size_);
  for (int i = 0; i < 8; ++i) {
    block_[56 + i] = static_cast<uint8_t>(bit_length >> (56 - 8 * i));
  }
  ProcessBlock(block_);
  block_size_ = 0;

  std::string digest(kDigestSize, '\0');
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 4; ++j) {
      digest[4 * i + j] = static_cast<char>(h_[i] >> (24 - 8 * j));
    }
  }
  return digest;
}

// Hash computation, section 6.1.2.
void Sha1::ProcessBlock(const uint8_t* block) {
  uint32_t w[80];
  for (int t = 0; t < 16; ++t) {
    w[t] = (uint32_t{block[4 * t]} << 24) | (uint32_t{block[4 * t + 1]} << 16) |
           (uint32_t{block[4 * t + 2]} << 8) | uint32_t{block[4 * t + 3]};
  }
  for (int t = 16; t < 80; ++t) {
    w[t] = RotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
  }
  uint32_t a = h_[0], b = h_[1], c = h_[2], d = h_[3], e = h_[4];
  for (int t = 0; t < 80; ++t) {
    uint32_t f, k;
    if (t < 20) {
      f = (b & c) ^ (~b & d);  // Ch
      k = 0x5A827999u;
    } else if (t < 40) {
      f = b ^ c ^ d;  // Parity
      k = 0x6ED9EBA1u;
    } else if (t < 60) {
      f = (b & c) ^ (b & d) ^ (c & d);  // Maj
      k = 0x8F1BBCDCu;
    } else {
      f = b ^ c ^ d;  // Parity
      k = 0xCA62C1D6u;
    }
    uint32_t temp = RotateLeft(a, 5) + f + e + k + w[t];
    e = d;
    d = c;
    c = RotateLeft(b, 30);
    b = a;
    a = temp;
  }
  h_[0] += a;
  h_[1] += b;
  h_[2] += c;
  h_[3] += d;
  h_[4] += e;
}

std::string Sha1Digest(std::string_view data) {
  Sha1 hash;
  hash.Update(data);
  return hash.Finish();
}

}  // namespace grpcgw::internal
