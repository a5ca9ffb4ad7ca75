// Randomized tests of the template parser and the router, from a seed corpus
// with a fixed seed, so that every run explores the same inputs.
#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "routing/path_template.h"
#include "routing/query.h"
#include "routing/router.h"

namespace grpcgw {
namespace internal {
namespace {

const std::vector<std::string>& SeedCorpus() {
  static const std::vector<std::string> kSeeds = {
      "/",
      "/v1/books",
      "/v1/books/{id}",
      "/v1/{name=shelves/*/books/*}",
      "/v1/{name=shelves/*/books/**}",
      "/v1/{book.name=books/*}:publish",
      "/v1/*/x/**",
      "/{path=**}:download",
      "/v1/a%2Fb/caf%C3%A9",
      "/a-b.c_d~e/!$&'()+,;@",
      "/{a}/{b}/{c.d=x/*}",
      "/v1/{name",
      "/v1//x",
      "/v1/{a={b}}",
  };
  return kSeeds;
}

// Characters that exercise every branch of the grammar, and some outside it.
constexpr char kAlphabet[] = "/{}=*.:%_aZ09-~$+?# \xC3\xA9\xFF";

std::string Mutate(std::string text, std::mt19937* rng) {
  std::uniform_int_distribution<int> op_dist(0, 4);
  const int edits = 1 + static_cast<int>((*rng)() % 3);
  for (int e = 0; e < edits; ++e) {
    const size_t pos = text.empty() ? 0 : (*rng)() % (text.size() + 1);
    const char c = kAlphabet[(*rng)() % (sizeof(kAlphabet) - 1)];
    switch (op_dist(*rng)) {
      case 0:  // insert
        text.insert(text.begin() + pos, c);
        break;
      case 1:  // delete
        if (pos < text.size()) text.erase(pos, 1);
        break;
      case 2:  // replace
        if (pos < text.size()) text[pos] = c;
        break;
      case 3: {  // duplicate a slice
        if (text.empty()) break;
        const size_t from = (*rng)() % text.size();
        const size_t length = (*rng)() % (text.size() - from + 1);
        text.insert(pos, text.substr(from, length));
        break;
      }
      case 4: {  // splice with the tail of another seed
        const std::string& other = SeedCorpus()[(*rng)() % SeedCorpus().size()];
        text = text.substr(0, pos) + other.substr(std::min(other.size(), pos % 3));
        break;
      }
    }
  }
  return text;
}

TEST_CASE("parse never crashes and valid templates round-trip through ToString",
          "[path_template][fuzz]") {
  std::mt19937 rng(20240601);
  size_t valid = 0;
  constexpr int kIterations = 20000;
  for (int i = 0; i < kIterations; ++i) {
    const std::string text = Mutate(SeedCorpus()[i % SeedCorpus().size()], &rng);
    PathTemplate t;
    std::string error;
    if (!PathTemplate::Parse(text, &t, &error)) {
      // Every error names the template and an offset within (or at the end of) it.
      INFO(text);
      REQUIRE(error.find(" at offset ") != std::string::npos);
      const size_t offset = std::stoul(error.substr(error.rfind(' ') + 1));
      CHECK(offset <= text.size());
      continue;
    }
    ++valid;
    INFO(text);
    const std::string printed = t.ToString();
    PathTemplate again;
    REQUIRE(PathTemplate::Parse(printed, &again, &error));
    CHECK(again == t);
    CHECK(again.ToString() == printed);
  }
  // The mutations must leave enough valid templates for the round trip to mean something.
  CHECK(valid > kIterations / 20);
}

// Builds a request path that `t` must match, with a fresh word for each
// wildcard, and the values its variables must capture.
std::string Instantiate(const PathTemplate& t, std::mt19937* rng,
                        std::vector<std::string>* expected_values) {
  std::vector<std::string> raw;
  for (const PathTemplate::Segment& s : t.segments) {
    switch (s.kind) {
      case PathTemplate::Segment::Kind::kLiteral:
        raw.push_back(s.literal);
        break;
      case PathTemplate::Segment::Kind::kWildcard:
        raw.push_back("w" + std::to_string((*rng)() % 1000));
        break;
      case PathTemplate::Segment::Kind::kMultiWildcard: {
        const int count = static_cast<int>((*rng)() % 4);
        for (int k = 0; k < count; ++k) raw.push_back("m" + std::to_string((*rng)() % 1000));
        break;
      }
    }
  }
  expected_values->clear();
  for (const PathTemplate::Variable& v : t.variables) {
    const size_t end = t.EndsWithMultiWildcard(v) ? raw.size() : v.end_segment;
    std::string joined;
    for (size_t k = v.start_segment; k < end; ++k) {
      joined += (k == v.start_segment ? "" : "/") + raw[k];
    }
    std::string value;
    const bool single = !t.EndsWithMultiWildcard(v) && v.end_segment - v.start_segment == 1;
    PercentDecode(joined,
                  single ? PercentDecodeMode::kAll : PercentDecodeMode::kKeepReserved, false,
                  &value);
    expected_values->push_back(value);
  }
  std::string path;
  for (const std::string& segment : raw) path += "/" + segment;
  if (path.empty()) path = "/";
  if (!t.verb.empty()) path += ":" + t.verb;
  return path;
}

TEST_CASE("a template alone in a router matches every path built from it",
          "[router][fuzz]") {
  std::mt19937 rng(7);
  size_t checked = 0;
  for (int i = 0; i < 5000; ++i) {
    const std::string text = Mutate(SeedCorpus()[i % SeedCorpus().size()], &rng);
    PathTemplate t;
    std::string error;
    if (!PathTemplate::Parse(text, &t, &error)) continue;
    Router router;
    REQUIRE(router.Add("GET", t, 42, &error));
    std::vector<std::string> expected;
    const std::string path = Instantiate(t, &rng, &expected);
    INFO("template " << text << " path " << path);
    Router::Match match;
    std::vector<std::string> allowed;
    REQUIRE(router.Lookup("GET", path, &match, &allowed, &error) == Router::Outcome::kMatch);
    CHECK(match.target == 42);
    REQUIRE(match.variables.size() == expected.size());
    for (size_t k = 0; k < expected.size(); ++k) {
      CHECK(*match.variables[k].first == t.variables[k].field_path);
      CHECK(match.variables[k].second == expected[k]);
    }
    CHECK(router.Lookup("POST", path, &match, &allowed, &error) ==
          Router::Outcome::kMethodNotAllowed);
    CHECK(allowed == std::vector<std::string>{"GET"});
    ++checked;
  }
  CHECK(checked > 250);
}

TEST_CASE("lookup and query parsing never crash on mutated input", "[router][query][fuzz]") {
  Router router;
  std::vector<std::string> paths;
  std::string error;
  size_t target = 0;
  for (const std::string& seed : SeedCorpus()) {
    PathTemplate t;
    if (!PathTemplate::Parse(seed, &t, &error)) continue;
    REQUIRE(router.Add("GET", t, target++, &error));
    std::mt19937 rng(target);
    std::vector<std::string> unused;
    paths.push_back(Instantiate(t, &rng, &unused));
  }
  std::mt19937 rng(99);
  for (int i = 0; i < 5000; ++i) {
    const std::string path = Mutate(paths[i % paths.size()], &rng);
    INFO(path);
    Router::Match match;
    std::vector<std::string> allowed;
    const Router::Outcome outcome = router.Lookup("GET", path, &match, &allowed, &error);
    if (outcome == Router::Outcome::kMatch) {
      REQUIRE(match.target < target);
      for (const auto& variable : match.variables) CHECK(IsValidUtf8(variable.second));
    }
    CHECK(outcome != Router::Outcome::kMethodNotAllowed);  // every template is GET

    std::vector<std::pair<std::string, std::string>> params;
    if (ParseQueryString(Mutate("a=1&b=%C3%A9+x&c", &rng), &params, &error)) {
      for (const auto& param : params) {
        CHECK(IsValidUtf8(param.first));
        CHECK(IsValidUtf8(param.second));
      }
    }
  }
}

}  // namespace
}  // namespace internal
}  // namespace grpcgw
