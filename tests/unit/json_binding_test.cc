// Request binding (src/gateway/binding.h): path variables, query parameters
// and the PATCH update_mask, on the messages of binding_test.proto.
#include "gateway/binding.h"

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "binding_test.pb.h"
#include "routing/query.h"
#include "routing/router.h"
#include "json_test_util.h"

namespace grpcgw {
namespace internal {
namespace {

using grpcgw_binding_test::BindRequest;
using grpcgw_binding_test::UpdateBookRequest;
using grpcgw_binding_test::UpdateWithOtherMaskRequest;
using grpcgw_test_util::FromText;
using grpcgw_test_util::SameMessage;
using grpcgw_test_util::ToText;

PathTemplate MustParse(const std::string& text) {
  PathTemplate t;
  std::string error;
  if (!PathTemplate::Parse(text, &t, &error)) throw std::runtime_error(error);
  return t;
}

BindingPlan MustCompile(const google::protobuf::Descriptor* type, const std::string& tmpl,
                        const std::string& body) {
  BindingPlan plan;
  grpc::Status status = BindingPlan::Compile(type, MustParse(tmpl), body, &plan);
  if (!status.ok()) throw std::runtime_error(status.error_message());
  return plan;
}

// Routes `path` through a router holding only `tmpl` and binds the captured
// variables into *request.
grpc::Status BindPath(const std::string& tmpl, const std::string& path, BindRequest* request) {
  const PathTemplate t = MustParse(tmpl);
  BindingPlan plan;
  grpc::Status status = BindingPlan::Compile(BindRequest::descriptor(), t, "", &plan);
  if (!status.ok()) return status;
  Router router;
  std::string error;
  REQUIRE(router.Add("GET", t, 0, &error));
  Router::Match match;
  std::vector<std::string> allowed;
  REQUIRE(router.Lookup("GET", path, &match, &allowed, &error) == Router::Outcome::kMatch);
  return plan.BindPathVariables(match.variables, request);
}

grpc::Status BindQuery(const BindingPlan& plan, const std::string& query, bool reject_unknown,
                       BindRequest* request) {
  std::vector<std::pair<std::string, std::string>> params;
  std::string error;
  REQUIRE(ParseQueryString(query, &params, &error));
  JsonOptions options;
  options.ignore_unknown_fields = true;  // as the gateway's default; must not drop enum names
  return plan.BindQueryParameters(params, reject_unknown, options, request);
}

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

TEST_CASE("compile refuses bad field paths and bodies naming them", "[binding]") {
  struct Row {
    const char* name;
    const char* tmpl;
    const char* body;
    const char* error;
  };
  const std::vector<Row> rows = {
      {"unknown field", "/v1/{nme}", "",
       "path variable \"nme\": grpcgw_binding_test.BindRequest has no field \"nme\""},
      {"unknown nested field", "/v1/{book.nme}", "",
       "path variable \"book.nme\": grpcgw_binding_test.Book has no field \"nme\""},
      {"JSON names are not field paths", "/v1/{pageTok}", "",
       "path variable \"pageTok\": grpcgw_binding_test.BindRequest has no field \"pageTok\""},
      {"through a repeated field", "/v1/{books.name}", "",
       "path variable \"books.name\": field \"books\" of grpcgw_binding_test.BindRequest is "
       "repeated; it cannot be traversed"},
      {"through a map", "/v1/{counts.x}", "",
       "path variable \"counts.x\": field \"counts\" of grpcgw_binding_test.BindRequest is a map; "
       "it cannot be traversed"},
      {"through a scalar", "/v1/{count.x}", "",
       "path variable \"count.x\": field \"count\" of grpcgw_binding_test.BindRequest is not a "
       "message"},
      {"a map", "/v1/{counts}", "", "path variable \"counts\": field \"counts\" is a map"},
      {"a message", "/v1/{book}", "",
       "path variable \"book\": field \"book\" is a message (grpcgw_binding_test.Book); bind one "
       "of its fields"},
      {"a repeated message", "/v1/{books}", "",
       "path variable \"books\": field \"books\" is a repeated message (grpcgw_binding_test.Book); "
       "bind one of its fields"},
      {"a Struct", "/v1/{extra}", "",
       "path variable \"extra\": field \"extra\" is a message (google.protobuf.Struct); bind one "
       "of its fields"},
      {"overlapping variables", "/v1/{start}/{start.seconds}", "",
       "path variables \"start\" and \"start.seconds\" overlap"},
      {"unknown body field", "/v1/{name}", "bok",
       "body \"bok\": grpcgw_binding_test.BindRequest has no field \"bok\""},
      {"nested body field", "/v1/{name}", "book.title",
       "body \"book.title\": must name a top-level field of grpcgw_binding_test.BindRequest"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      BindingPlan plan;
      grpc::Status status =
          BindingPlan::Compile(BindRequest::descriptor(), MustParse(row.tmpl), row.body, &plan);
      CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK(status.error_message() == row.error);
    }
  }
}

TEST_CASE("compile records the body and the variables' fields", "[binding]") {
  const auto* d = BindRequest::descriptor();
  BindingPlan none = MustCompile(d, "/v1/{book.author.name}/{ids}", "");
  CHECK_FALSE(none.has_body());
  CHECK(none.body_field() == nullptr);
  REQUIRE(none.variable_fields().size() == 2);
  CHECK(none.variable_fields()[0].back()->full_name() == "grpcgw_binding_test.Author.name");
  CHECK(none.variable_fields()[1].back() == d->FindFieldByName("ids"));

  BindingPlan whole = MustCompile(d, "/v1/{name}", "*");
  CHECK(whole.has_body());
  CHECK(whole.body_is_whole_request());
  CHECK(whole.body_field() == nullptr);

  BindingPlan field = MustCompile(d, "/v1/{book.name}", "book");
  CHECK(field.has_body());
  CHECK_FALSE(field.body_is_whole_request());
  CHECK(field.body_field() == d->FindFieldByName("book"));
}

TEST_CASE("path variables are converted to their field types", "[binding]") {
  struct Row {
    const char* name;
    const char* tmpl;
    const char* path;
    const char* expected;  // text format
  };
  const std::vector<Row> rows = {
      {"string, decoded", "/v1/{name}", "/v1/hello%20world", R"(name: "hello world")"},
      {"nested field", "/v1/{book.author.name}", "/v1/ann", R"(book { author { name: "ann" } })"},
      {"multi-segment pattern", "/v1/{book.name=shelves/*/books/*}", "/v1/shelves/1/books/2",
       R"(book { name: "shelves/1/books/2" })"},
      {"two variables", "/v1/{book.name}/x/{count}", "/v1/b/x/3", R"(book { name: "b" } count: 3)"},
      {"int32", "/v1/{count}", "/v1/-42", "count: -42"},
      {"int64 maximum", "/v1/{big}", "/v1/9223372036854775807", "big: 9223372036854775807"},
      {"uint32", "/v1/{small}", "/v1/4294967295", "small: 4294967295"},
      {"uint64 maximum", "/v1/{huge}", "/v1/18446744073709551615", "huge: 18446744073709551615"},
      {"sint32", "/v1/{delta}", "/v1/-3", "delta: -3"},
      {"fixed64", "/v1/{stamp}", "/v1/5", "stamp: 5"},
      {"float", "/v1/{ratio}", "/v1/1.5", "ratio: 1.5"},
      {"double with exponent", "/v1/{score}", "/v1/2.5e3", "score: 2500"},
      {"double infinity", "/v1/{score}", "/v1/-Infinity", "score: -inf"},
      {"bool true", "/v1/{flag}", "/v1/true", "flag: true"},
      {"bool 1", "/v1/{flag}", "/v1/1", "flag: true"},
      {"bool false", "/v1/{flag}", "/v1/false", ""},
      {"enum by name", "/v1/{genre}", "/v1/POETRY", "genre: POETRY"},
      {"enum by number", "/v1/{genre}", "/v1/1", "genre: FICTION"},
      {"bytes, URL-safe unpadded", "/v1/{data}", "/v1/_-8", R"(data: "\377\357")"},
      {"bytes, standard with escapes", "/v1/{data}", "/v1/%2F%2B8%3D", R"(data: "\377\357")"},
      {"repeated ints from a list", "/v1/{ids}", "/v1/1,2,3", "ids: 1 ids: 2 ids: 3"},
      {"repeated enums by name and number", "/v1/{genres}", "/v1/FICTION,2",
       "genres: FICTION genres: POETRY"},
      {"repeated strings", "/v1/{tags}", "/v1/a,b", R"(tags: "a" tags: "b")"},
      {"Timestamp", "/v1/{start}", "/v1/2024-01-02T03:04:05.5Z",
       "start { seconds: 1704164645 nanos: 500000000 }"},
      {"Duration", "/v1/{timeout}", "/v1/1.5s", "timeout { seconds: 1 nanos: 500000000 }"},
      {"FieldMask in both spellings", "/v1/{read_mask}", "/v1/name,book.author.name,pageToken",
       R"(read_mask { paths: "name" paths: "book.author.name" paths: "page_token" })"},
      {"Int32Value", "/v1/{limit}", "/v1/7", "limit { value: 7 }"},
      {"BoolValue false is present", "/v1/{enabled}", "/v1/false", "enabled { }"},
      {"StringValue", "/v1/{note}", "/v1/hi", R"(note { value: "hi" })"},
      {"** capture keeps reserved escapes", "/v1/{name=**}", "/v1/a%2Fb/c",
       R"(name: "a%2Fb/c")"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      BindRequest request;
      grpc::Status status = BindPath(row.tmpl, row.path, &request);
      REQUIRE(status.error_message() == "");
      std::string diff;
      const bool same = SameMessage(request, FromText<BindRequest>(row.expected), &diff);
      INFO(diff);
      CHECK(same);
    }
  }
}

TEST_CASE("path variables that do not convert are refused naming the variable", "[binding]") {
  struct Row {
    const char* name;
    const char* tmpl;
    const char* path;
    const char* prefix;  // our part of the message; the codec says what it got
    const char* got;
  };
  const std::vector<Row> rows = {
      {"not an integer", "/v1/{count}", "/v1/abc", "path variable \"count\": expected an integer",
       "\"abc\""},
      {"out of range", "/v1/{count}", "/v1/99999999999",
       "path variable \"count\": expected an integer in the range of", "99999999999"},
      {"unknown enum name", "/v1/{genre}", "/v1/NOVEL", "path variable \"genre\": expected",
       "NOVEL"},
      {"not a bool", "/v1/{flag}", "/v1/yes", "path variable \"flag\": expected true or false",
       "yes"},
      {"bad list element", "/v1/{ids}", "/v1/1,x", "path variable \"ids\": expected an integer",
       "\"x\""},
      {"bad Timestamp", "/v1/{start}", "/v1/yesterday", "path variable \"start\": ", "yesterday"},
      {"bad nested field", "/v1/{book.author.born}", "/v1/1.5",
       "path variable \"book.author.born\": expected an integer", "1.5"},
      {"FieldMask path naming no field", "/v1/{read_mask}", "/v1/name,nope",
       "path variable \"read_mask\": FieldMask path \"nope\": ", "has no field \"nope\""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      BindRequest request;
      grpc::Status status = BindPath(row.tmpl, row.path, &request);
      CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      INFO(status.error_message());
      CHECK(StartsWith(status.error_message(), row.prefix));
      CHECK(status.error_message().find(row.got) != std::string::npos);
    }
  }
}

TEST_CASE("query parameters fill the fields the path and body leave", "[binding]") {
  const BindingPlan plan = MustCompile(BindRequest::descriptor(), "/v1/{name}", "");
  struct Row {
    const char* name;
    const char* query;
    const char* expected;
  };
  const std::vector<Row> rows = {
      {"integers", "count=5&big=-9&small=7&huge=18446744073709551615",
       "count: 5 big: -9 small: 7 huge: 18446744073709551615"},
      {"sint and fixed", "delta=-3&stamp=5", "delta: -3 stamp: 5"},
      {"floats", "ratio=0.25&score=1e3", "ratio: 0.25 score: 1000"},
      {"NaN", "score=NaN", "score: nan"},
      {"bools", "flag=true", "flag: true"},
      {"bool 0", "flag=0", ""},
      {"bytes, standard padded", "data=aGk%3D", R"(data: "hi")"},
      {"bytes, URL-safe", "data=_-8", R"(data: "\377\357")"},
      {"bytes, standard alphabet escaped", "data=%2F%2B8", R"(data: "\377\357")"},
      {"enum by name", "genre=POETRY", "genre: POETRY"},
      {"enum by number", "genre=1", "genre: FICTION"},
      {"repeated by repeated keys", "ids=1&ids=2&tags=a&tags=b+c",
       R"(ids: 1 ids: 2 tags: "a" tags: "b c")"},
      {"repeated enums", "genres=FICTION&genres=2", "genres: FICTION genres: POETRY"},
      {"repeated comma is one element", "tags=a,b", R"(tags: "a,b")"},
      {"map with string keys", "counts[a]=1&counts[b]=2",
       R"(counts { key: "a" value: 1 } counts { key: "b" value: 2 })"},
      {"map with integer keys", "by_number[7]=seven", R"(by_number { key: 7 value: "seven" })"},
      {"map with bool keys", "by_flag[true]=yes", R"(by_flag { key: true value: "yes" })"},
      {"map key with dots and brackets", "counts[a.b[c]]=1", R"(counts { key: "a.b[c]" value: 1 })"},
      {"later map entry wins", "counts[a]=1&counts[a]=2", R"(counts { key: "a" value: 2 })"},
      {"nested map", "book.labels[k]=v", R"(book { labels { key: "k" value: "v" } })"},
      {"Timestamp", "start=2024-01-02T03:04:05.5Z",
       "start { seconds: 1704164645 nanos: 500000000 }"},
      {"Duration", "timeout=90s", "timeout { seconds: 90 }"},
      {"FieldMask", "read_mask=name,book.author.name",
       R"(read_mask { paths: "name" paths: "book.author.name" })"},
      {"FieldMask paths to a repeated field and a map", "read_mask=ids,counts,book.tags",
       R"(read_mask { paths: "ids" paths: "counts" paths: "book.tags" })"},
      {"wrappers", "limit=3&enabled=true&note=hi&blob=aGk&weight=2.5",
       R"(limit { value: 3 } enabled { value: true } note { value: "hi" } blob { value: "hi" } weight { value: 2.5 })"},
      {"empty StringValue is present", "note=", "note { }"},
      {"nested fields", "book.title=T&book.author.born=1900",
       R"(book { title: "T" author { born: 1900 } })"},
      {"JSON names", "pageTok=abc&readMask=book.title&byNumber[1]=x",
       R"(page_token: "abc" read_mask { paths: "book.title" } by_number { key: 1 value: "x" })"},
      {"proto name of a field with json_name", "page_token=abc", R"(page_token: "abc")"},
      {"oneof member", "choice_b=4", "choice_b: 4"},
      {"UTF-8 value", "book.title=caf%C3%A9", R"(book { title: "café" })"},
      {"unknown parameters ignored", "nope=1&count=2&count.x=3&book.=4&=5", "count: 2"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      BindRequest request;
      grpc::Status status = BindQuery(plan, row.query, false, &request);
      REQUIRE(status.error_message() == "");
      std::string diff;
      const bool same = SameMessage(request, FromText<BindRequest>(row.expected), &diff);
      INFO(diff << "got: " << ToText(request));
      CHECK(same);
    }
  }
}

TEST_CASE("query parameters that cannot be bound are refused naming them", "[binding]") {
  const auto* d = BindRequest::descriptor();
  struct Row {
    const char* name;
    const char* tmpl;
    const char* body;
    const char* query;
    bool reject_unknown;
    const char* error;  // exact, or a prefix when `exact` is false
    bool exact;
  };
  const std::vector<Row> rows = {
      {"not an integer", "/v1/{name}", "", "count=abc", false,
       "query parameter \"count\": expected an integer (int32), got \"abc\"", true},
      {"unknown enum name, even when unknown fields are ignored", "/v1/{name}", "", "genre=NOVEL",
       false, "query parameter \"genre\": expected a value of enum grpcgw_binding_test.Genre", false},
      {"not a bool", "/v1/{name}", "", "flag=yes", false,
       "query parameter \"flag\": expected true or false", false},
      {"bad base64", "/v1/{name}", "", "data=!!", false, "query parameter \"data\": expected", false},
      {"bad map key", "/v1/{name}", "", "by_number[x]=y", false,
       "query parameter \"by_number[x]\" (map key): expected an integer", false},
      {"bad map value", "/v1/{name}", "", "counts[a]=x", false,
       "query parameter \"counts[a]\": expected an integer", false},
      {"singular field twice", "/v1/{name}", "", "count=1&count=2", false,
       "query parameter \"count\": given more than once, but the field is not repeated", true},
      {"same field by both names", "/v1/{name}", "", "page_token=a&pageTok=b", false,
       "query parameter \"pageTok\": given more than once, but the field is not repeated", true},
      {"second oneof member", "/v1/{name}", "", "choice_a=x&choice_b=2", false,
       "query parameter \"choice_b\": oneof \"choice\" already has \"choice_a\" set", true},
      {"through a repeated field", "/v1/{name}", "", "books.name=x", false,
       "query parameter \"books.name\": field \"books\" of grpcgw_binding_test.BindRequest is "
       "repeated; it cannot be traversed",
       true},
      {"a message", "/v1/{name}", "", "book=x", false,
       "query parameter \"book\": field \"book\" is a message (grpcgw_binding_test.Book) and "
       "cannot be set from text; set its fields instead",
       true},
      {"a map without a key", "/v1/{name}", "", "counts=1", false,
       "query parameter \"counts\": field \"counts\" is a map; set entries with "
       "\"counts[key]=value\"",
       true},
      {"a key on a non-map", "/v1/{name}", "", "count[a]=1", false,
       "query parameter \"count[a]\": field \"count\" is not a map", true},
      {"unknown, rejected", "/v1/{name}", "", "count=1&nope=1", true,
       "query parameter \"nope\": unknown parameter (grpcgw_binding_test.BindRequest has no field "
       "\"nope\")",
       true},
      {"path through a scalar, rejected", "/v1/{name}", "", "count.x=1", true,
       "query parameter \"count.x\": unknown parameter (field \"count\" of "
       "grpcgw_binding_test.BindRequest is not a message)",
       true},
      {"bound by the path", "/v1/{name}", "", "name=x", false,
       "query parameter \"name\": conflicts with the path variable \"name\"", true},
      {"bound by the path, by JSON name", "/v1/{page_token}", "", "pageTok=x", false,
       "query parameter \"pageTok\": conflicts with the path variable \"page_token\"", true},
      {"inside a field bound by the path", "/v1/{start}", "", "start.seconds=1", false,
       "query parameter \"start.seconds\": conflicts with the path variable \"start\"", true},
      {"bound by a nested path variable", "/v1/{book.author.name}", "", "book.author.name=x", false,
       "query parameter \"book.author.name\": conflicts with the path variable "
       "\"book.author.name\"",
       true},
      {"inside the body field", "/v1/{name}", "book", "book.title=x", false,
       "query parameter \"book.title\": conflicts with the request body, which binds \"book\"",
       true},
      {"FieldMask path naming no field", "/v1/{name}", "", "read_mask=name,nope", false,
       "query parameter \"read_mask\": FieldMask path \"nope\": grpcgw_binding_test.BindRequest has "
       "no field \"nope\"",
       true},
      {"FieldMask path by JSON name naming no field", "/v1/{name}", "", "readMask=bookTitle", false,
       "query parameter \"readMask\": FieldMask path \"bookTitle\": grpcgw_binding_test.BindRequest "
       "has no field \"book_title\"",
       true},
      {"FieldMask path mixing spellings", "/v1/{name}", "", "read_mask=page_Token", false,
       "query parameter \"read_mask\": FieldMask path \"page_Token\": grpcgw_binding_test.BindRequest "
       "has no field \"page_Token\"",
       true},
      {"FieldMask path through a scalar", "/v1/{name}", "", "read_mask=count.x", false,
       "query parameter \"read_mask\": FieldMask path \"count.x\": field \"count\" of "
       "grpcgw_binding_test.BindRequest is not a message",
       true},
      {"FieldMask path through a repeated field", "/v1/{name}", "", "read_mask=books.name", false,
       "query parameter \"read_mask\": FieldMask path \"books.name\": field \"books\" of "
       "grpcgw_binding_test.BindRequest is repeated; it cannot be traversed",
       true},
      {"FieldMask paths name fields of the body field's message", "/v1/{name}", "book",
       "read_mask=title,count", false,
       "query parameter \"read_mask\": FieldMask path \"count\": grpcgw_binding_test.Book has no "
       "field \"count\"",
       true},
      {"any field with body *", "/v1/{name}", "*", "count=1", false,
       "query parameter \"count\": conflicts with the request body, which binds every field", true},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const BindingPlan plan = MustCompile(d, row.tmpl, row.body);
      BindRequest request;
      grpc::Status status = BindQuery(plan, row.query, row.reject_unknown, &request);
      CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      if (row.exact) {
        CHECK(status.error_message() == row.error);
      } else {
        INFO(status.error_message());
        CHECK(StartsWith(status.error_message(), row.error));
      }
    }
  }
}

TEST_CASE("query parameters may fill siblings of bound fields", "[binding]") {
  const auto* d = BindRequest::descriptor();
  struct Row {
    const char* name;
    const char* tmpl;
    const char* body;
    const char* query;
    const char* expected;
  };
  const std::vector<Row> rows = {
      {"sibling of a nested path variable", "/v1/{book.author.name}", "",
       "book.author.born=1&book.title=t", R"(book { title: "t" author { born: 1 } })"},
      {"outside the body field", "/v1/{name}", "book", "count=1", "count: 1"},
      {"unknown parameters with body *", "/v1/{name}", "*", "access_token=x", ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      const BindingPlan plan = MustCompile(d, row.tmpl, row.body);
      BindRequest request;
      grpc::Status status = BindQuery(plan, row.query, false, &request);
      REQUIRE(status.error_message() == "");
      std::string diff;
      const bool same = SameMessage(request, FromText<BindRequest>(row.expected), &diff);
      INFO(diff);
      CHECK(same);
    }
  }
}

TEST_CASE("PATCH fills update_mask from the keys of the body", "[binding]") {
  const BindingPlan plan =
      MustCompile(UpdateBookRequest::descriptor(), "/v1/{book.name=books/*}", "book");
  struct Row {
    const char* name;
    const char* body;
    std::vector<std::string> paths;
  };
  const std::vector<Row> rows = {
      {"one field", R"({"title":"t"})", {"title"}},
      {"nested objects give dotted paths", R"({"title":"t","author":{"name":"a","born":1}})",
       {"title", "author.name", "author.born"}},
      {"a map is a leaf", R"({"labels":{"a":"b"}})", {"labels"}},
      {"a Timestamp is a leaf", R"({"published":"2024-01-01T00:00:00Z"})", {"published"}},
      {"a Struct is a leaf", R"({"extra":{"x":{"y":1}}})", {"extra"}},
      {"a repeated field is a leaf", R"({"tags":["a"]})", {"tags"}},
      {"an empty object is a leaf", R"({"author":{}})", {"author"}},
      {"null is a leaf", R"({"author":null})", {"author"}},
      {"unknown keys are skipped", R"({"nope":1,"title":"t"})", {"title"}},
      {"empty body object", R"({})", {}},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      UpdateBookRequest request;
      REQUIRE(FillUpdateMaskFromBody(row.body, plan.body_field(), &request).ok());
      const std::vector<std::string> paths(request.update_mask().paths().begin(),
                                           request.update_mask().paths().end());
      CHECK(paths == row.paths);
    }
  }
}

TEST_CASE("PATCH leaves update_mask alone when it does not apply", "[binding]") {
  const BindingPlan plan =
      MustCompile(UpdateBookRequest::descriptor(), "/v1/{book.name=books/*}", "book");

  SECTION("the client sent a mask") {
    UpdateBookRequest request;
    request.mutable_update_mask()->add_paths("author");
    REQUIRE(FillUpdateMaskFromBody(R"({"title":"t"})", plan.body_field(), &request).ok());
    CHECK(request.update_mask().paths_size() == 1);
    CHECK(request.update_mask().paths(0) == "author");
  }
  SECTION("the mask field has another name") {
    const BindingPlan other =
        MustCompile(UpdateWithOtherMaskRequest::descriptor(), "/v1/{book.name=books/*}", "book");
    UpdateWithOtherMaskRequest request;
    REQUIRE(FillUpdateMaskFromBody(R"({"title":"t"})", other.body_field(), &request).ok());
    CHECK_FALSE(request.has_mask());
  }
  SECTION("no body field") {
    UpdateBookRequest request;
    REQUIRE(FillUpdateMaskFromBody(R"({"title":"t"})", nullptr, &request).ok());
    CHECK_FALSE(request.has_update_mask());
  }
  SECTION("the body is not an object") {
    UpdateBookRequest request;
    REQUIRE(FillUpdateMaskFromBody("[1]", plan.body_field(), &request).ok());
    CHECK_FALSE(request.has_update_mask());
  }
  SECTION("the body is not JSON") {
    UpdateBookRequest request;
    CHECK(FillUpdateMaskFromBody("{", plan.body_field(), &request).error_code() ==
          grpc::StatusCode::INVALID_ARGUMENT);
  }
}

// The sequence binding.h shows: path, query, body, mask.
TEST_CASE("a PATCH request binds path, query, body and mask together", "[binding]") {
  const PathTemplate t = MustParse("/v1/{book.name=books/*}");
  BindingPlan plan;
  REQUIRE(BindingPlan::Compile(UpdateBookRequest::descriptor(), t, "book", &plan).ok());
  Router router;
  std::string error;
  REQUIRE(router.Add("PATCH", t, 0, &error));
  Router::Match match;
  std::vector<std::string> allowed;
  REQUIRE(router.Lookup("PATCH", "/v1/books/b%201", &match, &allowed, &error) ==
          Router::Outcome::kMatch);

  UpdateBookRequest request;
  REQUIRE(plan.BindPathVariables(match.variables, &request).ok());
  std::vector<std::pair<std::string, std::string>> params;
  REQUIRE(ParseQueryString("", &params, &error));
  REQUIRE(plan.BindQueryParameters(params, true, JsonOptions(), &request).ok());
  const std::string body = R"({"title":"New","author":{"born":1901}})";
  REQUIRE(MergeJsonToMessage(body, request.mutable_book()).ok());
  REQUIRE(FillUpdateMaskFromBody(body, plan.body_field(), &request).ok());

  std::string diff;
  const bool same = SameMessage(request, FromText<UpdateBookRequest>(R"(
      book { name: "books/b 1" title: "New" author { born: 1901 } }
      update_mask { paths: "title" paths: "author.born" })"), &diff);
  INFO(diff);
  CHECK(same);
}

TEST_CASE("binding refuses variables that do not match the plan", "[binding]") {
  const BindingPlan plan = MustCompile(BindRequest::descriptor(), "/v1/{name}/{count}", "");
  BindRequest request;
  const std::vector<std::string> field_path = {"name"};
  grpc::Status status = plan.BindPathVariables({{&field_path, "x"}}, &request);
  CHECK(status.error_code() == grpc::StatusCode::INTERNAL);
}

TEST_CASE("ResolveFieldPath accepts JSON names only when asked", "[binding]") {
  const auto* d = BindRequest::descriptor();
  FieldChain chain;
  REQUIRE(ResolveFieldPath(d, "book.author.name", false, &chain).ok());
  REQUIRE(chain.size() == 3);
  CHECK(chain[2]->full_name() == "grpcgw_binding_test.Author.name");
  CHECK(ResolveFieldPath(d, "pageTok", true, &chain).ok());
  CHECK(chain.back()->name() == "page_token");
  grpc::Status status = ResolveFieldPath(d, "pageTok", false, &chain);
  CHECK(status.error_message() ==
        "field path \"pageTok\": grpcgw_binding_test.BindRequest has no field \"pageTok\"");
}

}  // namespace
}  // namespace internal
}  // namespace grpcgw
