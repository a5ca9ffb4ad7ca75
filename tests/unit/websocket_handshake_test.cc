// The opening handshake: upgrade detection, validation, refusals and the
// 101 response.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "websocket/handshake.h"

namespace grpcgw::internal {
namespace {

struct CaseInsensitiveLess {
  bool operator()(const std::string& a, const std::string& b) const {
    return std::lexicographical_compare(
        a.begin(), a.end(), b.begin(), b.end(),
        [](char x, char y) { return std::tolower(x) < std::tolower(y); });
  }
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

HeaderLookup Lookup(const Headers& headers) {
  return [&headers](std::string_view name) -> std::optional<std::string> {
    auto it = headers.find(std::string(name));
    if (it == headers.end()) return std::nullopt;
    return it->second;
  };
}

// The request of RFC 6455 section 1.2, with its Origin made same-origin.
Headers BrowserRequest() {
  return {
      {"Host", "server.example.com"},
      {"Upgrade", "websocket"},
      {"Connection", "Upgrade"},
      {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
      {"Origin", "http://server.example.com"},
      {"Sec-WebSocket-Version", "13"},
  };
}

struct Row {
  const char* name;
  Headers headers;
  int status;
  HandshakeOptions options = {};
  const char* method = "GET";
  const char* version = "HTTP/1.1";
};

Headers With(Headers h, const std::string& name, const std::string& value) {
  h[name] = value;
  return h;
}
Headers Without(Headers h, const std::string& name) {
  h.erase(name);
  return h;
}

TEST_CASE("handshake validation accepts or refuses with the right status", "[websocket][handshake]") {
  HandshakeOptions allow_list;
  allow_list.allowed_origins = {"https://app.example.org", "tools.example.net:8443"};
  HandshakeOptions allow_all;
  allow_all.allowed_origins = {"*"};
  HandshakeOptions origin_required;
  origin_required.allow_missing_origin = false;

  const Headers base = BrowserRequest();
  const std::vector<Row> rows = {
      {"valid browser request", base, 101},
      {"Connection: keep-alive, Upgrade", With(base, "Connection", "keep-alive, Upgrade"), 101},
      {"Connection token in another case, no spaces", With(base, "Connection", "keep-alive,UPGRADE"), 101},
      {"Upgrade value in another case", With(base, "Upgrade", "WebSocket"), 101},
      {"HTTP/2.0 version string", base, 101, {}, "GET", "HTTP/2.0"},
      {"key and version with surrounding spaces",
       With(With(base, "Sec-WebSocket-Key", " dGhlIHNhbXBsZSBub25jZQ== "), "Sec-WebSocket-Version", " 13"), 101},
      {"no Origin (non-browser client)", Without(base, "Origin"), 101},

      {"POST", base, 400, {}, "POST"},
      {"lowercase get", base, 400, {}, "get"},
      {"HTTP/1.0", base, 400, {}, "GET", "HTTP/1.0"},
      {"garbage version", base, 400, {}, "GET", "HTTP/x"},
      {"no Upgrade header", Without(base, "Upgrade"), 400},
      {"Upgrade names another protocol", With(base, "Upgrade", "h2c"), 400},
      {"Connection without upgrade", With(base, "Connection", "keep-alive"), 400},
      {"Connection token only as a prefix", With(base, "Connection", "keep-alive, upgraded"), 400},
      {"no Host", Without(base, "Host"), 400},
      {"missing key", Without(base, "Sec-WebSocket-Key"), 400},
      {"key is not base64", With(base, "Sec-WebSocket-Key", "not a key at all!!!!!!!!"), 400},
      {"key decodes to 15 bytes", With(base, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA"), 400},
      {"key decodes to 17 bytes", With(base, "Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA="), 400},
      {"version 8", With(base, "Sec-WebSocket-Version", "8"), 426},
      {"missing version", Without(base, "Sec-WebSocket-Version"), 426},
      {"version list", With(base, "Sec-WebSocket-Version", "13, 8"), 426},

      {"cross-origin", With(base, "Origin", "http://evil.example.com"), 403},
      {"origin differs only in case", With(base, "Origin", "http://SERVER.example.COM"), 101},
      {"origin and host with the same port",
       With(With(base, "Origin", "http://server.example.com:8080"), "Host", "server.example.com:8080"), 101},
      {"origin port differs from host port",
       With(With(base, "Origin", "http://server.example.com:8080"), "Host", "server.example.com:9090"), 403},
      {"origin has a port, host does not", With(base, "Origin", "http://server.example.com:8080"), 403},
      {"https origin, host with the default port 443",
       With(With(base, "Origin", "https://server.example.com"), "Host", "server.example.com:443"), 101},
      {"http origin with explicit port 80, host without",
       With(base, "Origin", "http://server.example.com:80"), 101},
      {"https origin, host with port 80",
       With(With(base, "Origin", "https://server.example.com"), "Host", "server.example.com:80"), 403},
      {"IPv6 same origin",
       With(With(base, "Origin", "http://[::1]:8080"), "Host", "[::1]:8080"), 101},
      {"IPv6 different port",
       With(With(base, "Origin", "http://[::1]:8080"), "Host", "[::1]:8081"), 403},
      {"origin null", With(base, "Origin", "null"), 403},
      {"origin is a suffix of host", With(base, "Origin", "http://example.com"), 403},
      {"allow-listed full origin", With(base, "Origin", "https://APP.example.org"), 101, allow_list},
      {"allow-listed host:port", With(base, "Origin", "https://tools.example.net:8443"), 101, allow_list},
      {"allow-list entry with another scheme", With(base, "Origin", "http://app.example.org"), 403, allow_list},
      {"origin outside the allow-list", With(base, "Origin", "https://evil.example.org"), 403, allow_list},
      {"same origin still accepted with an allow-list", base, 101, allow_list},
      {"wildcard allow-list", With(base, "Origin", "https://anything.example"), 101, allow_all},
      {"missing Origin refused when required", Without(base, "Origin"), 403, origin_required},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      HandshakeResult result = CheckHandshake(row.method, row.version, Lookup(row.headers), row.options);
      INFO("error: " << result.error);
      CHECK(result.status == row.status);
      CHECK(result.ok() == (row.status == 101));
      CHECK(result.error.empty() == (row.status == 101));
      if (row.status == 101) CHECK(result.accept_key == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
      if (row.status == 426) {
        REQUIRE(result.headers.size() == 1);
        CHECK(result.headers[0].first == "Sec-WebSocket-Version");
        CHECK(result.headers[0].second == "13");
      } else {
        CHECK(result.headers.empty());
      }
    }
  }
}

TEST_CASE("upgrade detection looks only at Upgrade and Connection", "[websocket][handshake]") {
  const std::vector<std::pair<Headers, bool>> rows = {
      {BrowserRequest(), true},
      {{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}}, true},
      {{{"Upgrade", "foo, WebSocket"}, {"Connection", "close, upgrade"}}, true},
      {{{"Upgrade", "websocket"}}, false},
      {{{"Connection", "Upgrade"}}, false},
      {{{"Upgrade", "websockets"}, {"Connection", "Upgrade"}}, false},
      {{}, false},
  };
  for (size_t i = 0; i < rows.size(); ++i) {
    DYNAMIC_SECTION("row " << i) { CHECK(IsUpgradeRequest(Lookup(rows[i].first)) == rows[i].second); }
  }
}

TEST_CASE("header token lists match whole tokens case-insensitively", "[websocket][handshake]") {
  CHECK(HeaderHasToken("keep-alive, Upgrade", "upgrade"));
  CHECK(HeaderHasToken(" upgrade ", "upgrade"));
  CHECK(HeaderHasToken("a,\tUPGRADE\t,b", "upgrade"));
  CHECK(HeaderHasToken(",,upgrade,,", "upgrade"));
  CHECK_FALSE(HeaderHasToken("upgrade-insecure-requests", "upgrade"));
  CHECK_FALSE(HeaderHasToken("", "upgrade"));
  CHECK_FALSE(HeaderHasToken("up grade", "upgrade"));
}

TEST_CASE("subprotocol selection follows the server's preference", "[websocket][handshake]") {
  struct SubprotocolRow {
    const char* name;
    std::vector<std::string> server;
    std::optional<std::string> offered;
    const char* selected;
  };
  const std::vector<SubprotocolRow> rows = {
      {"none offered", {"chat"}, std::nullopt, ""},
      {"server speaks none", {}, "chat", ""},
      {"single match", {"chat"}, "chat", "chat"},
      {"server order wins", {"superchat", "chat"}, "chat, superchat", "superchat"},
      {"first server choice not offered", {"v2.json", "v1.json"}, "v1.json", "v1.json"},
      {"no match still succeeds", {"chat"}, "mqtt", ""},
      {"matching is case-sensitive", {"chat"}, "Chat", ""},
      {"spaces around elements", {"chat"}, "  mqtt ,  chat  ", "chat"},
  };
  for (const SubprotocolRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      Headers headers = BrowserRequest();
      if (row.offered) headers["Sec-WebSocket-Protocol"] = *row.offered;
      HandshakeOptions options;
      options.subprotocols = row.server;
      HandshakeResult result = CheckHandshake("GET", "HTTP/1.1", Lookup(headers), options);
      REQUIRE(result.ok());
      CHECK(result.subprotocol == row.selected);
    }
  }
}

TEST_CASE("the 101 response carries the accept key and the subprotocol", "[websocket][handshake]") {
  Headers headers = With(BrowserRequest(), "Sec-WebSocket-Protocol", "chat, superchat");
  HandshakeOptions options;
  options.subprotocols = {"chat"};
  HandshakeResult result = CheckHandshake("GET", "HTTP/1.1", Lookup(headers), options);
  REQUIRE(result.ok());
  // RFC 6455 section 1.2, with the header order this implementation uses.
  CHECK(BuildHandshakeResponse(result) ==
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "Sec-WebSocket-Protocol: chat\r\n"
        "\r\n");

  options.subprotocols.clear();
  result = CheckHandshake("GET", "HTTP/1.1", Lookup(headers), options);
  REQUIRE(result.ok());
  CHECK(BuildHandshakeResponse(result, {{"Server", "grpcgw"}}) ==
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "Server: grpcgw\r\n"
        "\r\n");
}

}  // namespace
}  // namespace grpcgw::internal
