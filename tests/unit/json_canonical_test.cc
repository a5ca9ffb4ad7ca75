// One message, one JSON text: inputs that would give a message without a
// faithful JSON form are refused (or given one), and equal messages print
// the same bytes. These are the properties a decode -> encode -> decode
// round trip relies on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/struct.pb.h>

#include <rapidjson/document.h>

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
    // Many string keys (a map, a Struct): the first key that repeats an
    // earlier one is named.
    for (const char* field : {"mapStringString", "optionalStruct"}) {
      std::string many = std::string("{\"") + field + "\": {";
      for (int i = 0; i < 100; ++i) many += "\"k" + std::to_string(i) + "\": \"v\", ";
      many += R"("k100": "x", "k42": "x", "k7": "y"}})";
      CheckRefused(many, "[\"k42\"]");
    }
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

TEST_CASE("large maps of every key type print in key order with their values", "[json]") {
  // Enough entries for the printer's radix sort, keys spread over the whole
  // range of their type (negative, past 2^32, sharing long prefixes).
  constexpr int kEntries = 700;
  std::mt19937_64 rng(20261204);
  TestAllTypes m;
  std::vector<std::string> strings;
  std::vector<int32_t> int32s;
  std::vector<int64_t> int64s;
  std::vector<uint64_t> uint64s;
  for (int i = 0; i < kEntries; ++i) {
    const uint64_t bits = rng();
    int32s.push_back(static_cast<int32_t>(bits >> (i % 3 == 0 ? 40 : 32)));
    int64s.push_back(static_cast<int64_t>(i % 2 ? bits : bits >> 20));
    uint64s.push_back(i % 4 == 0 ? bits >> 50 : bits);
    // Shared prefixes longer and shorter than 8 bytes, and raw bytes above
    // 0x7F (UTF-8), which must sort as unsigned.
    std::string key = i % 3 == 0 ? "common-prefix-" : (i % 3 == 1 ? "ab" : "\xC3\xA9t\xC3\xA9");
    key += std::to_string(bits % 1000);
    if (i % 5 == 0 && i % 3 != 2) key.resize(key.size() / 2);
    strings.push_back(key);
  }
  for (int i = 0; i < kEntries; ++i) {
    const size_t k = static_cast<size_t>(i);
    (*m.mutable_map_int32_int32())[int32s[k]] = i;
    (*m.mutable_map_int64_int64())[int64s[k]] = i;
    (*m.mutable_map_uint64_uint64())[uint64s[k]] = static_cast<uint64_t>(i);
    (*m.mutable_map_string_string())[strings[k]] = std::to_string(i);
    (*m.mutable_map_string_nested_message())[strings[k]].set_a(i);
  }
  const std::string json = Print(m);
  rapidjson::Document dom;
  dom.Parse(json.c_str());
  REQUIRE_FALSE(dom.HasParseError());
  // Each map's member names, in printed order, are its keys sorted.
  auto keys_of = [&](const char* member) {
    std::vector<std::string> keys;
    const rapidjson::Value& object = dom[member];
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      keys.emplace_back(it->name.GetString(), it->name.GetStringLength());
    }
    return keys;
  };
  auto expect_sorted = [&](auto values, const char* member) {
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    std::vector<std::string> expected;
    for (const auto& v : values) {
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) {
        expected.push_back(v);
      } else {
        expected.push_back(std::to_string(v));
      }
    }
    CHECK(keys_of(member) == expected);
  };
  expect_sorted(int32s, "mapInt32Int32");
  expect_sorted(int64s, "mapInt64Int64");
  expect_sorted(uint64s, "mapUint64Uint64");
  expect_sorted(strings, "mapStringString");
  expect_sorted(strings, "mapStringNestedMessage");
  // And each key still has its own value.
  for (const auto& [key, value] : m.map_int32_int32()) {
    CHECK(dom["mapInt32Int32"][std::to_string(key).c_str()].GetInt() == value);
  }
  for (const auto& [key, value] : m.map_string_string()) {
    CHECK(dom["mapStringString"][key.c_str()].GetString() == value);
    CHECK(dom["mapStringNestedMessage"][key.c_str()]["a"].GetInt() == m.map_string_nested_message().at(key).a());
  }
}

// String keys are first ordered by their first 8 bytes, read as a number:
// every length from empty to past 8 bytes, bytes that differ anywhere, and
// bytes above 0x7F (which sort as unsigned), in maps small enough for a
// comparison sort and large enough for the radix sort.
TEST_CASE("string map keys of every length print in byte order", "[json]") {
  std::mt19937_64 rng(20261205);
  const std::vector<std::string> alphabet = {"\x01", "a", "b", "~", "\xC3\xA9"};
  for (int per_length : {3, 60}) {
    TestAllTypes m;
    std::vector<std::string> keys;
    for (size_t length = 0; length <= 12; ++length) {
      for (int i = 0; i < per_length; ++i) {
        std::string key;
        while (key.size() < length) key += alphabet[rng() % alphabet.size()];
        keys.push_back(key);
        (*m.mutable_map_string_string())[key] = std::to_string(keys.size());
      }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    const std::string json = Print(m);
    rapidjson::Document dom;
    dom.Parse(json.c_str());
    REQUIRE_FALSE(dom.HasParseError());
    std::vector<std::string> printed;
    const rapidjson::Value& object = dom["mapStringString"];
    for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
      printed.emplace_back(it->name.GetString(), it->name.GetStringLength());
      CHECK(it->value.GetString() == m.map_string_string().at(printed.back()));
    }
    CHECK(printed == keys);
  }
}

}  // namespace
