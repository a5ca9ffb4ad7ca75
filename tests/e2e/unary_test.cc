// Unary calls through the gateway, end to end: httplib::Client (or a raw
// socket) -> grpcgw::HttpServer -> Gateway -> in-process channel ->
// e2e.Svc on a real grpc::Server. Expected values come from DESIGN.md
// section 4 and the proto3 JSON mapping, not from the gateway's output.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <zlib.h>

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/message_differencer.h>

#include "grpcgw/json.h"
#include "e2e_conflict.grpcgw.h"
#include "test_server.h"
#include "test_util.h"

namespace e2e_test {
namespace {

using google::protobuf::Message;

std::string Describe(const httplib::Result& res) {
  if (!res) return "no response: " + httplib::to_string(res.error());
  return std::to_string(res->status) + " " + res->body;
}

// Parses a JSON response body into `message` (REQUIREd to succeed).
template <class M>
M ParseBody(const std::string& body) {
  M message;
  grpc::Status s = grpcgw::JsonToMessage(body, &message);
  INFO("body: " << body);
  INFO("parse: " << s.error_message());
  REQUIRE(s.ok());
  return message;
}

template <class M>
M FromText(const std::string& text) {
  M message;
  INFO("text proto: " << text);
  REQUIRE(google::protobuf::TextFormat::ParseFromString(text, &message));
  return message;
}

void RequireJsonError(const httplib::Result& res, int http_status, int code) {
  INFO(Describe(res));
  REQUIRE(res);
  CHECK(res->status == http_status);
  CHECK(res->get_header_value("Content-Type").find("application/json") == 0);
  ErrorBody e = ParseErrorBody(res->body);
  CHECK(e.valid);
  CHECK(e.code == code);
}

// `data` as one gzip member.
std::string Gzip(const std::string& data) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// -------------------------------------------------------------- status table

TEST_CASE("every gRPC code becomes its HTTP status with a JSON status body", "[unary]") {
  struct Row {
    const char* name;
    int code;
    int http;
  };
  // DESIGN.md section 4.
  const Row rows[] = {
      {"OK", 0, 200},
      {"CANCELLED", 1, 499},
      {"UNKNOWN", 2, 500},
      {"INVALID_ARGUMENT", 3, 400},
      {"DEADLINE_EXCEEDED", 4, 504},
      {"NOT_FOUND", 5, 404},
      {"ALREADY_EXISTS", 6, 409},
      {"PERMISSION_DENIED", 7, 403},
      {"RESOURCE_EXHAUSTED", 8, 429},
      {"FAILED_PRECONDITION", 9, 400},
      {"ABORTED", 10, 409},
      {"OUT_OF_RANGE", 11, 400},
      {"UNIMPLEMENTED", 12, 501},
      {"INTERNAL", 13, 500},
      {"UNAVAILABLE", 14, 503},
      {"DATA_LOSS", 15, 500},
      {"UNAUTHENTICATED", 16, 401},
  };
  TestServer server;
  httplib::Client client = server.Client();
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      std::string message = std::string("failed with ") + row.name + " \"quoted\" \xC3\xA9";
      auto res = client.Get(("/v1/status/" + std::to_string(row.code) + "?message=" + UrlEncode(message)).c_str());
      INFO(Describe(res));
      REQUIRE(res);
      CHECK(res->status == row.http);
      CHECK(res->get_header_value("Content-Type").find("application/json") == 0);
      if (row.code == 0) {
        CHECK(res->body == "{}");  // google.protobuf.Empty
        continue;
      }
      ErrorBody e = ParseErrorBody(res->body);
      REQUIRE(e.valid);
      CHECK(e.code == row.code);
      CHECK(e.message == message);
      CHECK(e.details == "[]");
      CHECK(res->has_header("WWW-Authenticate") == (row.code == 16));
    }
  }
}

TEST_CASE("error details from the service are printed as Any JSON", "[unary]") {
  TestServer server;
  auto res = server.Client().Post("/v1/status", R"({"code":9,"message":"not yet","withDetails":true})",
                                  "application/json");
  INFO(Describe(res));
  REQUIRE(res);
  CHECK(res->status == 400);
  ErrorBody e = ParseErrorBody(res->body);
  REQUIRE(e.valid);
  CHECK(e.code == 9);
  CHECK(e.message == "not yet");
  rapidjson::Document details = ParseJson(e.details);
  REQUIRE(details.IsArray());
  REQUIRE(details.Size() == 1);
  const rapidjson::Value& d = details[0];
  REQUIRE(d.IsObject());
  CHECK(std::string(d["@type"].GetString()) == "type.googleapis.com/e2e.ErrorDetail");
  CHECK(std::string(d["reason"].GetString()) == "requested");
  CHECK(std::string(d["retryAfterMs"].GetString()) == "1500");  // int64 as a string
}

TEST_CASE("error details are printed with the gateway's JSON output options", "[unary]") {
  ServerConfig config;
  config.gateway.json_output.use_proto_names = true;
  config.gateway.json_output.emit_unpopulated = false;
  TestServer server(config);
  auto res = server.Client().Post("/v1/status", R"({"code":9,"message":"not yet","with_details":true})",
                                  "application/json");
  INFO(Describe(res));
  REQUIRE(res);
  CHECK(res->status == 400);
  ErrorBody e = ParseErrorBody(res->body);
  REQUIRE(e.valid);
  rapidjson::Document details = ParseJson(e.details);
  REQUIRE(details.IsArray());
  REQUIRE(details.Size() == 1);
  const rapidjson::Value& d = details[0];
  REQUIRE(d.IsObject());
  CHECK(std::string(d["@type"].GetString()) == "type.googleapis.com/e2e.ErrorDetail");
  CHECK(d.HasMember("retry_after_ms"));
  CHECK(!d.HasMember("retryAfterMs"));
}

TEST_CASE("UNAUTHENTICATED asks for credentials with WWW-Authenticate", "[unary]") {
  TestServer server;
  auto res = server.Client().Get("/v1/status/16?message=who%20are%20you");
  RequireJsonError(res, 401, 16);
  REQUIRE(res);
  CHECK(!res->get_header_value("WWW-Authenticate").empty());
}

// --------------------------------------------------------- query parameters

