// Quoting a value for an error message: `"abc"`, cut (at a UTF-8 boundary)
// and marked with "..." when longer than `max_bytes`, so that a hostile
// input cannot blow up a message.
//
//   QuoteForMessage("abc");  // "\"abc\""
//
// And quoting text as a JSON string (RFC 8259), whole:
//
//   QuoteJson("a\"b\n");  // "\"a\\\"b\\n\""
#ifndef GRPCGW_SRC_TEXT_QUOTE_H_
#define GRPCGW_SRC_TEXT_QUOTE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace grpcgw::internal {

std::string QuoteForMessage(std::string_view text, size_t max_bytes = 64);

// `text` as a JSON string literal: quotes and backslashes escaped, control
// characters as \b \f \n \r \t or \u00XX; other bytes (UTF-8 included) as
// they are.
std::string QuoteJson(std::string_view text);

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_TEXT_QUOTE_H_
