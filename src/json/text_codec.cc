#include "json/text_codec.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

namespace grpcgw::json_internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A JSON number split into its parts: value = digits * 10^exponent, where
// `digits` are the significant decimal digits (no leading or trailing zeros).
struct Decimal {
  bool negative = false;
  std::string_view int_part;   // digits before the point
  std::string_view frac_part;  // digits after the point
  int64_t exponent = 0;        // the e-part, clamped to +-1e9
};

// number = [ "-" ] int [ frac ] [ exp ]; int = "0" / digit1-9 *digit;
// frac = "." 1*digit; exp = ("e" / "E") [ "-" / "+" ] 1*digit  (RFC 8259 6)
bool SplitNumber(std::string_view s, Decimal* d) {
  size_t i = 0;
  const size_t n = s.size();
  if (i < n && s[i] == '-') {
    d->negative = true;
    ++i;
  }
  size_t start = i;
  if (i >= n || !IsDigit(s[i])) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (i < n && IsDigit(s[i])) ++i;
  }
  d->int_part = s.substr(start, i - start);
  if (i < n && s[i] == '.') {
    start = ++i;
    while (i < n && IsDigit(s[i])) ++i;
    if (i == start) return false;
    d->frac_part = s.substr(start, i - start);
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    bool negative_exponent = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) negative_exponent = s[i++] == '-';
    start = i;
    int64_t e = 0;
    while (i < n && IsDigit(s[i])) {
      if (e < 1000000000) e = e * 10 + (s[i] - '0');
      ++i;
    }
    if (i == start) return false;
    d->exponent = negative_exponent ? -e : e;
  }
  return i == n;
}

// Computes |value| of `text` exactly as an integer no larger than `limit`.
NumberError IntegerMagnitude(std::string_view text, uint64_t limit, bool* negative,
                             uint64_t* magnitude) {
  // The common case first: plain digits, at most 19 of them (no overflow),
  // no leading zero.
  {
    size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
    const size_t digits = text.size() - i;
    if (digits >= 1 && digits <= 19 && (text[i] != '0' || digits == 1)) {
      uint64_t value = 0;
      for (; i < text.size() && IsDigit(text[i]); ++i) value = value * 10 + static_cast<uint64_t>(text[i] - '0');
      if (i == text.size()) {
        if (value > limit) return NumberError::kOutOfRange;
        *negative = text[0] == '-';
        *magnitude = value;
        return NumberError::kOk;
      }
    }
  }
  Decimal d;
  if (!SplitNumber(text, &d)) return NumberError::kSyntax;
  *negative = d.negative;
  // The significant digits are int_part followed by frac_part.
  std::string digits;
  digits.reserve(d.int_part.size() + d.frac_part.size());
  digits.append(d.int_part).append(d.frac_part);
  int64_t exponent = d.exponent - static_cast<int64_t>(d.frac_part.size());
  size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) {
    *magnitude = 0;
    return NumberError::kOk;
  }
  size_t last = digits.find_last_not_of('0');
  exponent += static_cast<int64_t>(digits.size() - 1 - last);
  std::string_view significant(digits.data() + first, last - first + 1);
  if (exponent < 0) return NumberError::kNotInteger;
  if (static_cast<int64_t>(significant.size()) + exponent > 20) return NumberError::kOutOfRange;
  uint64_t value = 0;
  for (char c : significant) {
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (value > (limit - digit) / 10) return NumberError::kOutOfRange;
    value = value * 10 + digit;
  }
  for (int64_t i = 0; i < exponent; ++i) {
    if (value > limit / 10) return NumberError::kOutOfRange;
    value *= 10;
  }
  *magnitude = value;
  return NumberError::kOk;
}

}  // namespace