TEST_CASE("query parameters fill fields of every type", "[unary]") {
  struct Row {
    const char* name;
    std::string query;
    std::string expected;  // e2e.AllTypes in text format
  };
  const std::vector<Row> rows = {
      {"double", "f_double=1.5", "f_double: 1.5"},
      {"double exponent", "f_double=-2.5e3", "f_double: -2500"},
      {"double -Infinity", "f_double=-Infinity", "f_double: -inf"},
      {"float", "f_float=0.25", "f_float: 0.25"},
      {"int32 minimum", "f_int32=-2147483648", "f_int32: -2147483648"},
      {"int64 minimum", "f_int64=-9223372036854775808", "f_int64: -9223372036854775808"},
      {"uint32 maximum", "f_uint32=4294967295", "f_uint32: 4294967295"},
      {"uint64 maximum", "f_uint64=18446744073709551615", "f_uint64: 18446744073709551615"},
      {"sint32", "f_sint32=-7", "f_sint32: -7"},
      {"sint64", "f_sint64=-8", "f_sint64: -8"},
      {"fixed32", "f_fixed32=9", "f_fixed32: 9"},
      {"fixed64", "f_fixed64=10", "f_fixed64: 10"},
      {"sfixed32", "f_sfixed32=-11", "f_sfixed32: -11"},
      {"sfixed64", "f_sfixed64=-12", "f_sfixed64: -12"},
      {"bool true", "f_bool=true", "f_bool: true"},
      {"bool 1", "f_bool=1", "f_bool: true"},
      {"string with escapes", "f_string=hello%20world%26more%3D", "f_string: 'hello world&more='"},
      {"string with plus as space", "f_string=a+b", "f_string: 'a b'"},
      {"string UTF-8", "f_string=%C3%A9t%C3%A9", "f_string: '\\303\\251t\\303\\251'"},
      {"bytes standard base64", "f_bytes=" + UrlEncode("+/++"), "f_bytes: '\\373\\377\\276'"},
      {"bytes URL-safe base64", "f_bytes=-_--", "f_bytes: '\\373\\377\\276'"},
      {"bytes URL-safe base64 unpadded", "f_bytes=-_8", "f_bytes: '\\373\\377'"},
      {"enum by name", "f_enum=GREEN", "f_enum: GREEN"},
      {"enum by number", "f_enum=3", "f_enum: BLUE"},
      {"nested dotted names", "nested.name=n&nested.count=3&nested.child.color=RED",
       "nested { name: 'n' count: 3 child { color: RED } }"},
      {"repeated by repeated keys", "r_int32=1&r_int32=2&r_int32=3", "r_int32: [1, 2, 3]"},
      {"repeated strings keep order", "r_string=b&r_string=a", "r_string: ['b', 'a']"},
      {"repeated enums by name and number", "r_enum=RED&r_enum=2", "r_enum: [RED, GREEN]"},
      {"repeated bytes", "r_bytes=AA%3D%3D&r_bytes=_w", "r_bytes: ['\\000', '\\377']"},
      {"map string entries", "m_string[k1]=v1&m_string[k2]=v2",
       "m_string { key: 'k1' value: 'v1' } m_string { key: 'k2' value: 'v2' }"},
      {"map int keys", "m_int[5]=-6", "m_int { key: 5 value: -6 }"},
      {"map enum values", "m_enum[x]=BLUE", "m_enum { key: 'x' value: BLUE }"},
      {"map later entry replaces", "m_string[k]=1&m_string[k]=2", "m_string { key: 'k' value: '2' }"},
      {"Timestamp UTC", "ts=2024-01-02T03:04:05.5Z", "ts { seconds: 1704164645 nanos: 500000000 }"},
      {"Timestamp with offset", "ts=" + UrlEncode("2024-01-02T04:04:05+01:00"), "ts { seconds: 1704164645 }"},
      {"Duration", "dur=1.5s", "dur { seconds: 1 nanos: 500000000 }"},
      {"negative Duration", "dur=-0.25s", "dur { nanos: -250000000 }"},
      {"FieldMask in proto and JSON names", "mask=" + UrlEncode("nested.name,fInt32"),
       "mask { paths: ['nested.name', 'f_int32'] }"},
      {"StringValue", "w_string=x", "w_string { value: 'x' }"},
      {"empty StringValue is present", "w_string=", "w_string { }"},
      {"Int64Value", "w_int64=-5", "w_int64 { value: -5 }"},
      {"BoolValue false is present", "w_bool=false", "w_bool { }"},
      {"DoubleValue", "w_double=2.5", "w_double { value: 2.5 }"},
      {"json_name", "customName=j", "json_named: 'j'"},
      {"proto name of a json_name field", "json_named=p", "json_named: 'p'"},
      {"lowerCamelCase JSON name", "fInt32=4", "f_int32: 4"},
      {"proto3 optional zero is present", "opt_int32=0", "opt_int32: 0"},
      {"oneof member", "one_int32=0", "one_int32: 0"},
      {"everything at once", "f_int32=1&f_string=s&r_int32=7&m_string[a]=b&f_enum=RED&w_int64=9",
       "f_int32: 1 f_string: 's' r_int32: 7 m_string { key: 'a' value: 'b' } f_enum: RED w_int64 { value: 9 }"},
  };
  TestServer server;
  httplib::Client client = server.Client();
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      std::string path = "/v1/types?" + row.query;
      INFO("GET " << path);
      auto res = client.Get(path.c_str());
      INFO(Describe(res));
      REQUIRE(res);
      REQUIRE(res->status == 200);
      CHECK(res->get_header_value("Content-Type").find("application/json") == 0);
      auto got = ParseBody<e2e::AllTypes>(res->body);
      auto want = FromText<e2e::AllTypes>(row.expected);
      INFO("got: " << got.ShortDebugString());
      INFO("want: " << want.ShortDebugString());
      CHECK(google::protobuf::util::MessageDifferencer::Equals(got, want));
    }
  }
}

TEST_CASE("a bad query value is a 400 that names the parameter", "[unary]") {
  struct Row {
    const char* name;
    std::string query;
    std::string parameter;  // must appear in the message
  };
  const std::vector<Row> rows = {
      {"int32 not a number", "f_int32=abc", "f_int32"},
      {"int32 overflow", "f_int32=2147483648", "f_int32"},
      {"uint32 negative", "f_uint32=-1", "f_uint32"},
      {"int64 with fraction", "f_int64=1.5", "f_int64"},
      {"bool word", "f_bool=yes", "f_bool"},
      {"double word", "f_double=big", "f_double"},
      {"unknown enum name", "f_enum=PURPLE", "f_enum"},
      {"bad base64", "f_bytes=%40%40%40", "f_bytes"},
      {"bad Timestamp", "ts=yesterday", "ts"},
      {"Duration without unit", "dur=5", "dur"},
      {"nested bad value", "nested.count=x", "nested.count"},
      {"message field given a value", "nested=abc", "nested"},
      {"singular field given twice", "f_int32=1&f_int32=2", "f_int32"},
      {"second oneof member", "one_string=a&one_int32=1", "one_int32"},
      {"bad map key", "m_int[x]=1", "m_int"},
      {"bad repeated element", "r_int32=1&r_int32=1x", "r_int32"},
      {"malformed escape", "f_string=%zz", "query"},
  };
  TestServer server;
  httplib::Client client = server.Client();
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      std::string path = "/v1/types?" + row.query;
      INFO("GET " << path);
      auto res = client.Get(path.c_str());
      RequireJsonError(res, 400, 3);
      REQUIRE(res);
      ErrorBody e = ParseErrorBody(res->body);
      INFO("message: " << e.message);
      CHECK(e.message.find(row.parameter) != std::string::npos);
    }
  }
}

TEST_CASE("unknown query parameters are ignored, or refused when the gateway says so", "[unary]") {
  SECTION("ignored by default") {
    TestServer server;
    auto res = server.Client().Get("/v1/types?no_such_field=1&f_int32=2");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(ParseBody<e2e::AllTypes>(res->body).f_int32() == 2);
  }
  SECTION("400 with reject_unknown_query_parameters") {
    ServerConfig config;
    config.gateway.reject_unknown_query_parameters = true;
    TestServer server(config);
    auto res = server.Client().Get("/v1/types?no_such_field=1&f_int32=2");
    RequireJsonError(res, 400, 3);
    REQUIRE(res);
    CHECK(ParseErrorBody(res->body).message.find("no_such_field") != std::string::npos);
  }
}

TEST_CASE("a query parameter cannot override a path variable", "[unary]") {
  TestServer server;
  auto res = server.Client().Get("/v1/shelves/s1/books/b1?name=other");
  RequireJsonError(res, 400, 3);
  REQUIRE(res);
  CHECK(ParseErrorBody(res->body).message.find("name") != std::string::npos);
}

// -------------------------------------------------------------- path shapes

TEST_CASE("every binding shape routes to its method and fills the request", "[unary]") {
  struct Row {
    const char* name;
    std::string method;
    std::string path;
    std::string body;      // sent as application/json when not empty
    std::string expected;  // the response, in JSON, compared as a parsed document
  };
  const std::vector<Row> rows = {
      {"GET {name=shelves/*/books/*}", "GET", "/v1/shelves/s1/books/b1", "",
       R"({"name":"shelves/s1/books/b1"})"},
      {"GET with query next to the path", "GET", "/v1/shelves/s1/books/b1?title=T&pages=3", "",
       R"({"name":"shelves/s1/books/b1","title":"T","pages":3})"},
      {"additional binding, one segment fully decoded", "GET", "/v1/books/b%2F1%20x", "",
       R"({"name":"b/1 x"})"},
      {"{field} and nested {a.b}", "GET", "/v1/types/42/nested/inner", "",
       R"({"fInt32":42,"nested":{"name":"inner"}})"},
      {"POST body field", "POST", "/v1/shelves/s1/books?book_id=b2", R"({"title":"T","pages":7})",
       R"({"name":"shelves/s1/books/b2","title":"T","pages":7})"},
      {"POST body field that is a message", "POST", "/v1/types/nested", R"({"name":"x","count":2})",
       R"({"nested":{"name":"x","count":2}})"},
      {"POST body *", "POST", "/v1/types", R"({"fInt64":"-5","rString":["a","b"]})",
       R"({"fInt64":"-5","rString":["a","b"]})"},
      {"PUT body * with a path variable", "PUT", "/v1/shelves/s1/books/b1", R"({"title":"T","author":"A"})",
       R"({"name":"shelves/s1/books/b1","title":"T","author":"A"})"},
      {"DELETE", "DELETE", "/v1/shelves/s1/books/b9", "", R"({"name":"shelves/s1/books/b9"})"},
      {"custom verb :publish", "POST", "/v1/shelves/s1/books/b1:publish", R"({"title":"x"})",
       R"({"name":"shelves/s1/books/b1","title":"published: x"})"},
      {"custom HTTP method", "OPTIONS", "/v1/shelves/s2/books", "",
       R"({"books":[{"name":"shelves/s2/books/described"}],"totalSize":"1"})"},
      {"response_body int64 field", "GET", "/v1/shelves/s1/books:count?page_size=3", "", R"("3")"},
      {"whole response on a verb binding", "GET", "/v1/shelves/s1/books:all?page_size=1", "",
       R"({"books":[{"name":"shelves/s1/books/b0","editionNumber":1}],"totalSize":"1","nextPageToken":"next"})"},
      {"** in a variable, several segments", "GET", "/v1/files/a/b/c.txt", "", R"({"path":"files/a/b/c.txt"})"},
      {"** in a variable, no segment", "GET", "/v1/files", "", R"({"path":"files"})"},
      {"** keeps escaped slashes", "GET", "/v1/files/a%2Fb/c", "", R"({"path":"files/a%2Fb/c"})"},
      {"method without annotation", "POST", "/e2e.Svc/Plain", R"({"title":"t"})", R"({"title":"plain: t"})"},
  };
  // Compare without the unpopulated fields the gateway prints by default.
  ServerConfig config;
  config.gateway.json_output.emit_unpopulated = false;
  TestServer server(config);
  httplib::Client client = server.Client();
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      httplib::Request req;
      req.method = row.method;
      req.path = row.path;
      if (!row.body.empty()) {
        req.body = row.body;
        req.set_header("Content-Type", "application/json");
      }
      INFO(row.method << " " << row.path << " " << row.body);
      auto res = client.send(req);
      INFO(Describe(res));
      REQUIRE(res);
      REQUIRE(res->status == 200);
      CHECK(res->get_header_value("Content-Type").find("application/json") == 0);
      rapidjson::Document got = ParseJson(res->body);
      rapidjson::Document want = ParseJson(row.expected);
      REQUIRE(!want.HasParseError());
      REQUIRE(!got.HasParseError());
      CHECK(got == want);
    }
  }
}

