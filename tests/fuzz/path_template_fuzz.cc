// google.api.http path templates (src/routing/path_template.h). Properties:
// a template that parses prints (ToString) to text that parses back to an
// equal template and prints the same; its variables cover segments within
// the template; `**` comes last; and a router holding the template matches
// a request path made from it, with one captured value per variable.
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "routing/path_template.h"
#include "routing/router.h"

using grpcgw::internal::PathTemplate;
using grpcgw::internal::Router;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  PathTemplate t;
  std::string error;
  if (!PathTemplate::Parse(input, &t, &error)) {
    FUZZ_CHECK(!error.empty(), "refused without a message");
    return 0;
  }
  const std::string text = t.ToString();
  PathTemplate again;
  FUZZ_CHECK(PathTemplate::Parse(text, &again, &error), "ToString() does not parse: " + text);
  FUZZ_CHECK(again == t, "ToString() parses to another template: " + text);
  FUZZ_CHECK(again.ToString() == text, "ToString() is not stable: " + text);

  for (size_t i = 0; i < t.segments.size(); ++i) {
    if (t.segments[i].kind == PathTemplate::Segment::Kind::kMultiWildcard) {
      FUZZ_CHECK(i + 1 == t.segments.size(), "** before the last segment");
    }
  }
  for (const PathTemplate::Variable& v : t.variables) {
    FUZZ_CHECK(!v.field_path.empty(), "variable without a field path");
    FUZZ_CHECK(v.start_segment < v.end_segment && v.end_segment <= t.segments.size(),
               "variable segments out of range");
  }

  // A request path the template must match.
  std::string path;
  for (const PathTemplate::Segment& s : t.segments) {
    switch (s.kind) {
      case PathTemplate::Segment::Kind::kLiteral: path += "/" + s.literal; break;
      case PathTemplate::Segment::Kind::kWildcard: path += "/x"; break;
      case PathTemplate::Segment::Kind::kMultiWildcard: path += "/a/b"; break;
    }
  }
  if (path.empty()) path = "/";
  if (!t.verb.empty()) path += ":" + t.verb;
  Router router;
  FUZZ_CHECK(router.Add("GET", t, 7, &error), error);
  Router::Match match;
  std::vector<std::string> allowed;
  const Router::Outcome outcome = router.Lookup("GET", path, &match, &allowed, &error);
  FUZZ_CHECK(outcome == Router::Outcome::kMatch, "template " + text + " does not match " + path);
  FUZZ_CHECK(match.target == 7, "target");
  FUZZ_CHECK(match.variables.size() == t.variables.size(), "one value per variable");
  FUZZ_CHECK(router.Lookup("POST", path, &match, &allowed, &error) ==
                 Router::Outcome::kMethodNotAllowed && allowed == std::vector<std::string>{"GET"},
             "405 for another method");
  return 0;
}