NumberError ParseSignedInteger(std::string_view text, int64_t min, int64_t max, int64_t* out) {
  bool negative = false;
  uint64_t magnitude = 0;
  // The largest magnitude a negative int64 can have is 2^63.
  const uint64_t limit = uint64_t{1} << 63;
  NumberError error = IntegerMagnitude(text, limit, &negative, &magnitude);
  if (error != NumberError::kOk) return error;
  int64_t value;
  if (negative) {
    if (magnitude == limit) {
      value = std::numeric_limits<int64_t>::min();
    } else {
      value = -static_cast<int64_t>(magnitude);
    }
  } else {
    if (magnitude >= limit) return NumberError::kOutOfRange;
    value = static_cast<int64_t>(magnitude);
  }
  if (value < min || value > max) return NumberError::kOutOfRange;
  *out = value;
  return NumberError::kOk;
}

NumberError ParseUnsignedInteger(std::string_view text, uint64_t max, uint64_t* out) {
  bool negative = false;
  uint64_t magnitude = 0;
  NumberError error = IntegerMagnitude(text, max, &negative, &magnitude);
  if (error != NumberError::kOk) return error;
  if (negative && magnitude != 0) return NumberError::kOutOfRange;
  *out = magnitude;
  return NumberError::kOk;
}

NumberError ParseDouble(std::string_view text, double* out) {
  Decimal d;
  if (!SplitNumber(text, &d)) return NumberError::kSyntax;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Underflow or overflow: the decimal exponent of the first significant
    // digit tells which.
    int64_t magnitude = d.exponent;
    size_t lead = d.int_part.find_first_not_of('0');
    if (lead != std::string_view::npos) {
      magnitude += static_cast<int64_t>(d.int_part.size() - lead);
    } else {
      size_t frac_lead = d.frac_part.find_first_not_of('0');
      if (frac_lead == std::string_view::npos) frac_lead = d.frac_part.size();
      magnitude -= static_cast<int64_t>(frac_lead);
    }
    if (magnitude > 0) return NumberError::kOutOfRange;
    value = d.negative ? -0.0 : 0.0;
  } else if (ec != std::errc() || end != text.data() + text.size()) {
    return NumberError::kSyntax;
  }
  if (!std::isfinite(value)) return NumberError::kOutOfRange;
  *out = value;
  return NumberError::kOk;
}

size_t FormatDouble(double value, char* buf) {
  auto result = std::to_chars(buf, buf + kMaxNumberChars, value);
  return static_cast<size_t>(result.ptr - buf);
}

size_t FormatFloat(float value, char* buf) {
  auto result = std::to_chars(buf, buf + kMaxNumberChars, value);
  return static_cast<size_t>(result.ptr - buf);
}

size_t FormatInt64(int64_t value, char* buf) {
  auto result = std::to_chars(buf, buf + kMaxNumberChars, value);
  return static_cast<size_t>(result.ptr - buf);
}

size_t FormatUint64(uint64_t value, char* buf) {
  auto result = std::to_chars(buf, buf + kMaxNumberChars, value);
  return static_cast<size_t>(result.ptr - buf);
}

size_t FindEncodedSurrogate(std::string_view utf8) {
  const char* begin = utf8.data();
  const char* end = begin + utf8.size();
  const char* p = begin;
  while ((p = static_cast<const char*>(std::memchr(p, '\xED', static_cast<size_t>(end - p))))) {
    if (p + 1 < end && static_cast<unsigned char>(p[1]) >= 0xA0) {
      return static_cast<size_t>(p - begin);
    }
    ++p;
  }
  return std::string_view::npos;
}

bool FieldMaskPathToJson(std::string_view path, std::string* out) {
  out->clear();
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c >= 'A' && c <= 'Z') return false;
    if (c == '_') {
      if (i + 1 >= path.size()) return false;
      char next = path[i + 1];
      if (next < 'a' || next > 'z') return false;
      out->push_back(static_cast<char>(next - 'a' + 'A'));
      ++i;
    } else {
      out->push_back(c);
    }
  }
  return true;
}

bool FieldMaskPathFromJson(std::string_view path, std::string* out) {
  out->clear();
  for (char c : path) {
    if (c == '_') return false;
    if (c >= 'A' && c <= 'Z') {
      out->push_back('_');
      out->push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      out->push_back(c);
    }
  }
  return true;
}

}  // namespace grpcgw::json_internal
