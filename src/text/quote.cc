#include "text/quote.h"

#include <cstdio>

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

std::string QuoteJson(std::string_view text) {
  std::string out = "\"";
  for (const unsigned char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out += escaped;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace grpcgw::internal