TEST_CASE("response_body of a repeated field follows the gateway's JSON options", "[unary]") {
  ServerConfig config;
  config.gateway.json_output.emit_unpopulated = false;
  TestServer server(config);
  auto res = server.Client().Get("/v1/shelves/s1/books?page_size=2");
  INFO(Describe(res));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  rapidjson::Document got = ParseJson(res->body);
  rapidjson::Document want = ParseJson(R"([{"name":"shelves/s1/books/b0","editionNumber":1},)"
                                       R"({"name":"shelves/s1/books/b1","pages":1,"editionNumber":2}])");
  CHECK(got == want);
}

TEST_CASE("response_body of a repeated field is a JSON array", "[unary]") {
  TestServer server;
  auto res = server.Client().Get("/v1/shelves/s1/books?page_size=3");
  INFO(Describe(res));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  rapidjson::Document got = ParseJson(res->body);
  REQUIRE(got.IsArray());
  REQUIRE(got.Size() == 3);
  for (unsigned i = 0; i < 3; ++i) {
    CHECK(std::string(got[i]["name"].GetString()) == "shelves/s1/books/b" + std::to_string(i));
    CHECK(got[i]["pages"].GetInt() == static_cast<int>(i));
  }
  CHECK(got[0].HasMember("editionNumber"));
}

TEST_CASE("the default response prints unpopulated fields", "[unary]") {
  TestServer server;
  auto res = server.Client().Get("/v1/shelves/s1/books/b1");
  INFO(Describe(res));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  rapidjson::Document doc = ParseJson(res->body);
  REQUIRE(doc.IsObject());
  CHECK(doc.HasMember("title"));
  CHECK(std::string(doc["title"].GetString()).empty());
  CHECK(doc.HasMember("pages"));
  CHECK(doc["meta"].IsNull());
}

TEST_CASE("no route is a 404 and a wrong method a 405 with Allow, both with the JSON body", "[unary]") {
  TestServer server;
  httplib::Client client = server.Client();
  SECTION("unknown path") {
    auto res = client.Get("/v1/nothing/here");
    RequireJsonError(res, 404, 5);
  }
  SECTION("path that matches only a prefix of a template") {
    auto res = client.Get("/v1/shelves/s1");
    RequireJsonError(res, 404, 5);
  }
  SECTION("a * segment does not match an empty segment") {
    auto res = client.Get("/v1/shelves//books/b1");
    RequireJsonError(res, 404, 5);
  }
  SECTION("PUT where GET, POST and OPTIONS are bound") {
    auto res = client.Put("/v1/shelves/s1/books", "{}", "application/json");
    RequireJsonError(res, 405, 12);
    REQUIRE(res);
    std::string allow = res->get_header_value("Allow");
    INFO("Allow: " << allow);
    CHECK(allow.find("GET") != std::string::npos);
    CHECK(allow.find("POST") != std::string::npos);
    CHECK(allow.find("OPTIONS") != std::string::npos);
    CHECK(allow.find("PUT") == std::string::npos);
  }
  SECTION("DELETE on the types route") {
    auto res = client.Delete("/v1/types");
    RequireJsonError(res, 405, 12);
    REQUIRE(res);
    std::string allow = res->get_header_value("Allow");
    INFO("Allow: " << allow);
    CHECK(allow.find("GET") != std::string::npos);
    CHECK(allow.find("POST") != std::string::npos);
  }
  SECTION("the server still answers on the same connection afterwards") {
    client.set_keep_alive(true);
    RequireJsonError(client.Get("/v1/nothing"), 404, 5);
    auto res = client.Get("/v1/books/x");
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 200);
  }
}

// -------------------------------------------------------------- request body

// POSTs `body` as JSON with chunked transfer, `piece` bytes a chunk.
httplib::Result PostChunked(httplib::Client& client, const std::string& path, const std::string& body,
                            size_t piece) {
  size_t sent = 0;
  return client.Post(
      path.c_str(),
      [&](size_t, httplib::DataSink& sink) {
        if (sent >= body.size()) {
          sink.done();
          return true;
        }
        size_t n = std::min(piece, body.size() - sent);
        bool ok = sink.write(body.data() + sent, n);
        sent += n;
        return ok;
      },
      "application/json");
}

