// The gateway's OpenAPI document (GatewayOptions::openapi) and services
// bound by an HTTP rules file, end to end: a real gRPC server, real
// gateways on 127.0.0.1 and httplib clients.
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <catch2/catch.hpp>
#include <httplib.h>
#include <rapidjson/document.h>

#include "everything.grpcgw.h"
#include "fixture.h"

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

rapidjson::Document Parse(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.c_str(), json.size());
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

const rapidjson::Value& Schema(const rapidjson::Document& doc, const char* name) {
  const auto& schemas = doc["components"]["schemas"];
  REQUIRE(schemas.HasMember(name));
  return schemas[name];
}

std::string MountError(grpcgw::GatewayBase& gateway) {
  grpcgw::HttpServer http;
  try {
    gateway.mount(http);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the served document is the one protoc-gen-grpcgw writes for the same options") {
  openapi_fixture::Servers servers;
  httplib::Client client("127.0.0.1", servers.port());
  auto res = client.Get("/openapi.json");
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/json");
  CHECK(res->body == ReadFile(OPENAPI_EXPECTED_DEFAULT));

  // The document names what the service's header embedded: comments.
  rapidjson::Document doc = Parse(res->body);
  CHECK(std::string(doc["info"]["title"].GetString()) == "openapi_test.Things");
  CHECK(std::string(doc["paths"]["/v1/events"]["get"]["description"].GetString()) == "Events as they happen.");
}

TEST_CASE("the served document follows the gateway's JSON and transport options") {
  grpcgw::GatewayOptions options = openapi_fixture::ServingOptions();
  options.json_output.use_proto_names = true;
  options.json_output.emit_unpopulated = false;
  options.json_output.enums_as_ints = true;
  options.chunked.bare_lines = true;
  options.openapi.path = "/api/things.json";
  openapi_fixture::Servers servers(options);
  httplib::Client client("127.0.0.1", servers.port());

  auto res = client.Get("/api/things.json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  CHECK(res->body == ReadFile(OPENAPI_EXPECTED_VARIANT));
  rapidjson::Document doc = Parse(res->body);
  const auto& everything = Schema(doc, "openapi_test.Everything");
  CHECK(everything["properties"].HasMember("custom_json"));
  CHECK_FALSE(everything["properties"].HasMember("customName"));
  CHECK_FALSE(everything.HasMember("required"));               // unpopulated fields are left out
  CHECK_FALSE(doc["components"]["schemas"].HasMember("openapi_test.Everything-Input"));
  CHECK(std::string(Schema(doc, "openapi_test.Kind")["type"].GetString()) == "integer");

  // The default path is not served by this gateway.
  auto missing = client.Get("/openapi.json");
  REQUIRE(missing);
  CHECK(missing->status == 404);

  // What the document says is what the gateway does: proto names and no
  // unpopulated fields in the response.
  auto echo = client.Post("/v1/shelves/s1:echo", R"({"customName":"x","kind":"KIND_A"})", "application/json");
  REQUIRE(echo);
  CHECK(echo->status == 200);
  CHECK(echo->body == R"({"name":"shelves/s1","kind":1,"custom_json":"x"})");
}

TEST_CASE("the default options describe unpopulated fields as always present") {
  openapi_fixture::Servers servers;
  httplib::Client client("127.0.0.1", servers.port());
  auto res = client.Get("/openapi.json");
  REQUIRE(res);
  rapidjson::Document doc = Parse(res->body);
  const auto& everything = Schema(doc, "openapi_test.Everything");
  REQUIRE(everything.HasMember("required"));
  bool has_name = false, has_text = false;
  for (const auto& name : everything["required"].GetArray()) {
    has_name = has_name || std::string(name.GetString()) == "name";
    has_text = has_text || std::string(name.GetString()) == "text";  // a oneof member: only when set
  }
  CHECK(has_name);
  CHECK_FALSE(has_text);
  // Requests require nothing: they reference the request-side schema.
  const auto& body = doc["paths"]["/v1/{name}:echo"]["post"]["requestBody"]["content"]["application/json"]["schema"];
  CHECK(std::string(body["$ref"].GetString()) == "#/components/schemas/openapi_test.Everything-Input");
  CHECK_FALSE(Schema(doc, "openapi_test.Everything-Input").HasMember("required"));
}

TEST_CASE("mounting refuses an OpenAPI document it cannot serve") {
  openapi_fixture::Servers servers;
  auto channel = servers.grpc_server().InProcessChannel(grpc::ChannelArguments());
  auto methods = grpcgw::ServiceTraits<openapi_test::Things>::Methods(channel);
  const grpcgw::OpenApiSource* source = &grpcgw::ServiceTraits<openapi_test::Things>::OpenApi();

  SECTION("a header generated without OpenAPI") {
    grpcgw::GatewayBase gateway(channel, methods, openapi_fixture::ServingOptions(), nullptr);
    CHECK_THAT(MountError(gateway), Catch::Contains("header has no OpenAPI description") &&
                                        Catch::Contains("grpcgw_generate(... OPENAPI)"));
  }
  SECTION("a path a binding answers") {
    grpcgw::GatewayOptions options = openapi_fixture::ServingOptions();
    options.openapi.path = "/v1/echo/12";
    grpcgw::GatewayBase gateway(channel, methods, options, source);
    CHECK_THAT(MountError(gateway), Catch::Contains("path \"/v1/echo/12\" is taken by the binding \"GET /v1/echo/{i64}\""));
  }
  SECTION("a relative path") {
    grpcgw::GatewayOptions options = openapi_fixture::ServingOptions();
    options.openapi.path = "openapi.json";
    grpcgw::GatewayBase gateway(channel, methods, options, source);
    CHECK_THAT(MountError(gateway), Catch::Contains("must start with '/'"));
  }
  SECTION("switched off, nothing is checked or served") {
    grpcgw::GatewayBase gateway(channel, methods, grpcgw::GatewayOptions{}, nullptr);
    CHECK(MountError(gateway).empty());
  }
}

TEST_CASE("an unannotated proto is served through HTTP rules from a YAML file only") {
  openapi_fixture::Servers servers;
  httplib::Client client("127.0.0.1", servers.port());

  auto created = client.Post("/v1/shelves/s1/books", R"({"title":"Dune","pages":412})", "application/json");
  REQUIRE(created);
  CHECK(created->status == 200);
  CHECK(created->body == R"({"name":"shelves/s1/books/Dune","title":"Dune","pages":412})");

  // The additional binding (body "*").
  auto replaced = client.Put("/v1/shelves/s1/books:replace", R"({"book":{"title":"Emma","pages":3}})",
                             "application/json");
  REQUIRE(replaced);
  CHECK(replaced->status == 200);
  CHECK(replaced->body == R"({"name":"shelves/s1/books/Emma","title":"Emma","pages":3})");

  auto got = client.Get("/v1/shelves/s1/books/Dune");
  REQUIRE(got);
  CHECK(got->status == 200);
  CHECK(got->body == R"({"name":"shelves/s1/books/Dune","title":"Dune","pages":412})");

  auto listed = client.Get("/v1/shelves/s1/books?pageSize=1");
  REQUIRE(listed);
  CHECK(listed->status == 200);
  CHECK(listed->body == R"({"books":[{"name":"shelves/s1/books/Dune","title":"Dune","pages":412}]})");

  auto missing = client.Get("/v1/shelves/s1/books/Nope");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(missing->body == R"({"code":5,"message":"no book shelves/s1/books/Nope","details":[]})");

  // A server stream through a rule, as NDJSON.
  auto watched = client.Get("/v1/shelves/s1/books:watch");
  REQUIRE(watched);
  CHECK(watched->status == 200);
  CHECK(watched->get_header_value("Content-Type") == "application/x-ndjson");
  CHECK(watched->body ==
        "{\"result\":{\"name\":\"shelves/s1/books/Dune\",\"title\":\"Dune\",\"pages\":412}}\n"
        "{\"result\":{\"name\":\"shelves/s1/books/Emma\",\"title\":\"Emma\",\"pages\":3}}\n");

  // A method the file has no rule for keeps the default binding; one it has
  // a rule for does not.
  auto ping = client.Post("/library.Library/Ping", "{}", "application/json");
  REQUIRE(ping);
  CHECK(ping->status == 200);
  auto default_binding = client.Post("/library.Library/GetBook", R"({"name":"shelves/s1/books/Dune"})",
                                     "application/json");
  REQUIRE(default_binding);
  CHECK(default_binding->status == 404);

  // The Library gateway's document shows the rules' bindings.
  auto doc_res = client.Get("/library/openapi.json");
  REQUIRE(doc_res);
  REQUIRE(doc_res->status == 200);
  rapidjson::Document doc = Parse(doc_res->body);
  const auto& paths = doc["paths"];
  CHECK(paths.HasMember("/v1/{name}"));
  CHECK(paths["/v1/{shelf}/books"].HasMember("post"));
  CHECK(paths["/v1/{shelf}/books:replace"].HasMember("put"));
  CHECK(paths.HasMember("/library.Library/Ping"));
  CHECK_FALSE(paths.HasMember("/library.Library/GetBook"));
  CHECK(std::string(paths["/v1/{name}"]["get"]["parameters"][0]["schema"]["pattern"].GetString()) ==
        "^shelves/[^/]+/books/[^/]+$");
}

TEST_CASE("a rule in the YAML file replaces the method's annotation") {
  openapi_fixture::Servers servers;
  httplib::Client client("127.0.0.1", servers.port());
  auto by_rule = client.Post("/v2/admin:reset", "{}", "application/json");
  REQUIRE(by_rule);
  CHECK(by_rule->status == 200);
  CHECK(by_rule->body == R"({"removed":0})");
  auto by_annotation = client.Post("/v1/admin:reset", "{}", "application/json");
  REQUIRE(by_annotation);
  CHECK(by_annotation->status == 404);
  // A method the file does not name keeps its annotation.
  auto status = client.Get("/v1/admin/status");
  REQUIRE(status);
  CHECK(status->status == 200);
  CHECK(status->body == R"({"books":0})");
}
