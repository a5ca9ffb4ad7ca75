// JsonSequenceSplitter (src/gateway/json_sequence.h), white-box: the
// splitter a chunked request body goes through, fed every way a body can be
// cut into chunks.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "gateway/json_sequence.h"

namespace {

using grpcgw::internal::JsonSequenceSplitter;

struct SplitResult {
  std::vector<std::string> elements;
  std::string error;
};

// Feeds `input` in pieces cut at `cuts` (ascending offsets), draining after
// every piece, then finishes.
SplitResult SplitAt(const std::string& input, const std::vector<size_t>& cuts, size_t limit = 1 << 20) {
  JsonSequenceSplitter splitter(limit);
  SplitResult out;
  std::string element;
  size_t from = 0;
  auto drain = [&] {
    while (splitter.Next(&element, &out.error)) out.elements.push_back(element);
  };
  for (size_t cut : cuts) {
    splitter.Feed(input.data() + from, cut - from);
    from = cut;
    drain();
    if (!out.error.empty()) return out;
  }
  splitter.Feed(input.data() + from, input.size() - from);
  drain();
  if (!out.error.empty()) return out;
  while (splitter.Finish(&element, &out.error)) out.elements.push_back(element);
  return out;
}

SplitResult SplitWhole(const std::string& input, size_t limit = 1 << 20) { return SplitAt(input, {}, limit); }

struct Row {
  const char* name;
  std::string input;
  std::vector<std::string> elements;
};

std::vector<Row> Rows() {
  return {
      {"newline-delimited objects", "{\"a\":1}\n{\"b\":2}\n", {"{\"a\":1}", "{\"b\":2}"}},
      {"CRLF, tabs and blank lines", "\r\n\t{\"a\":1}\r\n\r\n\t {\"b\":2}  \r\n", {"{\"a\":1}", "{\"b\":2}"}},
      {"objects back to back without separator", "{\"a\":1}{\"b\":2}", {"{\"a\":1}", "{\"b\":2}"}},
      {"values separated by spaces on one line", "{} [] \"s\" 12 true null", {"{}", "[]", "\"s\"", "12", "true", "null"}},
      {"braces and quotes inside strings", "{\"t\":\"}{\\\"]\"} {\"u\":\"\\\\\"}",
       {"{\"t\":\"}{\\\"]\"}", "{\"u\":\"\\\\\"}"}},
      {"nested objects and arrays", "{\"a\":{\"b\":[1,{\"c\":[]}]}}\n[[],[{}]]",
       {"{\"a\":{\"b\":[1,{\"c\":[]}]}}", "[[],[{}]]"}},
      {"a last scalar without trailing newline", "{\"a\":1}\n42", {"{\"a\":1}", "42"}},
      {"multi-byte UTF-8 inside strings", "{\"t\":\"h\xc3\xa9llo \xe2\x82\xac\"}\n{\"t\":\"\xf0\x9f\x98\x80\"}",
       {"{\"t\":\"h\xc3\xa9llo \xe2\x82\xac\"}", "{\"t\":\"\xf0\x9f\x98\x80\"}"}},
      {"whitespace only", " \n\r\n\t ", {}},
      {"empty input", "", {}},
  };
}

TEST_CASE("splitter yields the same elements for every two-piece chunking", "[chunked][splitter]") {
  for (const Row& row : Rows()) {
    for (size_t cut = 0; cut <= row.input.size(); ++cut) {
      DYNAMIC_SECTION(row.name << ", cut at " << cut) {
        SplitResult r = SplitAt(row.input, {cut});
        CHECK(r.error.empty());
        CHECK(r.elements == row.elements);
      }
    }
  }
}

TEST_CASE("splitter yields the same elements when fed one byte at a time", "[chunked][splitter]") {
  for (const Row& row : Rows()) {
    DYNAMIC_SECTION(row.name) {
      std::vector<size_t> cuts;
      for (size_t i = 1; i < row.input.size(); ++i) cuts.push_back(i);
      SplitResult r = SplitAt(row.input, cuts);
      CHECK(r.error.empty());
      CHECK(r.elements == row.elements);
    }
  }
}

TEST_CASE("splitter yields the same elements for every three-piece chunking", "[chunked][splitter]") {
  const std::string input = "{\"text\":\"a b\"}\n [1,\"]\"]\r\n{\"x\":{\"y\":\"\\\"}\"}} 7\n";
  const std::vector<std::string> expected = {"{\"text\":\"a b\"}", "[1,\"]\"]", "{\"x\":{\"y\":\"\\\"}\"}}", "7"};
  for (size_t a = 0; a <= input.size(); ++a) {
    for (size_t b = a; b <= input.size(); ++b) {
      SplitResult r = SplitAt(input, {a, b});
      INFO("cuts at " << a << " and " << b);
      REQUIRE(r.error.empty());
      REQUIRE(r.elements == expected);
    }
  }
}

TEST_CASE("splitter hands out an element as soon as its last byte arrives", "[chunked][splitter]") {
  struct Case {
    const char* name;
    std::string before_last;  // everything but the element's closing byte
    char last;
  };
  std::vector<Case> cases = {
      {"object", "{\"a\":[1,2]", '}'},
      {"array", "[{\"a\":1}", ']'},
      {"string", "\"abc", '"'},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      JsonSequenceSplitter splitter(1024);
      std::string element, error;
      splitter.Feed(c.before_last.data(), c.before_last.size());
      CHECK_FALSE(splitter.Next(&element, &error));
      CHECK(error.empty());
      splitter.Feed(&c.last, 1);
      REQUIRE(splitter.Next(&element, &error));
      CHECK(element == c.before_last + c.last);
    }
  }
}

