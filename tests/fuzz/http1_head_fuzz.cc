// Request heads through the parser the server runs (src/server/http1_parser.h).
// Properties: the outcome does not depend on how the bytes arrive (whole,
// byte by byte, random pieces); a complete head agrees with its bytes and
// with the rules it enforces; the head alone parses to the same head; a
// chunked body after it decodes the same in any split.
#include <string>

#include "fuzz_util.h"
#include "server/http1_parser.h"

namespace grpcgw::fuzz {
namespace {

using internal::ChunkedBodyDecoder;
using internal::HeadLimits;
using internal::RequestHead;
using internal::RequestHeadParser;

struct Outcome {
  RequestHeadParser::Result result = RequestHeadParser::Result::kIncomplete;
  int status = 0;
  size_t head_size = 0;
  RequestHead head;
};

Outcome Run(std::string_view input, const std::vector<size_t>& ends, const HeadLimits& limits) {
  RequestHeadParser parser(limits);
  Outcome out;
  for (size_t end : ends) {
    out.result = parser.Parse(input.substr(0, end));
    if (out.result != RequestHeadParser::Result::kIncomplete) break;
  }
  if (out.result == RequestHeadParser::Result::kError) {
    out.status = parser.error().status;
    FUZZ_CHECK(!parser.error().message.empty(), "an error without a message");
  } else if (out.result == RequestHeadParser::Result::kComplete) {
    out.head_size = parser.head_size();
    out.head = parser.head();
  }
  return out;
}

void CheckSame(const Outcome& a, const Outcome& b, const char* how) {
  FUZZ_CHECK(a.result == b.result, how);
  FUZZ_CHECK(a.status == b.status, how);
  FUZZ_CHECK(a.head_size == b.head_size, how);
  FUZZ_CHECK(a.head.method == b.head.method && a.head.target == b.head.target, how);
  FUZZ_CHECK(a.head.headers.size() == b.head.headers.size(), how);
  for (size_t i = 0; i < a.head.headers.size(); ++i) {
    FUZZ_CHECK(a.head.headers[i].name == b.head.headers[i].name, how);
    FUZZ_CHECK(a.head.headers[i].value == b.head.headers[i].value, how);
  }
  FUZZ_CHECK(a.head.body == b.head.body && a.head.content_length == b.head.content_length, how);
  FUZZ_CHECK(a.head.keep_alive == b.head.keep_alive, how);
  FUZZ_CHECK(a.head.expect_continue == b.head.expect_continue, how);
}

bool IsTchar(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

void CheckHead(const Outcome& out, std::string_view input, const HeadLimits& limits) {
  const RequestHead& h = out.head;
  FUZZ_CHECK(out.head_size > 0 && out.head_size <= input.size(), "head size");
  FUZZ_CHECK(out.head_size <= limits.max_head_bytes, "head over the limit accepted");
  FUZZ_CHECK(input[out.head_size - 1] == '\n', "head does not end with a line end");
  FUZZ_CHECK(!h.method.empty() && !h.target.empty(), "empty method or target");
  FUZZ_CHECK(h.method.size() + h.target.size() + 10 <= limits.max_request_line,
             "request line over the limit accepted");
  for (unsigned char c : h.method) FUZZ_CHECK(IsTchar(c), "method is not a token");
  for (unsigned char c : h.target) FUZZ_CHECK(c > 0x20 && c < 0x7F, "target byte");
  FUZZ_CHECK(h.version_minor == 0 || h.version_minor == 1, "version");
  FUZZ_CHECK(h.headers.size() <= limits.max_headers, "too many headers accepted");
  size_t hosts = 0;
  for (const internal::HeaderField& f : h.headers) {
    FUZZ_CHECK(!f.name.empty(), "empty header name");
    for (unsigned char c : f.name) FUZZ_CHECK(IsTchar(c), "header name is not a token");
    for (unsigned char c : f.value) {
      FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7F), "control byte in a header value");
    }
    if (!f.value.empty()) {
      FUZZ_CHECK(f.value.front() != ' ' && f.value.front() != '\t', "value not trimmed");
      FUZZ_CHECK(f.value.back() != ' ' && f.value.back() != '\t', "value not trimmed");
    }
    std::string lower = f.name;
    for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (lower == "host") ++hosts;
  }
  FUZZ_CHECK(hosts == 1 || (hosts == 0 && h.version_minor == 0), "Host count");
  const bool te = h.Find("transfer-encoding") != nullptr;
  const bool cl = h.Find("content-length") != nullptr;
  FUZZ_CHECK(!(te && cl), "Transfer-Encoding with Content-Length accepted");
  switch (h.body) {
    case RequestHead::Body::kChunked:
      FUZZ_CHECK(te && h.version_minor == 1, "chunked without Transfer-Encoding in 1.1");
      break;
    case RequestHead::Body::kContentLength:
      FUZZ_CHECK(cl && h.content_length < 1000000000000000000ull, "Content-Length");
      break;
    case RequestHead::Body::kNone:
      FUZZ_CHECK(!te && !cl, "framing header ignored");
      break;
  }
  if (h.HasToken("connection", "close")) FUZZ_CHECK(!h.keep_alive, "close ignored");
  // The head alone parses to the same head.
  const Outcome alone = Run(input.substr(0, out.head_size), {out.head_size}, limits);
  CheckSame(out, alone, "the head alone parses differently");
}

void CheckChunkedBody(std::string_view body, Choices* choices) {
  auto run = [&](const std::vector<size_t>& ends, std::string* out, size_t* consumed) {
    ChunkedBodyDecoder decoder;
    ChunkedBodyDecoder::Result r = ChunkedBodyDecoder::Result::kNeedMore;
    size_t begin = 0;
    *consumed = 0;
    for (size_t end : ends) {
      size_t used = 0;
      r = decoder.Feed(body.substr(begin, end - begin), &used, out);
      *consumed += used;
      if (r != ChunkedBodyDecoder::Result::kNeedMore) break;
      begin = end;
    }
    return r;
  };
  std::string a, b;
  size_t ca = 0, cb = 0;
  const auto ra = run({body.size()}, &a, &ca);
  const auto rb = run(RandomSplit(body.size(), choices), &b, &cb);
  FUZZ_CHECK(ra == rb && a == b && ca == cb, "chunked body decodes differently when split");
}

}  // namespace
}  // namespace grpcgw::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  Choices choices(input);
  HeadLimits limits;
  if (choices.Below(4) == 0) {  // small limits, so that inputs reach them
    limits.max_request_line = 1 + choices.Below(64);
    limits.max_head_bytes = 1 + choices.Below(512);
    limits.max_headers = choices.Below(8);
  }
  const Outcome whole = Run(input, {size}, limits);
  CheckSame(whole, Run(input, RandomSplit(size, &choices), limits), "random pieces");
  if (size <= 4096) CheckSame(whole, Run(input, ByteSplit(size), limits), "byte by byte");
  switch (whole.result) {
    case grpcgw::internal::RequestHeadParser::Result::kComplete:
      CheckHead(whole, input, limits);
      if (whole.head.body == grpcgw::internal::RequestHead::Body::kChunked) {
        CheckChunkedBody(input.substr(whole.head_size), &choices);
      }
      break;
    case grpcgw::internal::RequestHeadParser::Result::kIncomplete:
      FUZZ_CHECK(size <= limits.max_head_bytes, "incomplete head past the limit");
      break;
    case grpcgw::internal::RequestHeadParser::Result::kError: {
      const int s = whole.status;
      FUZZ_CHECK(s == 400 || s == 414 || s == 431 || s == 501 || s == 505, "status");
      break;
    }
  }
  return 0;
}
