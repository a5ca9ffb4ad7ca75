// The NDJSON splitter of streamed request bodies (src/gateway/json_sequence.h).
// Properties: the elements and the error do not depend on how the body
// arrives; no element is empty, starts with whitespace or passes the limit.
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "gateway/json_sequence.h"

namespace {

struct Outcome {
  std::vector<std::string> elements;
  bool failed = false;
};

Outcome Run(std::string_view input, const std::vector<size_t>& ends, size_t max) {
  grpcgw::internal::JsonSequenceSplitter splitter(max);
  Outcome out;
  std::string element, error;
  size_t begin = 0;
  for (size_t end : ends) {
    splitter.Feed(input.data() + begin, end - begin);
    begin = end;
    while (splitter.Next(&element, &error)) out.elements.push_back(element);
    if (!error.empty()) break;
  }
  if (error.empty()) {
    while (splitter.Finish(&element, &error)) out.elements.push_back(element);
  }
  out.failed = !error.empty();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  Choices choices(input);
  const size_t max = choices.Flip() ? 1 + choices.Below(64) : size_t{1} << 20;
  const Outcome whole = Run(input, {size}, max);
  const Outcome pieces = Run(input, RandomSplit(size, &choices), max);
  FUZZ_CHECK(whole.elements == pieces.elements, "elements differ when split");
  FUZZ_CHECK(whole.failed == pieces.failed, "error differs when split");
  if (size <= 2048) {
    const Outcome bytes = Run(input, ByteSplit(size), max);
    FUZZ_CHECK(whole.elements == bytes.elements && whole.failed == bytes.failed, "byte by byte");
  }
  for (const std::string& e : whole.elements) {
    FUZZ_CHECK(!e.empty() && e.size() <= max, "element size");
    const char c = e.front();
    FUZZ_CHECK(c != ' ' && c != '\t' && c != '\r' && c != '\n', "element starts with whitespace");
    FUZZ_CHECK(input.find(e) != std::string_view::npos, "element not taken from the input");
  }
  return 0;
}
