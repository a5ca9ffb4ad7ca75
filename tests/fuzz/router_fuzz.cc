// Router lookups (src/routing/router.h) against a table of templates: a
// fixed table like a real service's, plus the input lines that parse as
// templates; every input line is also looked up as a request path.
// Properties: a match names a registered template and gives one value per
// variable, in valid UTF-8; 405 lists, sorted and unique, methods other than
// the request's; a 400 says why.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "routing/path_template.h"
#include "routing/router.h"
#include "text/utf8.h"

using grpcgw::internal::PathTemplate;
using grpcgw::internal::Router;

namespace {

const char* const kTable[][2] = {
    {"GET", "/v1/books"},
    {"POST", "/v1/books"},
    {"GET", "/v1/books/{id}"},
    {"DELETE", "/v1/books/{id}"},
    {"PATCH", "/v1/{book.name=shelves/*/books/*}"},
    {"GET", "/v1/{name=shelves/*/books/**}"},
    {"POST", "/v1/{book.name=books/*}:publish"},
    {"GET", "/v1/*/x/**"},
    {"GET", "/{path=**}:download"},
    {"GET", "/v1/a%2Fb/caf%C3%A9"},
    {"PUT", "/{a}/{b}/{c.d=x/*}"},
    {"GET", "/"},
};

const char* const kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "CUSTOM"};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  Choices choices(input);
  Router router;
  std::vector<size_t> variable_counts;
  std::string error;
  auto add = [&](std::string_view method, std::string_view text) {
    PathTemplate t;
    if (!PathTemplate::Parse(text, &t, &error)) return;
    if (router.Add(method, t, variable_counts.size(), &error)) {
      variable_counts.push_back(t.variables.size());
    }
  };
  for (const auto& row : kTable) add(row[0], row[1]);
  const std::vector<std::string_view> lines = Lines(input);
  for (size_t i = 0; i < lines.size() && i < 16; ++i) {
    add(kMethods[choices.Below(std::size(kMethods))], lines[i]);
  }
  for (std::string_view path : lines) {
    for (const char* method : {"GET", "POST", kMethods[choices.Below(std::size(kMethods))]}) {
      Router::Match match;
      std::vector<std::string> allowed;
      switch (router.Lookup(method, path, &match, &allowed, &error)) {
        case Router::Outcome::kMatch:
          FUZZ_CHECK(match.target < variable_counts.size(), "unknown target");
          FUZZ_CHECK(match.variables.size() == variable_counts[match.target], "variables");
          for (const auto& [field, value] : match.variables) {
            FUZZ_CHECK(field != nullptr && !field->empty(), "variable without a field path");
            FUZZ_CHECK(grpcgw::internal::IsValidUtf8(value), "captured value is not UTF-8");
          }
          break;
        case Router::Outcome::kMethodNotAllowed:
          FUZZ_CHECK(!allowed.empty(), "405 without methods");
          FUZZ_CHECK(std::is_sorted(allowed.begin(), allowed.end()) &&
                         std::adjacent_find(allowed.begin(), allowed.end()) == allowed.end(),
                     "405 methods not sorted and unique");
          FUZZ_CHECK(std::find(allowed.begin(), allowed.end(), method) == allowed.end(),
                     "405 lists the request's method");
          break;
        case Router::Outcome::kBadRequest:
          FUZZ_CHECK(!error.empty(), "400 without a reason");
          break;
        case Router::Outcome::kNotFound:
          break;
      }
    }
  }
  return 0;
}
