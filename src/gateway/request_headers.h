// The request-header rules of a gateway call, apart from the call so that
// they can be tested and fuzzed alone: the Grpc-Timeout header, and which
// request headers become gRPC metadata under which key (DESIGN.md section 4).
#ifndef GRPCGW_GATEWAY_REQUEST_HEADERS_H_
#define GRPCGW_GATEWAY_REQUEST_HEADERS_H_

#include <chrono>
#include <string>
#include <string_view>

namespace grpcgw {
namespace internal {

// The longest timeout a Grpc-Timeout gives (about 100 years): larger values
// (the format allows up to 99999999H) are taken as this, so that neither the
// conversion to nanoseconds nor adding it to the clock overflows.
inline constexpr std::chrono::hours kMaxGrpcTimeout{24 * 365 * 100};

// Grpc-Timeout: TimeoutValue TimeoutUnit, 1 to 8 digits and one of the units
// H(ours) M(inutes) S(econds) m(illis) u(micros) n(anos), capped at
// kMaxGrpcTimeout. False for anything else.
bool ParseGrpcTimeout(std::string_view value, std::chrono::nanoseconds* out);

// The default header-to-metadata rule, on a header name already in ASCII
// lower case: "grpc-metadata-<key>" gives <key>, a permanent IANA message
// header <name> gives "grpcgateway-<name>", anything else false. The key is
// in lower case too.
bool DefaultHeaderKey(std::string_view lower, std::string* key);

// A metadata key gRPC accepts: [a-z0-9-_.]+.
bool ValidMetadataKey(std::string_view key);

// A metadata value gRPC can carry (printable ASCII, 0x20-0x7E).
bool ValidMetadataValue(std::string_view value);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_REQUEST_HEADERS_H_
