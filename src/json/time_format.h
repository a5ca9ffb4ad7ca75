// Text forms of google.protobuf.Timestamp (RFC 3339) and
// google.protobuf.Duration ("1.5s"), with the ranges the types allow.
#ifndef GRPCGW_SRC_JSON_TIME_FORMAT_H_
#define GRPCGW_SRC_JSON_TIME_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace grpcgw::json_internal {

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z in seconds since the epoch.
inline constexpr int64_t kTimestampMinSeconds = -62135596800;
inline constexpr int64_t kTimestampMaxSeconds = 253402300799;
// +-10000 years, as google/protobuf/duration.proto says.
inline constexpr int64_t kDurationMaxSeconds = 315576000000;

// Largest number of bytes FormatTimestamp/FormatDuration write.
inline constexpr size_t kMaxTimeChars = 32;

// Writes "YYYY-MM-DDThh:mm:ss[.fff|.ffffff|.fffffffff]Z" to `out` (room for
// kMaxTimeChars), returns the length. Returns 0, writing nothing, when the
// value is out of range (seconds outside the years 1..9999, nanos outside
// [0, 999999999]).
size_t FormatTimestamp(int64_t seconds, int32_t nanos, char* out);

// Parses RFC 3339 "YYYY-MM-DDThh:mm:ss[.1-9 digits](Z|+hh:mm|-hh:mm)", upper
// case 'T' and 'Z' only, and checks the range.
bool ParseTimestamp(std::string_view text, int64_t* seconds, int32_t* nanos);

// Writes "<seconds>[.fff|.ffffff|.fffffffff]s", with a leading '-' for a
// negative duration, to `out` (room for kMaxTimeChars), returns the length.
// Returns 0, writing nothing, when out of range or when seconds and nanos
// have different signs.
size_t FormatDuration(int64_t seconds, int32_t nanos, char* out);

// Parses "-?<digits>[.<1-9 digits>]s" and checks the range.
bool ParseDuration(std::string_view text, int64_t* seconds, int32_t* nanos);

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_TIME_FORMAT_H_
