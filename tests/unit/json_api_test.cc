// The entry points of grpcgw/json.h beyond plain conversion: merging,
// appending, binding one value to a field, error messages and limits.
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/dynamic_message.h>

#include "grpcgw/json.h"
#include "json_test.pb.h"
#include "json_test_util.h"

namespace {

using grpcgw_test::TestAllTypes;
using grpcgw_test_util::FromText;
using grpcgw_test_util::SameMessage;
using grpcgw_test_util::ToText;

const google::protobuf::FieldDescriptor* Field(const char* name) {
  return TestAllTypes::descriptor()->FindFieldByName(name);
}

TEST_CASE("merge keeps what the JSON does not set and appends to repeated fields", "[json]") {
  TestAllTypes message = FromText<TestAllTypes>(
      "optional_int32: 1 optional_string: 'keep' repeated_int32: 1 "
      "map_string_string { key: 'a' value: 'old' } map_string_string { key: 'b' value: 'keep' } "
      "optional_nested_message { a: 5 }");
  grpc::Status status = grpcgw::MergeJsonToMessage(
      R"({"optionalInt32": 2, "repeatedInt32": [2], "mapStringString": {"a": "new"},
          "optionalNestedMessage": {"corecursive": {"optionalInt32": 3}}})",
      &message);
  REQUIRE(status.ok());
  std::string diff;
  CHECK(SameMessage(message,
                    FromText<TestAllTypes>("optional_int32: 2 optional_string: 'keep' repeated_int32: [1, 2] "
                                           "map_string_string { key: 'a' value: 'new' } "
                                           "map_string_string { key: 'b' value: 'keep' } "
                                           "optional_nested_message { a: 5 corecursive { optional_int32: 3 } }"),
                    &diff));
  INFO(diff);
  std::string json;
  REQUIRE(grpcgw::MessageToJson(message, &json).ok());
  CHECK(json.find(R"("mapStringString":{"a":"new","b":"keep"})") != std::string::npos);

  // JsonToMessage starts from an empty message.
  REQUIRE(grpcgw::JsonToMessage(R"({"repeatedInt32": [9]})", &message).ok());
  CHECK(ToText(message) == "repeated_int32: 9\n");
}

TEST_CASE("append adds to the string and leaves it alone on error", "[json]") {
  TestAllTypes message = FromText<TestAllTypes>("optional_int32: 7");
  std::string out = "data: ";
  REQUIRE(grpcgw::AppendMessageJson(message, &out).ok());
  CHECK(out == R"(data: {"optionalInt32":7})");
  message.mutable_optional_duration()->set_seconds(-1);
  message.mutable_optional_duration()->set_nanos(1);
  grpc::Status status = grpcgw::AppendMessageJson(message, &out);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message().find("optionalDuration") != std::string::npos);
  CHECK(out == R"(data: {"optionalInt32":7})");
}

TEST_CASE("one JSON value binds to a field", "[json]") {
  struct BindRow {
    const char* name;
    const char* field;
    const char* value;
    const char* expected;  // text format after binding into `start`; nullptr: error
  };
  const char* start = "repeated_string: 'x' map_int32_int32 { key: 1 value: 1 }";
  const std::vector<BindRow> rows = {
      {"singular scalar", "optional_int64", R"("12")", "optional_int64: 12"},
      {"singular from a number", "optional_double", "2.5", "optional_double: 2.5"},
      {"enum by name", "optional_nested_enum", R"("BAZ")", "optional_nested_enum: BAZ"},
      {"repeated gets one element", "repeated_string", R"("y")", "repeated_string: 'y'"},
      {"repeated message element", "repeated_nested_message", R"({"a": 1})", "repeated_nested_message { a: 1 }"},
      {"map entries merge", "map_int32_int32", R"({"1": 5, "2": 6})",
       "map_int32_int32 { key: 1 value: 5 } map_int32_int32 { key: 2 value: 6 }"},
      {"message field", "optional_nested_message", R"({"a": 3})", "optional_nested_message { a: 3 }"},
      {"well-known type", "optional_timestamp", R"("1970-01-01T00:00:01Z")", "optional_timestamp { seconds: 1 }"},
      {"wrapper", "optional_int32_wrapper", "4", "optional_int32_wrapper { value: 4 }"},
      {"Value", "optional_value", "[1]", "optional_value { list_value { values { number_value: 1 } } }"},
      {"null leaves a field unset", "optional_int32", "null", ""},
      {"null sets a Value", "optional_value", "null", "optional_value { null_value: NULL_VALUE }"},
      {"wrong type", "optional_int32", R"("abc")", nullptr},
      {"not JSON", "optional_int32", "abc", nullptr},
  };
  for (const BindRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      TestAllTypes message = FromText<TestAllTypes>(start);
      grpc::Status status =
          grpcgw::MergeJsonValueToField(row.value, &message, Field(row.field), "q.param");
      if (row.expected == nullptr) {
        CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
        INFO(status.error_message());
        CHECK(status.error_message().find("\"q.param\"") != std::string::npos);
      } else {
        INFO(status.error_message());
        REQUIRE(status.ok());
        TestAllTypes expected = FromText<TestAllTypes>(start);
        expected.MergeFrom(FromText<TestAllTypes>(row.expected));
        if (std::string(row.field) == "map_int32_int32") {
          expected = FromText<TestAllTypes>(std::string("repeated_string: 'x' ") + row.expected);
        }
        std::string diff;
        CHECK(SameMessage(message, expected, &diff));
        INFO(diff);
      }
    }
  }
  TestAllTypes message;
  CHECK(grpcgw::MergeJsonValueToField("1", &message, grpcgw_test::ForeignMessage::descriptor()->field(0), "c")
            .error_code() == grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("errors name the JSON path and what was expected", "[json]") {
  struct ErrorRow {
    const char* json;
    const char* message;
  };
  const std::vector<ErrorRow> rows = {
      {R"({"repeatedNestedMessage": [{}, {}, {"a": "abc"}]})",
       R"(field "repeatedNestedMessage[2].a": expected an integer (int32), got "abc")"},
      {R"({"mapStringNestedMessage": {"k": {"a": true}}})",
       R"(field "mapStringNestedMessage["k"].a": expected an integer (int32), got true)"},
      {R"({"optionalNestedMessage": {"nope": 1}})",
       R"(field "optionalNestedMessage.nope": unknown field (grpcgw_test.TestAllTypes.NestedMessage has no field of that name))"},
      {R"({"optionalBool": "true"})", R"(field "optionalBool": expected true or false, got "true")"},
      {R"({"optionalTimestamp": "yesterday"})",
       R"(field "optionalTimestamp": expected an RFC 3339 time between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, such as "1972-01-01T10:00:20.021Z", got "yesterday")"},
      {R"({"oneofUint32": 1, "oneofString": "x"})", R"(field "oneofString": oneof "oneof_field" already has a member set)"},
      {"[1]", "expected an object, got an array"},
      {R"({"optionalInt32": 1,})", "invalid JSON at offset 20: Missing a name for object member."},
  };
  for (const ErrorRow& row : rows) {
    INFO(row.json);
    TestAllTypes message;
    grpc::Status status = grpcgw::JsonToMessage(row.json, &message);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    CHECK(status.error_message() == row.message);
  }
}

TEST_CASE("input nesting is limited", "[json]") {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "[";
  TestAllTypes message;
  grpc::Status status = grpcgw::JsonToMessage(R"({"optionalValue": )" + deep, &message);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message().find("nesting deeper than 100 levels") != std::string::npos);

  std::string nested = "{}";
  for (int i = 0; i < 60; ++i) nested = R"({"recursiveMessage": )" + nested + "}";
  CHECK(grpcgw::JsonToMessage(nested, &message).ok());
  grpcgw::JsonOptions shallow;
  shallow.max_depth = 10;
  CHECK_FALSE(grpcgw::JsonToMessage(nested, &message, shallow).ok());
}

