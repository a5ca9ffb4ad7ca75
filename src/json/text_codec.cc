#include "json/text_codec.h"

#include <algorithm>
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

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
// The value of the eight characters at `p` when they are all decimal
// digits, computed within one word: digit pairs in the even bytes
// (10 * first + second), then the four pairs weighted by 10^6, 10^4, 10^2
// and 1 with two multiplications whose upper halves add them up.
bool EightDigitsValue(const char* p, uint64_t* value) {
  uint64_t chunk;
  std::memcpy(&chunk, p, 8);
  constexpr uint64_t kZeros = 0x3030303030303030ull;
  constexpr uint64_t kHighNibbles = 0xF0F0F0F0F0F0F0F0ull;
  // Each byte 0x30-0x39: its high nibble is 3, also after adding 6.
  if ((chunk & kHighNibbles) != kZeros || ((chunk + 0x0606060606060606ull) & kHighNibbles) != kZeros) return false;
  uint64_t v = chunk - kZeros;  // digits 0-9, the first in the lowest byte
  v = v * 10 + (v >> 8);        // bytes 0, 2, 4, 6: pairs 0-99
  const uint64_t pairs_0_2 = v & 0x000000FF000000FFull;
  const uint64_t pairs_1_3 = (v >> 16) & 0x000000FF000000FFull;
  *value = (pairs_0_2 * (100 + (1000000ull << 32)) + pairs_1_3 * (1 + (10000ull << 32))) >> 32;
  return true;
}
#endif

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
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      for (uint64_t eight = 0; text.size() - i >= 8 && EightDigitsValue(text.data() + i, &eight); i += 8) {
        value = value * 100000000 + eight;
      }
#endif
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

namespace {

// "00" "01" ... "99".
constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

// The number of decimal digits of `n` (1 for 0).
int DecimalLength(uint64_t n) {
  int length = 1;
  for (; n >= 10000; n /= 10000) length += 4;
  if (n >= 1000) return length + 3;
  if (n >= 100) return length + 2;
  return n >= 10 ? length + 1 : length;
}

// Writes the `length` decimal digits of `n` to `out`.
void WriteDecimal(uint64_t n, char* out, int length) {
  char* p = out + length;
  while (n >= 100) {
    const size_t pair = static_cast<size_t>(n % 100) * 2;
    n /= 100;
    p -= 2;
    p[0] = kDigitPairs[pair];
    p[1] = kDigitPairs[pair + 1];
  }
  if (n >= 10) {
    p -= 2;
    p[0] = kDigitPairs[n * 2];
    p[1] = kDigitPairs[n * 2 + 1];
  } else {
    *--p = static_cast<char>('0' + n);
  }
}

// The decimals with at most this many significant digits: a double lies
// closer than half the distance between two of them to at most one.
constexpr uint64_t kShortDecimalLimit = 1000000000000000;  // 10^15

// 5^e for e = 0 .. 21 (5^21 < 10^15 < 5^22).
constexpr int kMaxFractionDigits = 21;
constexpr uint64_t kPowersOf5[kMaxFractionDigits + 1] = {
    1ull, 5ull, 25ull, 125ull, 625ull, 3125ull, 15625ull, 78125ull, 390625ull, 1953125ull,
    9765625ull, 48828125ull, 244140625ull, 1220703125ull, 6103515625ull, 30517578125ull,
    152587890625ull, 762939453125ull, 3814697265625ull, 19073486328125ull, 95367431640625ull,
    476837158203125ull};

// FormatDouble for the values whose exact decimal value has at most 15
// significant digits (integers below 10^15, and binary fractions such as
// 0.125 or 56.75 with few digits), without the general shortest-digits
// search. Such a decimal is the only one of at most 15 significant digits
// that reads back as the value, so it is the shortest, and it is what
// std::to_chars prints, in fixed notation when that is not longer than
// scientific notation (the tie goes to fixed). Returns 0 for the other
// values, and for those whose shortest form is scientific.
size_t FormatShortDecimal(double value, char* buf) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  const int biased_exponent = static_cast<int>((bits >> 52) & 0x7FF);
  uint64_t mantissa = bits & ((uint64_t{1} << 52) - 1);
  char* p = buf;
  if (bits >> 63) *p++ = '-';
  if (biased_exponent == 0) {
    if (mantissa != 0) return 0;  // subnormal
    *p++ = '0';
    return static_cast<size_t>(p - buf);
  }
  if (biased_exponent == 0x7FF) return 0;
  mantissa |= uint64_t{1} << 52;
  // value = +-mantissa * 2^exponent, with mantissa odd when exponent < 0.
  int exponent = biased_exponent - 1075;
  if (exponent < 0) {
    const int shift = std::min(__builtin_ctzll(mantissa), -exponent);
    mantissa >>= shift;
    exponent += shift;
  }
  if (exponent >= 0) {
    // An integer.
    if (exponent > 50 || mantissa >= (kShortDecimalLimit >> exponent)) return 0;
    uint64_t n = mantissa << exponent;
    const int length = DecimalLength(n);
    int significant = length;
    for (uint64_t m = n; m % 10 == 0; m /= 10) --significant;
    // Scientific: d[.ddd]e+XX (the exponent is below 15).
    const int scientific = significant + (significant > 1 ? 1 : 0) + 4;
    if (length > scientific) return 0;
    WriteDecimal(n, p, length);
    return static_cast<size_t>(p + length - buf);
  }
  // mantissa / 2^e = mantissa * 5^e / 10^e: e digits after the point, the
  // last one not zero (mantissa * 5^e is odd).
  const int fraction_digits = -exponent;
  if (fraction_digits > kMaxFractionDigits ||
      mantissa >= kShortDecimalLimit / kPowersOf5[fraction_digits]) {
    return 0;
  }
  const uint64_t n = mantissa * kPowersOf5[fraction_digits];
  const int length = DecimalLength(n);
  if (length > fraction_digits) {
    // d.ddd: shorter than scientific d.ddde+XX.
    const int integer_digits = length - fraction_digits;
    WriteDecimal(n, p + 1, length);
    std::memmove(p, p + 1, static_cast<size_t>(integer_digits));
    p[integer_digits] = '.';
    return static_cast<size_t>(p + length + 1 - buf);
  }
  // 0.000ddd against d.ddde-XX (the exponent is below 100).
  const int fixed = 2 + fraction_digits;
  const int scientific = length + (length > 1 ? 1 : 0) + 4;
  if (fixed > scientific) return 0;
  p[0] = '0';
  p[1] = '.';
  const int zeros = fraction_digits - length;
  std::memset(p + 2, '0', static_cast<size_t>(zeros));
  WriteDecimal(n, p + 2 + zeros, length);
  return static_cast<size_t>(p + fixed - buf);
}

}  // namespace

size_t FormatDouble(double value, char* buf) {
  if (const size_t length = FormatShortDecimal(value, buf); length != 0) return length;
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
