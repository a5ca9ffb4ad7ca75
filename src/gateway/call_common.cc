// What every gateway call shares: errors as JSON, request headers as gRPC
// metadata, deadlines, response metadata as headers.
#include <strings.h>

#include <algorithm>
#include <chrono>
#include <iterator>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "gateway/compression.h"
#include "gateway/cors.h"
#include "gateway/gateway_state.h"
#include "gateway/request_headers.h"
#include "server/http1_parser.h"
#include "grpcgw/status.h"
#include "text/base64.h"

namespace grpcgw {
namespace internal {
namespace {

// ASCII lower case (header names and metadata keys are ASCII tokens; other
// bytes are left alone whatever the locale).
void LowerInPlace(std::string* s) {
  for (char& c : *s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

// Keys gRPC reserves for itself (grpc-status, grpc-message,
// grpc-status-details-bin, grpc-timeout, grpc-encoding, ...), in lower case.
bool IsReservedMetadataKey(std::string_view key) {
  return key.size() >= 5 && (key[0] == 'g' || key[0] == 'G') && (key[1] == 'r' || key[1] == 'R') &&
         (key[2] == 'p' || key[2] == 'P') && (key[3] == 'c' || key[3] == 'C') && key[4] == '-';
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// now + timeout, or the largest time point when that is beyond it (which
// gRPC takes as no deadline at all).
std::chrono::system_clock::time_point DeadlineAfter(std::chrono::nanoseconds timeout) {
  using Clock = std::chrono::system_clock;
  const Clock::time_point now = Clock::now();
  // Compared in nanoseconds, system_clock's own unit here, so no
  // conversion can overflow.
  static_assert(std::is_same_v<Clock::duration, std::chrono::nanoseconds>);
  const std::chrono::nanoseconds room = Clock::time_point::max() - now;
  if (timeout >= room) return Clock::time_point::max();
  return now + timeout;
}

std::chrono::nanoseconds SaturatingNanos(std::chrono::milliseconds ms) {
  constexpr long long kMaxMs = std::numeric_limits<long long>::max() / 1000000;
  return ms.count() > kMaxMs ? std::chrono::nanoseconds::max() : std::chrono::nanoseconds(ms);
}

}  // namespace

void WriteError(RequestContext& ctx, const grpc::Status& status, int http_status) {
  ctx.res.status = http_status != 0 ? http_status : HttpStatusFromCode(status.error_code());
  ctx.res.set_content(StatusToJson(status, ctx.options.json_output), "application/json");
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED &&
      !ctx.res.has_header("WWW-Authenticate")) {
    ctx.res.set_header("WWW-Authenticate", "Bearer");
  }
  if (ctx.options.error_handler) ctx.options.error_handler(status, ctx.req, ctx.res);
}

void WriteHttpError(RequestContext& ctx, const HttpError& error) {
  if (!ctx.conn.body_buffered() &&
      (error.http_status == 413 || error.http_status == 400 || error.http_status == 408)) {
    // The rest of the body was not read: the connection cannot be reused.
    ctx.conn.CloseAfterResponse();
  }
  WriteError(ctx, grpc::Status(static_cast<grpc::StatusCode>(error.grpc_code), error.message),
             error.http_status);
}

grpc::Status MakeClientContext(const RequestContext& ctx, std::unique_ptr<grpc::ClientContext>* out) {
  auto context = std::make_unique<grpc::ClientContext>();
  const HeaderMatcher& matcher = ctx.options.incoming_header_matcher;
  bool has_deadline = false;
  // Header values as the client sent them: httplib percent-decodes its
  // copies (so "a%2Bb" would reach the service as "a+b", and "%0D%0A" as
  // CR LF). In received order.
  std::vector<std::pair<std::string, std::string>> headers;
  const RequestHead* raw = ctx.conn.request_head();
  if (raw != nullptr) {
    headers.reserve(raw->headers.size());
    for (const HeaderField& f : raw->headers) headers.emplace_back(f.name, f.value);
  } else {
    headers.assign(ctx.req.headers.begin(), ctx.req.headers.end());
  }
  auto header_value = [&](std::string_view wanted) -> std::string {
    for (const auto& [name, value] : headers) {
      if (name.size() == wanted.size() && strncasecmp(name.data(), wanted.data(), wanted.size()) == 0) {
        return value;
      }
    }
    return std::string();
  };
  std::string lower;  // reused for every header
  for (const auto& [name, value] : headers) {
    lower.assign(name);
    LowerInPlace(&lower);
    if (lower == "grpc-timeout") {
      std::chrono::nanoseconds timeout;
      if (!ParseGrpcTimeout(value, &timeout)) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "header \"Grpc-Timeout\": expected 1 to 8 digits and a unit (H, M, S, m, u, n), got \"" +
                                value + "\"");
      }
      context->set_deadline(DeadlineAfter(timeout));
      has_deadline = true;
      continue;
    }
    if (lower == "authorization" || lower == "last-event-id") {
      // Passed through under their own names; gRPC aborts the process on a
      // value it cannot carry, so check first.
      if (!ValidMetadataValue(value)) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "header \"" + name + "\": value has characters metadata cannot carry");
      }
      context->AddMetadata(lower, value);
    }
    std::string key;
    if (matcher) {
      if (!matcher(name, &key)) continue;
      LowerInPlace(&key);
    } else if (!DefaultHeaderKey(lower, &key)) {
      continue;
    }
    // gRPC's own keys (grpc-status, grpc-message, grpc-timeout, ...) are
    // not the client's to set: left out, as gRPC implementations do.
    if (IsReservedMetadataKey(key)) continue;
    if (!ValidMetadataKey(key)) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "header \"" + name + "\": \"" + key + "\" is not a valid metadata key");
    }
    if (EndsWith(key, "-bin")) {
      std::string decoded;
      if (!Base64Decode(value, &decoded)) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "header \"" + name + "\": expected base64, got \"" + value + "\"");
      }
      context->AddMetadata(key, decoded);
    } else {
      if (!ValidMetadataValue(value)) {
        return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                            "header \"" + name + "\": value has characters metadata cannot carry");
      }
      context->AddMetadata(key, value);
    }
  }
  // Where the request came from, as a proxy would say it.
  std::string forwarded_for = header_value("X-Forwarded-For");
  if (!ValidMetadataValue(forwarded_for)) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "header \"X-Forwarded-For\": value has characters metadata cannot carry");
  }
  forwarded_for = forwarded_for.empty() ? ctx.req.remote_addr : forwarded_for + ", " + ctx.req.remote_addr;
  if (!forwarded_for.empty()) context->AddMetadata("x-forwarded-for", forwarded_for);
  std::string host = header_value("X-Forwarded-Host");
  if (host.empty()) host = header_value("Host");
  if (!host.empty() && ValidMetadataValue(host)) context->AddMetadata("x-forwarded-host", host);
  if (!has_deadline && ctx.options.default_timeout.count() > 0) {
    context->set_deadline(DeadlineAfter(SaturatingNanos(ctx.options.default_timeout)));
  }
  *out = std::move(context);
  return grpc::Status::OK;
}