// The codec keeps what it learns about compiled-in types; a dynamic message
// of such a type has its own reflection, which must be the one used.
TEST_CASE("a dynamic message of a compiled-in type converts like the compiled one", "[json]") {
  const TestAllTypes compiled = FromText<TestAllTypes>(
      "optional_int32: 1 optional_string: 'é' optional_nested_message { a: 2 } repeated_string: ['x', 'y'] "
      "map_string_string { key: 'k' value: 'v' } optional_timestamp { seconds: 1 } "
      "optional_any { [type.googleapis.com/grpcgw_test.TestAllTypes.NestedMessage] { a: 3 } } "
      "optional_value { list_value { values { number_value: 1.5 } } } optional_nested_enum: BAR");
  google::protobuf::DynamicMessageFactory factory;  // the generated pool's types, as dynamic messages
  const google::protobuf::Message* prototype = factory.GetPrototype(TestAllTypes::descriptor());
  std::unique_ptr<google::protobuf::Message> dynamic(prototype->New());
  REQUIRE(dynamic->ParseFromString(compiled.SerializeAsString()));
  for (bool emit_unpopulated : {false, true}) {
    DYNAMIC_SECTION("emit_unpopulated " << emit_unpopulated) {
      grpcgw::JsonOptions options;
      options.emit_unpopulated = emit_unpopulated;
      std::string from_compiled, from_dynamic;
      REQUIRE(grpcgw::MessageToJson(compiled, &from_compiled, options).ok());
      REQUIRE(grpcgw::MessageToJson(*dynamic, &from_dynamic, options).ok());
      CHECK(from_dynamic == from_compiled);
      std::unique_ptr<google::protobuf::Message> parsed(prototype->New());
      grpc::Status status = grpcgw::JsonToMessage(from_compiled, parsed.get());
      INFO(status.error_message());
      REQUIRE(status.ok());
      std::string diff;
      const bool same = SameMessage(*parsed, *dynamic, &diff);
      INFO(diff);
      CHECK(same);
    }
  }
}

TEST_CASE("concurrent conversions of the same types agree", "[json]") {
  const TestAllTypes message = FromText<TestAllTypes>(
      "optional_int32: 1 optional_nested_message { corecursive { optional_int64: 2 } } "
      "map_int32_int32 { key: 1 value: 2 } optional_duration { seconds: 3 } optional_bool_wrapper { value: true }");
  std::string expected;
  REQUIRE(grpcgw::MessageToJson(message, &expected).ok());
  constexpr int kThreads = 4;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string json;
        TestAllTypes parsed;
        if (!grpcgw::MessageToJson(message, &json).ok() || json != expected) ++failures[t];
        if (!grpcgw::JsonToMessage(json, &parsed).ok() || parsed.SerializeAsString() != message.SerializeAsString()) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) CHECK(failures[t] == 0);
}

}  // namespace
