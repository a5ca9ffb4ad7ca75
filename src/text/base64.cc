#include "text/base64.h"

#include <cstdint>

namespace grpcgw::internal {
namespace {

constexpr char kAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Value of a standard base64 character, or -1.
int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Value of a character of either alphabet (standard or URL-safe), or -1.
int DecodeCharEitherAlphabet(char c) {
  if (c == '-') return 62;
  if (c == '_') return 63;
  return DecodeChar(c);
}

}  // namespace

void Base64EncodeTo(std::string_view data, char* out) {
  const auto* in = reinterpret_cast<const uint8_t*>(data.data());
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | uint32_t{in[i + 2]};
    out[0] = kAlphabet[(v >> 18) & 63];
    out[1] = kAlphabet[(v >> 12) & 63];
    out[2] = kAlphabet[(v >> 6) & 63];
    out[3] = kAlphabet[v & 63];
    out += 4;
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{in[i]} << 16;
    if (rest == 2) v |= uint32_t{in[i + 1]} << 8;
    out[0] = kAlphabet[(v >> 18) & 63];
    out[1] = kAlphabet[(v >> 12) & 63];
    out[2] = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    out[3] = '=';
  }
}

std::string Base64Encode(std::string_view data) {
  std::string out(Base64EncodedLength(data.size()), '\0');
  Base64EncodeTo(data, out.data());
  return out;
}

bool Base64Decode(std::string_view text, std::string* out) {
  out->clear();
  if (text.size() % 4 != 0) return false;
  out->reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    int padding = 0;
    if (last && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    uint32_t v = 0;
    for (int j = 0; j < 4; ++j) {
      int d = j < 4 - padding ? DecodeChar(text[i + j]) : 0;
      if (d < 0) return false;
      v = (v << 6) | static_cast<uint32_t>(d);
    }
    out->push_back(static_cast<char>(v >> 16));
    if (padding < 2) out->push_back(static_cast<char>(v >> 8));
    if (padding < 1) out->push_back(static_cast<char>(v));
    // Non-canonical encodings leave bits set that no output byte holds.
    if (padding == 1 && (v & 0xFF) != 0) return false;
    if (padding == 2 && (v & 0xFFFF) != 0) return false;
  }
  return true;
}

bool Base64DecodeLenient(std::string_view text, std::string* out) {
  size_t n = text.size();
  // Padding, if present, completes the last group of four.
  if (n % 4 == 0 && n > 0 && text[n - 1] == '=') {
    --n;
    if (text[n - 1] == '=') --n;
  }
  // One character left over carries only 6 bits: not even one byte.
  if (n % 4 == 1) return false;
  out->resize(n / 4 * 3 + 2);
  char* p = out->data();
  uint32_t bits = 0;
  int count = 0;
  for (size_t i = 0; i < n; ++i) {
    int v = DecodeCharEitherAlphabet(text[i]);
    if (v < 0) return false;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      p[0] = static_cast<char>(bits >> 16);
      p[1] = static_cast<char>(bits >> 8);
      p[2] = static_cast<char>(bits);
      p += 3;
      bits = 0;
      count = 0;
    }
  }
  if (count == 2) {
    *p++ = static_cast<char>(bits >> 4);
  } else if (count == 3) {
    p[0] = static_cast<char>(bits >> 10);
    p[1] = static_cast<char>(bits >> 2);
    p += 2;
  }
  out->resize(static_cast<size_t>(p - out->data()));
  return true;
}

}  // namespace grpcgw::internal
