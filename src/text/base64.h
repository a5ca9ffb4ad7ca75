// Base64 (RFC 4648 section 4, standard alphabet, with padding) for the
// WebSocket handshake keys and binary metadata headers.
//
//   std::string text = Base64Encode("hi");          // "aGk="
//   std::string raw;
//   bool ok = Base64Decode("aGk=", &raw);           // ok, raw == "hi"
//
// Not the URL-safe alphabet, and no line breaks or whitespace are accepted:
// the proto3 JSON codec has its own, more lenient, bytes decoding.
#ifndef GRPCGW_SRC_TEXT_BASE64_H_
#define GRPCGW_SRC_TEXT_BASE64_H_

#include <string>
#include <string_view>

namespace grpcgw::internal {

std::string Base64Encode(std::string_view data);

// Strict decoding: the length must be a multiple of 4, padding only at the
// end, and the unused bits of the last character must be zero (so each byte
// string has exactly one accepted encoding). On failure returns false and
// leaves *out unspecified.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_TEXT_BASE64_H_
