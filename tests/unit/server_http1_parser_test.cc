// The HTTP/1.1 request head parser and chunked body decoder (RFC 9112), each
// input run over many splits: all at once, byte by byte, every single split
// point, and random pieces from a fixed seed. Every split must give the same
// outcome.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "server/http1_parser.h"

namespace grpcgw::internal {
namespace {

using std::string_literals::operator""s;
using Body = RequestHead::Body;
using HeadResult = RequestHeadParser::Result;
using ChunkResult = ChunkedBodyDecoder::Result;

// Where an input is cut: the end offsets of its pieces, the last one being
// the input's size.
struct Split {
  std::string name;
  std::vector<size_t> ends;
};

std::vector<Split> Splits(size_t size) {
  std::vector<Split> out;
  out.push_back({"whole", {size}});
  if (size <= 400) {
    Split bytes{"byte by byte", {}};
    for (size_t i = 1; i <= size; ++i) bytes.ends.push_back(i);
    out.push_back(std::move(bytes));
    for (size_t i = 1; i < size; ++i) out.push_back({"split at " + std::to_string(i), {i, size}});
  }
  std::mt19937 rng(1234567u ^ static_cast<uint32_t>(size));
  for (int r = 0; r < 12; ++r) {
    Split s{"random #" + std::to_string(r), {}};
    size_t at = 0;
    while (at < size) {
      size_t n = rng() % 3 == 0 ? 1 + rng() % 4 : 1 + rng() % 200;
      at = std::min(size, at + n);
      s.ends.push_back(at);
    }
    out.push_back(std::move(s));
  }
  return out;
}

// ---------------------------------------------------------------------------
// Request heads

struct HeadOutcome {
  HeadResult result = HeadResult::kIncomplete;
  int status = 0;
  size_t head_size = 0;
  RequestHead head;
};

bool SameHead(const RequestHead& a, const RequestHead& b) {
  if (a.headers.size() != b.headers.size()) return false;
  for (size_t i = 0; i < a.headers.size(); ++i) {
    if (a.headers[i].name != b.headers[i].name || a.headers[i].value != b.headers[i].value) {
      return false;
    }
  }
  return a.method == b.method && a.target == b.target && a.version_minor == b.version_minor &&
         a.body == b.body && a.content_length == b.content_length &&
         a.keep_alive == b.keep_alive && a.expect_continue == b.expect_continue;
}

// Feeds growing prefixes of `input`, as a connection loop does, stopping at
// the first result that is not kIncomplete.
HeadOutcome RunHead(std::string_view input, const Split& split, const HeadLimits& limits) {
  RequestHeadParser parser(limits);
  HeadOutcome out;
  for (size_t end : split.ends) {
    out.result = parser.Parse(input.substr(0, end));
    if (out.result != HeadResult::kIncomplete) break;
  }
  if (out.result == HeadResult::kError) {
    out.status = parser.error().status;
    CHECK_FALSE(parser.error().message.empty());
  }
  if (out.result == HeadResult::kComplete) {
    out.head_size = parser.head_size();
    out.head = parser.head();
  }
  return out;
}

// The outcome of parsing `input`, checked to be the same for every split.
HeadOutcome ParseHead(std::string_view input, const HeadLimits& limits = {}) {
  const std::vector<Split> splits = Splits(input.size());
  const HeadOutcome whole = RunHead(input, splits[0], limits);
  for (size_t i = 1; i < splits.size(); ++i) {
    const HeadOutcome other = RunHead(input, splits[i], limits);
    INFO(splits[i].name);
    REQUIRE(other.result == whole.result);
    REQUIRE(other.status == whole.status);
    REQUIRE(other.head_size == whole.head_size);
    REQUIRE(SameHead(other.head, whole.head));
  }
  return whole;
}

HeadOutcome ParseComplete(std::string_view input, const HeadLimits& limits = {}) {
  HeadOutcome out = ParseHead(input, limits);
  INFO(input);
  INFO("status " << out.status);
  REQUIRE(out.result == HeadResult::kComplete);
  return out;
}

std::string Req(std::string_view headers, std::string_view request_line = "GET / HTTP/1.1") {
  return std::string(request_line) + "\r\n" + std::string(headers) + "\r\n";
}

struct ErrorRow {
  std::string name;
  std::string input;
  int status;
};

void CheckErrors(const std::vector<ErrorRow>& rows) {
  for (const ErrorRow& row : rows) {
    INFO(row.name);
    const HeadOutcome out = ParseHead(row.input);
    CHECK(out.result == HeadResult::kError);
    CHECK(out.status == row.status);
  }
}

TEST_CASE("head parser reads a request line, headers and the head size", "[server][http1]") {
  const std::string input = "POST /v1/books?x=1&y=%20 HTTP/1.1\r\nHost: example.com\r\n"
                            "Content-Type: application/json\r\nContent-Length: 7\r\n\r\n{\"a\":1}";
  const HeadOutcome out = ParseComplete(input);
  CHECK(out.head.method == "POST");
  CHECK(out.head.target == "/v1/books?x=1&y=%20");
  CHECK(out.head.version_minor == 1);
  REQUIRE(out.head.headers.size() == 3);
  CHECK(out.head.headers[0].name == "Host");
  CHECK(out.head.headers[0].value == "example.com");
  CHECK(out.head.headers[1].name == "Content-Type");
  CHECK(out.head.headers[1].value == "application/json");
  CHECK(out.head.body == Body::kContentLength);
  CHECK(out.head.content_length == 7);
  CHECK(out.head.keep_alive);
  CHECK_FALSE(out.head.expect_continue);
  CHECK(out.head_size == input.size() - 7);
  CHECK(input.substr(out.head_size) == "{\"a\":1}");
  CHECK(*out.head.Find("content-TYPE") == "application/json");
  CHECK(out.head.Find("Accept") == nullptr);
}

TEST_CASE("head parser accepts the request-line forms of RFC 9112", "[server][http1]") {
  struct Row {
    std::string line;
    std::string method;
    std::string target;
    int minor;
  };
  const std::vector<Row> rows = {
      {"GET / HTTP/1.1", "GET", "/", 1},
      {"GET /a/b?c=d#e HTTP/1.0", "GET", "/a/b?c=d#e", 0},
      {"get /lower HTTP/1.1", "get", "/lower", 1},  // methods are case-sensitive tokens
      {"M-SEARCH! /x HTTP/1.1", "M-SEARCH!", "/x", 1},
      {"OPTIONS * HTTP/1.1", "OPTIONS", "*", 1},
      {"GET http://example.com/x?y HTTP/1.1", "GET", "http://example.com/x?y", 1},
      {"GET h2c+x.y-z:opaque HTTP/1.1", "GET", "h2c+x.y-z:opaque", 1},
      {"CONNECT example.com:443 HTTP/1.1", "CONNECT", "example.com:443", 1},
      {"GET /%00%0D%0A~!$&'()*+,;=:@[]|{}^`\"<>\\ HTTP/1.1", "GET",
       "/%00%0D%0A~!$&'()*+,;=:@[]|{}^`\"<>\\", 1},
  };
  for (const Row& row : rows) {
    INFO(row.line);
    const HeadOutcome out = ParseComplete(Req("Host: h\r\n", row.line));
    CHECK(out.head.method == row.method);
    CHECK(out.head.target == row.target);
    CHECK(out.head.version_minor == row.minor);
  }
}

TEST_CASE("head parser refuses malformed request lines", "[server][http1]") {
  CheckErrors({
      {"empty method", Req("Host: h\r\n", " / HTTP/1.1"), 400},
      {"two spaces before the target", Req("Host: h\r\n", "GET  / HTTP/1.1"), 400},
      {"two spaces before the version", Req("Host: h\r\n", "GET /  HTTP/1.1"), 400},
      {"tab as separator", Req("Host: h\r\n", "GET\t/ HTTP/1.1"), 400},
      {"tab in the target", Req("Host: h\r\n", "GET /a\tb HTTP/1.1"), 400},
      {"space after the version", Req("Host: h\r\n", "GET / HTTP/1.1 "), 400},
      {"extra word", Req("Host: h\r\n", "GET / HTTP/1.1 x"), 400},
      {"invalid method character", Req("Host: h\r\n", "GE(T / HTTP/1.1"), 400},
      {"UTF-8 in the method", Req("Host: h\r\n", "G\xC3\x89T / HTTP/1.1"), 400},
      {"UTF-8 in the target", Req("Host: h\r\n", "GET /caf\xC3\xA9 HTTP/1.1"), 400},
      {"DEL in the target", Req("Host: h\r\n", "GET /\x7F HTTP/1.1"), 400},
      {"NUL in the target", Req("Host: h\r\n", "GET /\0 HTTP/1.1"s), 400},
      {"no version (HTTP/0.9)", "GET /\r\n\r\n", 400},
      {"no target", "GET\r\nHost: h\r\n\r\n", 400},
      {"lowercase protocol", Req("Host: h\r\n", "GET / http/1.1"), 400},
      {"version 1.10", Req("Host: h\r\n", "GET / HTTP/1.10"), 400},
      {"version 1", Req("Host: h\r\n", "GET / HTTP/1"), 400},
      {"version 11", Req("Host: h\r\n", "GET / HTTP/11"), 400},
      {"version x.y", Req("Host: h\r\n", "GET / HTTP/x.y"), 400},
      {"not HTTP", Req("Host: h\r\n", "GET / HTTPS/1.1"), 400},
      {"star for GET", Req("Host: h\r\n", "GET * HTTP/1.1"), 400},
      {"authority-form for GET", Req("Host: h\r\n", "GET 127.0.0.1:80 HTTP/1.1"), 400},
      {"relative target", Req("Host: h\r\n", "GET a/b HTTP/1.1"), 400},
      {"scheme starting with a digit", Req("Host: h\r\n", "GET 1a:b HTTP/1.1"), 400},
      {"TLS handshake", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"s, 400},
      {"leading space", Req("Host: h\r\n", " GET / HTTP/1.1"), 400},
      {"HTTP/2.0", Req("Host: h\r\n", "GET / HTTP/2.0"), 505},
      {"HTTP/0.9", Req("Host: h\r\n", "GET / HTTP/0.9"), 505},
      {"HTTP/1.2", Req("Host: h\r\n", "GET / HTTP/1.2"), 505},
      {"HTTP/3.0", Req("Host: h\r\n", "GET / HTTP/3.0"), 505},
      {"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
  });
}

TEST_CASE("head parser skips empty lines before the request line", "[server][http1]") {
  const std::string input = "\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\nrest";
  const HeadOutcome out = ParseComplete(input);
  CHECK(out.head.method == "GET");
  CHECK(out.head_size == input.size() - 4);
  // Bounded by the head limit.
  HeadLimits limits;
  limits.max_head_bytes = 100;
  std::string blank;
  for (int i = 0; i < 51; ++i) blank += "\r\n";
  const HeadOutcome many = ParseHead(blank + "GET / HTTP/1.1\r\nHost: h\r\n\r\n", limits);
  CHECK(many.result == HeadResult::kError);
  CHECK(many.status == 431);
}

TEST_CASE("head parser accepts bare LF line ends and refuses a CR without LF", "[server][http1]") {
  const std::string input = "GET /x HTTP/1.1\nHost: h\nA: b\r\nC: d\n\nbody";
  const HeadOutcome out = ParseComplete(input);
  REQUIRE(out.head.headers.size() == 3);
  CHECK(out.head.headers[1].value == "b");
  CHECK(out.head.headers[2].value == "d");
  CHECK(out.head_size == input.size() - 4);

  CheckErrors({
      {"CR before the request line", "\rGET / HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"CR inside the request line", "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", 400},
      {"CR after the version", "GET / HTTP/1.1\rHost: h\r\n\r\n", 400},
      {"CR CR LF after the version", "GET / HTTP/1.1\r\r\nHost: h\r\n\r\n", 400},
      {"CR inside a value", "GET / HTTP/1.1\r\nHost: h\r\nA: b\rc\r\n\r\n", 400},
      {"CR at the end of a value", "GET / HTTP/1.1\r\nHost: h\r\nA: b\r\r\n\r\n", 400},
      {"CR inside a name", "GET / HTTP/1.1\r\nHost: h\r\nA\rB: c\r\n\r\n", 400},
      {"CR alone as the final line", "GET / HTTP/1.1\r\nHost: h\r\n\rX\r\n", 400},
  });
}

TEST_CASE("head parser names the header whose value holds a CR or another control byte",
          "[server][http1]") {
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"X-Split", Req("Host: h\r\nX-Split: a\rInjected: yes\r\n")},
      {"X-Cr-End", Req("Host: h\r\nX-Cr-End: a\r\r\n")},
      {"X-Nul", Req("Host: h\r\nX-Nul: a\0b\r\n"s)},
      {"X-Soh", Req("Host: h\r\nX-Soh: \x01\r\n")},
  };
  for (const auto& [name, input] : rows) {
    INFO(name);
    for (const Split& split : Splits(input.size())) {
      INFO(split.name);
      RequestHeadParser parser;
      RequestHeadParser::Result result = RequestHeadParser::Result::kIncomplete;
      for (size_t end : split.ends) {
        result = parser.Parse(std::string_view(input).substr(0, end));
        if (result != HeadResult::kIncomplete) break;
      }
      REQUIRE(result == HeadResult::kError);
      CHECK(parser.error().status == 400);
      CHECK(parser.error().message.find("header " + name) != std::string::npos);
    }
  }
}

TEST_CASE("head parser keeps header values as received, without surrounding OWS",
          "[server][http1]") {
  const HeadOutcome out = ParseComplete(Req(
      "Host: h\r\n"
      "A:  \t a  b\t \r\n"
      "B:\r\n"
      "C:   \r\n"
      "D:x\r\n"
      "E: caf\xC3\xA9 \x80\xFF\r\n"
      "F: a%0D%0Ab\r\n"
      "G: %63hunked\r\n"
      "H: \"quoted, with comma\"\r\n"
      "I: \ta\tb\t\r\n"));
  const std::vector<std::pair<std::string, std::string>> want = {
      {"Host", "h"}, {"A", "a  b"}, {"B", ""}, {"C", ""}, {"D", "x"},
      {"E", "caf\xC3\xA9 \x80\xFF"}, {"F", "a%0D%0Ab"}, {"G", "%63hunked"},
      {"H", "\"quoted, with comma\""}, {"I", "a\tb"},
  };
  REQUIRE(out.head.headers.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    CHECK(out.head.headers[i].name == want[i].first);
    CHECK(out.head.headers[i].value == want[i].second);
  }
  CHECK(out.head.body == Body::kNone);
}

TEST_CASE("head parser refuses malformed header lines", "[server][http1]") {
  CheckErrors({
      {"space before the colon", Req("Host: h\r\nContent-Length : 5\r\n"), 400},
      {"tab before the colon", Req("Host: h\r\nA\t: 5\r\n"), 400},
      {"space before the colon of Transfer-Encoding",
       Req("Host: h\r\nTransfer-Encoding : chunked\r\n"), 400},
      {"obs-fold", Req("Host: h\r\nA: b\r\n c\r\n"), 400},
      {"obs-fold with tab", Req("Host: h\r\nA: b\r\n\tc\r\n"), 400},
      {"whitespace before the first header", Req(" Host: h\r\n"), 400},
      {"no colon", Req("Host: h\r\nA b\r\n"), 400},
      {"no colon, bare name", Req("Host: h\r\nA\r\n"), 400},
      {"empty name", Req("Host: h\r\n: b\r\n"), 400},
      {"invalid name character", Req("Host: h\r\nA(B: c\r\n"), 400},
      {"UTF-8 in the name", Req("Host: h\r\nA\xC3\xA9: c\r\n"), 400},
      {"NUL in the value", Req("Host: h\r\nA: b\0c\r\n"s), 400},
      {"SOH in the value", Req("Host: h\r\nA: b\x01\r\n"), 400},
      {"VT in the value", Req("Host: h\r\nTransfer-Encoding: \x0B" "chunked\r\n"), 400},
      {"FF in the value", Req("Host: h\r\nA: \x0C\r\n"), 400},
      {"ESC in the value", Req("Host: h\r\nA: \x1B[0m\r\n"), 400},
      {"DEL in the value", Req("Host: h\r\nA: \x7F\r\n"), 400},
  });
}

TEST_CASE("head parser requires one valid Host in HTTP/1.1", "[server][http1]") {
  CheckErrors({
      {"HTTP/1.1 without Host", Req("A: b\r\n"), 400},
      {"two Host fields", Req("Host: a\r\nHost: a\r\n"), 400},
      {"two Host fields in HTTP/1.0", Req("Host: a\r\nhost: b\r\n", "GET / HTTP/1.0"), 400},
      {"Host with a space", Req("Host: a b\r\n"), 400},
      {"Host with a slash", Req("Host: a/b\r\n"), 400},
      {"Host with a user", Req("Host: u@a\r\n"), 400},
  });
  CHECK(ParseComplete(Req("", "GET / HTTP/1.0")).head.version_minor == 0);
  CHECK(ParseComplete(Req("hOsT: [::1]:8080\r\n")).head.headers[0].value == "[::1]:8080");
  CHECK(ParseComplete(Req("Host: xn--caf-dma.example:1\r\n")).head_size > 0);
  CHECK(ParseComplete(Req("Host:\r\n")).head.headers[0].value.empty());
}

TEST_CASE("head parser derives the body framing (RFC 9112 section 6)", "[server][http1]") {
  struct Row {
    std::string name;
    std::string headers;
    Body body;
    uint64_t length;
  };
  const std::vector<Row> rows = {
      {"no framing", "", Body::kNone, 0},
      {"Content-Length", "Content-Length: 5\r\n", Body::kContentLength, 5},
      {"Content-Length 0", "Content-Length: 0\r\n", Body::kContentLength, 0},
      {"Content-Length with OWS", "Content-Length: \t 42 \t\r\n", Body::kContentLength, 42},
      {"Content-Length leading zeros", "Content-Length: 007\r\n", Body::kContentLength, 7},
      {"Content-Length 18 digits", "Content-Length: 999999999999999999\r\n",
       Body::kContentLength, 999999999999999999u},
      {"equal Content-Length fields", "Content-Length: 5\r\ncontent-length: 5\r\n",
       Body::kContentLength, 5},
      {"equal Content-Length members", "Content-Length: 5, 5,5\r\n", Body::kContentLength, 5},
      {"chunked", "Transfer-Encoding: chunked\r\n", Body::kChunked, 0},
      {"Chunked in capitals", "transfer-encoding: CHUNKED\r\n", Body::kChunked, 0},
      {"chunked with empty members", "Transfer-Encoding: , chunked ,\r\n", Body::kChunked, 0},
      {"chunked after an empty field", "Transfer-Encoding:\r\nTransfer-Encoding: chunked\r\n",
       Body::kChunked, 0},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const HeadOutcome out = ParseComplete(Req("Host: h\r\n" + row.headers));
    CHECK(out.head.body == row.body);
    CHECK(out.head.content_length == row.length);
  }
}

TEST_CASE("head parser refuses ambiguous framing", "[server][http1]") {
  CheckErrors({
      // Transfer-Encoding
      {"%63hunked", Req("Host: h\r\nTransfer-Encoding: %63hunked\r\n"), 400},
      {"chunked, identity", Req("Host: h\r\nTransfer-Encoding: chunked, identity\r\n"), 400},
      {"chunked + identity fields",
       Req("Host: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n"), 400},
      {"chunked, chunked", Req("Host: h\r\nTransfer-Encoding: chunked, chunked\r\n"), 400},
      {"chunked + chunked fields",
       Req("Host: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"), 400},
      {"chunked, gzip", Req("Host: h\r\nTransfer-Encoding: chunked, gzip\r\n"), 400},
      {"gzip alone", Req("Host: h\r\nTransfer-Encoding: gzip\r\n"), 400},
      {"identity alone", Req("Host: h\r\nTransfer-Encoding: identity\r\n"), 400},
      {"empty Transfer-Encoding", Req("Host: h\r\nTransfer-Encoding: \r\n"), 400},
      {"only commas", Req("Host: h\r\nTransfer-Encoding: ,,\r\n"), 400},
      {"chunked with a parameter", Req("Host: h\r\nTransfer-Encoding: chunked;q=1\r\n"), 400},
      {"chunked with junk", Req("Host: h\r\nTransfer-Encoding: chunked x\r\n"), 400},
      {"xchunked", Req("Host: h\r\nTransfer-Encoding: xchunked\r\n"), 400},
      {"chunked in quotes", Req("Host: h\r\nTransfer-Encoding: \"chunked\"\r\n"), 400},
      {"Transfer-Encoding in HTTP/1.0",
       Req("Host: h\r\nTransfer-Encoding: chunked\r\n", "POST / HTTP/1.0"), 400},
      {"Transfer-Encoding then Content-Length",
       Req("Host: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n"), 400},
      {"Content-Length then Transfer-Encoding",
       Req("Host: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 400},
      {"gzip, chunked", Req("Host: h\r\nTransfer-Encoding: gzip, chunked\r\n"), 501},
      {"gzip + chunked fields",
       Req("Host: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n"), 501},
      {"identity, chunked", Req("Host: h\r\nTransfer-Encoding: identity, chunked\r\n"), 501},
      // Content-Length
      {"two different Content-Length fields",
       Req("Host: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n"), 400},
      {"two different Content-Length members", Req("Host: h\r\nContent-Length: 5, 6\r\n"), 400},
      {"Content-Length spelled differently",
       Req("Host: h\r\nContent-Length: 5\r\nContent-Length: 05\r\n"), 400},
      {"Content-Length with an empty member", Req("Host: h\r\nContent-Length: 5,\r\n"), 400},
      {"empty Content-Length", Req("Host: h\r\nContent-Length:\r\n"), 400},
      {"Content-Length +5", Req("Host: h\r\nContent-Length: +5\r\n"), 400},
      {"Content-Length -5", Req("Host: h\r\nContent-Length: -5\r\n"), 400},
      {"Content-Length 0x5", Req("Host: h\r\nContent-Length: 0x5\r\n"), 400},
      {"Content-Length 5.0", Req("Host: h\r\nContent-Length: 5.0\r\n"), 400},
      {"Content-Length 1e3", Req("Host: h\r\nContent-Length: 1e3\r\n"), 400},
      {"Content-Length 5 5", Req("Host: h\r\nContent-Length: 5 5\r\n"), 400},
      {"Content-Length 19 digits", Req("Host: h\r\nContent-Length: 1000000000000000000\r\n"),
       400},
      {"Content-Length overflowing 64 bits",
       Req("Host: h\r\nContent-Length: 100000000000000000000\r\n"), 400},
      {"Content-Length with leading zeros past 18 digits",
       Req("Host: h\r\nContent-Length: 0000000000000000005\r\n"), 400},
      {"Content-Length percent-encoded", Req("Host: h\r\nContent-Length: %35\r\n"), 400},
  });
}

TEST_CASE("head parser reads keep-alive and Expect", "[server][http1]") {
  struct Row {
    std::string name;
    std::string request_line;
    std::string headers;
    bool keep_alive;
    bool expect_continue;
  };
  const std::vector<Row> rows = {
      {"1.1 default", "GET / HTTP/1.1", "Host: h\r\n", true, false},
      {"1.1 close", "GET / HTTP/1.1", "Host: h\r\nConnection: close\r\n", false, false},
      {"1.1 Close in a list", "GET / HTTP/1.1", "Host: h\r\nConnection: keep-alive, CLOSE\r\n",
       false, false},
      {"1.1 close in a second field", "GET / HTTP/1.1",
       "Host: h\r\nConnection: upgrade\r\nConnection: close\r\n", false, false},
      {"1.1 other token", "GET / HTTP/1.1", "Host: h\r\nConnection: upgrade\r\n", true, false},
      {"1.1 close as a substring", "GET / HTTP/1.1", "Host: h\r\nConnection: closed\r\n", true,
       false},
      {"1.0 default", "GET / HTTP/1.0", "", false, false},
      {"1.0 keep-alive", "GET / HTTP/1.0", "Connection: Keep-Alive\r\n", true, false},
      {"1.0 keep-alive and close", "GET / HTTP/1.0", "Connection: keep-alive, close\r\n",
       false, false},
      {"1.1 Expect", "POST / HTTP/1.1", "Host: h\r\nExpect: 100-continue\r\n", true, true},
      {"1.1 Expect in capitals", "POST / HTTP/1.1", "Host: h\r\nExpect: 100-Continue\r\n", true,
       true},
      {"1.1 other expectation", "POST / HTTP/1.1", "Host: h\r\nExpect: 200-ok\r\n", true, false},
      {"1.0 Expect is ignored", "POST / HTTP/1.0", "Expect: 100-continue\r\n", false, false},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const HeadOutcome out = ParseComplete(Req(row.headers, row.request_line));
    CHECK(out.head.keep_alive == row.keep_alive);
    CHECK(out.head.expect_continue == row.expect_continue);
  }
  const HeadOutcome out = ParseComplete(Req("Host: h\r\nA: x, y\r\na: Z\r\n"));
  CHECK(out.head.HasToken("a", "x"));
  CHECK(out.head.HasToken("A", "y"));
  CHECK(out.head.HasToken("A", "z"));
  CHECK_FALSE(out.head.HasToken("A", "x, y"));
  CHECK_FALSE(out.head.HasToken("B", "x"));
}

// The result after feeding the first `n` bytes of `input` to a fresh parser.
HeadOutcome Prefix(std::string_view input, size_t n, const HeadLimits& limits) {
  return RunHead(input.substr(0, n), Split{"whole", {n}}, limits);
}

TEST_CASE("head parser enforces the request line limit at once", "[server][http1]") {
  HeadLimits limits;
  limits.max_request_line = 40;
  // "GET /" + padding + " HTTP/1.1" is exactly 40 bytes.
  const std::string target = "/" + std::string(40 - 4 - 9 - 1, 'a');
  const std::string line = "GET " + target + " HTTP/1.1";
  REQUIRE(line.size() == 40);
  CHECK(ParseComplete(Req("Host: h\r\n", line), limits).head.target == target);
  CHECK(ParseComplete("GET " + target + " HTTP/1.1\nHost: h\n\n", limits).head_size > 0);

  const std::string longer = Req("Host: h\r\n", "GET " + target + "a HTTP/1.1");
  const HeadOutcome out = ParseHead(longer, limits);
  CHECK(out.result == HeadResult::kError);
  CHECK(out.status == 414);
  // Found at the 41st byte of the line, without waiting for its end.
  CHECK(Prefix(longer, 40, limits).result == HeadResult::kIncomplete);
  CHECK(Prefix(longer, 41, limits).status == 414);
  // A line of exactly the limit followed by its CR is still waiting for LF.
  CHECK(Prefix(Req("Host: h\r\n", line), 41, limits).result == HeadResult::kIncomplete);
  // Empty lines before it do not count towards the line.
  CHECK(ParseComplete("\r\n\r\n" + Req("Host: h\r\n", line), limits).head.target == target);
  // A line that never ends.
  const std::string endless = "GET /" + std::string(100000, 'x');
  CHECK(Prefix(endless, endless.size(), limits).status == 414);
  CHECK(ParseHead(endless.substr(0, 300), limits).status == 414);
  // With the default limit.
  const std::string huge = "GET /" + std::string(8192, 'x') + " HTTP/1.1\r\nHost: h\r\n\r\n";
  CHECK(ParseHead(huge).status == 414);
  CHECK(ParseComplete("GET /" + std::string(8192 - 14, 'x') + " HTTP/1.1\r\nHost: h\r\n\r\n")
            .head.target.size() == 8192 - 13);
}

TEST_CASE("head parser enforces the head size limit at once", "[server][http1]") {
  HeadLimits limits;
  limits.max_head_bytes = 200;
  // A head of exactly 200 bytes.
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\nX: ";
  head += std::string(200 - head.size() - 4, 'v') + "\r\n\r\n";
  REQUIRE(head.size() == 200);
  const HeadOutcome fits = ParseComplete(head + "body", limits);
  CHECK(fits.head_size == 200);

  const std::string over = head.substr(0, 200 - 4) + "v\r\n\r\n";
  CHECK(ParseHead(over, limits).status == 431);
  // A value that never ends: kIncomplete up to 200 bytes, 431 at byte 201.
  const std::string endless = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(100000, 'v');
  CHECK(Prefix(endless, 200, limits).result == HeadResult::kIncomplete);
  CHECK(Prefix(endless, 201, limits).status == 431);
  CHECK(Prefix(endless, endless.size(), limits).status == 431);
  CHECK(ParseHead(endless.substr(0, 300), limits).status == 431);
  // Many small headers, with the default limit of 64 KiB.
  std::string many = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 90; ++i) many += "X-" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
  many += "\r\n";
  const HeadOutcome out = ParseHead(many);
  CHECK(out.status == 431);
  CHECK(Prefix(many, 65536, {}).result == HeadResult::kIncomplete);
  CHECK(Prefix(many, 65537, {}).status == 431);
}

TEST_CASE("head parser enforces the header count limit at once", "[server][http1]") {
  HeadLimits limits;
  limits.max_headers = 5;
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 4; ++i) head += "A: b\r\n";
  const HeadOutcome fits = ParseComplete(head + "\r\n", limits);
  CHECK(fits.head.headers.size() == 5);
  const std::string over = head + "C: d\r\n\r\n";
  CHECK(ParseHead(over, limits).status == 431);
  // Refused at the first byte of the sixth field.
  CHECK(Prefix(over, head.size(), limits).result == HeadResult::kIncomplete);
  CHECK(Prefix(over, head.size() + 1, limits).status == 431);
  // With the default limit of 100.
  std::string hundred = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 1; i < 100; ++i) hundred += "A: b\r\n";
  CHECK(ParseComplete(hundred + "\r\n").head.headers.size() == 100);
  CHECK(ParseHead(hundred + "A: b\r\n\r\n").status == 431);
}

TEST_CASE("head parser reads pipelined requests one after the other", "[server][http1]") {
  const std::string stream =
      "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
      "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
      "GET /d HTTP/1.0\r\n\r\n";
  RequestHeadParser parser;
  ChunkedBodyDecoder decoder;
  std::string_view rest = stream;
  std::vector<std::string> seen;
  while (!rest.empty()) {
    REQUIRE(parser.Parse(rest) == HeadResult::kComplete);
    const RequestHead& head = parser.head();
    seen.push_back(head.method + " " + head.target);
    rest.remove_prefix(parser.head_size());
    if (head.body == Body::kContentLength) {
      seen.push_back(std::string(rest.substr(0, head.content_length)));
      rest.remove_prefix(head.content_length);
    } else if (head.body == Body::kChunked) {
      std::string body;
      size_t used = 0;
      REQUIRE(decoder.Feed(rest, &used, &body) == ChunkResult::kDone);
      seen.push_back(body);
      rest.remove_prefix(used);
      decoder.Reset();
    }
    parser.Reset();
  }
  CHECK(seen == std::vector<std::string>{"GET /a", "POST /b", "hello", "POST /c", "abc",
                                         "GET /d"});
  // Reset keeps the limits.
  HeadLimits limits;
  limits.max_headers = 1;
  RequestHeadParser limited(limits);
  CHECK(limited.Parse("GET / HTTP/1.1\r\nHost: h\r\n\r\n") == HeadResult::kComplete);
  limited.Reset();
  CHECK(limited.Parse("GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n") == HeadResult::kError);
  CHECK(limited.error().status == 431);
  // Parse after the result keeps the result.
  CHECK(limited.Parse("GET / HTTP/1.1\r\nHost: h\r\nA: b\r\n\r\n") == HeadResult::kError);
}

TEST_CASE("head parser handles a head dripped one byte at a time", "[server][http1]") {
  // 60 KB of headers fed as 60,000 growing prefixes: each call looks at its
  // one new byte only.
  std::string head = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 60; ++i) head += "X-" + std::to_string(i) + ": " + std::string(990, 'v') + "\r\n";
  head += "\r\n";
  RequestHeadParser parser;
  size_t calls = 0;
  HeadResult result = HeadResult::kIncomplete;
  for (size_t n = 1; n <= head.size() && result == HeadResult::kIncomplete; ++n) {
    result = parser.Parse(std::string_view(head).substr(0, n));
    ++calls;
  }
  CHECK(result == HeadResult::kComplete);
  CHECK(calls == head.size());
  CHECK(parser.head().headers.size() == 61);
  CHECK(parser.head_size() == head.size());
}

// ---------------------------------------------------------------------------
// Chunked bodies

struct ChunkOutcome {
  ChunkResult result = ChunkResult::kNeedMore;
  int status = 0;
  size_t consumed = 0;
  std::string body;
  uint64_t total = 0;
};

ChunkOutcome RunChunked(std::string_view input, const Split& split,
                        const ChunkedBodyDecoder::Limits& limits) {
  ChunkedBodyDecoder decoder(limits);
  ChunkOutcome out;
  size_t begin = 0;
  for (size_t end : split.ends) {
    size_t used = 0;
    out.result = decoder.Feed(input.substr(begin, end - begin), &used, &out.body);
    out.consumed += used;
    if (out.result != ChunkResult::kNeedMore) break;
    REQUIRE(used == end - begin);
    begin = end;
  }
  if (out.result == ChunkResult::kError) {
    out.status = decoder.error().status;
    CHECK_FALSE(decoder.error().message.empty());
  }
  out.total = decoder.total();
  CHECK(out.total == out.body.size());
  return out;
}

ChunkOutcome DecodeChunked(std::string_view input, const ChunkedBodyDecoder::Limits& limits = {}) {
  const std::vector<Split> splits = Splits(input.size());
  const ChunkOutcome whole = RunChunked(input, splits[0], limits);
  for (size_t i = 1; i < splits.size(); ++i) {
    const ChunkOutcome other = RunChunked(input, splits[i], limits);
    INFO(splits[i].name);
    REQUIRE(other.result == whole.result);
    REQUIRE(other.status == whole.status);
    REQUIRE(other.consumed == whole.consumed);
    REQUIRE(other.body == whole.body);
  }
  return whole;
}

TEST_CASE("chunked decoder decodes valid bodies", "[server][http1][chunked]") {
  struct Row {
    std::string name;
    std::string wire;
    std::string body;
  };
  const std::vector<Row> rows = {
      {"one chunk", "5\r\nhello\r\n0\r\n\r\n", "hello"},
      {"empty body", "0\r\n\r\n", ""},
      {"several chunks", "1\r\na\r\n2\r\nbc\r\n3\r\ndef\r\n0\r\n\r\n", "abcdef"},
      {"hex digits", "a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n",
       "0123456789abcdefghij"},
      {"leading zeros", "0005\r\nhello\r\n000\r\n\r\n", "hello"},
      {"16 hex digits", "0000000000000005\r\nhello\r\n0000000000000000\r\n\r\n", "hello"},
      {"data holding CRLF and NUL", "6\r\n\r\n\0\r\n\n\r\n0\r\n\r\n"s, "\r\n\0\r\n\n"s},
      {"bare LF line ends", "5\nhello\n0\n\n", "hello"},
      {"mixed line ends", "5\r\nhello\n0\n\r\n", "hello"},
      {"extension name", "5;a\r\nhello\r\n0;last\r\n\r\n", "hello"},
      {"extension with token", "5;a=b\r\nhello\r\n0\r\n\r\n", "hello"},
      {"several extensions with BWS", "5 ;\ta = b ; c;d=e\t;f\r\nhello\r\n0\r\n\r\n", "hello"},
      {"quoted extension", "5;a=\"x y;\\\"z\\\\\"\r\nhello\r\n0\r\n\r\n", "hello"},
      {"quoted extension then another", "5;a=\"\" ;b\r\nhello\r\n0\r\n\r\n", "hello"},
      {"quoted extension with obs-text", "5;a=\"\xC3\xA9\\\xFF\"\r\nhello\r\n0\r\n\r\n",
       "hello"},
      {"trailers", "5\r\nhello\r\n0\r\nX-A: 1\r\nX-B:\t2 \r\nX-C:\r\n\r\n", "hello"},
      {"trailers with bare LF", "5\r\nhello\r\n0\r\nX-A: 1\n\n", "hello"},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const ChunkOutcome out = DecodeChunked(row.wire);
    CHECK(out.result == ChunkResult::kDone);
    CHECK(out.body == row.body);
    CHECK(out.consumed == row.wire.size());
  }
  // Without an output string, the data is counted but not kept.
  ChunkedBodyDecoder decoder;
  size_t used = 0;
  CHECK(decoder.Feed("3\r\nabc\r\n0\r\n\r\n", &used, nullptr) == ChunkResult::kDone);
  CHECK(decoder.total() == 3);
}

TEST_CASE("chunked decoder stops right after the body", "[server][http1][chunked]") {
  const std::string body = "5\r\nhello\r\n0\r\nT: v\r\n\r\n";
  const ChunkOutcome out = DecodeChunked(body + "GET / HTTP/1.1\r\n");
  CHECK(out.result == ChunkResult::kDone);
  CHECK(out.consumed == body.size());
  CHECK(out.body == "hello");
  // Later calls consume nothing.
  ChunkedBodyDecoder decoder;
  size_t used = 0;
  std::string data;
  CHECK(decoder.Feed(body, &used, &data) == ChunkResult::kDone);
  CHECK(decoder.Feed("more", &used, &data) == ChunkResult::kDone);
  CHECK(used == 0);
  CHECK(decoder.done());
  decoder.Reset();
  CHECK(decoder.Feed("1\r\nx\r\n0\r\n\r\n", &used, &data) == ChunkResult::kDone);
  CHECK(data == "hellox");
}

TEST_CASE("chunked decoder refuses malformed bodies", "[server][http1][chunked]") {
  struct Row {
    std::string name;
    std::string wire;
    int status;
  };
  const std::vector<Row> rows = {
      {"0x5", "0x5\r\nhello\r\n0\r\n\r\n", 400},
      {"leading space", " 5\r\nhello\r\n0\r\n\r\n", 400},
      {"leading tab", "\t5\r\nhello\r\n0\r\n\r\n", 400},
      {"trailing space", "5 \r\nhello\r\n0\r\n\r\n", 400},
      {"plus sign", "+5\r\nhello\r\n0\r\n\r\n", 400},
      {"minus sign", "-5\r\nhello\r\n0\r\n\r\n", 400},
      {"empty size line", "\r\nhello\r\n0\r\n\r\n", 400},
      {"not hex", "g\r\nhello\r\n0\r\n\r\n", 400},
      {"hex then junk", "5g\r\nhello\r\n0\r\n\r\n", 400},
      {"17 hex digits", "00000000000000005\r\nhello\r\n0\r\n\r\n", 400},
      {"overflowing size", "10000000000000000\r\n", 400},
      {"CR without LF after the size", "5\rhello\r\n0\r\n\r\n", 400},
      {"garbage after chunk data", "5\r\nhelloXYZ\r\n0\r\n\r\n", 400},
      {"CR then garbage after chunk data", "5\r\nhello\rX0\r\n\r\n", 400},
      {"chunk data longer than its size", "3\r\nhello\r\n0\r\n\r\n", 400},
      {"next line not a size", "5\r\nhello\r\nxyz\r\n0\r\n\r\n", 400},
      {"request after a chunk", "5\r\nhello\r\nGET / HTTP/1.1\r\n", 400},
      {"empty extension", "5;\r\nhello\r\n0\r\n\r\n", 400},
      {"extension without name", "5;=b\r\nhello\r\n0\r\n\r\n", 400},
      {"extension without value", "5;a=\r\nhello\r\n0\r\n\r\n", 400},
      {"extension value with space", "5;a=b c\r\nhello\r\n0\r\n\r\n", 400},
      {"whitespace at the end of an extension", "5;a=b \r\nhello\r\n0\r\n\r\n", 400},
      {"whitespace at the end of an extension name", "5;a \r\nhello\r\n0\r\n\r\n", 400},
      {"unterminated quote", "5;a=\"b\r\nhello\r\n0\r\n\r\n", 400},
      {"LF inside a quoted extension", "5;a=\"b\nc\"\r\nhello\r\n0\r\n\r\n", 400},
      {"control character in a quoted extension", "5;a=\"\x01\"\r\nhello\r\n0\r\n\r\n", 400},
      {"token after a quoted extension", "5;a=\"b\"c\r\nhello\r\n0\r\n\r\n", 400},
      {"comma in an extension", "5;a=b,c\r\nhello\r\n0\r\n\r\n", 400},
      {"trailer without colon", "0\r\nX\r\n\r\n", 400},
      {"trailer with space before colon", "0\r\nX : a\r\n\r\n", 400},
      {"trailer obs-fold", "0\r\nX: a\r\n b\r\n\r\n", 400},
      {"trailer with NUL", "0\r\nX: a\0\r\n\r\n"s, 400},
      {"trailer with CR", "0\r\nX: a\rb\r\n\r\n", 400},
      {"trailer with invalid name", "0\r\nX(: a\r\n\r\n", 400},
      {"CR without LF at the end", "0\r\n\rX", 400},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const ChunkOutcome out = DecodeChunked(row.wire);
    CHECK(out.result == ChunkResult::kError);
    CHECK(out.status == row.status);
  }
}

TEST_CASE("chunked decoder enforces its limits at once", "[server][http1][chunked]") {
  ChunkedBodyDecoder::Limits limits;
  limits.max_body_bytes = 10;
  CHECK(DecodeChunked("a\r\n0123456789\r\n0\r\n\r\n", limits).body == "0123456789");
  CHECK(DecodeChunked("6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n", limits).body == "0123456789");
  CHECK(DecodeChunked("b\r\n0123456789a\r\n0\r\n\r\n", limits).status == 413);
  CHECK(DecodeChunked("6\r\n012345\r\n5\r\n6789a\r\n0\r\n\r\n", limits).status == 413);
  // Refused at the digit, before the line end or any data.
  const ChunkOutcome early = DecodeChunked("6\r\n012345\r\n5", limits);
  CHECK(early.status == 413);
  CHECK(early.body == "012345");
  CHECK(DecodeChunked("0000000b", limits).status == 413);
  CHECK(DecodeChunked("00000001", limits).result == ChunkResult::kNeedMore);
  // Chunk sizes near 2^64 with the default (unlimited) and a finite limit.
  CHECK(DecodeChunked("ffffffffffffffff\r\nabc").result == ChunkResult::kNeedMore);
  CHECK(DecodeChunked("7fffffffffffffff\r\n", limits).status == 413);
  ChunkedBodyDecoder::Limits mib;
  mib.max_body_bytes = 1 << 20;
  CHECK(DecodeChunked("100000\r\n", mib).result == ChunkResult::kNeedMore);
  CHECK(DecodeChunked("100001\r\n", mib).status == 413);

  ChunkedBodyDecoder::Limits lines;
  lines.max_line_bytes = 20;
  lines.max_trailer_bytes = 50;
  // A chunk-size line of exactly 20 bytes, then one of 21.
  const std::string ext18 = "5;" + std::string(18, 'a');
  CHECK(DecodeChunked(ext18 + "\r\nhello\r\n0\r\n\r\n", lines).body == "hello");
  CHECK(DecodeChunked(ext18 + "\nhello\r\n0\r\n\r\n", lines).body == "hello");
  CHECK(DecodeChunked(ext18 + "a\r\nhello\r\n0\r\n\r\n", lines).status == 400);
  CHECK(DecodeChunked(ext18 + "a", lines).status == 400);
  CHECK(DecodeChunked("5;" + std::string(100000, 'a'), lines).status == 400);
  // A trailer line of exactly 20 bytes, then one of 21.
  CHECK(DecodeChunked("0\r\nX: aaaaaaaaaaaaaaaaa\r\n\r\n", lines).result == ChunkResult::kDone);
  CHECK(DecodeChunked("0\r\nX: aaaaaaaaaaaaaaaaaa\r\n\r\n", lines).status == 431);
  CHECK(DecodeChunked("0\r\nX: " + std::string(100000, 'a'), lines).status == 431);
  // A trailer section of exactly 50 bytes (with its final CRLF), then 51.
  const std::string trailer50 = "0\r\nA: 123456789012\r\nB: 123456789012\r\nC: 123456789\r\n\r\n";
  REQUIRE(trailer50.size() == 3 + 50);
  CHECK(DecodeChunked(trailer50, lines).result == ChunkResult::kDone);
  CHECK(DecodeChunked("0\r\nA: 123456789012\r\nB: 123456789012\r\nC: 1234567890\r\n\r\n", lines)
            .status == 431);
  std::string many = "0\r\n";
  for (int i = 0; i < 10000; ++i) many += "A: b\r\n";
  CHECK(DecodeChunked(many, lines).status == 431);
}

// ---------------------------------------------------------------------------
// Whole requests: the smuggling attempts of the front-door issue, head and
// body together, as the connection loop runs them.

struct RequestOutcome {
  int status = 0;  // 0: read in full
  std::string body;
  size_t consumed = 0;
};

RequestOutcome ReadRequest(std::string_view wire) {
  RequestOutcome out;
  RequestHeadParser parser;
  const HeadResult r = parser.Parse(wire);
  if (r == HeadResult::kError) {
    out.status = parser.error().status;
    return out;
  }
  REQUIRE(r == HeadResult::kComplete);
  std::string_view rest = wire.substr(parser.head_size());
  out.consumed = parser.head_size();
  if (parser.head().body == Body::kContentLength) {
    out.body = std::string(rest.substr(0, parser.head().content_length));
    out.consumed += out.body.size();
  } else if (parser.head().body == Body::kChunked) {
    ChunkedBodyDecoder decoder;
    size_t used = 0;
    const ChunkResult cr = decoder.Feed(rest, &used, &out.body);
    if (cr == ChunkResult::kError) out.status = decoder.error().status;
    out.consumed += used;
  }
  return out;
}

TEST_CASE("request smuggling attempts are refused", "[server][http1]") {
  const std::string next = "GET /admin HTTP/1.1\r\nHost: h\r\n\r\n";
  struct Row {
    std::string name;
    std::string wire;
    int status;
  };
  const std::vector<Row> rows = {
      {"%63hunked",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: %63hunked\r\n\r\n0\r\n\r\n" + next, 400},
      {"two different Content-Lengths",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\n" + next,
       400},
      {"Content-Length and Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n" + next, 400},
      {"chunked + identity",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity"
       "\r\n\r\n0\r\n\r\n" + next, 400},
      {"chunk size 0x5",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n" +
           next, 400},
      {"chunk size with a space",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n" +
           next, 400},
      {"garbage after a chunk",
       "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello" + next, 400},
      {"percent-encoded CRLF in a value does not split",
       "GET / HTTP/1.1\r\nHost: h\r\nX: a%0D%0AContent-Length: 5\r\n\r\n", 0},
      {"LF inside a value ends the line",
       "GET / HTTP/1.1\r\nHost: h\r\nX: a\nContent-Length: 5\r\n\r\nhello", 0},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    const RequestOutcome out = ReadRequest(row.wire);
    CHECK(out.status == row.status);
  }
  // The percent-encoded CRLF stays in the value; no body is read.
  const RequestOutcome quiet = ReadRequest(rows[7].wire);
  CHECK(quiet.consumed == rows[7].wire.size());
  CHECK(quiet.body.empty());
}

}  // namespace
}  // namespace grpcgw::internal
