// Base64 (RFC 4648) for the whole library: the WebSocket handshake keys and
// binary metadata headers use the strict form, the proto3 JSON codec's bytes
// fields the lenient one.
//
//   std::string text = Base64Encode("hi");          // "aGk="
//   std::string raw;
//   bool ok = Base64Decode("aGk=", &raw);           // ok, raw == "hi"
//   ok = Base64DecodeLenient("-_8", &raw);          // ok, raw == "\xFB\xFF"
//
// Encoding always uses the standard alphabet with padding. Neither decoder
// accepts line breaks or whitespace.
#ifndef GRPCGW_SRC_TEXT_BASE64_H_
#define GRPCGW_SRC_TEXT_BASE64_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace grpcgw::internal {

std::string Base64Encode(std::string_view data);

// The number of characters Base64Encode produces for `size` bytes.
constexpr size_t Base64EncodedLength(size_t size) { return (size + 2) / 3 * 4; }

// Writes the encoding of `data` to `out`, which must have room for
// Base64EncodedLength(data.size()) characters (no NUL is written). For
// callers that build their output in place.
void Base64EncodeTo(std::string_view data, char* out);

// Strict decoding: the standard alphabet only, the length must be a multiple
// of 4, padding only at the end, and the unused bits of the last character
// must be zero (so each byte string has exactly one accepted encoding). On
// failure returns false and leaves *out unspecified.
bool Base64Decode(std::string_view text, std::string* out);

// Lenient decoding, as the proto3 JSON mapping requires for bytes: the
// standard and the URL-safe alphabet (even mixed), with or without padding
// (when present it must complete the last group of four), and unused bits of
// the last character are ignored. Still refuses anything else: whitespace,
// misplaced padding, a lone trailing character. Replaces *out; on failure
// returns false and leaves *out unspecified.
bool Base64DecodeLenient(std::string_view text, std::string* out);

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_TEXT_BASE64_H_
