// Text forms used by the proto3 JSON mapping: JSON number text to exact
// integers and to floating point, shortest round-trip number printing, and
// the FieldMask path case conversions. No protobuf, no RapidJSON. Base64 and
// UTF-8 validation are the library's own, in src/text.
#ifndef GRPCGW_SRC_JSON_TEXT_CODEC_H_
#define GRPCGW_SRC_JSON_TEXT_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace grpcgw::json_internal {

// Why a number text was refused.
enum class NumberError {
  kOk,
  kSyntax,       // not a JSON number
  kNotInteger,   // has a fractional part (an integer was wanted)
  kOutOfRange,   // outside the target type's range
};

// Parses `text`, which must match the JSON number grammar exactly
// (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), as an integer within
// [min, max]. Exact: "1e5" and "100000.000" are 100000, "0.5" is kNotInteger,
// nothing goes through double.
NumberError ParseSignedInteger(std::string_view text, int64_t min, int64_t max, int64_t* out);
NumberError ParseUnsignedInteger(std::string_view text, uint64_t max, uint64_t* out);

// Parses a JSON number text as the nearest double. Values that overflow are
// kOutOfRange; values that underflow become (signed) zero.
NumberError ParseDouble(std::string_view text, double* out);

// Largest number of bytes FormatDouble/FormatFloat write.
inline constexpr size_t kMaxNumberChars = 32;

// Writes the shortest text that reads back as the same value (finite values
// only) into `buf`, returns the length. JSON number syntax.
size_t FormatDouble(double value, char* buf);
size_t FormatFloat(float value, char* buf);
// Writes the decimal digits of an integer, returns the length.
size_t FormatInt64(int64_t value, char* buf);
size_t FormatUint64(uint64_t value, char* buf);

// Returns the offset of the first lone (unpaired) surrogate encoded in
// `utf8` (bytes ED A0..BF, which RapidJSON produces for an escaped lone
// "\uDC00"), or npos when there is none. `utf8` is otherwise valid UTF-8.
size_t FindEncodedSurrogate(std::string_view utf8);

// FieldMask paths: "foo_bar.baz" <-> "fooBar.baz". Each returns false when the
// path would not survive the round trip (an uppercase letter or a '_' not
// followed by a lowercase letter in a proto path; a '_' in a JSON path).
bool FieldMaskPathToJson(std::string_view path, std::string* out);
bool FieldMaskPathFromJson(std::string_view path, std::string* out);

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_TEXT_CODEC_H_