TEST_CASE("request bodies over the limit get 413, announced or chunked", "[unary]") {
  ServerConfig config;
  config.gateway.max_request_body_bytes = 1024;
  TestServer server(config);
  httplib::Client client = server.Client();
  const std::string big = R"({"fString":")" + std::string(2000, 'x') + R"("})";
  const std::string small = R"({"fString":")" + std::string(500, 'y') + R"("})";

  SECTION("Content-Length over the limit") {
    RequireJsonError(client.Post("/v1/types", big, "application/json"), 413, 8);
  }
  SECTION("chunked body over the limit") {
    auto res = PostChunked(client, "/v1/types", big, 300);
    if (res) {
      RequireJsonError(res, 413, 8);
    } else {
      // The server may answer and close before the whole body was sent;
      // the client then sees a failed write. Read the answer off a raw socket.
      RawConnection conn(server.port());
      std::string chunks;
      for (size_t i = 0; i < big.size(); i += 300) {
        std::string part = big.substr(i, 300);
        char size[16];
        std::snprintf(size, sizeof(size), "%zx\r\n", part.size());
        chunks += size + part + "\r\n";
      }
      chunks += "0\r\n\r\n";
      conn.Send("POST /v1/types HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\n" +
                chunks);
      RawResponse raw;
      REQUIRE(conn.ReadResponse(&raw, 10s));
      CHECK(raw.status == 413);
      CHECK(ParseErrorBody(raw.body).code == 8);
    }
  }
  SECTION("chunked body under the limit is accepted") {
    auto res = PostChunked(client, "/v1/types", small, 100);
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(ParseBody<e2e::AllTypes>(res->body).f_string() == std::string(500, 'y'));
  }
  SECTION("Content-Length under the limit is accepted") {
    auto res = client.Post("/v1/types", small, "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 200);
  }
}

TEST_CASE("a body that is not JSON is refused by media type or content", "[unary]") {
  TestServer server;
  httplib::Client client = server.Client();
  SECTION("text/plain is 415") {
    RequireJsonError(client.Post("/v1/types", "f_int32=1", "text/plain"), 415, 3);
  }
  SECTION("application/json with a charset is accepted") {
    auto res = client.Post("/v1/types", R"({"fInt32":5})", "application/json; charset=utf-8");
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  SECTION("malformed JSON is 400") {
    RequireJsonError(client.Post("/v1/types", R"({"fInt32":)", "application/json"), 400, 3);
  }
  SECTION("a wrongly typed value is 400 naming the field") {
    auto res = client.Post("/v1/types", R"({"fInt32":"many"})", "application/json");
    RequireJsonError(res, 400, 3);
    REQUIRE(res);
    CHECK(ParseErrorBody(res->body).message.find("fInt32") != std::string::npos);
  }
  SECTION("unknown body fields are ignored by default") {
    auto res = client.Post("/v1/types", R"({"fInt32":5,"unknownField":1})", "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  SECTION("an empty body is an empty message") {
    auto res = client.Post("/v1/types", "", "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 200);
  }
}

TEST_CASE("gzip request bodies are inflated, within the body limit", "[unary]") {
  ServerConfig config;
  config.gateway.max_request_body_bytes = 64 * 1024;
  TestServer server(config);
  httplib::Client client = server.Client();
  httplib::Headers gzip = {{"Content-Encoding", "gzip"}};
  SECTION("a JSON body") {
    auto res = client.Post("/v1/types", gzip, Gzip(R"({"fString":"packed","fInt32":7})"), "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto got = ParseBody<e2e::AllTypes>(res->body);
    CHECK(got.f_string() == "packed");
    CHECK(got.f_int32() == 7);
  }
  SECTION("two gzip members, sent chunked in small pieces") {
    std::string body = Gzip(R"({"fString":"two )") + Gzip(R"(members"})");
    RawConnection conn(server.port());
    std::string request =
        "POST /v1/types HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (size_t i = 0; i < body.size(); i += 7) {
      std::string piece = body.substr(i, 7);
      char size[16];
      snprintf(size, sizeof size, "%zx\r\n", piece.size());
      request += size + piece + "\r\n";
    }
    request += "0\r\n\r\n";
    REQUIRE(conn.Send(request));
    RawResponse res;
    REQUIRE(conn.ReadResponse(&res, 10s));
    INFO(res.body);
    REQUIRE(res.status == 200);
    CHECK(ParseBody<e2e::AllTypes>(res.body).f_string() == "two members");
  }
  SECTION("a google.api.HttpBody body keeps its type and gets the inflated bytes") {
    auto res = client.Post("/v1/raw", gzip, Gzip("a,b\n1,2\n"), "text/csv");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->body == "type=text/csv;a,b\n1,2\n");
  }
  SECTION("a body that inflates past max_request_body_bytes is 413") {
    std::string huge = R"({"fString":")" + std::string(1 << 20, 'a') + R"("})";
    std::string packed = Gzip(huge);
    REQUIRE(packed.size() < 8 * 1024);  // the compressed body is well under the limit
    auto res = client.Post("/v1/types", gzip, packed, "application/json");
    RequireJsonError(res, 413, 8);
    REQUIRE(res);
    CHECK(ParseErrorBody(res->body).message.find("max_request_body_bytes") != std::string::npos);
  }
  SECTION("a body that is not gzip is 400") {
    RequireJsonError(client.Post("/v1/types", gzip, R"({"fInt32":1})", "application/json"), 400, 3);
  }
  SECTION("a truncated gzip body is 400") {
    std::string packed = Gzip(R"({"fString":"cut short"})");
    RequireJsonError(client.Post("/v1/types", gzip, packed.substr(0, packed.size() - 6), "application/json"), 400, 3);
  }
  SECTION("other encodings are 415") {
    for (const char* encoding : {"br", "deflate", "compress"}) {
      INFO(encoding);
      RequireJsonError(client.Post("/v1/types", {{"Content-Encoding", encoding}}, "{}", "application/json"), 415, 3);
    }
  }
}

TEST_CASE("PATCH with a body field fills update_mask from the body keys", "[unary]") {
  ServerConfig config;
  config.gateway.json_output.emit_unpopulated = false;
  TestServer server(config);
  httplib::Client client = server.Client();
  SECTION("mask from the keys, nested keys as dotted paths") {
    auto res = client.Patch("/v1/shelves/s1/books/b1", R"({"title":"T","meta":{"name":"m","count":1}})",
                            "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto got = ParseBody<e2e::UpdateBookRequest>(res->body);
    CHECK(got.book().name() == "shelves/s1/books/b1");
    CHECK(got.book().title() == "T");
    std::set<std::string> paths(got.update_mask().paths().begin(), got.update_mask().paths().end());
    CHECK(paths == std::set<std::string>{"title", "meta.name", "meta.count"});
  }
  SECTION("a mask given in the query is kept") {
    auto res = client.Patch("/v1/shelves/s1/books/b1?update_mask=title", R"({"title":"T","pages":3})",
                            "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto got = ParseBody<e2e::UpdateBookRequest>(res->body);
    CHECK(std::vector<std::string>(got.update_mask().paths().begin(), got.update_mask().paths().end()) ==
          std::vector<std::string>{"title"});
    CHECK(got.book().pages() == 3);
  }
}

TEST_CASE("FieldMask paths in the query must name fields of the mask's target", "[unary]") {
  ServerConfig config;
  config.gateway.json_output.emit_unpopulated = false;
  TestServer server(config);
  httplib::Client client = server.Client();
  SECTION("PATCH with a body field: paths of the body's message, JSON or proto names") {
    auto res = client.Patch("/v1/shelves/s1/books/b1?updateMask=" + UrlEncode("editionNumber,meta.name,title"),
                            R"({"title":"T"})", "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto got = ParseBody<e2e::UpdateBookRequest>(res->body);
    CHECK(std::vector<std::string>(got.update_mask().paths().begin(), got.update_mask().paths().end()) ==
          std::vector<std::string>{"edition_number", "meta.name", "title"});
    CHECK(res->body.find(R"("updateMask":"editionNumber,meta.name,title")") != std::string::npos);
  }
  struct Row {
    const char* name;
    bool patch;
    std::string target;
    std::string fragment;  // in the message, after the parameter's name
  };
  const std::vector<Row> rows = {
      {"a path naming no field of the body's message", true, "/v1/shelves/s1/books/b1?update_mask=title,nope",
       "query parameter \"update_mask\": FieldMask path \"nope\": e2e.Book has no field \"nope\""},
      {"a field of the request, not of the body's message", true,
       "/v1/shelves/s1/books/b1?update_mask=update_mask",
       "query parameter \"update_mask\": FieldMask path \"update_mask\": e2e.Book has no field"},
      {"a path naming no field of the request", false, "/v1/types?mask=" + UrlEncode("nested.name,nested.nope"),
       "query parameter \"mask\": FieldMask path \"nested.nope\": e2e.Nested has no field \"nope\""},
      {"a json_name is not a FieldMask name", false, "/v1/types?mask=customName",
       "query parameter \"mask\": FieldMask path \"customName\": e2e.AllTypes has no field \"custom_name\""},
      {"a path through a scalar", false, "/v1/types?mask=fInt32.x",
       "query parameter \"mask\": FieldMask path \"fInt32.x\": field \"f_int32\" of e2e.AllTypes is not a message"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      INFO(row.target);
      auto res = row.patch ? client.Patch(row.target.c_str(), R"({"title":"T"})", "application/json")
                           : client.Get(row.target.c_str());
      RequireJsonError(res, 400, 3);
      ErrorBody e = ParseErrorBody(res->body);
      INFO("message: " << e.message);
      CHECK(e.message.find(row.fragment) != std::string::npos);
    }
  }
}

TEST_CASE("gateway responses ignore Range; user routes keep it", "[unary][range]") {
  ServerConfig config;
  config.setup = [](grpcgw::HttpServer& http, grpc::Server&) {
    http.Get("/file", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("0123456789", "text/plain");
    });
  };
  TestServer server(config);
  struct Row {
    const char* name;
    const char* method;
    std::string target;
    int status;
    int code;  // of the JSON error body; 0 for a success
  };
  const std::vector<Row> rows = {
      {"a bad query value (400)", "GET", "/v1/types?f_int32=abc", 400, 3},
      {"an error from the service (404)", "GET", "/v1/status/5?message=gone", 404, 5},
      {"a method the path does not allow (405)", "PUT", "/v1/shelves/s1/books", 405, 12},
      {"no route (404)", "GET", "/no/such/route", 404, 5},
      {"a success", "GET", "/v1/books/b1", 200, 0},
  };
  for (const Row& row : rows) {
    std::vector<const char*> ranges = {"bytes=0-5", "bytes=0-1,3-4", "bytes=-3"};
    // A Range httplib cannot parse (it answers 416 before any route runs):
    // the gateway's requests never reach httplib's parsing.
    if (row.target != "/no/such/route") ranges.push_back("bytes=nonsense");
    for (const char* range : ranges) {
      DYNAMIC_SECTION(row.name << ", Range: " << range) {
        RawConnection conn(server.port());
        REQUIRE(conn.Send(std::string(row.method) + " " + row.target +
                          " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nRange: " + range + "\r\n\r\n"));
        RawResponse res;
        REQUIRE(conn.ReadResponse(&res, 5s));
        INFO("status " << res.status << ", body " << res.body);
        CHECK(res.status == row.status);
        CHECK_FALSE(res.has_header("Content-Range"));
        CHECK(res.header("Content-Type").find("application/json") == 0);
        if (row.code == 0) {
          auto book = ParseBody<e2e::Book>(res.body);
          CHECK(book.name() == "b1");
        } else {
          ErrorBody e = ParseErrorBody(res.body);
          CHECK(e.valid);
          CHECK(e.code == row.code);
        }
      }
    }
  }
  SECTION("a user route still answers 206 with the range") {
    RawConnection conn(server.port());
    REQUIRE(conn.Send("GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\n\r\n"));
    RawResponse res;
    REQUIRE(conn.ReadResponse(&res, 5s));
    CHECK(res.status == 206);
    CHECK(res.header("Content-Range") == "bytes 2-4/10");
    CHECK(res.body == "234");
  }
}

TEST_CASE("google.api.HttpBody travels as raw bytes both ways", "[unary]") {
  TestServer server;
  httplib::Client client = server.Client();
  SECTION("request body field and response") {
    const std::string data("\x00\x01raw\xff", 6);
    auto res = client.Post("/v1/blobs/n1", data, "application/octet-stream");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/octet-stream");
    CHECK(res->body == "n1:" + data);
  }
  SECTION("response with the service's content type") {
    auto res = client.Get("/v1/blobs/n2?content_type=image/png");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "image/png");
    CHECK(res->body == std::string("contents of n2\0\xff", 16));
  }
  SECTION("whole request, any media type") {
    auto res = client.Post("/v1/raw", "a,b\n1,2\n", "text/csv");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type").find("text/plain") == 0);
    CHECK(res->body == "type=text/csv;a,b\n1,2\n");
  }
}

// ------------------------------------------------------------------ metadata

std::multimap<std::string, std::string> Received(const e2e::MetadataResponse& response) {
  std::multimap<std::string, std::string> out;
  for (const auto& e : response.received()) out.emplace(e.key(), e.value());
  return out;
}

bool Has(const std::multimap<std::string, std::string>& md, const std::string& key, const std::string& value) {
  auto range = md.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second == value) return true;
  }
  return false;
}

TEST_CASE("request headers become metadata by the grpc-gateway rules", "[unary]") {
  TestServer server;
  httplib::Client client = server.Client();
  const std::string binary("\x00\x01\xfe\xff", 4);
  httplib::Headers headers = {
      {"Grpc-Metadata-Tenant", "acme"},
      {"Grpc-Metadata-Trace-Bin", Base64(binary)},
      {"Authorization", "Bearer token-1"},
      {"User-Agent", "e2e-agent/1.0"},
      {"Accept-Language", "fr"},
      {"X-Forwarded-For", "203.0.113.7"},
      {"X-Custom-Header", "not forwarded"},
  };
  auto res = client.Post("/v1/metadata", headers, "{}", "application/json");
  INFO(Describe(res));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto md = Received(ParseBody<e2e::MetadataResponse>(res->body));
  std::string all;
  for (const auto& [k, v] : md) all += k + "=" + v + "\n";
  INFO("received:\n" << all);
  CHECK(Has(md, "tenant", "acme"));
  CHECK(Has(md, "trace-bin", binary));
  CHECK(Has(md, "authorization", "Bearer token-1"));
  CHECK(Has(md, "grpcgateway-user-agent", "e2e-agent/1.0"));
  CHECK(Has(md, "grpcgateway-accept-language", "fr"));
  CHECK(Has(md, "x-forwarded-for", "203.0.113.7, 127.0.0.1"));
  CHECK(md.count("x-forwarded-host") == 1);
  CHECK(md.count("x-custom-header") == 0);
  CHECK(md.count("grpcgateway-x-custom-header") == 0);
}

TEST_CASE("response metadata and trailers come back as headers, on success and on error", "[unary]") {
  TestServer server;
  httplib::Client client = server.Client();
  const std::string binary("\x00\xff", 2);
  for (int code : {0, 5}) {
    DYNAMIC_SECTION("code " << code) {
      std::string body = R"({"initial":[{"key":"initial-key","value":")" + Base64("iv") + R"("}],)" +
                         R"("trailers":[{"key":"trailer-key","value":")" + Base64("tv") + R"("},)" +
                         R"({"key":"trailer-bin","value":")" + Base64(binary) + R"("}],)" +
                         R"("code":)" + std::to_string(code) + R"(,"message":"gone"})";
      auto res = client.Post("/v1/metadata", body, "application/json");
      INFO(Describe(res));
      REQUIRE(res);
      CHECK(res->status == (code == 0 ? 200 : 404));
      CHECK(res->get_header_value("Grpc-Metadata-initial-key") == "iv");
      CHECK(res->get_header_value("Grpc-Trailer-trailer-key") == "tv");
      CHECK(res->get_header_value("Grpc-Trailer-trailer-bin") == Base64(binary));
      if (code != 0) CHECK(ParseErrorBody(res->body).message == "gone");
    }
  }
}

TEST_CASE("with TE: trailers, trailing metadata goes out as HTTP/1.1 chunked trailers", "[unary]") {
  TestServer server;
  for (int code : {0, 5}) {
    DYNAMIC_SECTION("code " << code) {
      const std::string body = R"({"initial":[{"key":"initial-key","value":")" + Base64("iv") + R"("}],)" +
                               R"("trailers":[{"key":"trailer-key","value":")" + Base64("tv") + R"("}],)" +
                               R"("code":)" + std::to_string(code) + R"(,"message":"gone"})";
      auto request = [&](const std::string& te) {
        return "POST /v1/metadata HTTP/1.1\r\nHost: x\r\n" + te +
               "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
               body;
      };
      RawConnection conn(server.port());
      REQUIRE(conn.Send(request("TE: trailers\r\n")));
      RawResponse res;
      REQUIRE(conn.ReadResponse(&res, 10s));
      CHECK(res.status == (code == 0 ? 200 : 404));
      CHECK(Lowercase(res.header("Transfer-Encoding")) == "chunked");
      CHECK_FALSE(res.has_header("Content-Length"));
      CHECK(res.header("Grpc-Metadata-initial-key") == "iv");
      CHECK_FALSE(res.has_header("Grpc-Trailer-trailer-key"));
      REQUIRE(res.trailers.count("grpc-trailer-trailer-key") == 1);
      CHECK(res.trailers.find("grpc-trailer-trailer-key")->second == "tv");
      if (code != 0) CHECK(ParseErrorBody(res.body).message == "gone");
      // The connection stays usable; without TE the trailers are headers.
      REQUIRE(conn.Send(request("")));
      RawResponse plain;
      REQUIRE(conn.ReadResponse(&plain, 10s));
      CHECK(plain.has_header("Content-Length"));
      CHECK(plain.header("Grpc-Trailer-trailer-key") == "tv");
      CHECK(plain.trailers.empty());
    }
  }
}

TEST_CASE("gRPC's reserved grpc-* metadata is left out both ways", "[unary]") {
  SECTION("no grpc-* response metadata or trailers become headers (status details travel in the body)") {
    TestServer server;
    auto res = server.Client().Post("/v1/status", R"({"code":9,"message":"not yet","withDetails":true})",
                                    "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 400);
    CHECK(ParseErrorBody(res->body).details != "[]");
    for (const auto& [name, value] : res->headers) {
      INFO(name << ": " << value);
      std::string lower = Lowercase(name);
      CHECK(lower.rfind("grpc-trailer-grpc-", 0) == std::string::npos);
      CHECK(lower.rfind("grpc-metadata-grpc-", 0) == std::string::npos);
    }
  }
  SECTION("request headers that would become grpc-* metadata are dropped, the call goes on") {
    ServerConfig config;
    config.gateway.incoming_header_matcher = [](std::string_view key, std::string* metadata_key) {
      std::string lower = Lowercase(key);
      if (lower == "x-status") {
        *metadata_key = "grpc-status";
        return true;
      }
      if (lower.rfind("grpc-metadata-", 0) == 0) {
        *metadata_key = lower.substr(14);
        return true;
      }
      return false;
    };
    for (bool custom : {false, true}) {
      DYNAMIC_SECTION((custom ? "custom matcher" : "default rule")) {
        TestServer server(custom ? config : ServerConfig{});
        auto res = server.Client().Post("/v1/metadata",
                                        {{"Grpc-Metadata-Grpc-Message", "injected"},
                                         {"Grpc-Metadata-Grpc-Status-Details-Bin", Base64("xx")},
                                         {"X-Status", "7"},
                                         {"Grpc-Metadata-Tenant", "acme"}},
                                        "{}", "application/json");
        INFO(Describe(res));
        REQUIRE(res);
        REQUIRE(res->status == 200);
        auto md = Received(ParseBody<e2e::MetadataResponse>(res->body));
        CHECK(Has(md, "tenant", "acme"));
        CHECK(md.count("grpc-message") == 0);
        CHECK(md.count("grpc-status") == 0);
        CHECK(md.count("grpc-status-details-bin") == 0);
      }
    }
  }
}

TEST_CASE("a -Bin header that is not base64 is refused", "[unary]") {
  TestServer server;
  auto res = server.Client().Post("/v1/metadata", {{"Grpc-Metadata-Trace-Bin", "***"}}, "{}", "application/json");
  RequireJsonError(res, 400, 3);
  REQUIRE(res);
  CHECK(Lowercase(ParseErrorBody(res->body).message).find("trace-bin") != std::string::npos);
}

TEST_CASE("a custom header matcher replaces the default rule", "[unary]") {
  ServerConfig config;
  config.gateway.incoming_header_matcher = [](std::string_view key, std::string* metadata_key) {
    if (Lowercase(key) != "x-tenant") return false;
    *metadata_key = "tenant-id";
    return true;
  };
  TestServer server(config);
  auto res = server.Client().Post("/v1/metadata", {{"X-Tenant", "t9"}, {"Grpc-Metadata-Other", "o"}}, "{}",
                                  "application/json");
  INFO(Describe(res));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto md = Received(ParseBody<e2e::MetadataResponse>(res->body));
  CHECK(Has(md, "tenant-id", "t9"));
  CHECK(md.count("other") == 0);
}

// ----------------------------------------------------------------- deadlines

TEST_CASE("Grpc-Timeout sets the call's deadline", "[unary]") {
  TestServer server;
  httplib::Client client = server.Client();
  SECTION("a call that outlives it gets 504 and the service sees it end") {
    auto start = std::chrono::steady_clock::now();
    auto res = client.Get("/v1/sleep/deadline-1?duration=20s", {{"Grpc-Timeout", "200m"}});
    auto took = std::chrono::steady_clock::now() - start;
    RequireJsonError(res, 504, 4);
    CHECK(took < std::chrono::seconds(5));
    CHECK(server.service().events().WaitFor("sleep:cancelled:deadline-1", 5s));
  }
  SECTION("the service sees the deadline") {
    auto res = client.Get("/v1/sleep/deadline-2?duration=0.01s", {{"Grpc-Timeout", "10S"}});
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto got = ParseBody<e2e::SleepResponse>(res->body);
    CHECK(got.had_deadline());
    CHECK(got.deadline_remaining().seconds() <= 10);
    CHECK(got.deadline_remaining().seconds() >= 5);
  }
  SECTION("the largest value is a far deadline, not an overflow") {
    // 99999999 hours do not fit in 64-bit nanoseconds; taken as about 100 years.
    auto res = client.Get("/v1/sleep/deadline-5?duration=0.01s", {{"Grpc-Timeout", "99999999H"}});
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    auto got = ParseBody<e2e::SleepResponse>(res->body);
    CHECK(got.had_deadline());
    CHECK(got.deadline_remaining().seconds() > int64_t{99} * 365 * 24 * 3600);
  }
  SECTION("no header, no deadline") {
    auto res = client.Get("/v1/sleep/deadline-3?duration=0.01s");
    INFO(Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(!ParseBody<e2e::SleepResponse>(res->body).had_deadline());
  }
  SECTION("the largest values are clamped to the largest deadline, not overflowed") {
    // 99999999 hours is more nanoseconds than 64 bits hold.
    for (const char* timeout : {"99999999H", "99999999M", "99999999S", "99999999m"}) {
      DYNAMIC_SECTION(timeout) {
        auto res = client.Get("/v1/sleep/deadline-max?duration=0.01s", {{"Grpc-Timeout", timeout}});
        INFO(Describe(res));
        REQUIRE(res);
        REQUIRE(res->status == 200);
        auto got = ParseBody<e2e::SleepResponse>(res->body);
        // No deadline at all, or one far away.
        if (got.had_deadline()) CHECK(got.deadline_remaining().seconds() > 24 * 3600);
      }
    }
  }
  SECTION("a malformed value is 400") {
    auto res = client.Get("/v1/sleep/deadline-4?duration=0.01s", {{"Grpc-Timeout", "soon"}});
    RequireJsonError(res, 400, 3);
    REQUIRE(res);
    CHECK(ParseErrorBody(res->body).message.find("Grpc-Timeout") != std::string::npos);
  }
}

TEST_CASE("the gateway's default timeout applies to requests without Grpc-Timeout", "[unary]") {
  ServerConfig config;
  config.gateway.default_timeout = std::chrono::milliseconds(200);
  TestServer server(config);
  auto res = server.Client().Get("/v1/sleep/default-deadline?duration=20s");
  RequireJsonError(res, 504, 4);
  CHECK(server.service().events().WaitFor("sleep:cancelled:default-deadline", 5s));
}

TEST_CASE("a default timeout too large for the clock is the largest deadline", "[unary]") {
  ServerConfig config;
  config.gateway.default_timeout = std::chrono::milliseconds::max();
  TestServer server(config);
  auto res = server.Client().Get("/v1/sleep/default-max?duration=0.01s");
  INFO(Describe(res));
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto got = ParseBody<e2e::SleepResponse>(res->body);
  if (got.had_deadline()) CHECK(got.deadline_remaining().seconds() > 24 * 3600);
}

// -------------------------------------------------------------- cancellation

TEST_CASE("a client that disconnects during a unary call cancels it", "[unary]") {
  TestServer server;
  for (bool reset : {false, true}) {
    DYNAMIC_SECTION((reset ? "connection reset" : "connection closed")) {
      std::string token = reset ? "gone-rst" : "gone-fin";
      RawConnection conn(server.port());
      REQUIRE(conn.connected());
      REQUIRE(conn.Send("GET /v1/sleep/" + token + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
      REQUIRE(server.service().events().WaitFor("sleep:started:" + token, 5s));
      conn.Close(reset);
      CHECK(server.service().events().WaitFor("sleep:cancelled:" + token, 5s));
      // The server is still fine.
      auto res = server.Client().Get("/v1/books/after");
      INFO(Describe(res));
      REQUIRE(res);
      CHECK(res->status == 200);
    }
  }
}

// ------------------------------------------------------ next to user routes

TEST_CASE("the user's own routes are served next to the gateway", "[unary]") {
  ServerConfig config;
  config.setup = [](grpcgw::HttpServer& http, grpc::Server&) {
    http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
  };
  TestServer server(config);
  httplib::Client client = server.Client();
  auto health = client.Get("/healthz");
  INFO(Describe(health));
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "ok");
  auto book = client.Get("/v1/books/b1");
  INFO(Describe(book));
  REQUIRE(book);
  CHECK(book->status == 200);
  RequireJsonError(client.Get("/not-a-route"), 404, 5);
}

TEST_CASE("httplib's response hooks set on HttpServer apply to gateway responses", "[unary][hook]") {
  // Gateway unary requests are served on the loop without httplib's own
  // processing (unless unary_on_loop is off): the hooks must apply the same.
  struct Logged {
    std::mutex mu;
    std::vector<std::string> lines;
  };
  auto logged = std::make_shared<Logged>();
  ServerConfig config;
  config.setup = [logged](grpcgw::HttpServer& http, grpc::Server&) {
    http.set_logger([logged](const httplib::Request& req, const httplib::Response& res) {
      std::lock_guard<std::mutex> lock(logged->mu);
      logged->lines.push_back(req.method + " " + req.path + " " + std::to_string(res.status) + " " +
                              req.get_header_value("X-Trace"));
    });
    http.set_default_headers({{"X-Served-By", "grpcgw-test"}});
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      res.set_header("X-Error-Seen", std::to_string(res.status));
    });
    http.set_post_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      res.set_header("X-Post-Routing", req.path);
      // Still checked by the server after this handler: never sent.
      res.headers.emplace("X-Split", "a\r\nInjected: yes");
    });
  };
  TestServer server(config);
  httplib::Client client = server.Client();

  auto ok = client.Get("/v1/books/b1", {{"X-Trace", "t%2F1"}});
  INFO(Describe(ok));
  REQUIRE(ok);
  CHECK(ok->status == 200);
  CHECK(ok->get_header_value("X-Served-By") == "grpcgw-test");
  CHECK_FALSE(ok->has_header("Injected"));
  CHECK_FALSE(ok->has_header("X-Split"));

  // An error the gateway answers itself (no call is made).
  auto bad = client.Get("/v1/types?f_int32=abc");
  INFO(Describe(bad));
  REQUIRE(bad);
  CHECK(bad->status == 400);
  CHECK(bad->get_header_value("X-Served-By") == "grpcgw-test");
  CHECK(bad->get_header_value("X-Error-Seen") == "400");
  CHECK(bad->get_header_value("X-Post-Routing") == "/v1/types");
  CHECK_FALSE(bad->has_header("Injected"));
  CHECK(ParseErrorBody(bad->body).code == 3);

  // The logger runs once the response is written: on a worker, the client
  // may read the response first.
  std::unique_lock<std::mutex> lock(logged->mu);
  for (int i = 0; i < 200 && logged->lines.size() < 2; ++i) {
    lock.unlock();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lock.lock();
  }
  REQUIRE(logged->lines.size() == 2);
  // httplib decodes header values; the logger sees them as httplib would.
  CHECK(logged->lines[0] == "GET /v1/books/b1 200 t/1");
  CHECK(logged->lines[1] == "GET /v1/types 400 ");
}

TEST_CASE("a mount that is ambiguous with mounted routes is refused whole", "[unary]") {
  std::string conflicting_error;
  std::string duplicate_error;
  ServerConfig config;
  config.setup = [&](grpcgw::HttpServer& http, grpc::Server& grpc_server) {
    grpcgw::Gateway<e2e::Conflicting> conflicting(grpc_server);
    try {
      conflicting.mount(http);
    } catch (const std::invalid_argument& e) {
      conflicting_error = e.what();
    }
    grpcgw::Gateway<e2e::Svc> again(grpc_server);
    try {
      again.mount(http);
    } catch (const std::invalid_argument& e) {
      duplicate_error = e.what();
    }
  };
  TestServer server(config);
  INFO("conflicting: " << conflicting_error);
  INFO("duplicate: " << duplicate_error);
  CHECK(!conflicting_error.empty());
  CHECK(conflicting_error.find("/e2e.Conflicting/GetByTitle") != std::string::npos);
  CHECK(!duplicate_error.empty());
  // The first mount still serves its routes.
  auto res = server.Client().Get("/v1/books/b1");
  INFO(Describe(res));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(ParseBody<e2e::Book>(res->body).name() == "b1");
}

TEST_CASE("keep-alive connections serve many gateway requests", "[unary]") {
  TestServer server;
  httplib::Client client = server.Client();
  client.set_keep_alive(true);
  for (int i = 0; i < 50; ++i) {
    auto res = client.Get(("/v1/books/k" + std::to_string(i)).c_str());
    INFO("request " << i << ": " << Describe(res));
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK(ParseBody<e2e::Book>(res->body).name() == "k" + std::to_string(i));
  }
}

TEST_CASE("pipelined requests are answered in order, bodies included, then the connection closes", "[unary]") {
  TestServer server;
  RawConnection conn(server.port());
  REQUIRE(conn.connected());
  const std::string body = R"({"fInt32":7,"fString":"piped"})";
  // One write: a GET, a POST with a body, a request the gateway refuses,
  // and a last GET that closes the connection.
  REQUIRE(conn.Send("GET /v1/books/first HTTP/1.1\r\nHost: x\r\n\r\n"
                    "POST /v1/types HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body +
                    "PUT /v1/books/first HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"
                    "GET /v1/books/last HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  RawResponse first, second, third, fourth;
  REQUIRE(conn.ReadResponse(&first, 10s));
  REQUIRE(conn.ReadResponse(&second, 10s));
  REQUIRE(conn.ReadResponse(&third, 10s));
  REQUIRE(conn.ReadResponse(&fourth, 10s));
  CHECK(first.status == 200);
  CHECK(ParseBody<e2e::Book>(first.body).name() == "first");
  CHECK(second.status == 200);
  CHECK(ParseBody<e2e::AllTypes>(second.body).f_int32() == 7);
  CHECK(ParseBody<e2e::AllTypes>(second.body).f_string() == "piped");
  CHECK(third.status == 405);
  CHECK(fourth.status == 200);
  CHECK(ParseBody<e2e::Book>(fourth.body).name() == "last");
  CHECK(fourth.header("Connection") == "close");
  bool saw_close = false;
  CHECK(conn.ReadToClose(5s, &saw_close).empty());  // closed after the last response
  CHECK(saw_close);
}

TEST_CASE("Connection: close is read as a token list, in any case", "[unary]") {
  TestServer server;
  for (const char* value : {"Close", "close, TE", "keep-alive, CLOSE"}) {
    DYNAMIC_SECTION(value) {
      // A successful call (answered when the call completes) and an error
      // the gateway answers at once.
      for (const char* target : {"/v1/books/b1", "/v1/types?f_int32=abc"}) {
        RawConnection c(server.port());
        REQUIRE(c.connected());
        REQUIRE(c.Send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\nConnection: " + value + "\r\n\r\n"));
        RawResponse res;
        REQUIRE(c.ReadResponse(&res, 10s));
        INFO(target << " -> " << res.status);
        CHECK(res.header("Connection") == "close");
        bool saw_close = false;
        CHECK(c.ReadToClose(5s, &saw_close).empty());
        CHECK(saw_close);
      }
    }
  }
}

// ---------------------------------------------------------------------- CORS

constexpr char kAppOrigin[] = "https://app.example";

ServerConfig CorsConfig() {
  ServerConfig config;
  config.gateway.cors.allowed_origins = {kAppOrigin};
  config.gateway.cors.allow_origin = [](std::string_view origin) {
    const std::string_view suffix = ".example.org";
    return origin.size() > suffix.size() && origin.substr(origin.size() - suffix.size()) == suffix;
  };
  config.gateway.cors.exposed_headers = {"X-Request-Id"};
  return config;
}

RawResponse Preflight(RawConnection& conn, const std::string& target, const std::string& origin,
                      const std::string& method, const std::string& headers = "") {
  std::string request = "OPTIONS " + target + " HTTP/1.1\r\nHost: x\r\nOrigin: " + origin +
                        "\r\nAccess-Control-Request-Method: " + method + "\r\n";
  if (!headers.empty()) request += "Access-Control-Request-Headers: " + headers + "\r\n";
  RawResponse res;
  REQUIRE(conn.Send(request + "\r\n"));
  REQUIRE(conn.ReadResponse(&res, 10s));
  return res;
}

TEST_CASE("CORS: a preflight is answered on every gateway route", "[unary][cors]") {
  TestServer server(CorsConfig());
  RawConnection conn(server.port());
  SECTION("a unary route: methods bound on the path, the asked headers, max-age") {
    RawResponse res = Preflight(conn, "/v1/types", kAppOrigin, "POST", "content-type, x-trace");
    CHECK(res.status == 200);
    CHECK(res.header("Access-Control-Allow-Origin") == kAppOrigin);
    CHECK(res.header("Access-Control-Allow-Methods") == "GET, POST");
    CHECK(res.header("Access-Control-Allow-Headers") == "content-type, x-trace");
    CHECK(res.header("Access-Control-Max-Age") == "600");
    CHECK(!res.has_header("Access-Control-Allow-Credentials"));
    CHECK(Lowercase(res.header("Vary")).find("origin") != std::string::npos);
  }
  SECTION("streaming routes and paths with variables, the same connection kept") {
    for (const char* target : {"/v1/rooms/r1:echo", "/v1/watch/t1", "/v1/collect", "/v1/shelves/s1/books/b1"}) {
      INFO(target);
      RawResponse res = Preflight(conn, target, kAppOrigin, "GET");
      CHECK(res.status == 200);
      CHECK(res.header("Access-Control-Allow-Origin") == kAppOrigin);
    }
  }
  SECTION("an origin the predicate allows") {
    RawResponse res = Preflight(conn, "/v1/types", "https://tools.example.org", "POST");
    CHECK(res.status == 200);
    CHECK(res.header("Access-Control-Allow-Origin") == "https://tools.example.org");
  }
  SECTION("an origin not allowed is 403 without CORS headers") {
    RawResponse res = Preflight(conn, "/v1/types", "https://evil.example", "POST");
    CHECK(res.status == 403);
    CHECK(!res.has_header("Access-Control-Allow-Origin"));
    CHECK(ParseErrorBody(res.body).code == 7);
  }
  SECTION("a custom OPTIONS binding still serves plain OPTIONS; a preflight there is a preflight") {
    RawResponse pre = Preflight(conn, "/v1/shelves/s1/books", kAppOrigin, "GET");
    CHECK(pre.status == 200);
    CHECK(pre.header("Access-Control-Allow-Methods") == "GET, OPTIONS, POST");
    auto res = server.Client().Options("/v1/shelves/s1/books");
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body.find("shelves/s1") != std::string::npos);
  }
  SECTION("a path the gateway does not serve is left to httplib") {
    RawResponse res = Preflight(conn, "/nowhere", kAppOrigin, "GET");
    CHECK(res.status == 404);
  }
}

TEST_CASE("CORS: responses to allowed origins carry the CORS headers, errors too", "[unary][cors]") {
  SECTION("listed origin") {
    TestServer server(CorsConfig());
    httplib::Client client = server.Client();
    httplib::Headers origin = {{"Origin", kAppOrigin}};
    for (int i = 0; i < 4; ++i) {
      const char* names[] = {"success", "service error", "405", "415"};
      httplib::Result res = i == 0   ? client.Get("/v1/books/b1", origin)
                            : i == 1 ? client.Get("/v1/status/5?message=gone", origin)
                            : i == 2 ? client.Put("/v1/types", origin, "{}", "application/json")
                                     : client.Post("/v1/types", origin, "x", "text/plain");
      INFO(names[i] << ": " << Describe(res));
      REQUIRE(res);
      CHECK(res->get_header_value("Access-Control-Allow-Origin") == kAppOrigin);
      CHECK(res->get_header_value("Access-Control-Expose-Headers").find("X-Request-Id") != std::string::npos);
      CHECK(Lowercase(res->get_header_value("Vary")).find("origin") != std::string::npos);
    }
    auto other = client.Get("/v1/books/b1", {{"Origin", "https://evil.example"}});
    REQUIRE(other);
    CHECK(other->status == 200);  // served; the browser keeps the page from reading it
    CHECK(!other->has_header("Access-Control-Allow-Origin"));
    auto none = client.Get("/v1/books/b1");
    REQUIRE(none);
    CHECK(!none->has_header("Access-Control-Allow-Origin"));
  }
  SECTION("response metadata headers are exposed") {
    TestServer server(CorsConfig());
    std::string body = R"({"initial":[{"key":"initial-key","value":")" + Base64("iv") +
                       R"("}],"trailers":[{"key":"trailer-key","value":")" + Base64("tv") + R"("}]})";
    auto res = server.Client().Post("/v1/metadata", {{"Origin", kAppOrigin}}, body, "application/json");
    INFO(Describe(res));
    REQUIRE(res);
    std::string exposed = Lowercase(res->get_header_value("Access-Control-Expose-Headers"));
    CHECK(exposed.find("grpc-metadata-initial-key") != std::string::npos);
    CHECK(exposed.find("grpc-trailer-trailer-key") != std::string::npos);
  }
  SECTION("\"*\" without credentials, echoed with credentials") {
    for (bool credentials : {false, true}) {
      ServerConfig config;
      config.gateway.cors.allowed_origins = {"*"};
      config.gateway.cors.allow_credentials = credentials;
      TestServer server(config);
      auto res = server.Client().Get("/v1/books/b1", {{"Origin", "https://any.example"}});
      REQUIRE(res);
      CHECK(res->get_header_value("Access-Control-Allow-Origin") == (credentials ? "https://any.example" : "*"));
      CHECK(res->has_header("Access-Control-Allow-Credentials") == credentials);
    }
  }
  SECTION("without CORS options nothing changes: a preflight is a 405") {
    TestServer server;
    RawConnection conn(server.port());
    RawResponse res = Preflight(conn, "/v1/types", kAppOrigin, "POST");
    CHECK(res.status == 405);
    CHECK(!res.has_header("Access-Control-Allow-Origin"));
  }
}

