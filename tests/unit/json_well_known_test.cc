// The well-known types: Any, Timestamp, Duration, FieldMask, Struct, Value,
// ListValue, Empty and the wrappers, both ways.
#include <catch2/catch.hpp>

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "grpcgw/json.h"
#include "json_test.pb.h"
#include "json_test_util.h"

namespace {

using grpcgw_test::TestAllTypes;
using grpcgw_test_util::FromText;
using grpcgw_test_util::SameMessage;
using grpcgw_test_util::ToText;

// A row of a both-ways table: `json` parses to `text`; when `printed` is
// set, `text` also prints as `printed` (nullptr: printing must fail).
struct Row {
  const char* name;
  const char* json;      // nullptr: print-only row
  const char* text;      // nullptr: parsing `json` must fail
  const char* printed = "";  // "" means: do not check printing
};

void CheckRows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      if (row.json != nullptr) {
        INFO("json: " << row.json);
        TestAllTypes parsed;
        grpc::Status status = grpcgw::JsonToMessage(row.json, &parsed);
        if (row.text == nullptr) {
          INFO("parsed as: " << ToText(parsed));
          CHECK_FALSE(status.ok());
        } else {
          INFO("error: " << status.error_message());
          REQUIRE(status.ok());
          std::string diff;
          CHECK(SameMessage(parsed, FromText<TestAllTypes>(row.text), &diff));
          INFO(diff);
        }
      }
      if (row.printed == nullptr || row.printed[0] != '\0') {
        REQUIRE(row.text != nullptr);
        std::string json;
        grpc::Status status = grpcgw::MessageToJson(FromText<TestAllTypes>(row.text), &json);
        if (row.printed == nullptr) {
          INFO("printed: " << json);
          CHECK_FALSE(status.ok());
        } else {
          INFO("error: " << status.error_message());
          REQUIRE(status.ok());
          CHECK(json == row.printed);
        }
      }
    }
  }
}

