// Quoting a value for an error message: `"abc"`, cut (at a UTF-8 boundary)
// and marked with "..." when longer than `max_bytes`, so that a hostile
// input cannot blow up a message.
//
//   QuoteForMessage("abc");  // "\"abc\""
#ifndef GRPCGW_SRC_TEXT_QUOTE_H_
#define GRPCGW_SRC_TEXT_QUOTE_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace grpcgw::internal {

std::string QuoteForMessage(std::string_view text, size_t max_bytes = 64);

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_TEXT_QUOTE_H_
