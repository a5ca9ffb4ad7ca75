// Chunked request bodies through the decoder the server runs
// (src/server/http1_parser.h). Properties: the outcome, the bytes consumed
// and the data do not depend on how the input is split; the decoder stops
// right after a complete body; the data it gave, encoded again as chunks,
// decodes to the same data; no limit is passed.
#include <algorithm>
#include <cstdio>
#include <string>

#include "fuzz_util.h"
#include "server/http1_parser.h"

namespace grpcgw::fuzz {
namespace {

using internal::ChunkedBodyDecoder;

struct Outcome {
  ChunkedBodyDecoder::Result result = ChunkedBodyDecoder::Result::kNeedMore;
  int status = 0;
  size_t consumed = 0;
  std::string data;
};

Outcome Run(std::string_view input, const std::vector<size_t>& ends,
            const ChunkedBodyDecoder::Limits& limits) {
  ChunkedBodyDecoder decoder(limits);
  Outcome out;
  size_t begin = 0;
  for (size_t end : ends) {
    size_t used = 0;
    out.result = decoder.Feed(input.substr(begin, end - begin), &used, &out.data);
    FUZZ_CHECK(used <= end - begin, "consumed more than given");
    out.consumed += used;
    if (out.result != ChunkedBodyDecoder::Result::kNeedMore) break;
    FUZZ_CHECK(used == end - begin, "kNeedMore without consuming everything");
    begin = end;
  }
  FUZZ_CHECK(decoder.total() == out.data.size(), "total() is not the data size");
  FUZZ_CHECK(out.data.size() <= limits.max_body_bytes, "body over the limit accepted");
  if (out.result == ChunkedBodyDecoder::Result::kError) out.status = decoder.error().status;
  return out;
}

void CheckSame(const Outcome& a, const Outcome& b, const char* how) {
  FUZZ_CHECK(a.result == b.result && a.status == b.status, how);
  FUZZ_CHECK(a.consumed == b.consumed && a.data == b.data, how);
}

}  // namespace
}  // namespace grpcgw::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  Choices choices(input);
  ChunkedBodyDecoder::Limits limits;
  if (choices.Below(4) == 0) {
    limits.max_body_bytes = choices.Below(256);
    limits.max_line_bytes = 1 + choices.Below(32);
    limits.max_trailer_bytes = choices.Below(128);
  }
  const Outcome whole = Run(input, {size}, limits);
  CheckSame(whole, Run(input, RandomSplit(size, &choices), limits), "random pieces");
  if (size <= 4096) CheckSame(whole, Run(input, ByteSplit(size), limits), "byte by byte");
  switch (whole.result) {
    case ChunkedBodyDecoder::Result::kDone: {
      FUZZ_CHECK(whole.consumed > 0 && input[whole.consumed - 1] == '\n', "body end");
      // The data again, as chunks of random sizes, decodes the same.
      std::string wire;
      size_t at = 0;
      while (at < whole.data.size()) {
        const size_t n = std::min(whole.data.size() - at, 1 + choices.Below(40));
        char hex[32];
        std::snprintf(hex, sizeof hex, "%zx\r\n", n);
        wire += hex;
        wire.append(whole.data, at, n);
        wire += "\r\n";
        at += n;
      }
      wire += "0\r\n\r\n";
      const Outcome again = Run(wire, {wire.size()}, {});
      FUZZ_CHECK(again.result == ChunkedBodyDecoder::Result::kDone, "re-encoded body fails");
      FUZZ_CHECK(again.data == whole.data && again.consumed == wire.size(), "re-encoded body");
      break;
    }
    case ChunkedBodyDecoder::Result::kNeedMore:
      FUZZ_CHECK(whole.consumed == size, "kNeedMore without consuming everything");
      break;
    case ChunkedBodyDecoder::Result::kError:
      FUZZ_CHECK(whole.status == 400 || whole.status == 413 || whole.status == 431, "status");
      break;
  }
  return 0;
}
