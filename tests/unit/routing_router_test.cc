#include "routing/router.h"

#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace grpcgw {
namespace internal {
namespace {

struct Registration {
  const char* method;
  const char* tmpl;
  size_t target;
};

// A small library API with deliberate overlaps.
const std::vector<Registration>& Registrations() {
  static const std::vector<Registration> kRegistrations = {
      {"GET", "/v1/books", 1},
      {"GET", "/v1/books/{id}", 2},
      {"POST", "/v1/books", 3},
      {"POST", "/v1/books:publish", 4},
      {"GET", "/v1/{name=shelves/*/books/**}", 5},
      {"GET", "/v1/shelves/special/books/{id}", 6},
      {"DELETE", "/v1/books/{id}", 7},
      {"GET", "/v1/files/{path=**}", 8},
      {"GET", "/v1/files/{path=**}:download", 9},
      {"GET", "/", 10},
      {"GET", "/v1/{a}/{b}", 11},
      {"PATCH", "/v1/{book.name=books/*}", 12},
      {"GET", "/static/**", 13},
      {"GET", "/mix/*", 14},
      {"GET", "/mix/**", 15},
      {"GET", "/bt/a/x", 16},
      {"GET", "/bt/*/y", 17},
      {"GET", "/enc/a%2Fb", 18},
      {"POST", "/v1/books/{id}:publish", 19},
      {"CUSTOM", "/v1/books", 20},
  };
  return kRegistrations;
}

void AddAll(Router* router) {
  for (const Registration& r : Registrations()) {
    PathTemplate t;
    std::string error;
    INFO(r.tmpl);
    REQUIRE(PathTemplate::Parse(r.tmpl, &t, &error));
    REQUIRE(router->Add(r.method, t, r.target, &error));
  }
}

// "field.path=value" for each captured variable, in template order.
std::vector<std::string> Variables(const Router::Match& match) {
  std::vector<std::string> out;
  for (const auto& variable : match.variables) {
    std::string name;
    for (const std::string& ident : *variable.first) name += (name.empty() ? "" : ".") + ident;
    out.push_back(name + "=" + variable.second);
  }
  return out;
}

struct MatchRow {
  const char* name;
  const char* method;
  const char* path;
  size_t target;
  std::vector<std::string> variables;
};

void RunMatchRows(const std::vector<MatchRow>& rows) {
  Router router;
  AddAll(&router);
  for (const MatchRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      Router::Match match;
      std::vector<std::string> allowed;
      std::string error;
      REQUIRE(router.Lookup(row.method, row.path, &match, &allowed, &error) ==
              Router::Outcome::kMatch);
      CHECK(match.target == row.target);
      CHECK(Variables(match) == row.variables);
    }
  }
}

TEST_CASE("lookup prefers literal over * over ** and backtracks", "[router]") {
  RunMatchRows({
      {"exact literal", "GET", "/v1/books", 1, {}},
      {"literal beats a variable at the same depth", "GET", "/v1/books/b1", 2, {"id=b1"}},
      {"literal beats * deeper in the path", "GET", "/v1/shelves/special/books/b1", 6, {"id=b1"}},
      {"wildcard inside a variable", "GET", "/v1/shelves/s1/books/b1", 5,
       {"name=shelves/s1/books/b1"}},
      {"** inside a variable spans several segments", "GET", "/v1/shelves/s1/books/b1/pages/7", 5,
       {"name=shelves/s1/books/b1/pages/7"}},
      {"** inside a variable may match nothing", "GET", "/v1/shelves/s1/books", 5,
       {"name=shelves/s1/books"}},
      {"two single variables", "GET", "/v1/x/y", 11, {"a=x", "b=y"}},
      {"* beats ** for one segment", "GET", "/mix/a", 14, {}},
      {"** takes several segments", "GET", "/mix/a/b", 15, {}},
      {"** takes zero segments", "GET", "/mix", 15, {}},
      {"backtracks from a dead literal branch", "GET", "/bt/a/y", 17, {}},
      {"literal branch when it completes", "GET", "/bt/a/x", 16, {}},
      {"root", "GET", "/", 10, {}},
      {"anonymous ** at the end", "GET", "/static/css/site.css", 13, {}},
      {"nested field path", "PATCH", "/v1/books/b1", 12, {"book.name=books/b1"}},
      {"method picks among equal paths", "DELETE", "/v1/books/b1", 7, {"id=b1"}},
      {"custom method name", "CUSTOM", "/v1/books", 20, {}},
  });
}

TEST_CASE("lookup matches custom verbs on the last segment", "[router]") {
  RunMatchRows({
      {"verb on a literal", "POST", "/v1/books:publish", 4, {}},
      {"same path without the verb", "POST", "/v1/books", 3, {}},
      {"verb after a variable", "POST", "/v1/books/b1:publish", 19, {"id=b1"}},
      {"colon without a matching verb stays in the value", "GET", "/v1/books/b1:publish", 2,
       {"id=b1:publish"}},
      {"unknown verb stays in the value", "DELETE", "/v1/books/b1:archive", 7, {"id=b1:archive"}},
      {"verb after **", "GET", "/v1/files/a/b:download", 9, {"path=a/b"}},
      {"** without the verb", "GET", "/v1/files/a/b", 8, {"path=a/b"}},
      {"colon in an earlier segment is not a verb", "GET", "/v1/files/a:b/c", 8, {"path=a:b/c"}},
      {"verb split at the last colon", "POST", "/v1/books/a:b:publish", 19, {"id=a:b"}},
  });
}

TEST_CASE("lookup percent-decodes per variable kind", "[router]") {
  RunMatchRows({
      {"single segment: slash decoded", "GET", "/v1/books/a%2Fb", 2, {"id=a/b"}},
      {"single segment: UTF-8 decoded", "GET", "/v1/books/caf%C3%A9", 2, {"id=caf\xC3\xA9"}},
      {"single segment: space decoded", "GET", "/v1/books/a%20b", 2, {"id=a b"}},
      {"single segment: plus is not a space", "GET", "/v1/books/a+b", 2, {"id=a+b"}},
      {"single segment: escaped colon decoded, not a verb", "DELETE", "/v1/books/b%3Apublish", 7,
       {"id=b:publish"}},
      {"multi segment: slash kept escaped", "GET", "/v1/files/a%2Fb/c", 8, {"path=a%2Fb/c"}},
      {"multi segment: other reserved kept", "GET", "/v1/files/c%3Fd%40e", 8, {"path=c%3Fd%40e"}},
      {"multi segment: unreserved decoded", "GET", "/v1/files/%41%42/%7Ex", 8, {"path=AB/~x"}},
      {"multi segment: UTF-8 decoded", "GET", "/v1/files/caf%C3%A9/x", 8,
       {"path=caf\xC3\xA9/x"}},
      {"pattern variable keeps reserved", "PATCH", "/v1/books/x%2Fy", 12, {"book.name=books/x%2Fy"}},
      {"literal compared after decoding", "GET", "/v1/%62ooks", 1, {}},
      {"escaped template literal matches its decoding", "GET", "/enc/a%2fb", 18, {}},
      {"escaped verb compared after decoding", "POST", "/v1/books:%70ublish", 4, {}},
  });
}

TEST_CASE("lookup tells 404 from 405 and lists allowed methods", "[router]") {
  Router router;
  AddAll(&router);
  struct Row {
    const char* name;
    const char* method;
    const char* path;
    Router::Outcome outcome;
    std::vector<std::string> allowed;
  };
  const std::vector<Row> rows = {
      {"unknown prefix", "GET", "/v2/books", Router::Outcome::kNotFound, {}},
      {"too long for any template", "DELETE", "/v1/books/b1/x", Router::Outcome::kNotFound, {}},
      {"empty path", "GET", "", Router::Outcome::kNotFound, {}},
      {"path without leading slash", "GET", "v1/books", Router::Outcome::kNotFound, {}},
      {"trailing slash does not match *", "GET", "/v1/books/", Router::Outcome::kNotFound, {}},
      {"escaped slash in a template is not a separator", "GET", "/enc/a/b", Router::Outcome::kNotFound,
       {}},
      {"known path, other methods", "PUT", "/v1/books", Router::Outcome::kMethodNotAllowed,
       {"CUSTOM", "GET", "POST"}},
      {"methods from every matching template", "PUT", "/v1/books/b1",
       Router::Outcome::kMethodNotAllowed, {"DELETE", "GET", "PATCH"}},
      {"verb path, other method", "GET", "/v1/books:publish", Router::Outcome::kMethodNotAllowed,
       {"POST"}},
      {"root, other method", "POST", "/", Router::Outcome::kMethodNotAllowed, {"GET"}},
      {"method names are case-sensitive", "get", "/v1/books", Router::Outcome::kMethodNotAllowed,
       {"CUSTOM", "GET", "POST"}},
      {"escaped colon is never a verb", "POST", "/v1/books%3Apublish", Router::Outcome::kNotFound,
       {}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      Router::Match match;
      std::vector<std::string> allowed;
      std::string error;
      REQUIRE(router.Lookup(row.method, row.path, &match, &allowed, &error) == row.outcome);
      if (row.outcome == Router::Outcome::kMethodNotAllowed) CHECK(allowed == row.allowed);
    }
  }
}

TEST_CASE("lookup refuses bad escapes and invalid UTF-8 with 400", "[router]") {
  Router router;
  AddAll(&router);
  struct Row {
    const char* name;
    const char* path;
  };
  const std::vector<Row> rows = {
      {"bad hex", "/v1/books/%zz"},
      {"truncated escape", "/v1/books/%2"},
      {"lone percent", "/v1/books/%"},
      {"truncated UTF-8", "/v1/books/%C3"},
      {"invalid byte", "/v1/books/%FF"},
      {"overlong encoding", "/v1/books/%C0%AF"},
      {"raw invalid byte", "/v1/books/\xFF"},
      {"bad escape in a segment no template reaches", "/nowhere/%zz"},
      {"bad escape in a ** capture", "/v1/files/a/%G1"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      Router::Match match;
      std::vector<std::string> allowed;
      std::string error;
      CHECK(router.Lookup("GET", row.path, &match, &allowed, &error) ==
            Router::Outcome::kBadRequest);
      CHECK_FALSE(error.empty());
    }
  }
}

TEST_CASE("add refuses templates equivalent to a registered one", "[router]") {
  Router router;
  AddAll(&router);
  const size_t size_before = router.size();
  struct Row {
    const char* name;
    const char* method;
    const char* tmpl;
    bool accepted;
    const char* error;
  };
  const std::vector<Row> rows = {
      {"other variable name", "GET", "/v1/books/{other}", false,
       "GET /v1/books/{other} is ambiguous with GET /v1/books/{id} (same method and path shape)"},
      {"anonymous wildcard", "GET", "/v1/books/*", false,
       "GET /v1/books/* is ambiguous with GET /v1/books/{id} (same method and path shape)"},
      {"same shape spelled differently", "GET", "/v1/shelves/{s}/books/{rest=**}", false,
       "GET /v1/shelves/{s}/books/{rest=**} is ambiguous with GET /v1/{name=shelves/*/books/**} "
       "(same method and path shape)"},
      {"escaped literal equal to a plain one", "GET", "/v1/%62ooks", false,
       "GET /v1/%62ooks is ambiguous with GET /v1/books (same method and path shape)"},
      {"same verb", "POST", "/v1/books:publish", false,
       "POST /v1/books:publish is ambiguous with POST /v1/books:publish (same method and path "
       "shape)"},
      {"other method", "PUT", "/v1/books/{id}", true, ""},
      {"other verb", "GET", "/v1/books/{id}:preview", true, ""},
      {"longer path", "GET", "/v1/books/{id}/x", true, ""},
      {"* against ** is not ambiguous", "GET", "/v1/files/*", true, ""},
  };
  size_t next_target = 100;
  size_t accepted = 0;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      PathTemplate t;
      std::string error;
      REQUIRE(PathTemplate::Parse(row.tmpl, &t, &error));
      CHECK(router.Add(row.method, t, next_target++, &error) == row.accepted);
      if (row.accepted) {
        ++accepted;
      } else {
        CHECK(error == row.error);
      }
    }
  }
  CHECK(router.size() == size_before + accepted);

  // The refused registrations changed nothing.
  Router::Match match;
  std::vector<std::string> allowed;
  std::string error;
  REQUIRE(router.Lookup("GET", "/v1/books/b1", &match, &allowed, &error) ==
          Router::Outcome::kMatch);
  CHECK(match.target == 2);
  CHECK(Variables(match) == std::vector<std::string>{"id=b1"});
}

TEST_CASE("add refuses an empty method", "[router]") {
  Router router;
  PathTemplate t;
  std::string error;
  REQUIRE(PathTemplate::Parse("/v1/x", &t, &error));
  CHECK_FALSE(router.Add("", t, 1, &error));
  CHECK(error == "empty HTTP method for /v1/x");
}

}  // namespace
}  // namespace internal
}  // namespace grpcgw
