// One message, one JSON text: inputs that would give a message without a
// faithful JSON form are refused (or given one), and equal messages print
// the same bytes. These are the properties a decode -> encode -> decode
// round trip relies on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/struct.pb.h>

#include "grpcgw/json.h"
#include "json_test.pb.h"
#include "json_test_util.h"

namespace {

using grpcgw_test::TestAllTypes;
using grpcgw_test_util::FromText;
using grpcgw_test_util::SameMessage;
using grpcgw_test_util::ToText;

std::string Print(const google::protobuf::Message& message) {
  std::string json;
  grpc::Status status = grpcgw::MessageToJson(message, &json);
  INFO("print error: " << status.error_message());
  REQUIRE(status.ok());
  return json;
}

// Parses `json`, prints the result, parses that again: both parses must
// agree and the printed text must parse to the same message.
void CheckRoundTrip(const std::string& json) {
  INFO("json: " << json);
  TestAllTypes first;
  grpc::Status status = grpcgw::JsonToMessage(json, &first);
  INFO("parse error: " << status.error_message());
  REQUIRE(status.ok());
  const std::string printed = Print(first);
  INFO("printed: " << printed);
  TestAllTypes second;
  status = grpcgw::JsonToMessage(printed, &second);
  INFO("reparse error: " << status.error_message());
  REQUIRE(status.ok());
  std::string diff;
  CHECK(SameMessage(first, second, &diff));
  INFO(diff);
  CHECK(Print(second) == printed);
}

void CheckRefused(const std::string& json, const std::string& expected_in_message) {
  INFO("json: " << json);
  TestAllTypes message;
  grpc::Status status = grpcgw::JsonToMessage(json, &message);
  INFO("parsed as: " << ToText(message));
  REQUIRE_FALSE(status.ok());
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), Catch::Contains(expected_in_message));
}

