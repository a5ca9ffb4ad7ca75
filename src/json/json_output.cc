#include "json/json_output.h"

#include <array>
#include <cstdint>

namespace grpcgw::json_internal {
namespace {

// What each byte becomes: 0 itself, 'u' a \u00XX escape, else the letter
// after a backslash.
constexpr std::array<char, 256> kEscape = [] {
  std::array<char, 256> table{};
  for (int c = 0; c < 0x20; ++c) table[static_cast<size_t>(c)] = 'u';
  table['\b'] = 'b';
  table['\f'] = 'f';
  table['\n'] = 'n';
  table['\r'] = 'r';
  table['\t'] = 't';
  table['"'] = '"';
  table['\\'] = '\\';
  return table;
}();

constexpr char kHex[] = "0123456789abcdef";

// True when one of the eight bytes of `word` needs escaping: below 0x20, '"'
// or '\\'. (Per-byte tests on a 64-bit word; a byte of 0x80 or more never
// counts.)
inline bool NeedsEscape(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint64_t below_space = (word - kOnes * 0x20) & ~word;
  const uint64_t quote = word ^ (kOnes * '"');
  const uint64_t backslash = word ^ (kOnes * '\\');
  const uint64_t zero_quote = (quote - kOnes) & ~quote;
  const uint64_t zero_backslash = (backslash - kOnes) & ~backslash;
  return ((below_space | zero_quote | zero_backslash) & kHigh) != 0;
}

}  // namespace

char* AppendQuotedTo(std::string_view text, char* out, bool* non_ascii) {
  const char* p = text.data();
  const char* const end = p + text.size();
  uint64_t high = 0;  // the high bits of every byte seen
  *out++ = '"';
  while (p < end) {
    // Runs of bytes that need no escape, eight at a time.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if (NeedsEscape(word)) break;
      high |= word;
      std::memcpy(out, &word, 8);
      p += 8;
      out += 8;
    }
    if (p >= end) break;
    const char c = *p++;
    high |= static_cast<unsigned char>(c);
    const char escape = kEscape[static_cast<unsigned char>(c)];
    if (escape == 0) {
      *out++ = c;
    } else if (escape == 'u') {
      out[0] = '\\';
      out[1] = 'u';
      out[2] = '0';
      out[3] = '0';
      out[4] = kHex[static_cast<unsigned char>(c) >> 4];
      out[5] = kHex[c & 0xF];
      out += 6;
    } else {
      out[0] = '\\';
      out[1] = escape;
      out += 2;
    }
  }
  *out++ = '"';
  if ((high & 0x8080808080808080ull) != 0) *non_ascii = true;
  return out;
}

}  // namespace grpcgw::json_internal
