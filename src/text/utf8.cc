#include "text/utf8.h"

#include <cstring>

namespace grpcgw::internal {

// Well-formed byte sequences, RFC 3629 section 4:
//   00-7F
//   C2-DF 80-BF
//   E0    A0-BF 80-BF      (no overlongs)
//   E1-EC 80-BF 80-BF
//   ED    80-9F 80-BF      (no surrogates)
//   EE-EF 80-BF 80-BF
//   F0    90-BF 80-BF 80-BF (no overlongs)
//   F1-F3 80-BF 80-BF 80-BF
//   F4    80-8F 80-BF 80-BF (nothing above U+10FFFF)
// Only the first continuation byte has narrowed bounds; lower_/upper_ hold
// them and are reset to 80-BF after it.
bool Utf8Validator::Feed(std::string_view bytes) {
  if (failed_) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    const uint8_t b = p[i];
    if (pending_ > 0) {
      if (b < lower_ || b > upper_) break;
      lower_ = 0x80;
      upper_ = 0xBF;
      --pending_;
      ++i;
      continue;
    }
    if (b < 0x80) {
      ++i;
      // ASCII runs are the common case for JSON: skip them 8 bytes a time.
      while (i + 8 <= n) {
        uint64_t word;
        std::memcpy(&word, p + i, 8);
        if ((word & 0x8080808080808080ull) != 0) break;
        i += 8;
      }
      while (i < n && p[i] < 0x80) ++i;
      continue;
    }
    if (b >= 0xC2 && b <= 0xDF) {
      pending_ = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      pending_ = 2;
      if (b == 0xE0) lower_ = 0xA0;
      if (b == 0xED) upper_ = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      pending_ = 3;
      if (b == 0xF0) lower_ = 0x90;
      if (b == 0xF4) upper_ = 0x8F;
    } else {
      break;  // 80-BF without a lead byte, C0-C1 (overlong), F5-FF
    }
    ++i;
  }
  offset_ += i;
  if (i < n) failed_ = true;
  return !failed_;
}

void Utf8Validator::Reset() { *this = Utf8Validator(); }

bool IsValidUtf8(std::string_view text) {
  Utf8Validator v;
  return v.Feed(text) && v.AtCodePointBoundary();
}

size_t ValidUtf8PrefixLength(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) text = text.substr(0, max_bytes);
  // Walk the text, remembering the last code point boundary reached.
  Utf8Validator v;
  size_t boundary = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!v.Feed(text.substr(i, 1))) break;
    if (v.AtCodePointBoundary()) boundary = i + 1;
  }
  return boundary;
}

}  // namespace grpcgw::internal