TEST_CASE("integer map keys are decimal digits, and two spellings of one number are a duplicate", "[json]") {
  SECTION("a fraction or an exponent is refused in a key") {
    for (const char* map : {"mapInt32Int32", "mapInt64Int64", "mapUint32Uint32", "mapUint64Uint64",
                            "mapSint32Sint32", "mapFixed64Fixed64", "mapSfixed32Sfixed32"}) {
      for (const char* key : {"1.0", "1e1", "10E0", "1.5", "0.0", "-0.0", "1e0", "+1", "01", " 1", ""}) {
        CheckRefused(std::string(R"({")") + map + R"(": {")" + key + R"(": 1}})", "map key");
      }
    }
  }
  SECTION("two keys that are the same number are refused, naming the second") {
    CheckRefused(R"({"mapInt32Int32": {"0": 1, "-0": 2}})", "[\"-0\"]");
    CheckRefused(R"({"mapInt32Int32": {"-0": 1, "0": 2}})", "[\"0\"]");
    CheckRefused(R"({"mapInt64Int64": {"0": 1, "-0": 2}})", "duplicate key");
    CheckRefused(R"({"mapUint64Uint64": {"7": 1, "-0": 2, "0": 3}})", "[\"0\"]");
    CheckRefused(R"({"mapInt32Int32": {"1": 1, "\u0031": 2}})", "duplicate key");
    // Many keys: the duplicate is found whatever the map's size.
    std::string json = R"({"mapInt32Int32": {)";
    for (int i = 0; i < 100; ++i) json += "\"" + std::to_string(i) + "\": 1, ";
    json += R"("-0": 2}})";
    CheckRefused(json, "[\"-0\"]");
  }
  SECTION("the accepted spellings") {
    TestAllTypes message;
    REQUIRE(grpcgw::JsonToMessage(R"({"mapInt32Int32": {"-0": 5, "-2147483648": 1, "2147483647": 2}})", &message)
                .ok());
    std::string diff;
    CHECK(SameMessage(message,
                      FromText<TestAllTypes>("map_int32_int32 {key: 0 value: 5} "
                                             "map_int32_int32 {key: -2147483648 value: 1} "
                                             "map_int32_int32 {key: 2147483647 value: 2}"),
                      &diff));
    INFO(diff);
    CheckRoundTrip(R"({"mapInt32Int32": {"-0": 5, "3": 4}, "mapUint64Uint64": {"18446744073709551615": 1}})");
  }
  SECTION("integer values keep their exponent and fraction forms") {
    TestAllTypes message;
    REQUIRE(grpcgw::JsonToMessage(R"({"mapInt32Int32": {"1": 1e1, "2": "2.0"}})", &message).ok());
    CHECK(message.map_int32_int32().at(1) == 10);
    CHECK(message.map_int32_int32().at(2) == 2);
  }
}

TEST_CASE("a NullValue field takes null, its name or its number, nothing else", "[json]") {
  for (const char* value : {"null", R"("NULL_VALUE")", "0", "-0"}) {
    for (const char* field : {"optionalNullValue", "oneofNullValue"}) {
      const std::string json = std::string(R"({")") + field + R"(": )" + value + "}";
      INFO("json: " << json);
      TestAllTypes message;
      REQUIRE(grpcgw::JsonToMessage(json, &message).ok());
      CHECK(message.optional_null_value() == google::protobuf::NULL_VALUE);
      CheckRoundTrip(json);
    }
  }
  for (const char* value : {"5", "1", "-1", R"("5")", R"("null")", "true", "{}", "[]", "0.5"}) {
    CheckRefused(std::string(R"({"optionalNullValue": )") + value + "}", "expected null");
    CheckRefused(std::string(R"({"oneofNullValue": )") + value + "}", "expected null");
    CheckRefused(std::string(R"({"repeatedNullValue": [null, )") + value + "]}", "expected null");
  }
}

TEST_CASE("an Any holding a Value with no kind prints as an Any without a value", "[json]") {
  const std::string json = R"({"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Value"}})";
  TestAllTypes parsed;
  REQUIRE(grpcgw::JsonToMessage(json, &parsed).ok());
  CHECK(Print(parsed) == json);
  CheckRoundTrip(json);

  // The same message made by a program, not parsed.
  TestAllTypes made;
  made.mutable_optional_any()->PackFrom(google::protobuf::Value());
  CHECK(Print(made) == json);

  // Inside a repeated field and a map, among other members.
  TestAllTypes many;
  many.add_repeated_any()->PackFrom(google::protobuf::Value());
  many.add_repeated_any()->PackFrom(google::protobuf::Value());
  (*many.mutable_map_string_any())["k"].PackFrom(google::protobuf::Value());
  many.set_optional_int32(1);
  CheckRoundTrip(Print(many));

  // A Value with a kind keeps its "value".
  TestAllTypes with_kind;
  google::protobuf::Value value;
  value.set_number_value(2);
  with_kind.mutable_optional_any()->PackFrom(value);
  CHECK(Print(with_kind) == R"({"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Value","value":2}})");
}

TEST_CASE("map entries and Struct members print sorted by key", "[json]") {
  TestAllTypes message = FromText<TestAllTypes>(R"(
      map_int32_int32 {key: 10 value: 1} map_int32_int32 {key: -1 value: 2} map_int32_int32 {key: 2 value: 3}
      map_int32_int32 {key: -2147483648 value: 4}
      map_uint64_uint64 {key: 18446744073709551615 value: 1} map_uint64_uint64 {key: 1 value: 2}
      map_int64_int64 {key: 9223372036854775807 value: 1} map_int64_int64 {key: -9223372036854775808 value: 2}
      map_bool_bool {key: true value: true} map_bool_bool {key: false value: true}
      map_string_string {key: "b" value: ""} map_string_string {key: "\303\251" value: ""}
      map_string_string {key: "ab" value: ""} map_string_string {key: "" value: ""}
      map_string_string {key: "a" value: ""} map_string_string {key: "z" value: ""}
      optional_struct { fields { key: "y" value { number_value: 1 } } fields { key: "x" value {
        struct_value { fields { key: "n" value { null_value: NULL_VALUE } } fields { key: "m" value { bool_value: true } } }
      } } })");
  CHECK(Print(message) ==
        R"({"mapInt32Int32":{"-2147483648":4,"-1":2,"2":3,"10":1},)"
        R"("mapInt64Int64":{"-9223372036854775808":"2","9223372036854775807":"1"},)"
        R"("mapUint64Uint64":{"1":"2","18446744073709551615":"1"},)"
        R"("mapBoolBool":{"false":true,"true":true},)"
        R"("mapStringString":{"":"","a":"","ab":"","b":"","z":"","é":""},)"
        R"("optionalStruct":{"x":{"m":true,"n":null},"y":1}})");
}

TEST_CASE("equal messages print the same bytes whatever order their maps were filled in", "[json]") {
  constexpr int kEntries = 300;
  std::vector<int> order(kEntries);
  for (int i = 0; i < kEntries; ++i) order[static_cast<size_t>(i)] = i * 7 - 1000;
  auto fill = [&](TestAllTypes* m) {
    for (int k : order) {
      (*m->mutable_map_int32_int32())[k] = k;
      (*m->mutable_map_string_string())["key" + std::to_string(k)] = "v";
      (*m->mutable_map_string_nested_message())["n" + std::to_string(k)].set_a(k);
      (*m->mutable_optional_struct()->mutable_fields())["s" + std::to_string(k)].set_number_value(k);
    }
  };
  TestAllTypes forward;
  fill(&forward);
  std::reverse(order.begin(), order.end());
  TestAllTypes backward;
  fill(&backward);
  std::rotate(order.begin(), order.begin() + kEntries / 3, order.end());
  TestAllTypes rotated;
  fill(&rotated);
  // A copy made through the wire format, and one parsed from the JSON.
  TestAllTypes reserialized;
  REQUIRE(reserialized.ParseFromString(backward.SerializeAsString()));
  TestAllTypes reparsed;
  REQUIRE(grpcgw::JsonToMessage(Print(rotated), &reparsed).ok());

  const std::string expected = Print(forward);
  CHECK(Print(backward) == expected);
  CHECK(Print(rotated) == expected);
  CHECK(Print(reserialized) == expected);
  CHECK(Print(reparsed) == expected);
}

}  // namespace