TEST_CASE("wrappers are their wrapped value, null leaves them unset", "[json]") {
  CheckRows({
      {"Required.OptionalBoolWrapper", R"({"optionalBoolWrapper": false})", "optional_bool_wrapper: {value: false}",
       R"({"optionalBoolWrapper":false})"},
      {"Required.OptionalInt32Wrapper", R"({"optionalInt32Wrapper": 0})", "optional_int32_wrapper: {value: 0}",
       R"({"optionalInt32Wrapper":0})"},
      {"Required.OptionalUint32Wrapper", R"({"optionalUint32Wrapper": 0})", "optional_uint32_wrapper: {value: 0}"},
      {"Required.OptionalInt64Wrapper", R"({"optionalInt64Wrapper": 0})", "optional_int64_wrapper: {value: 0}",
       R"({"optionalInt64Wrapper":"0"})"},
      {"Required.OptionalUint64Wrapper", R"({"optionalUint64Wrapper": 0})", "optional_uint64_wrapper: {value: 0}",
       R"({"optionalUint64Wrapper":"0"})"},
      {"Required.OptionalFloatWrapper", R"({"optionalFloatWrapper": 0})", "optional_float_wrapper: {value: 0}"},
      {"Required.OptionalDoubleWrapper", R"({"optionalDoubleWrapper": 0})", "optional_double_wrapper: {value: 0}"},
      {"Required.OptionalStringWrapper", R"({"optionalStringWrapper": ""})",
       R"(optional_string_wrapper: {value: ""})", R"({"optionalStringWrapper":""})"},
      {"Required.OptionalBytesWrapper", R"({"optionalBytesWrapper": ""})", R"(optional_bytes_wrapper: {value: ""})",
       R"({"optionalBytesWrapper":""})"},
      {"Required.OptionalWrapperTypesWithNonDefaultValue",
       R"({"optionalBoolWrapper": true, "optionalInt32Wrapper": 1, "optionalUint32Wrapper": 1,
           "optionalInt64Wrapper": "1", "optionalUint64Wrapper": "1", "optionalFloatWrapper": 1,
           "optionalDoubleWrapper": 1, "optionalStringWrapper": "1", "optionalBytesWrapper": "AQI="})",
       R"(optional_bool_wrapper: {value: true} optional_int32_wrapper: {value: 1} optional_uint32_wrapper: {value: 1}
          optional_int64_wrapper: {value: 1} optional_uint64_wrapper: {value: 1} optional_float_wrapper: {value: 1}
          optional_double_wrapper: {value: 1} optional_string_wrapper: {value: "1"}
          optional_bytes_wrapper: {value: "\x01\x02"})",
       R"({"optionalBoolWrapper":true,"optionalInt32Wrapper":1,"optionalInt64Wrapper":"1",)"
       R"("optionalUint32Wrapper":1,"optionalUint64Wrapper":"1","optionalFloatWrapper":1,)"
       R"("optionalDoubleWrapper":1,"optionalStringWrapper":"1","optionalBytesWrapper":"AQI="})"},
      {"Required.RepeatedBoolWrapper", R"({"repeatedBoolWrapper": [true, false]})",
       "repeated_bool_wrapper: {value: true} repeated_bool_wrapper: {value: false}"},
      {"Required.RepeatedInt64Wrapper", R"({"repeatedInt64Wrapper": [0, 1]})",
       "repeated_int64_wrapper: {value: 0} repeated_int64_wrapper: {value: 1}", R"({"repeatedInt64Wrapper":["0","1"]})"},
      {"Required.RepeatedFloatWrapper", R"({"repeatedFloatWrapper": [0, 1]})",
       "repeated_float_wrapper: {value: 0} repeated_float_wrapper: {value: 1}"},
      {"Required.RepeatedStringWrapper", R"({"repeatedStringWrapper": ["", "AQI="]})",
       R"(repeated_string_wrapper: {value: ""} repeated_string_wrapper: {value: "AQI="})"},
      {"Required.RepeatedBytesWrapper", R"({"repeatedBytesWrapper": ["", "AQI="]})",
       R"(repeated_bytes_wrapper: {value: ""} repeated_bytes_wrapper: {value: "\x01\x02"})"},
      {"Required.WrapperTypesWithNullValue",
       R"({"optionalBoolWrapper": null, "optionalInt32Wrapper": null, "optionalUint32Wrapper": null,
           "optionalInt64Wrapper": null, "optionalUint64Wrapper": null, "optionalFloatWrapper": null,
           "optionalDoubleWrapper": null, "optionalStringWrapper": null, "optionalBytesWrapper": null,
           "repeatedBoolWrapper": null, "repeatedInt32Wrapper": null, "repeatedStringWrapper": null})",
       ""},
      {"wrapper given an object", R"({"optionalInt32Wrapper": {"value": 1}})", nullptr},
      {"float wrapper NaN", R"({"optionalFloatWrapper": "NaN"})", "optional_float_wrapper: {value: nan}",
       R"({"optionalFloatWrapper":"NaN"})"},
      {"null inside a repeated wrapper", R"({"repeatedInt32Wrapper": [1, null]})", nullptr},
  });
}

