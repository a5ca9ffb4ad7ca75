// Number printing: FormatDouble writes what std::to_chars writes (the
// shortest text that reads back as the same value), including on its own
// path for short decimals (integers, binary fractions), where the choice
// between fixed and scientific notation and the digits are its own. And
// integer reading, which takes eight digits at a time.
#include <catch2/catch.hpp>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include "json/text_codec.h"

namespace {

using grpcgw::json_internal::FormatDouble;
using grpcgw::json_internal::kMaxNumberChars;
using grpcgw::json_internal::NumberError;
using grpcgw::json_internal::ParseSignedInteger;
using grpcgw::json_internal::ParseUnsignedInteger;

std::string Ours(double value) {
  char buf[kMaxNumberChars];
  return std::string(buf, FormatDouble(value, buf));
}

std::string Standard(double value) {
  char buf[64];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, value).ptr);
}

TEST_CASE("FormatDouble writes the shortest round-trip text as std::to_chars does", "[json]") {
  long mismatches = 0;
  auto check = [&](double value) {
    if (!std::isfinite(value)) return;
    const std::string ours = Ours(value);
    const std::string standard = Standard(value);
    if (ours != standard) {
      ++mismatches;
      UNSCOPED_INFO("value " << Standard(value) << ": ours " << ours);
    }
  };
  SECTION("chosen values") {
    for (double v : {0.0, -0.0, 1.0, -1.0, 0.5, 0.125, 56.125, 1e6, 1e15, 1e15 - 1, 999999999999999.0,
                     1e16, 123456789012345.0, 0.1, 0.3, 1.0 / 3, 0.0001220703125, 0.00048828125, 1e-7,
                     std::ldexp(1.0, -21), std::ldexp(1.0, -22), 9007199254740991.0, 5e-324,
                     std::numeric_limits<double>::min(), std::numeric_limits<double>::max(), 4.35, 100.0,
                     1000000.0, 120000.0, 1200000.0}) {
      check(v);
      check(-v);
    }
  }
  SECTION("integers and decimal fractions at every scale") {
    double scale = 1;
    for (int k = 0; k < 17; ++k, scale *= 10) {
      for (int i = -1000; i <= 1000; ++i) {
        check(i * scale);
        check(i / scale);
      }
    }
  }
  SECTION("binary fractions") {
    for (int e = 1; e < 60; ++e) {
      for (int m = 1; m < 2000; m += 2) {
        check(std::ldexp(m, -e));
        check(std::ldexp(m * 1000003.0, -e));
        check(-std::ldexp(m, e));
      }
    }
  }
  SECTION("random bit patterns and short mantissas") {
    std::mt19937_64 random(20261205);
    for (int i = 0; i < 200000; ++i) {
      const uint64_t bits = random();
      double value;
      std::memcpy(&value, &bits, sizeof value);
      check(value);
      const uint64_t mantissa = random() >> (random() % 64);
      check(std::ldexp(static_cast<double>(mantissa), static_cast<int>(random() % 120) - 80));
    }
  }
  CHECK(mismatches == 0);
}

// Whether our reading of `text` (`error`, `ours`) is std::from_chars's:
// the same value, or out of range where it overflows.
template <class T>
bool SameAsFromChars(const std::string& text, NumberError error, T ours) {
  T standard = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), standard);
  return result.ec == std::errc() ? error == NumberError::kOk && ours == standard
                                  : error == NumberError::kOutOfRange;
}

TEST_CASE("integers of every length read as std::from_chars reads them, other bytes anywhere refused", "[json]") {
  std::mt19937_64 random(20261205);
  long mismatches = 0;
  for (int length = 1; length <= 20; ++length) {
    for (int i = 0; i < 2000; ++i) {
      std::string text(1, static_cast<char>('1' + random() % 9));
      while (static_cast<int>(text.size()) < length) text += static_cast<char>('0' + random() % 10);
      for (bool negative : {false, true}) {
        const std::string signed_text = negative ? "-" + text : text;
        int64_t ours = 0;
        const NumberError error = ParseSignedInteger(signed_text, std::numeric_limits<int64_t>::min(),
                                                     std::numeric_limits<int64_t>::max(), &ours);
        if (!SameAsFromChars(signed_text, error, ours)) {
          ++mismatches;
          UNSCOPED_INFO("signed " << signed_text);
        }
      }
      uint64_t ours = 0;
      const NumberError error = ParseUnsignedInteger(text, std::numeric_limits<uint64_t>::max(), &ours);
      if (!SameAsFromChars(text, error, ours)) {
        ++mismatches;
        UNSCOPED_INFO("unsigned " << text);
      }
    }
  }
  // A byte next to the digits (in value) at each place of 16 digits.
  for (size_t at = 0; at < 16; ++at) {
    for (char c : {'/', ':', ' ', 'a', '\xB0'}) {
      std::string text = "1234567890123456";
      text[at] = c;
      uint64_t value = 0;
      if (ParseUnsignedInteger(text, std::numeric_limits<uint64_t>::max(), &value) != NumberError::kSyntax) {
        ++mismatches;
        UNSCOPED_INFO("accepted " << text);
      }
    }
  }
  CHECK(mismatches == 0);
}

}  // namespace