TEST_CASE("splitter ends a scalar at whitespace, not before", "[chunked][splitter]") {
  JsonSequenceSplitter splitter(1024);
  std::string element, error;
  splitter.Feed("12", 2);
  CHECK_FALSE(splitter.Next(&element, &error));
  splitter.Feed("3 ", 2);
  REQUIRE(splitter.Next(&element, &error));
  CHECK(element == "123");
}

TEST_CASE("splitter reports an element over the limit with its index", "[chunked][splitter]") {
  struct Case {
    const char* name;
    std::string input;
    size_t limit;
    size_t good_before;  // elements yielded before the error
    std::string index_text;
  };
  std::vector<Case> cases = {
      {"first element too big", "{\"a\":\"0123456789\"}", 10, 0, "element 0 "},
      {"third element too big", "{}\n{}\n{\"a\":\"0123456789\"}\n{}", 10, 2, "element 2 "},
      {"unterminated huge object", "{} {\"a\":\"" + std::string(100, 'x'), 50, 1, "element 1 "},
      {"scalar too big", "1 22222222222222", 5, 1, "element 1 "},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      SplitResult r = SplitWhole(c.input, c.limit);
      CHECK(r.elements.size() == c.good_before);
      CHECK(r.error.find(c.index_text) != std::string::npos);
      CHECK(r.error.find("limit") != std::string::npos);
    }
  }
}

TEST_CASE("splitter accepts an element of exactly the limit", "[chunked][splitter]") {
  std::string element = "{\"a\":\"" + std::string(20, 'x') + "\"}";
  SplitResult r = SplitWhole(element + "\n" + element, element.size());
  CHECK(r.error.empty());
  CHECK(r.elements.size() == 2);
  SplitResult over = SplitWhole(element, element.size() - 1);
  CHECK_FALSE(over.error.empty());
}

TEST_CASE("splitter reports a value cut off by the end of input with its index", "[chunked][splitter]") {
  struct Case {
    const char* name;
    std::string input;
    size_t good_before;
  };
  std::vector<Case> cases = {
      {"open object", "{\"a\":1}\n{\"b\":", 1},
      {"open array", "[1,2", 0},
      {"open string", "{} {} \"abc", 2},
      {"open escape in a string", "\"abc\\", 0},
  };
  for (const Case& c : cases) {
    DYNAMIC_SECTION(c.name) {
      SplitResult r = SplitWhole(c.input);
      CHECK(r.elements.size() == c.good_before);
      CHECK(r.error.find("element " + std::to_string(c.good_before) + " ") != std::string::npos);
      CHECK(r.error.find("cut off") != std::string::npos);
    }
  }
}

}  // namespace