// The request hook of CorsConfig's gateway: a request id on every response,
// 401 for requests without Authorization. Counts its calls.
struct HookProbe {
  std::atomic<int> calls{0};
};

ServerConfig HookConfig(const std::shared_ptr<HookProbe>& probe) {
  ServerConfig config = CorsConfig();
  config.gateway.request_hook = [probe](const httplib::Request& req, httplib::Response& res) {
    int n = ++probe->calls;
    res.set_header("X-Request-Id", "req-" + std::to_string(n));
    if (!req.has_header("Authorization")) {
      res.status = 401;
      res.set_content(R"({"code":16,"message":"hook: no credentials","details":[]})", "application/json");
      return grpcgw::HookResult::kAnswered;
    }
    return grpcgw::HookResult::kContinue;
  };
  return config;
}

TEST_CASE("a request hook runs before gateway routes, after CORS", "[unary][hook]") {
  auto probe = std::make_shared<HookProbe>();
  TestServer server(HookConfig(probe));
  httplib::Client client = server.Client();
  SECTION("it adds headers to the gateway's response") {
    auto res = client.Get("/v1/books/b1", {{"Authorization", "Bearer t"}});
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("X-Request-Id") == "req-1");
  }
  SECTION("it answers the request itself; the call never starts; CORS headers are there") {
    auto res = client.Get("/v1/sleep/hooked?duration=0.01s", {{"Origin", kAppOrigin}});
    INFO(Describe(res));
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(ParseErrorBody(res->body).message == "hook: no credentials");
    CHECK(res->get_header_value("Access-Control-Allow-Origin") == kAppOrigin);
    CHECK(server.service().events().WithPrefix("sleep:").empty());
  }
  SECTION("it runs before a 405") {
    auto res = client.Put("/v1/types", "{}", "application/json");
    REQUIRE(res);
    CHECK(res->status == 401);
  }
  SECTION("a preflight never reaches it") {
    RawConnection conn(server.port());
    RawResponse res = Preflight(conn, "/v1/types", kAppOrigin, "POST", "authorization");
    CHECK(res.status == 200);
    CHECK(probe->calls == 0);
  }
  SECTION("user routes are not its business") {
    CHECK(probe->calls == 0);
    auto res = client.Get("/not-a-gateway-route");
    REQUIRE(res);
    CHECK(res->status == 404);
    CHECK(probe->calls == 0);
  }
}