TEST_CASE("Duration and Timestamp use their text forms and ranges", "[json]") {
  CheckRows({
      {"Required.DurationMinValue", R"({"optionalDuration": "-315576000000.999999999s"})",
       "optional_duration: {seconds: -315576000000 nanos: -999999999}",
       R"({"optionalDuration":"-315576000000.999999999s"})"},
      {"Required.DurationMaxValue", R"({"optionalDuration": "315576000000.999999999s"})",
       "optional_duration: {seconds: 315576000000 nanos: 999999999}",
       R"({"optionalDuration":"315576000000.999999999s"})"},
      {"Required.DurationRepeatedValue", R"({"repeatedDuration": ["1.5s", "-1.5s"]})",
       "repeated_duration: {seconds: 1 nanos: 500000000} repeated_duration: {seconds: -1 nanos: -500000000}",
       R"({"repeatedDuration":["1.500s","-1.500s"]})"},
      {"Required.DurationNull", R"({"optionalDuration": null})", ""},
      {"Required.DurationMissingS", R"({"optionalDuration": "1"})", nullptr},
      {"Required.DurationJsonInputTooSmall", R"({"optionalDuration": "-315576000001.000000000s"})", nullptr},
      {"Required.DurationJsonInputTooLarge", R"({"optionalDuration": "315576000001.000000000s"})", nullptr},
      {"Required.DurationProtoInputTooSmall", nullptr, "optional_duration: {seconds: -315576000001 nanos: 0}",
       nullptr},
      {"Required.DurationProtoInputTooLarge", nullptr, "optional_duration: {seconds: 315576000001 nanos: 0}",
       nullptr},
      {"Recommended.DurationHasZeroFractionalDigit", R"({"optionalDuration": "1.000000000s"})",
       "optional_duration: {seconds: 1}", R"({"optionalDuration":"1s"})"},
      {"Recommended.DurationHas3FractionalDigits", R"({"optionalDuration": "1.010000000s"})",
       "optional_duration: {seconds: 1 nanos: 10000000}", R"({"optionalDuration":"1.010s"})"},
      {"Recommended.DurationHas6FractionalDigits", R"({"optionalDuration": "1.000010000s"})",
       "optional_duration: {seconds: 1 nanos: 10000}", R"({"optionalDuration":"1.000010s"})"},
      {"Recommended.DurationHas9FractionalDigits", R"({"optionalDuration": "1.000000010s"})",
       "optional_duration: {seconds: 1 nanos: 10}", R"({"optionalDuration":"1.000000010s"})"},
      {"negative sub-second duration", R"({"optionalDuration": "-0.5s"})", "optional_duration: {nanos: -500000000}",
       R"({"optionalDuration":"-0.500s"})"},
      {"duration with mixed signs does not print", nullptr, "optional_duration: {seconds: 1 nanos: -1}", nullptr},
      {"duration with ten fractional digits", R"({"optionalDuration": "1.0000000001s"})", nullptr},
      {"duration with a plus sign", R"({"optionalDuration": "+1s"})", nullptr},
      {"duration with a dot and no digits", R"({"optionalDuration": "1.s"})", nullptr},
      {"duration given a number", R"({"optionalDuration": 1})", nullptr},
      {"Required.TimestampMinValue", R"({"optionalTimestamp": "0001-01-01T00:00:00Z"})",
       "optional_timestamp: {seconds: -62135596800}", R"({"optionalTimestamp":"0001-01-01T00:00:00Z"})"},
      {"Required.TimestampMaxValue", R"({"optionalTimestamp": "9999-12-31T23:59:59.999999999Z"})",
       "optional_timestamp: {seconds: 253402300799 nanos: 999999999}",
       R"({"optionalTimestamp":"9999-12-31T23:59:59.999999999Z"})"},
      {"Required.TimestampRepeatedValue",
       R"({"repeatedTimestamp": ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z"]})",
       "repeated_timestamp: {seconds: -62135596800} repeated_timestamp: {seconds: 253402300799 nanos: 999999999}"},
      {"Required.TimestampLeap", R"({"optionalTimestamp": "1993-02-10T00:00:00.000Z"})",
       "optional_timestamp: {seconds: 729302400}", R"({"optionalTimestamp":"1993-02-10T00:00:00Z"})"},
      {"Required.TimestampWithPositiveOffset", R"({"optionalTimestamp": "1970-01-01T08:00:01+08:00"})",
       "optional_timestamp: {seconds: 1}", R"({"optionalTimestamp":"1970-01-01T00:00:01Z"})"},
      {"Required.TimestampWithNegativeOffset", R"({"optionalTimestamp": "1969-12-31T16:00:01-08:00"})",
       "optional_timestamp: {seconds: 1}"},
      {"Required.TimestampNull", R"({"optionalTimestamp": null})", ""},
      {"Required.TimestampJsonInputTooSmall", R"({"optionalTimestamp": "0000-01-01T00:00:00Z"})", nullptr},
      {"Required.TimestampJsonInputTooLarge", R"({"optionalTimestamp": "10000-01-01T00:00:00Z"})", nullptr},
      {"Required.TimestampJsonInputMissingZ", R"({"optionalTimestamp": "0001-01-01T00:00:00"})", nullptr},
      {"Required.TimestampJsonInputMissingT", R"({"optionalTimestamp": "0001-01-01 00:00:00Z"})", nullptr},
      {"Required.TimestampJsonInputLowercaseZ", R"({"optionalTimestamp": "0001-01-01T00:00:00z"})", nullptr},
      {"Required.TimestampJsonInputLowercaseT", R"({"optionalTimestamp": "0001-01-01t00:00:00Z"})", nullptr},
      {"Required.TimestampProtoInputTooSmall", nullptr, "optional_timestamp: {seconds: -62135596801}", nullptr},
      {"Required.TimestampProtoInputTooLarge", nullptr, "optional_timestamp: {seconds: 253402300800}", nullptr},
      {"Recommended.TimestampZeroNormalized", R"({"optionalTimestamp": "1969-12-31T16:00:00-08:00"})",
       "optional_timestamp: {}", R"({"optionalTimestamp":"1970-01-01T00:00:00Z"})"},
      {"Recommended.TimestampHasZeroFractionalDigit", R"({"optionalTimestamp": "1970-01-01T00:00:00.000000000Z"})",
       "optional_timestamp: {}", R"({"optionalTimestamp":"1970-01-01T00:00:00Z"})"},
      {"Recommended.TimestampHas3FractionalDigits", R"({"optionalTimestamp": "1970-01-01T00:00:00.010000000Z"})",
       "optional_timestamp: {nanos: 10000000}", R"({"optionalTimestamp":"1970-01-01T00:00:00.010Z"})"},
      {"Recommended.TimestampHas6FractionalDigits", R"({"optionalTimestamp": "1970-01-01T00:00:00.000010000Z"})",
       "optional_timestamp: {nanos: 10000}", R"({"optionalTimestamp":"1970-01-01T00:00:00.000010Z"})"},
      {"Recommended.TimestampHas9FractionalDigits", R"({"optionalTimestamp": "1970-01-01T00:00:00.000000010Z"})",
       "optional_timestamp: {nanos: 10}", R"({"optionalTimestamp":"1970-01-01T00:00:00.000000010Z"})"},
      {"timestamp before the epoch", R"({"optionalTimestamp": "1969-12-31T23:59:59.5Z"})",
       "optional_timestamp: {seconds: -1 nanos: 500000000}", R"({"optionalTimestamp":"1969-12-31T23:59:59.500Z"})"},
      {"leap day", R"({"optionalTimestamp": "2000-02-29T12:00:00Z"})", "optional_timestamp: {seconds: 951825600}",
       R"({"optionalTimestamp":"2000-02-29T12:00:00Z"})"},
      {"no leap day in 1900", R"({"optionalTimestamp": "1900-02-29T00:00:00Z"})", nullptr},
      {"month 13", R"({"optionalTimestamp": "2000-13-01T00:00:00Z"})", nullptr},
      {"second 60", R"({"optionalTimestamp": "2000-01-01T00:00:60Z"})", nullptr},
      {"negative nanos do not print", nullptr, "optional_timestamp: {nanos: -1}", nullptr},
      {"offset below the minimum", R"({"optionalTimestamp": "0001-01-01T00:00:00+01:00"})", nullptr},
  });
}

