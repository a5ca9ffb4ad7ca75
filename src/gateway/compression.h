// gzip both ways for the gateway, on zlib: response bodies compressed above
// a size threshold, request bodies inflated as they arrive with a bound on
// the inflated size.
//
//   std::string gz;
//   if (GzipCompress(body, &gz)) ...
//
//   GzipInflater inflater(max_bytes);
//   std::string out, error;
//   if (!inflater.Feed(data, n, &out, &error)) ...   // out gets what inflated so far
//   if (!inflater.Finish(&error)) ...                  // the stream was complete
//
// Not thread-safe: an inflater belongs to one request.
#ifndef GRPCGW_GATEWAY_COMPRESSION_H_
#define GRPCGW_GATEWAY_COMPRESSION_H_

#include <cstddef>
#include <memory>
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

// The request's Content-Encoding, understood: identity (or none), gzip, or
// something the gateway does not decode.
enum class BodyEncoding { kIdentity, kGzip, kUnsupported };
BodyEncoding ParseContentEncoding(std::string_view content_encoding);

// Inflates a gzip stream (one or more members, as RFC 1952 allows) fed in
// pieces, failing once the inflated bytes would pass `max_bytes`.
class GzipInflater {
 public:
  explicit GzipInflater(size_t max_bytes);
  ~GzipInflater();
  GzipInflater(const GzipInflater&) = delete;
  GzipInflater& operator=(const GzipInflater&) = delete;

  enum class Result { kOk, kTooLarge, kCorrupt };

  // Appends what `data` inflates to into *out. kTooLarge when the total
  // would pass max_bytes, kCorrupt when the data is not gzip (*error says
  // why); either is final.
  Result Feed(const char* data, size_t n, std::string* out, std::string* error);
  // At the end of the body: kCorrupt unless the stream ended with a
  // complete gzip member.
  Result Finish(std::string* error);

  size_t total_out() const { return total_out_; }

 private:
  struct State;
  std::unique_ptr<State> state_;
  const size_t max_bytes_;
  size_t total_out_ = 0;
  bool member_done_ = false;  // the last member is complete (and nothing followed)
  bool failed_ = false;
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_COMPRESSION_H_
