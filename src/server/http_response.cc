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
  size_t capacity = 64 + (head_only ? 0 : body.size() + 32);
  for (const auto& [k, v] : res.headers) capacity += k.size() + v.size() + 4;
  std::string out;
  out.reserve(capacity);
  out.append("HTTP/1.1 ").append(std::to_string(res.status)).append(" ").append(ReasonPhrase(res.status)).append("\r\n");
  for (const auto& [k, v] : res.headers) {
    if (!SendableField(k, v)) continue;
    if (k == "Content-Length" || k == "Connection" || k == "Transfer-Encoding") continue;
    if (trailers && k.size() > kTrailerPrefix.size() && strncasecmp(k.data(), kTrailerPrefix.data(), kTrailerPrefix.size()) == 0) {
      trailer_fields.emplace(k, v);
      continue;
    }
    out.append(k).append(": ").append(v).append("\r\n");
  }
  if (trailers) {
    out += "Transfer-Encoding: chunked\r\n";
  } else {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  if (head_only) return out;
  if (!trailers) {
    out.append(body);
    return out;
  }
  if (!body.empty()) {
    char chunk_size[20];
    snprintf(chunk_size, sizeof chunk_size, "%zx\r\n", body.size());
    out += chunk_size;
    out += body;
    out += "\r\n";
  }
  return out + LastChunk(trailer_fields);
}

}  // namespace internal
}  // namespace grpcgw