TEST_CASE("FieldMask is a comma-separated list of lowerCamelCase paths", "[json]") {
  CheckRows({
      {"Required.FieldMask", R"({"optionalFieldMask": "foo,barBaz"})",
       R"(optional_field_mask: {paths: "foo" paths: "bar_baz"})", R"({"optionalFieldMask":"foo,barBaz"})"},
      {"Required.EmptyFieldMask", R"({"optionalFieldMask": ""})", R"(optional_field_mask: {})",
       R"({"optionalFieldMask":""})"},
      {"Recommended.FieldMaskInvalidCharacter", R"({"optionalFieldMask": "foo,bar_bar"})", nullptr},
      {"Recommended.FieldMaskPathsDontRoundTrip", nullptr, R"(optional_field_mask: {paths: "fooBar"})", nullptr},
      {"Recommended.FieldMaskNumbersDontRoundTrip", nullptr, R"(optional_field_mask: {paths: "foo_3_bar"})",
       nullptr},
      {"Recommended.FieldMaskTooManyUnderscore", nullptr, R"(optional_field_mask: {paths: "foo__bar"})", nullptr},
      {"nested paths", R"({"optionalFieldMask": "a.bC,dE.f"})", R"(optional_field_mask: {paths: ["a.b_c", "d_e.f"]})",
       R"({"optionalFieldMask":"a.bC,dE.f"})"},
      {"empty path between commas", R"({"optionalFieldMask": "a,,b"})", nullptr},
      {"field mask given an array", R"({"optionalFieldMask": ["a"]})", nullptr},
  });
}

