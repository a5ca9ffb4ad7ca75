// UTF-8 validation (RFC 3629) for everything grpcgw reads as text: WebSocket
// messages and close reasons (which may be split anywhere, even inside a code
// point, hence the incremental validator), path and query values.
//
//   Utf8Validator v;
//   bool ok = v.Feed("\xE2\x82") && v.Feed("\xAC");   // U+20AC in two pieces
//   ok = ok && v.AtCodePointBoundary();              // nothing pending
//
// Rejects overlong forms, UTF-16 surrogates (U+D800..U+DFFF) and anything
// above U+10FFFF, at the first byte that makes the input invalid. Does not
// normalize, and does not reject noncharacters (they are valid UTF-8).
#ifndef GRPCGW_SRC_TEXT_UTF8_H_
#define GRPCGW_SRC_TEXT_UTF8_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace grpcgw::internal {

class Utf8Validator {
 public:
  // Validates the next bytes of the text. Returns false as soon as a byte
  // cannot continue valid UTF-8; the failure is permanent until Reset().
  bool Feed(std::string_view bytes);

  // True when the bytes fed so far are valid and end on a code point
  // boundary, i.e. the text could end here.
  bool AtCodePointBoundary() const { return !failed_ && pending_ == 0; }

  bool failed() const { return failed_; }

  // Offset, counted from the first byte fed since Reset(), of the byte that
  // made the input invalid. Meaningful only when failed().
  uint64_t error_offset() const { return offset_; }

  void Reset();

 private:
  uint64_t offset_ = 0;  // bytes accepted so far
  int pending_ = 0;      // continuation bytes still expected
  uint8_t lower_ = 0x80;  // bounds for the next continuation byte
  uint8_t upper_ = 0xBF;
  bool failed_ = false;
};

// True when `text` is complete, valid UTF-8.
bool IsValidUtf8(std::string_view text);

// The length of the longest prefix of `text` that is valid UTF-8, ends on a
// code point boundary, and is at most `max_bytes` long. Used to cut a reason
// or message so that what is sent stays valid.
size_t ValidUtf8PrefixLength(std::string_view text, size_t max_bytes);

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_TEXT_UTF8_H_
