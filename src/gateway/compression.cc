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
constexpr size_t kInflateSlice = 16384;

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

BodyEncoding ParseContentEncoding(std::string_view content_encoding) {
  std::string_view v = Trim(content_encoding);
  if (v.empty() || EqualsIgnoreCase(v, "identity")) return BodyEncoding::kIdentity;
  if (EqualsIgnoreCase(v, "gzip") || EqualsIgnoreCase(v, "x-gzip")) return BodyEncoding::kGzip;
  return BodyEncoding::kUnsupported;
}

struct GzipInflater::State {
  z_stream z{};
  bool initialized = false;
  bool saw_input = false;
};

GzipInflater::GzipInflater(size_t max_bytes) : state_(std::make_unique<State>()), max_bytes_(max_bytes) {
  state_->initialized = inflateInit2(&state_->z, kGzipWindowBits) == Z_OK;
}

GzipInflater::~GzipInflater() {
  if (state_->initialized) inflateEnd(&state_->z);
}

GzipInflater::Result GzipInflater::Feed(const char* data, size_t n, std::string* out, std::string* error) {
  if (failed_) {
    *error = "gzip request body: already failed";
    return Result::kCorrupt;
  }
  if (!state_->initialized) {
    failed_ = true;
    *error = "gzip request body: zlib could not start";
    return Result::kCorrupt;
  }
  if (n == 0) return Result::kOk;
  constexpr size_t kMaxPiece = 1u << 30;  // avail_in is 32 bits
  if (n > kMaxPiece) {
    Result r = Feed(data, kMaxPiece, out, error);
    return r != Result::kOk ? r : Feed(data + kMaxPiece, n - kMaxPiece, out, error);
  }
  z_stream& z = state_->z;
  state_->saw_input = true;
  if (member_done_) {  // another member follows (RFC 1952 section 2.2)
    inflateReset(&z);
    member_done_ = false;
  }
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data));
  z.avail_in = static_cast<uInt>(n);
  char slice[kInflateSlice];
  for (;;) {
    // Near the limit, room for one byte more than it allows, so that
    // passing it is seen without inflating further.
    const size_t left = max_bytes_ - total_out_;
    const size_t room = left < kInflateSlice ? left + 1 : kInflateSlice;
    z.next_out = reinterpret_cast<Bytef*>(slice);
    z.avail_out = static_cast<uInt>(room);
    int r = inflate(&z, Z_NO_FLUSH);
    size_t produced = room - z.avail_out;
    if (produced > max_bytes_ - total_out_) {
      failed_ = true;
      *error = "gzip request body inflates to more than " + std::to_string(max_bytes_) + " bytes";
      return Result::kTooLarge;
    }
    out->append(slice, produced);
    total_out_ += produced;
    if (r == Z_STREAM_END) {
      member_done_ = true;
      if (z.avail_in == 0) return Result::kOk;
      inflateReset(&z);  // the next member starts in this piece
      member_done_ = false;
      continue;
    }
    if (r == Z_OK) {
      if (z.avail_in == 0 && z.avail_out > 0) return Result::kOk;  // wants more input
      continue;
    }
    if (r == Z_BUF_ERROR && z.avail_in == 0) return Result::kOk;  // no progress without more input
    failed_ = true;
    *error = std::string("gzip request body: ") + (z.msg != nullptr ? z.msg : "not valid gzip data");
    return Result::kCorrupt;
  }
}

GzipInflater::Result GzipInflater::Finish(std::string* error) {
  if (failed_) {
    *error = "gzip request body: already failed";
    return Result::kCorrupt;
  }
  if (!state_->saw_input || member_done_) return Result::kOk;
  failed_ = true;
  *error = "gzip request body: truncated (the gzip stream did not end)";
  return Result::kCorrupt;
}

}  // namespace internal
}  // namespace grpcgw
