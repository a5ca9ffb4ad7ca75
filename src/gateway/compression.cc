#include "gateway/compression.h"

#include <strings.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>

namespace grpcgw {
namespace internal {
namespace {

// windowBits for deflate/inflate with a gzip wrapper (RFC 1952).
constexpr int kGzipWindowBits = 15 + 16;

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && strncasecmp(s.data(), prefix.data(), prefix.size()) == 0;
}

bool EndsWithIgnoreCase(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         strncasecmp(s.data() + s.size() - suffix.size(), suffix.data(), suffix.size()) == 0;
}

// The q-value of one Accept-Encoding element's parameters ("q=0.5"); 1 when
// absent, 0 when malformed.
double QValue(std::string_view params) {
  while (!params.empty()) {
    size_t semi = params.find(';');
    std::string_view p = Trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string value(Trim(p.substr(2)));
      char* end = nullptr;
      double q = std::strtod(value.c_str(), &end);
      if (value.empty() || end == nullptr || *end != '\0' || !(q >= 0) || q > 1) return 0;
      return q;
    }
  }
  return 1;
}

}  // namespace

bool GzipCompress(std::string_view data, std::string* out) {
  z_stream s{};
  if (deflateInit2(&s, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  out->resize(deflateBound(&s, static_cast<uLong>(data.size())));
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out->data());
  s.avail_out = static_cast<uInt>(out->size());
  int r = deflate(&s, Z_FINISH);
  out->resize(s.total_out);
  deflateEnd(&s);
  return r == Z_STREAM_END;
}

bool AcceptsGzip(std::string_view accept_encoding) {
  double gzip = -1, star = -1;  // -1: not listed
  while (!accept_encoding.empty()) {
    size_t comma = accept_encoding.find(',');
    std::string_view element = accept_encoding.substr(0, comma);
    accept_encoding = comma == std::string_view::npos ? std::string_view() : accept_encoding.substr(comma + 1);
    size_t semi = element.find(';');
    std::string_view coding = Trim(element.substr(0, semi));
    double q = semi == std::string_view::npos ? 1 : QValue(element.substr(semi + 1));
    if (EqualsIgnoreCase(coding, "gzip") || EqualsIgnoreCase(coding, "x-gzip")) {
      gzip = std::max(gzip, q);
    } else if (coding == "*") {
      star = std::max(star, q);
    }
  }
  return gzip >= 0 ? gzip > 0 : star > 0;
}

bool IsCompressibleType(std::string_view content_type) {
  std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  if (StartsWithIgnoreCase(media, "text/")) return !EqualsIgnoreCase(media, "text/event-stream");
  for (std::string_view t : {"application/json", "application/x-ndjson", "application/javascript",
                             "application/xml", "image/svg+xml"}) {
    if (EqualsIgnoreCase(media, t)) return true;
  }
  return StartsWithIgnoreCase(media, "application/") &&
         (EndsWithIgnoreCase(media, "+json") || EndsWithIgnoreCase(media, "+xml"));
}

}  // namespace internal
}  // namespace grpcgw
