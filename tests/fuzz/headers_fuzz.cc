// Request-header parsers: Grpc-Timeout and the header-to-metadata rules
// (src/gateway/request_headers.h), base64 of "-bin" metadata (src/text),
// and the WebSocket opening handshake (src/websocket/handshake.h) with the
// input's lines as headers. Properties: Grpc-Timeout is accepted exactly
// when it is 1-8 digits and a unit, and gives that duration without
// overflow; metadata keys made by the default rule are valid; strict base64
// has one encoding per byte string; a handshake is accepted only with the
// headers RFC 6455 requires.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "gateway/request_headers.h"
#include "text/base64.h"
#include "websocket/handshake.h"

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  return out;
}

void CheckTimeout(std::string_view v) {
  std::chrono::nanoseconds timeout{};
  const bool ok = grpcgw::internal::ParseGrpcTimeout(v, &timeout);
  bool well_formed = v.size() >= 2 && v.size() <= 9 &&
                     std::string_view("HMSmun").find(v.back()) != std::string_view::npos;
  for (size_t i = 0; well_formed && i + 1 < v.size(); ++i) {
    well_formed = v[i] >= '0' && v[i] <= '9';
  }
  FUZZ_CHECK(ok == well_formed, "Grpc-Timeout accepted or refused wrongly: " + std::string(v));
  if (!ok) return;
  FUZZ_CHECK(timeout.count() >= 0, "negative timeout for " + std::string(v));
  const double value = std::stod(std::string(v.substr(0, v.size() - 1)));
  double unit_ns = 1;
  switch (v.back()) {
    case 'H': unit_ns = 3600e9; break;
    case 'M': unit_ns = 60e9; break;
    case 'S': unit_ns = 1e9; break;
    case 'm': unit_ns = 1e6; break;
    case 'u': unit_ns = 1e3; break;
    default: break;
  }
  // At most the cap the parser documents; exact below it.
  const double want = std::min(value * unit_ns, static_cast<double>(
      std::chrono::nanoseconds(grpcgw::internal::kMaxGrpcTimeout).count()));
  const double got = static_cast<double>(timeout.count());
  FUZZ_CHECK(got <= want * (1 + 1e-12) + 1 && got >= want * (1 - 1e-12) - 1,
             "Grpc-Timeout " + std::string(v) + " gave " + std::to_string(timeout.count()) + "ns");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  const std::vector<std::string_view> lines = Lines(input);
  std::vector<std::pair<std::string, std::string>> headers;
  for (std::string_view line : lines) {
    CheckTimeout(line);

    const std::string lower = Lower(line);
    std::string key;
    if (grpcgw::internal::DefaultHeaderKey(lower, &key)) {
      FUZZ_CHECK(Lower(key) == key, "metadata key not in lower case");
      FUZZ_CHECK(key.size() <= lower.size() + 12, "metadata key");
    }
    (void)grpcgw::internal::ValidMetadataKey(line);
    (void)grpcgw::internal::ValidMetadataValue(line);

    std::string raw;
    if (grpcgw::internal::Base64Decode(line, &raw)) {
      FUZZ_CHECK(grpcgw::internal::Base64Encode(raw) == line, "strict base64 not canonical");
    }
    if (grpcgw::internal::Base64DecodeLenient(line, &raw)) {
      std::string again;
      FUZZ_CHECK(grpcgw::internal::Base64Decode(grpcgw::internal::Base64Encode(raw), &again) &&
                     again == raw,
                 "base64 round trip");
    }

    const size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
      }
      headers.emplace_back(Lower(line.substr(0, colon)), std::string(value));
    }
  }

  // The handshake, with the headers found (repeated ones joined by ", ").
  const grpcgw::internal::HeaderLookup lookup =
      [&](std::string_view name) -> std::optional<std::string> {
    std::optional<std::string> out;
    const std::string want = Lower(name);
    for (const auto& [n, v] : headers) {
      if (n != want) continue;
      out = out ? *out + ", " + v : v;
    }
    return out;
  };
  grpcgw::internal::HandshakeOptions options;
  options.subprotocols = {"chat", "json"};
  const bool upgrade = grpcgw::internal::IsUpgradeRequest(lookup);
  const auto result = grpcgw::internal::CheckHandshake(lines.empty() ? "" : lines[0].substr(0, 3),
                                                       "HTTP/1.1", lookup, options);
  if (result.ok()) {
    FUZZ_CHECK(upgrade, "handshake accepted without Upgrade and Connection");
    FUZZ_CHECK(lookup("sec-websocket-key").has_value() && lookup("host").has_value(),
               "handshake accepted without a key or Host");
    FUZZ_CHECK(result.accept_key == grpcgw::internal::ComputeAcceptKey(*lookup("sec-websocket-key")),
               "accept key");
    const std::string response = grpcgw::internal::BuildHandshakeResponse(result);
    FUZZ_CHECK(response.find("\r\n\r\n") == response.size() - 4, "response head");
  } else {
    FUZZ_CHECK(result.status == 400 || result.status == 403 || result.status == 426, "status");
    FUZZ_CHECK(!result.error.empty(), "refused without a reason");
  }
  return 0;
}