TEST_CASE("Struct, Value and ListValue carry any JSON", "[json]") {
  CheckRows({
      {"Required.Struct",
       R"({"optionalStruct": {"nullValue": null, "intValue": 1234, "boolValue": true, "doubleValue": 1234.5678,
           "stringValue": "Hello world!", "listValue": [1234, "5678"], "objectValue": {"value": 0}}})",
       R"(optional_struct: {
            fields: { key: "nullValue" value: {null_value: NULL_VALUE} }
            fields: { key: "intValue" value: {number_value: 1234} }
            fields: { key: "boolValue" value: {bool_value: true} }
            fields: { key: "doubleValue" value: {number_value: 1234.5678} }
            fields: { key: "stringValue" value: {string_value: "Hello world!"} }
            fields: { key: "listValue" value: { list_value: { values: { number_value: 1234 } values: { string_value: "5678" } } } }
            fields: { key: "objectValue" value: { struct_value: { fields: { key: "value" value: { number_value: 0 } } } } }
          })"},
      {"Required.StructWithEmptyListValue", R"({"optionalStruct": {"listValue": []}})",
       R"(optional_struct: { fields: { key: "listValue" value: { list_value: { } } } })",
       R"({"optionalStruct":{"listValue":[]}})"},
      {"struct printed", nullptr, R"(optional_struct { fields { key: "a" value { number_value: 1.5 } } })",
       R"({"optionalStruct":{"a":1.5}})"},
      {"struct with a duplicate key", R"({"optionalStruct": {"a": 1, "a": 2}})", nullptr},
      {"struct given an array", R"({"optionalStruct": [1]})", nullptr},
      {"Required.ValueAcceptInteger", R"({"optionalValue": 1})", "optional_value: { number_value: 1}",
       R"({"optionalValue":1})"},
      {"Required.ValueAcceptFloat", R"({"optionalValue": 1.5})", "optional_value: { number_value: 1.5}"},
      {"Required.ValueAcceptBool", R"({"optionalValue": false})", "optional_value: { bool_value: false}",
       R"({"optionalValue":false})"},
      {"Required.ValueAcceptNull", R"({"optionalValue": null})", "optional_value: { null_value: NULL_VALUE}",
       R"({"optionalValue":null})"},
      {"Required.ValueAcceptString", R"({"optionalValue": "hello"})", R"(optional_value: { string_value: "hello"})",
       R"({"optionalValue":"hello"})"},
      {"Required.ValueAcceptList", R"({"optionalValue": [0, "hello"]})",
       R"(optional_value: { list_value: { values: { number_value: 0 } values: { string_value: "hello" } } })",
       R"({"optionalValue":[0,"hello"]})"},
      {"Required.ValueAcceptObject", R"({"optionalValue": {"value": 1}})",
       R"(optional_value: { struct_value: { fields: { key: "value" value: { number_value: 1 } } } })",
       R"({"optionalValue":{"value":1}})"},
      {"Required.RepeatedValue", R"({"repeatedValue": [["a"]]})",
       R"(repeated_value: [ { list_value: { values: [ { string_value: "a"} ] } } ])", R"({"repeatedValue":[["a"]]})"},
      {"Required.RepeatedListValue", R"({"repeatedListValue": [["a"]]})",
       R"(repeated_list_value: [ { values: [ { string_value: "a"} ] } ])", R"({"repeatedListValue":[["a"]]})"},
      {"Value with a number out of double range", R"({"optionalValue": 1e400})", nullptr},
      {"Value with a large integer keeps double precision", R"({"optionalValue": 12345678901234567890})",
       "optional_value: { number_value: 12345678901234567890 }"},
      {"Value holding NaN does not print", nullptr, "optional_value: { number_value: nan }", nullptr},
      {"Value holding Infinity does not print", nullptr, "optional_value: { number_value: inf }", nullptr},
      {"Value with no kind does not print", nullptr, "optional_value: { }", nullptr},
      {"ListValue given an object", R"({"optionalListValue": {}})", nullptr},
      {"Empty is an empty object", R"({"optionalEmpty": {}})", "optional_empty: {}", R"({"optionalEmpty":{}})"},
      {"Empty with a member", R"({"optionalEmpty": {"a": 1}})", nullptr},
  });
}

