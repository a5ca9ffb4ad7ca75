#include "text/quote.h"

#include "text/utf8.h"

namespace grpcgw::internal {

std::string QuoteForMessage(std::string_view text, size_t max_bytes) {
  std::string out = "\"";
  if (text.size() <= max_bytes) {
    out.append(text);
  } else {
    size_t keep = ValidUtf8PrefixLength(text, max_bytes);
    out.append(text.substr(0, keep > 0 ? keep : max_bytes));
    out.append("...");
  }
  out.push_back('"');
  return out;
}

}  // namespace grpcgw::internal
