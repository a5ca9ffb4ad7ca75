// HTTP/1.1 responses written by grpcgw itself.
#include "server/http_response.h"

#include <strings.h>

#include <cstdio>
#include <string_view>

#include "server/http_status.h"

namespace grpcgw {
namespace internal {

namespace {
bool SendableField(const std::string& k, const std::string& v) {
  return !k.empty() && k.find_first_of(":\r\n") == std::string::npos && v.find_first_of("\r\n") == std::string::npos &&
         v.find('\0') == std::string::npos;
}
}  // namespace

std::string LastChunk(const httplib::Headers& trailers) {
  std::string out = "0\r\n";
  for (const auto& [k, v] : trailers) {
    if (SendableField(k, v)) out += k + ": " + v + "\r\n";
  }
  return out + "\r\n";
}

std::string SerializeResponse(httplib::Response& res, bool keep_alive, bool head_only, bool trailers) {
  std::string body = std::move(res.body);
  if (res.content_provider_ && res.content_length_ > 0) {
    httplib::DataSink sink;
    sink.write = [&body](const char* data, size_t n) {
      body.append(data, n);
      return true;
    };
    res.content_provider_(0, res.content_length_, sink);
  }
  static constexpr std::string_view kTrailerPrefix = "Grpc-Trailer-";
  httplib::Headers trailer_fields;
  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + ReasonPhrase(res.status) + "\r\n";
  for (const auto& [k, v] : res.headers) {
    if (!SendableField(k, v)) continue;
    if (k == "Content-Length" || k == "Connection" || k == "Transfer-Encoding") continue;
    if (trailers && k.size() > kTrailerPrefix.size() && strncasecmp(k.data(), kTrailerPrefix.data(), kTrailerPrefix.size()) == 0) {
      trailer_fields.emplace(k, v);
      continue;
    }
    out += k + ": " + v + "\r\n";
  }
  if (trailers) {
    out += "Transfer-Encoding: chunked\r\n";
  } else {
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (head_only) return out;
  if (!trailers) return out + body;
  if (!body.empty()) {
    char size[20];
    snprintf(size, sizeof size, "%zx\r\n", body.size());
    out += size;
    out += body;
    out += "\r\n";
  }
  return out + LastChunk(trailer_fields);
}

}  // namespace internal
}  // namespace grpcgw