TEST_CASE("Any carries @type and its message's fields, or value for well-known types", "[json]") {
  CheckRows({
      {"Required.Any",
       R"({"optionalAny": {"@type": "type.googleapis.com/grpcgw_test.TestAllTypes", "optionalInt32": 12345}})",
       R"(optional_any: { [type.googleapis.com/grpcgw_test.TestAllTypes] { optional_int32: 12345 } })",
       R"({"optionalAny":{"@type":"type.googleapis.com/grpcgw_test.TestAllTypes","optionalInt32":12345}})"},
      {"Required.AnyNested",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Any",
           "value": {"@type": "type.googleapis.com/grpcgw_test.TestAllTypes", "optionalInt32": 12345}}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.Any] {
            [type.googleapis.com/grpcgw_test.TestAllTypes] { optional_int32: 12345 } } })",
       R"({"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Any","value":)"
       R"({"@type":"type.googleapis.com/grpcgw_test.TestAllTypes","optionalInt32":12345}}})"},
      {"Required.AnyUnorderedTypeTag",
       R"({"optionalAny": {"optionalInt32": 12345, "@type": "type.googleapis.com/grpcgw_test.TestAllTypes"}})",
       R"(optional_any: { [type.googleapis.com/grpcgw_test.TestAllTypes] { optional_int32: 12345 } })"},
      {"Required.AnyWithInt32ValueWrapper",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Int32Value", "value": 12345}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.Int32Value] { value: 12345 } })",
       R"({"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Int32Value","value":12345}})"},
      {"Required.AnyWithDuration",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1.5s"}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.Duration] { seconds: 1 nanos: 500000000 } })",
       R"({"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Duration","value":"1.500s"}})"},
      {"Required.AnyWithTimestamp",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Timestamp", "value": "1970-01-01T00:00:00Z"}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.Timestamp] { seconds: 0 nanos: 0 } })",
       R"({"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Timestamp","value":"1970-01-01T00:00:00Z"}})"},
      {"Required.AnyWithFieldMask",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.FieldMask", "value": "foo,barBaz"}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.FieldMask] { paths: ["foo", "bar_baz"] } })"},
      {"Required.AnyWithStruct",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Struct", "value": {"foo": 1}}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.Struct] {
            fields: { key: "foo" value: { number_value: 1 } } } })",
       R"({"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Struct","value":{"foo":1}}})"},
      {"Required.AnyWithValueForJsonObject",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Value", "value": {"foo": 1}}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.Value] {
            struct_value: { fields: { key: "foo" value: { number_value: 1 } } } } })"},
      {"Required.AnyWithValueForInteger",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Value", "value": 1}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.Value] { number_value: 1 } })"},
      {"Any holding Empty is an ordinary message",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Empty"}})",
       R"(optional_any: { [type.googleapis.com/google.protobuf.Empty] { } })",
       R"({"optionalAny":{"@type":"type.googleapis.com/google.protobuf.Empty"}})"},
      {"empty Any", R"({"optionalAny": {}})", "optional_any: {}", R"({"optionalAny":{}})"},
      {"Any without @type", R"({"optionalAny": {"optionalInt32": 1}})", nullptr},
      {"Any with an unknown type", R"({"optionalAny": {"@type": "type.googleapis.com/no.such.Type"}})", nullptr},
      {"Any with a type URL without a slash", R"({"optionalAny": {"@type": "grpcgw_test.TestAllTypes"}})", nullptr},
      {"Any with two @type members",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Empty", "@type": "type.googleapis.com/google.protobuf.Empty"}})",
       nullptr},
      {"Any with an unknown member of its message",
       R"({"optionalAny": {"@type": "type.googleapis.com/grpcgw_test.TestAllTypes", "nope": 1}})", nullptr},
      {"Any of a well-known type with a stray member",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s", "x": 1}})",
       nullptr},
      {"Any with a bad value for its type",
       R"({"optionalAny": {"@type": "type.googleapis.com/google.protobuf.Duration", "value": 1}})", nullptr},
      {"Any that does not resolve does not print", nullptr,
       R"(optional_any { type_url: "type.googleapis.com/no.such.Type" value: "\x08\x01" })", nullptr},
      {"Any whose payload does not parse does not print", nullptr,
       R"(optional_any { type_url: "type.googleapis.com/grpcgw_test.TestAllTypes" value: "\xff" })", nullptr},
      {"map of Any", R"({"mapStringAny": {"k": {"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "5"}}})",
       R"(map_string_any { key: "k" value { [type.googleapis.com/google.protobuf.Int64Value] { value: 5 } } })",
       R"({"mapStringAny":{"k":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"5"}}})"},
  });
}