// ---------------------------------------------------------------- compression

// Inflates a gzip body; false if it is not one complete gzip stream.
bool Gunzip(const std::string& in, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[16384];
  int r;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    r = inflate(&z, Z_NO_FLUSH);
    out->append(buf, sizeof buf - z.avail_out);
  } while (r == Z_OK);
  inflateEnd(&z);
  return r == Z_STREAM_END && z.avail_in == 0;
}

// One request on `conn`; the response read whole.
RawResponse Exchange(RawConnection& conn, const std::string& method, const std::string& target,
                     const std::string& accept_encoding, const std::string& body = "") {
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: x\r\n";
  if (!accept_encoding.empty()) request += "Accept-Encoding: " + accept_encoding + "\r\n";
  if (!body.empty()) {
    request += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n" + body;
  RawResponse res;
  REQUIRE(conn.Send(request));
  REQUIRE(conn.ReadResponse(&res, 10s));
  return res;
}

TEST_CASE("only responses above the size threshold are gzipped, when the client accepts gzip", "[unary]") {
  const std::string big_text(5000, 'x');
  const std::string big_body = R"({"fString":")" + big_text + R"("})";
  SECTION("default threshold") {
    TestServer server;
    RawConnection conn(server.port());  // one keep-alive connection for all
    for (const char* accept : {"gzip", "gzip, deflate, br", "br;q=1.0, gzip;q=0.8, *;q=0.1"}) {
      DYNAMIC_SECTION("Accept-Encoding: " << accept) {
        RawResponse small = Exchange(conn, "GET", "/v1/status/0", accept);
        CHECK(small.status == 200);
        CHECK(!small.has_header("Content-Encoding"));
        CHECK(small.body == "{}");

        RawResponse error = Exchange(conn, "GET", "/v1/status/5?message=gone", accept);
        CHECK(error.status == 404);
        CHECK(!error.has_header("Content-Encoding"));
        CHECK(ParseErrorBody(error.body).message == "gone");

        RawResponse big = Exchange(conn, "POST", "/v1/types", accept, big_body);
        CHECK(big.status == 200);
        CHECK(big.header("Content-Encoding") == "gzip");
        CHECK(Lowercase(big.header("Vary")).find("accept-encoding") != std::string::npos);
        CHECK(big.body.size() < big_text.size());
        std::string json;
        REQUIRE(Gunzip(big.body, &json));
        auto echoed = ParseBody<e2e::AllTypes>(json);
        CHECK(echoed.f_string() == big_text);
      }
    }
    SECTION("no Accept-Encoding, or gzip refused: the large body as it is") {
      for (const char* accept : {"", "identity", "gzip;q=0", "br"}) {
        INFO("Accept-Encoding: " << accept);
        RawResponse big = Exchange(conn, "POST", "/v1/types", accept, big_body);
        CHECK(big.status == 200);
        CHECK(!big.has_header("Content-Encoding"));
        CHECK(ParseBody<e2e::AllTypes>(big.body).f_string() == big_text);
      }
    }
  }
  SECTION("a configured threshold") {
    ServerConfig config;
    config.gateway.compression.min_bytes = 100000;
    TestServer server(config);
    RawConnection conn(server.port());
    RawResponse big = Exchange(conn, "POST", "/v1/types", "gzip", big_body);
    CHECK(big.status == 200);
    CHECK(!big.has_header("Content-Encoding"));
    CHECK(ParseBody<e2e::AllTypes>(big.body).f_string() == big_text);
  }
  SECTION("threshold 0 compresses every body") {
    ServerConfig config;
    config.gateway.compression.min_bytes = 0;
    TestServer server(config);
    RawConnection conn(server.port());
    RawResponse small = Exchange(conn, "GET", "/v1/status/0", "gzip");
    CHECK(small.header("Content-Encoding") == "gzip");
    std::string json;
    REQUIRE(Gunzip(small.body, &json));
    CHECK(json == "{}");
  }
}

}  // namespace
}  // namespace e2e_test