void SetResponseHeader(httplib::Response& res, const std::string& name, const std::string& value) {
  auto range = res.headers.equal_range(name);
  res.headers.erase(range.first, range.second);
  res.set_header(name, value);
}

void AppendResponseHeaderList(httplib::Response& res, const std::string& name, const std::string& value) {
  std::string current = res.get_header_value(name);
  SetResponseHeader(res, name, current.empty() ? value : current + ", " + value);
}

void FinishResponseBody(RequestContext& ctx) {
  httplib::Response& res = ctx.res;
  ExposeMetadataHeaders(ctx.options.cors, res);
  if (res.body.empty() || res.content_provider_) return;
  const std::string content_type = res.get_header_value("Content-Type");
  if (res.body.size() >= ctx.options.compression.min_bytes && IsCompressibleType(content_type) &&
      !res.has_header("Content-Encoding")) {
    // What the body is made of depends on Accept-Encoding: caches must know.
    AppendResponseHeaderList(res, "Vary", "Accept-Encoding");
    if (AcceptsGzip(ctx.req.get_header_value("Accept-Encoding"))) {
      std::string compressed;
      if (GzipCompress(res.body, &compressed)) {
        res.body.swap(compressed);
        res.set_header("Content-Encoding", "gzip");
      }
    }
  }
  // cpp-httplib 0.11.4 compresses a body held in memory whenever the
  // request's Accept-Encoding mentions br or gzip and the Content-Type is
  // one it compresses, whatever its size and even when it is already
  // encoded; a content provider of known length it sends as it is. So a
  // body httplib would compress is handed over that way.
  if (httplib::detail::encoding_type(ctx.req, res) == httplib::detail::EncodingType::None) return;
  auto body = std::make_shared<std::string>(std::move(res.body));
  res.body.clear();
  res.headers.erase("Content-Type");  // set_content_provider sets it again
  res.set_content_provider(body->size(), content_type,
                           [body](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(body->data() + offset, length);
                           });
}

void AddResponseMetadataHeaders(const grpc::ClientContext& context, bool trailers,
                                httplib::Headers* headers) {
  const auto& md = trailers ? context.GetServerTrailingMetadata() : context.GetServerInitialMetadata();
  const std::string prefix = trailers ? "Grpc-Trailer-" : "Grpc-Metadata-";
  for (const auto& [k, v] : md) {
    // gRPC's own trailers (grpc-status-details-bin, ...): the status is the
    // HTTP status and the JSON body.
    if (IsReservedMetadataKey(std::string_view(k.data(), k.size()))) continue;
    std::string key(k.data(), k.size());
    std::string value(v.data(), v.size());
    if (EndsWith(key, "-bin")) value = Base64Encode(value);
    if (!ValidMetadataValue(value)) continue;
    headers->emplace(prefix + key, value);
  }
}

}  // namespace internal
}  // namespace grpcgw
