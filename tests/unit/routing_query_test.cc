#include "routing/query.h"

#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

namespace grpcgw {
namespace internal {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST_CASE("query strings split into decoded pairs in order", "[query]") {
  struct Row {
    const char* name;
    const char* query;
    Params expected;
  };
  const std::vector<Row> rows = {
      {"empty", "", {}},
      {"one pair", "a=1", {{"a", "1"}}},
      {"several pairs keep order and repeats", "b=2&a=1&b=3", {{"b", "2"}, {"a", "1"}, {"b", "3"}}},
      {"plus is a space", "q=hello+world", {{"q", "hello world"}}},
      {"escaped plus stays a plus", "q=1%2B1", {{"q", "1+1"}}},
      {"escapes in keys", "a%2Eb=1&m%5Bk%5D=v", {{"a.b", "1"}, {"m[k]", "v"}}},
      {"UTF-8 value", "name=caf%C3%A9", {{"name", "caf\xC3\xA9"}}},
      {"key without equals", "flag", {{"flag", ""}}},
      {"key with empty value", "flag=", {{"flag", ""}}},
      {"value containing equals", "f=a=b", {{"f", "a=b"}}},
      {"empty pieces skipped", "&&a=1&&", {{"a", "1"}}},
      {"empty key kept", "=v", {{"", "v"}}},
      {"lowercase hex", "x=%c3%a9", {{"x", "\xC3\xA9"}}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      Params params;
      std::string error;
      REQUIRE(ParseQueryString(row.query, &params, &error));
      CHECK(params == row.expected);
    }
  }
}

TEST_CASE("query strings with bad escapes or UTF-8 are refused naming the key", "[query]") {
  struct Row {
    const char* name;
    const char* query;
    const char* error;
  };
  const std::vector<Row> rows = {
      {"bad hex in value", "a=1&count=%zz",
       "query parameter \"count\": malformed percent-encoding in the value"},
      {"truncated escape", "count=%4", "query parameter \"count\": malformed percent-encoding in the value"},
      {"bad escape in key", "co%unt=1",
       "query parameter \"co%unt\": malformed percent-encoding in the name"},
      {"value not UTF-8", "name=%FF", "query parameter \"name\": value is not valid UTF-8"},
      {"truncated UTF-8 sequence", "name=%C3", "query parameter \"name\": value is not valid UTF-8"},
      {"key not UTF-8", "%C0%AF=1", "query parameter \"%C0%AF\": name is not valid UTF-8"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      Params params;
      std::string error;
      CHECK_FALSE(ParseQueryString(row.query, &params, &error));
      CHECK(error == row.error);
    }
  }
}

TEST_CASE("UTF-8 validation follows RFC 3629", "[query]") {
  struct Row {
    const char* name;
    std::string text;
    bool valid;
  };
  const std::vector<Row> rows = {
      {"ASCII", "hello", true},
      {"two bytes", "\xC3\xA9", true},
      {"three bytes", "\xE2\x82\xAC", true},
      {"four bytes", "\xF0\x9F\x98\x80", true},
      {"largest code point", "\xF4\x8F\xBF\xBF", true},
      {"embedded NUL", std::string("a\0b", 3), true},
      {"lone continuation byte", "\x80", false},
      {"overlong slash", "\xC0\xAF", false},
      {"overlong three bytes", "\xE0\x80\xAF", false},
      {"surrogate", "\xED\xA0\x80", false},
      {"above U+10FFFF", "\xF4\x90\x80\x80", false},
      {"truncated", "\xE2\x82", false},
      {"bad continuation", "\xC3\x28", false},
      {"FF byte", "\xFF", false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(IsValidUtf8(row.text) == row.valid); }
  }
}

TEST_CASE("percent-decoding can keep reserved characters escaped", "[query]") {
  struct Row {
    const char* name;
    const char* in;
    PercentDecodeMode mode;
    const char* expected;
  };
  const std::vector<Row> rows = {
      {"all: slash decoded", "a%2Fb", PercentDecodeMode::kAll, "a/b"},
      {"keep: slash kept", "a%2Fb", PercentDecodeMode::kKeepReserved, "a%2Fb"},
      {"keep: lowercase escape kept as written", "a%2fb", PercentDecodeMode::kKeepReserved, "a%2fb"},
      {"keep: unreserved decoded", "%41%7E%2D", PercentDecodeMode::kKeepReserved, "A~-"},
      {"keep: sub-delims kept", "%21%24%26%27%28%29%2A%2B%2C%3B%3D", PercentDecodeMode::kKeepReserved,
       "%21%24%26%27%28%29%2A%2B%2C%3B%3D"},
      {"keep: gen-delims kept", "%3A%3F%23%5B%5D%40", PercentDecodeMode::kKeepReserved,
       "%3A%3F%23%5B%5D%40"},
      {"keep: non-ASCII decoded", "caf%C3%A9", PercentDecodeMode::kKeepReserved, "caf\xC3\xA9"},
      {"keep: space decoded", "a%20b", PercentDecodeMode::kKeepReserved, "a b"},
      {"plus untouched without plus_as_space", "a+b", PercentDecodeMode::kAll, "a+b"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      std::string out;
      REQUIRE(PercentDecode(row.in, row.mode, false, &out));
      CHECK(out == row.expected);
    }
  }
  std::string out;
  CHECK_FALSE(PercentDecode("%", PercentDecodeMode::kAll, false, &out));
  CHECK_FALSE(PercentDecode("%a", PercentDecodeMode::kAll, false, &out));
  CHECK_FALSE(PercentDecode("%g0", PercentDecodeMode::kAll, false, &out));
}

}  // namespace
}  // namespace internal
}  // namespace grpcgw
