#include "gateway/body_reader.h"

#include <strings.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace grpcgw {
namespace internal {
namespace {

constexpr size_t kMaxChunkLine = 4096;
// Trailer fields after the last chunk, in all (they are read and dropped).
constexpr size_t kMaxTrailerBytes = 16384;

HttpError MakeError(int http_status, int grpc_code, std::string message) {
  return HttpError{http_status, grpc_code, std::move(message)};
}

bool ContainsChunked(const std::string& value) {
  // The last transfer coding must be "chunked" for the body to be delimited.
  auto pos = value.rfind(',');
  std::string last = value.substr(pos == std::string::npos ? 0 : pos + 1);
  auto b = last.find_first_not_of(" \t");
  auto e = last.find_last_not_of(" \t");
  if (b == std::string::npos) return false;
  last = last.substr(b, e - b + 1);
  return strcasecmp(last.c_str(), "chunked") == 0;
}

}  // namespace

BodyReader::BodyReader(Connection& conn, const httplib::Request& req, size_t max_bytes,
                       std::chrono::milliseconds idle_timeout)
    : conn_(conn), max_bytes_(max_bytes), idle_timeout_(idle_timeout) {
  if (req.has_header("Transfer-Encoding")) {
    // RFC 9112 section 6.3: a body whose last transfer coding is not
    // chunked cannot be delimited; one that also has a Content-Length is
    // refused as a likely request-smuggling attempt.
    const std::string& v = req.get_header_value("Transfer-Encoding");
    if (req.has_header("Content-Length")) {
      framing_error_ = "request body: both Transfer-Encoding and Content-Length";
    } else if (ContainsChunked(v)) {
      chunked_ = true;
    } else {
      framing_error_ = "request body: Transfer-Encoding \"" + v + "\" is not supported";
    }
  } else if (req.has_header("Content-Length")) {
    const std::string& v = req.get_header_value("Content-Length");
    char* end = nullptr;
    // Digits only; a value beyond 64 bits saturates (strtoull gives
    // ULLONG_MAX), which is over any limit: 413.
    unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || end == nullptr || *end != '\0') {
      framing_error_ = "request body: malformed Content-Length \"" + v + "\"";
    } else {
      remaining_ = static_cast<size_t>(n);
    }
  }
  if (!framing_error_.empty()) {
    remaining_ = 0;
    return;  // every Read fails
  }
  if (!chunked_ && remaining_ == 0) finished_ = true;
}

long BodyReader::ReadRaw(char* data, size_t n, HttpError* error) {
  bool timed_out = false;
  long got = conn_.Read(data, n, idle_timeout_, &timed_out);
  if (got > 0) return got;
  if (timed_out) {
    *error = MakeError(408, 4, "request body: nothing received for " +
                                   std::to_string(idle_timeout_.count()) + " ms");
  } else {
    *error = MakeError(499, 1, "request body: the client closed the connection");
  }
  return -1;
}

bool BodyReader::ReadLine(std::string* line, HttpError* error) {
  line->clear();
  char c;
  while (true) {
    if (ReadRaw(&c, 1, error) < 0) return false;
    if (c == '\n') break;
    line->push_back(c);
    if (line->size() > kMaxChunkLine) {
      *error = MakeError(400, 3, "request body: chunk header line too long");
      return false;
    }
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return true;
}

// chunk-size [ chunk-ext ] CRLF; a last chunk of size 0 is followed by
// trailer fields and an empty line.
bool BodyReader::ReadChunkHeader(HttpError* error) {
  std::string line;
  if (!ReadLine(&line, error)) return false;
  size_t size = 0;
  size_t i = 0;
  for (; i < line.size(); ++i) {
    char c = line[i];
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else break;
    if (size > (SIZE_MAX >> 4)) {
      *error = MakeError(413, 8, "request body: chunk size too large");
      return false;
    }
    size = size * 16 + static_cast<size_t>(d);
  }
  if (i == 0 || (i < line.size() && line[i] != ';' && line[i] != ' ' && line[i] != '\t')) {
    *error = MakeError(400, 3, "request body: malformed chunk size line");
    return false;
  }
  if (size == 0) {
    // Trailer section.
    size_t trailer_bytes = 0;
    do {
      if (!ReadLine(&line, error)) return false;
      trailer_bytes += line.size() + 2;
      if (trailer_bytes > kMaxTrailerBytes) {
        *error = MakeError(400, 3, "request body: trailer section larger than " +
                                       std::to_string(kMaxTrailerBytes) + " bytes");
        return false;
      }
    } while (!line.empty());
    finished_ = true;
    return true;
  }
  remaining_ = size;
  return true;
}

bool BodyReader::ReadChunkEnd(HttpError* error) {
  char crlf[2];
  size_t have = 0;
  while (have < 2) {
    long r = ReadRaw(crlf + have, 2 - have, error);
    if (r < 0) return false;
    have += static_cast<size_t>(r);
  }
  if (crlf[0] != '\r' || crlf[1] != '\n') {
    *error = MakeError(400, 3, "request body: chunk not followed by CRLF");
    return false;
  }
  chunk_end_pending_ = false;
  return true;
}

long BodyReader::Read(char* data, size_t n, HttpError* error) {
  if (!framing_error_.empty()) {
    *error = MakeError(400, 3, framing_error_);
    return -1;
  }
  if (finished_ || n == 0) return 0;
  if (!chunked_ && remaining_ > max_bytes_ - std::min(total_, max_bytes_)) {
    // A declared length over the limit fails before it is read.
    *error = MakeError(413, 8, "request body of " + std::to_string(total_ + remaining_) +
                                   " bytes larger than the limit of " + std::to_string(max_bytes_) + " bytes");
    return -1;
  }
  if (chunk_end_pending_ && !ReadChunkEnd(error)) return -1;
  if (chunked_ && remaining_ == 0) {
    if (!ReadChunkHeader(error)) return -1;
    if (finished_) return 0;
  }
  size_t want = std::min(n, remaining_);
  long got = ReadRaw(data, want, error);
  if (got < 0) return -1;
  remaining_ -= static_cast<size_t>(got);
  total_ += static_cast<size_t>(got);
  if (total_ > max_bytes_) {
    *error = MakeError(413, 8, "request body larger than the limit of " +
                                   std::to_string(max_bytes_) + " bytes");
    return -1;
  }
  if (remaining_ == 0) {
    // The CRLF after a chunk's data is read with the next chunk, so that
    // the data is handed out as soon as it arrived.
    if (chunked_) {
      chunk_end_pending_ = true;
    } else {
      finished_ = true;
    }
  }
  return got;
}

bool BodyReader::ReadAll(std::string* out, HttpError* error) {
  char buf[16384];
  while (!finished_) {
    long got = Read(buf, sizeof buf, error);
    if (got < 0) return false;
    out->append(buf, static_cast<size_t>(got));
  }
  return true;
}

bool BodyReader::Drain() {
  HttpError ignored;
  char buf[16384];
  while (!finished_) {
    if (Read(buf, sizeof buf, &ignored) < 0) return false;
  }
  return true;
}

}  // namespace internal
}  // namespace grpcgw
