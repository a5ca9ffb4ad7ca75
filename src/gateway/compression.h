// gzip for the gateway, on zlib: response bodies compressed above a size
// threshold.
//
//   std::string gz;
//   if (GzipCompress(body, &gz)) ...
#ifndef GRPCGW_GATEWAY_COMPRESSION_H_
#define GRPCGW_GATEWAY_COMPRESSION_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace grpcgw {
namespace internal {

// Compresses `data` as one gzip member into *out. False on a zlib failure.
bool GzipCompress(std::string_view data, std::string* out);

// True when an Accept-Encoding value accepts gzip: "gzip" or "x-gzip" with a
// q-value above 0, or "*" with one when gzip is not listed.
bool AcceptsGzip(std::string_view accept_encoding);

// True for media types worth compressing: text/* (but not text/event-stream),
// JSON, NDJSON, XML, JavaScript, SVG. Parameters and case are ignored.
bool IsCompressibleType(std::string_view content_type);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_COMPRESSION_H_
