#include "routing/query.h"

#include <cstdint>

#include "text/quote.h"

namespace grpcgw {
namespace internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 3986 section 2.2: gen-delims and sub-delims.
bool IsReserved(unsigned char c) {
  switch (c) {
    case ':': case '/': case '?': case '#': case '[': case ']': case '@':
    case '!': case '$': case '&': case '\'': case '(': case ')':
    case '*': case '+': case ',': case ';': case '=':
      return true;
    default:
      return false;
  }
}


}  // namespace

bool PercentDecode(std::string_view in, PercentDecodeMode mode, bool plus_as_space,
                   std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%') {
      if (in.size() - i < 3) return false;
      const int high = HexValue(in[i + 1]);
      const int low = HexValue(in[i + 2]);
      if (high < 0 || low < 0) return false;
      const auto decoded = static_cast<unsigned char>(high * 16 + low);
      if (mode == PercentDecodeMode::kKeepReserved && IsReserved(decoded)) {
        out->append(in.substr(i, 3));
      } else {
        out->push_back(static_cast<char>(decoded));
      }
      i += 2;
    } else if (c == '+' && plus_as_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool ParseQueryString(std::string_view query,
                      std::vector<std::pair<std::string, std::string>>* out,
                      std::string* error) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    const std::string_view piece = query.substr(start, end - start);
    start = end + 1;
    if (piece.empty()) continue;

    const size_t equals = piece.find('=');
    const std::string_view raw_key = piece.substr(0, equals);
    const std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : piece.substr(equals + 1);
    std::string key, value;
    if (!PercentDecode(raw_key, PercentDecodeMode::kAll, true, &key)) {
      *error = "query parameter " + QuoteForMessage(raw_key) + ": malformed percent-encoding in the name";
      return false;
    }
    if (!IsValidUtf8(key)) {
      *error = "query parameter " + QuoteForMessage(raw_key) + ": name is not valid UTF-8";
      return false;
    }
    if (!PercentDecode(raw_value, PercentDecodeMode::kAll, true, &value)) {
      *error = "query parameter " + QuoteForMessage(key) + ": malformed percent-encoding in the value";
      return false;
    }
    if (!IsValidUtf8(value)) {
      *error = "query parameter " + QuoteForMessage(key) + ": value is not valid UTF-8";
      return false;
    }
    out->emplace_back(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace internal
}  // namespace grpcgw
