#include "routing/path_template.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace grpcgw {
namespace internal {
namespace {

// "*", "**" or the literal as written.
std::vector<std::string> SegmentStrings(const PathTemplate& t) {
  std::vector<std::string> out;
  for (const PathTemplate::Segment& s : t.segments) {
    switch (s.kind) {
      case PathTemplate::Segment::Kind::kLiteral: out.push_back(s.literal); break;
      case PathTemplate::Segment::Kind::kWildcard: out.push_back("*"); break;
      case PathTemplate::Segment::Kind::kMultiWildcard: out.push_back("**"); break;
    }
  }
  return out;
}

// "a.b[1,3)" for field path a.b over segments 1 and 2.
std::vector<std::string> VariableStrings(const PathTemplate& t) {
  std::vector<std::string> out;
  for (const PathTemplate::Variable& v : t.variables) {
    std::string s;
    for (const std::string& ident : v.field_path) s += (s.empty() ? "" : ".") + ident;
    s += "[" + std::to_string(v.start_segment) + "," + std::to_string(v.end_segment) + ")";
    out.push_back(s);
  }
  return out;
}

struct ValidRow {
  const char* name;
  const char* text;
  std::vector<std::string> segments;
  std::vector<std::string> variables;
  const char* verb;
  const char* canonical;
};

TEST_CASE("parse accepts every shape of the grammar", "[path_template]") {
  const std::vector<ValidRow> rows = {
      {"root", "/", {}, {}, "", "/"},
      {"literals only", "/v1/books", {"v1", "books"}, {}, "", "/v1/books"},
      {"single literal", "/health", {"health"}, {}, "", "/health"},
      {"short variable is one wildcard", "/v1/books/{id}", {"v1", "books", "*"}, {"id[2,3)"}, "",
       "/v1/books/{id}"},
      {"explicit single wildcard prints short", "/v1/books/{id=*}", {"v1", "books", "*"},
       {"id[2,3)"}, "", "/v1/books/{id}"},
      {"dotted field path", "/v1/{book.shelf.name}", {"v1", "*"}, {"book.shelf.name[1,2)"}, "",
       "/v1/{book.shelf.name}"},
      {"identifiers with underscores and digits", "/{_a1.b_2}", {"*"}, {"_a1.b_2[0,1)"}, "",
       "/{_a1.b_2}"},
      {"variable with a pattern", "/v1/{name=shelves/*/books/*}",
       {"v1", "shelves", "*", "books", "*"}, {"name[1,5)"}, "", "/v1/{name=shelves/*/books/*}"},
      {"double wildcard inside a variable", "/v1/{name=shelves/*/books/**}",
       {"v1", "shelves", "*", "books", "**"}, {"name[1,5)"}, "", "/v1/{name=shelves/*/books/**}"},
      {"variable of one literal", "/v1/{kind=books}", {"v1", "books"}, {"kind[1,2)"}, "",
       "/v1/{kind=books}"},
      {"variable capturing everything", "/{path=**}", {"**"}, {"path[0,1)"}, "", "/{path=**}"},
      {"anonymous wildcards", "/v1/*/x/**", {"v1", "*", "x", "**"}, {}, "", "/v1/*/x/**"},
      {"two variables", "/v1/shelves/{shelf}/books/{book=*}",
       {"v1", "shelves", "*", "books", "*"}, {"shelf[2,3)", "book[4,5)"}, "",
       "/v1/shelves/{shelf}/books/{book}"},
      {"adjacent variables", "/{a}/{b=x/*}", {"*", "x", "*"}, {"a[0,1)", "b[1,3)"}, "",
       "/{a}/{b=x/*}"},
      {"custom verb", "/v1/books:publish", {"v1", "books"}, {}, "publish", "/v1/books:publish"},
      {"verb after a variable", "/v1/{name=books/*}:publish", {"v1", "books", "*"},
       {"name[1,3)"}, "publish", "/v1/{name=books/*}:publish"},
      {"verb after a double wildcard", "/v1/{name=**}:undelete", {"v1", "**"}, {"name[1,2)"},
       "undelete", "/v1/{name=**}:undelete"},
      {"verb after a wildcard", "/v1/*:ping", {"v1", "*"}, {}, "ping", "/v1/*:ping"},
      {"literal with sub-delims and unreserved marks", "/a-b.c_d~e/!$&'()+,;@",
       {"a-b.c_d~e", "!$&'()+,;@"}, {}, "", "/a-b.c_d~e/!$&'()+,;@"},
      {"literal with escapes kept as written", "/v1/a%2Fb/caf%C3%A9", {"v1", "a%2Fb", "caf%C3%A9"},
       {}, "", "/v1/a%2Fb/caf%C3%A9"},
      {"escaped verb", "/v1/x:do%2Dit", {"v1", "x"}, {}, "do%2Dit", "/v1/x:do%2Dit"},
  };
  for (const ValidRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      PathTemplate t;
      std::string error;
      REQUIRE(PathTemplate::Parse(row.text, &t, &error));
      CHECK(SegmentStrings(t) == row.segments);
      CHECK(VariableStrings(t) == row.variables);
      CHECK(t.verb == row.verb);
      CHECK(t.ToString() == row.canonical);
      PathTemplate again;
      REQUIRE(PathTemplate::Parse(t.ToString(), &again, &error));
      CHECK(again == t);
    }
  }
}

struct ErrorRow {
  const char* name;
  const char* text;
  const char* error;  // the part after `"<text>": `
};

TEST_CASE("parse rejects bad templates saying what and where", "[path_template]") {
  const std::vector<ErrorRow> rows = {
      {"empty text", "", "a template must start with '/' at offset 0"},
      {"missing leading slash", "v1/books", "a template must start with '/' at offset 0"},
      {"unterminated variable", "/v1/{name", "unterminated variable at offset 4"},
      {"unterminated empty variable", "/v1/{", "unterminated variable at offset 4"},
      {"unterminated after a dot", "/v1/{a.", "unterminated variable at offset 4"},
      {"unterminated pattern", "/v1/{name=shelves/*", "unterminated variable at offset 4"},
      {"unterminated pattern after slash", "/v1/{name=shelves/", "unterminated variable at offset 4"},
      {"empty segment in the middle", "/v1//books", "empty segment at offset 4"},
      {"trailing slash", "/v1/books/", "empty segment at offset 10"},
      {"empty segment before a verb", "/:verb", "empty segment at offset 1"},
      {"empty variable", "/v1/{}", "expected a field name at offset 5"},
      {"field path ending in a dot", "/v1/{a.}", "expected a field name at offset 7"},
      {"field name starting with a digit", "/v1/{1a}", "expected a field name at offset 5"},
      {"field name with a dash", "/v1/{a-b}", "unexpected character '-' at offset 6"},
      {"empty pattern", "/v1/{a=}", "empty segment at offset 7"},
      {"nested variable", "/v1/{a={b}}", "nested variable at offset 7"},
      {"nested variable deeper", "/v1/{a=x/{b}}", "nested variable at offset 9"},
      {"duplicate variable", "/v1/{a}/{a}", "duplicate variable \"a\" at offset 9"},
      {"duplicate dotted variable", "/v1/{a.b}/x/{a.b=*}",
       "duplicate variable \"a.b\" at offset 13"},
      {"double wildcard not last", "/v1/**/books", "'**' must be the last segment at offset 4"},
      {"double wildcard in variable not last", "/v1/{name=**}/books",
       "'**' must be the last segment at offset 10"},
      {"two double wildcards", "/**/**", "'**' must be the last segment at offset 1"},
      {"empty verb", "/v1/books:", "empty verb at offset 10"},
      {"verb with a colon", "/v1/books:do:it", "unexpected character ':' at offset 12"},
      {"segment after the verb", "/v1/books:publish/x", "unexpected character '/' at offset 17"},
      {"verb inside a variable", "/v1/{a=b:c}", "unexpected character ':' at offset 8"},
      {"malformed escape", "/v1/%zz", "malformed percent-encoding at offset 4"},
      {"truncated escape", "/v1/a%2", "malformed percent-encoding at offset 5"},
      {"escape that is not UTF-8", "/v1/%FF", "literal is not valid UTF-8 once decoded at offset 4"},
      {"wildcard glued to a literal", "/v1/*a", "unexpected character 'a' at offset 5"},
      {"literal glued to a wildcard", "/v1/a*", "unexpected character '*' at offset 5"},
      {"triple star", "/v1/***", "unexpected character '*' at offset 6"},
      {"space", "/v1/a b", "unexpected character 0x20 at offset 5"},
      {"stray closing brace", "/v1/books}", "unexpected character '}' at offset 9"},
      {"query string", "/v1?x", "unexpected character '?' at offset 3"},
      {"equals outside a variable", "/v1/a=b", "unexpected character '=' at offset 5"},
  };
  for (const ErrorRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      PathTemplate t;
      std::string error;
      CHECK_FALSE(PathTemplate::Parse(row.text, &t, &error));
      CHECK(error == "\"" + std::string(row.text) + "\": " + row.error);
    }
  }
}

TEST_CASE("templates differing only by variable names are not equal", "[path_template]") {
  PathTemplate a, b;
  std::string error;
  REQUIRE(PathTemplate::Parse("/v1/{a}", &a, &error));
  REQUIRE(PathTemplate::Parse("/v1/{b}", &b, &error));
  CHECK(a != b);
  CHECK(a.segments == b.segments);
}

TEST_CASE("EndsWithMultiWildcard tells variables that reach the end", "[path_template]") {
  PathTemplate t;
  std::string error;
  REQUIRE(PathTemplate::Parse("/{a}/{b=x/**}", &t, &error));
  REQUIRE(t.variables.size() == 2);
  CHECK_FALSE(t.EndsWithMultiWildcard(t.variables[0]));
  CHECK(t.EndsWithMultiWildcard(t.variables[1]));
}

}  // namespace
}  // namespace internal
}  // namespace grpcgw
