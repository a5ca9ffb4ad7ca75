#include "gateway/request_headers.h"

#include <algorithm>
#include <iterator>

namespace grpcgw {
namespace internal {
namespace {

// Request headers that grpc-gateway forwards as "grpcgateway-<name>"
// (the permanent IANA message headers a service may care about). Sorted,
// for binary search.
constexpr std::string_view kPermanentHeaders[] = {
    "accept", "accept-charset", "accept-language", "accept-ranges", "authorization",
    "cache-control", "content-type", "cookie", "date", "expect", "from", "host", "if-match",
    "if-modified-since", "if-none-match", "if-schedule-tag-match", "if-unmodified-since",
    "max-forwards", "origin", "pragma", "referer", "user-agent", "via", "warning",
};

constexpr std::string_view kMetadataPrefix = "grpc-metadata-";

}  // namespace

bool ValidMetadataKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

bool ValidMetadataValue(std::string_view value) {
  for (unsigned char c : value) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

// The default rule of DESIGN.md section 4, on a header name already in
// lower case; the key it gives is in lower case too.
bool DefaultHeaderKey(std::string_view lower, std::string* key) {
  if (lower.compare(0, kMetadataPrefix.size(), kMetadataPrefix) == 0) {
    key->assign(lower.substr(kMetadataPrefix.size()));
    return true;
  }
  if (std::binary_search(std::begin(kPermanentHeaders), std::end(kPermanentHeaders), lower)) {
    constexpr std::string_view kPrefix = "grpcgateway-";
    key->reserve(kPrefix.size() + lower.size());
    key->assign(kPrefix).append(lower);
    return true;
  }
  return false;
}

bool ParseGrpcTimeout(std::string_view v, std::chrono::nanoseconds* out) {
  if (v.size() < 2 || v.size() > 9) return false;
  long long n = 0;
  for (size_t i = 0; i + 1 < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
    n = n * 10 + (v[i] - '0');
  }
  using namespace std::chrono;
  nanoseconds unit;
  switch (v.back()) {
    case 'H': unit = hours(1); break;
    case 'M': unit = minutes(1); break;
    case 'S': unit = seconds(1); break;
    case 'm': unit = milliseconds(1); break;
    case 'u': unit = microseconds(1); break;
    case 'n': unit = nanoseconds(1); break;
    default: return false;
  }
  const nanoseconds cap = kMaxGrpcTimeout;
  *out = n > cap / unit ? cap : nanoseconds(unit.count() * n);
  return true;
}

}  // namespace internal
}  // namespace grpcgw