TEST_CASE("Any resolves types in the pool of a dynamic message", "[json]") {
  // A pool that knows a type the generated pool does not.
  google::protobuf::DescriptorPool pool(google::protobuf::DescriptorPool::generated_pool());
  google::protobuf::FileDescriptorProto file;
  file.set_name("dynamic_any_test.proto");
  file.set_package("dyn");
  file.set_syntax("proto3");
  file.add_dependency("google/protobuf/any.proto");
  auto* holder = file.add_message_type();
  holder->set_name("Holder");
  auto* any_field = holder->add_field();
  any_field->set_name("payload");
  any_field->set_number(1);
  any_field->set_type(google::protobuf::FieldDescriptorProto::TYPE_MESSAGE);
  any_field->set_type_name(".google.protobuf.Any");
  any_field->set_json_name("payload");
  auto* point = file.add_message_type();
  point->set_name("Point");
  auto* x = point->add_field();
  x->set_name("x_pos");
  x->set_number(1);
  x->set_type(google::protobuf::FieldDescriptorProto::TYPE_INT64);
  x->set_json_name("xPos");
  REQUIRE(pool.BuildFile(file) != nullptr);

  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> message(
      factory.GetPrototype(pool.FindMessageTypeByName("dyn.Holder"))->New());
  const char* json = R"({"payload":{"@type":"type.googleapis.com/dyn.Point","xPos":"7"}})";
  grpc::Status status = grpcgw::JsonToMessage(json, message.get());
  INFO(status.error_message());
  REQUIRE(status.ok());
  std::string printed;
  REQUIRE(grpcgw::MessageToJson(*message, &printed).ok());
  CHECK(printed == json);
}

}  // namespace
