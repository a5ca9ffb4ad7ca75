// JSON -> message, one row per rule of the proto3 JSON mapping. Rows named
// "Required.X" / "Recommended.X" carry the input of protobuf's conformance
// suite case X (JSON input, proto3 message), and what that case expects.
#include <catch2/catch.hpp>

#include "grpcgw/json.h"
#include "json_test.pb.h"
#include "json_test_util.h"

namespace {

using grpcgw_test::TestAllTypes;
using grpcgw_test_util::FromText;
using grpcgw_test_util::SameMessage;
using grpcgw_test_util::ToText;

struct ParseRow {
  const char* name;
  const char* json;
  // Text format of the expected message; nullptr when parsing must fail.
  const char* expected;
};

void CheckRows(const std::vector<ParseRow>& rows, const grpcgw::JsonOptions& options = {}) {
  for (const ParseRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      INFO("json: " << row.json);
      TestAllTypes message;
      grpc::Status status = grpcgw::JsonToMessage(row.json, &message, options);
      if (row.expected == nullptr) {
        INFO("parsed as: " << ToText(message));
        CHECK_FALSE(status.ok());
        CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      } else {
        INFO("error: " << status.error_message());
        REQUIRE(status.ok());
        std::string diff;
        CHECK(SameMessage(message, FromText<TestAllTypes>(row.expected), &diff));
        INFO(diff);
      }
    }
  }
}

TEST_CASE("parse accepts both the JSON name and the proto name of a field", "[json]") {
  CheckRows({
      {"Required.HelloWorld", R"({"optionalString":"Hello, World!"})", "optional_string: 'Hello, World!'"},
      {"Required.FieldNameInSnakeCase",
       R"({"fieldname1": 1, "fieldName2": 2, "FieldName3": 3, "fieldName4": 4})",
       "fieldname1: 1 field_name2: 2 _field_name3: 3 field__name4_: 4"},
      {"Required.FieldNameWithNumbers", R"({"field0name5": 5, "field0Name6": 6})",
       "field0name5: 5 field_0_name6: 6"},
      {"Required.FieldNameWithMixedCases",
       R"({"fieldName7": 7, "FieldName8": 8, "fieldName9": 9, "FieldName10": 10, "FIELDNAME11": 11, "FIELDName12": 12})",
       "fieldName7: 7 FieldName8: 8 field_Name9: 9 Field_Name10: 10 FIELD_NAME11: 11 FIELD_name12: 12"},
      {"Recommended.FieldNameWithDoubleUnderscores",
       R"({"FieldName13": 13, "FieldName14": 14, "fieldName15": 15, "fieldName16": 16, "fieldName17": 17, "FieldName18": 18})",
       "__field_name13: 13 __Field_name14: 14 field__name15: 15 field__Name16: 16 field_name17__: 17 Field_name18__: 18"},
      {"Required.OriginalProtoFieldName",
       R"({"fieldname1": 1, "field_name2": 2, "_field_name3": 3, "field__name4_": 4, "field0name5": 5,
           "field_0_name6": 6, "fieldName7": 7, "FieldName8": 8, "field_Name9": 9, "Field_Name10": 10,
           "FIELD_NAME11": 11, "FIELD_name12": 12, "__field_name13": 13, "__Field_name14": 14,
           "field__name15": 15, "field__Name16": 16, "field_name17__": 17, "Field_name18__": 18})",
       "fieldname1: 1 field_name2: 2 _field_name3: 3 field__name4_: 4 field0name5: 5 field_0_name6: 6 "
       "fieldName7: 7 FieldName8: 8 field_Name9: 9 Field_Name10: 10 FIELD_NAME11: 11 FIELD_name12: 12 "
       "__field_name13: 13 __Field_name14: 14 field__name15: 15 field__Name16: 16 field_name17__: 17 "
       "Field_name18__: 18"},
      {"Required.FieldNameEscaped", R"({"fieldn\u0061me1": 1})", "fieldname1: 1"},
      {"custom json_name", R"({"theCustomName": "x"})", "custom_named: 'x'"},
      {"proto name of a field with a custom json_name", R"({"custom_named": "x"})", "custom_named: 'x'"},
      {"lowerCamelCase of a field with a custom json_name is unknown", R"({"customNamed": "x"})", nullptr},
      {"unknown field", R"({"noSuchField": 1})", nullptr},
      {"Recommended.FieldNameDuplicate",
       R"({"optionalNestedMessage": {"a": 1}, "optionalNestedMessage": {}})", nullptr},
      {"Recommended.FieldNameDuplicateDifferentCasing1",
       R"({"optional_nested_message": {"a": 1}, "optionalNestedMessage": {}})", nullptr},
      {"Recommended.FieldNameDuplicateDifferentCasing2",
       R"({"optionalNestedMessage": {"a": 1}, "optional_nested_message": {}})", nullptr},
  });
}

TEST_CASE("parse reads integers exactly from numbers and strings", "[json]") {
  CheckRows({
      {"Required.Int32FieldMaxValue", R"({"optionalInt32": 2147483647})", "optional_int32: 2147483647"},
      {"Required.Int32FieldMinValue", R"({"optionalInt32": -2147483648})", "optional_int32: -2147483648"},
      {"Required.Uint32FieldMaxValue", R"({"optionalUint32": 4294967295})", "optional_uint32: 4294967295"},
      {"Required.Int64FieldMaxValue", R"({"optionalInt64": "9223372036854775807"})",
       "optional_int64: 9223372036854775807"},
      {"Required.Int64FieldMinValue", R"({"optionalInt64": "-9223372036854775808"})",
       "optional_int64: -9223372036854775808"},
      {"Required.Uint64FieldMaxValue", R"({"optionalUint64": "18446744073709551615"})",
       "optional_uint64: 18446744073709551615"},
      {"Required.Int64FieldMaxValueNotQuoted", R"({"optionalInt64": 9223372036854774784})",
       "optional_int64: 9223372036854774784"},
      {"Required.Int64FieldMinValueNotQuoted", R"({"optionalInt64": -9223372036854775808})",
       "optional_int64: -9223372036854775808"},
      {"Required.Uint64FieldMaxValueNotQuoted", R"({"optionalUint64": 18446744073709549568})",
       "optional_uint64: 18446744073709549568"},
      {"int64 max unquoted, beyond double precision", R"({"optionalInt64": 9223372036854775807})",
       "optional_int64: 9223372036854775807"},
      {"uint64 max unquoted", R"({"optionalUint64": 18446744073709551615})",
       "optional_uint64: 18446744073709551615"},
      {"fixed64 max as string", R"({"optionalFixed64": "18446744073709551615"})",
       "optional_fixed64: 18446744073709551615"},
      {"sfixed64 min as string", R"({"optionalSfixed64": "-9223372036854775808"})",
       "optional_sfixed64: -9223372036854775808"},
      {"sint32 and sint64", R"({"optionalSint32": -5, "optionalSint64": "-6"})",
       "optional_sint32: -5 optional_sint64: -6"},
      {"int64 one above max unquoted", R"({"optionalInt64": 9223372036854775808})", nullptr},
      {"int64 with exponent, exact", R"({"optionalInt64": "92233720368547758.07e2"})",
       "optional_int64: 9223372036854775807"},
      {"int64 fraction hidden beyond double precision", R"({"optionalInt64": 1.0000000000000000001})", nullptr},
      {"Required.Int32FieldStringValue", R"({"optionalInt32": "2147483647"})", "optional_int32: 2147483647"},
      {"Required.Int32FieldStringValueEscaped", R"({"optionalInt32": "2\u003147483647"})",
       "optional_int32: 2147483647"},
      {"Required.Int32FieldTooLarge", R"({"optionalInt32": 2147483648})", nullptr},
      {"Required.Int32FieldTooSmall", R"({"optionalInt32": -2147483649})", nullptr},
      {"Required.Uint32FieldTooLarge", R"({"optionalUint32": 4294967296})", nullptr},
      {"Required.Int64FieldTooLarge", R"({"optionalInt64": "9223372036854775808"})", nullptr},
      {"Required.Int64FieldTooSmall", R"({"optionalInt64": "-9223372036854775809"})", nullptr},
      {"Required.Uint64FieldTooLarge", R"({"optionalUint64": "18446744073709551616"})", nullptr},
      {"uint32 negative", R"({"optionalUint32": -1})", nullptr},
      {"uint64 negative zero is zero", R"({"optionalUint64": -0})", ""},
      {"Required.Int32FieldNotInteger", R"({"optionalInt32": 0.5})", nullptr},
      {"Required.Uint32FieldNotInteger", R"({"optionalUint32": 0.5})", nullptr},
      {"Required.Int64FieldNotInteger", R"({"optionalInt64": "0.5"})", nullptr},
      {"Required.Uint64FieldNotInteger", R"({"optionalUint64": "0.5"})", nullptr},
      {"Required.Int32FieldFloatTrailingZero", R"({"optionalInt32": 100000.000})", "optional_int32: 100000"},
      {"Required.Int32FieldExponentialFormat", R"({"optionalInt32": 1e5})", "optional_int32: 100000"},
      {"Required.Int32FieldMaxFloatValue", R"({"optionalInt32": 2.147483647e9})", "optional_int32: 2147483647"},
      {"Required.Int32FieldMinFloatValue", R"({"optionalInt32": -2.147483648e9})",
       "optional_int32: -2147483648"},
      {"Required.Uint32FieldMaxFloatValue", R"({"optionalUint32": 4.294967295e9})",
       "optional_uint32: 4294967295"},
      {"huge exponent", R"({"optionalInt32": 1e999999999999})", nullptr},
      {"zero with an exponent", R"({"optionalInt32": 0e5})", ""},
      {"Required.Int32FieldNotNumber", R"({"optionalInt32": "3x3"})", nullptr},
      {"Required.Uint32FieldNotNumber", R"({"optionalUint32": "3x3"})", nullptr},
      {"Required.Int64FieldNotNumber", R"({"optionalInt64": "3x3"})", nullptr},
      {"Required.Uint64FieldNotNumber", R"({"optionalUint64": "3x3"})", nullptr},
      {"Required.Int32FieldPlusSign", R"({"optionalInt32": +1})", nullptr},
      {"Required.Int32FieldLeadingZero", R"({"optionalInt32": 01})", nullptr},
      {"Required.Int32FieldNegativeWithLeadingZero", R"({"optionalInt32": -01})", nullptr},
      {"Required.Int32FieldLeadingSpace", R"({"optionalInt32": " 1"})", nullptr},
      {"Required.Int32FieldTrailingSpace", R"({"optionalInt32": "1 "})", nullptr},
      {"leading zero inside a string", R"({"optionalInt32": "01"})", nullptr},
      {"plus sign inside a string", R"({"optionalInt64": "+1"})", nullptr},
      {"empty string", R"({"optionalInt64": ""})", nullptr},
      {"int32 given a bool", R"({"optionalInt32": true})", nullptr},
      {"int32 given an object", R"({"optionalInt32": {}})", nullptr},
  });
}

TEST_CASE("parse reads floating point, NaN and infinities", "[json]") {
  CheckRows({
      {"Required.FloatFieldMinPositiveValue", R"({"optionalFloat": 1.175494e-38})", "optional_float: 1.175494e-38"},
      {"Required.FloatFieldMaxNegativeValue", R"({"optionalFloat": -1.175494e-38})",
       "optional_float: -1.175494e-38"},
      {"Required.FloatFieldMaxPositiveValue", R"({"optionalFloat": 3.402823e+38})", "optional_float: 3.402823e+38"},
      {"Required.FloatFieldMinNegativeValue", R"({"optionalFloat": -3.402823e+38})",
       "optional_float: -3.402823e+38"},
      {"Required.FloatFieldQuotedValue", R"({"optionalFloat": "1"})", "optional_float: 1"},
      {"Required.FloatFieldNan", R"({"optionalFloat": "NaN"})", "optional_float: nan"},
      {"Required.FloatFieldInfinity", R"({"optionalFloat": "Infinity"})", "optional_float: inf"},
      {"Required.FloatFieldNegativeInfinity", R"({"optionalFloat": "-Infinity"})", "optional_float: -inf"},
      {"Recommended.FloatFieldNanNotQuoted", R"({"optionalFloat": NaN})", nullptr},
      {"Recommended.FloatFieldInfinityNotQuoted", R"({"optionalFloat": Infinity})", nullptr},
      {"Recommended.FloatFieldNegativeInfinityNotQuoted", R"({"optionalFloat": -Infinity})", nullptr},
      {"Required.FloatFieldTooSmall", R"({"optionalFloat": -3.502823e+38})", nullptr},
      {"Required.FloatFieldTooLarge", R"({"optionalFloat": 3.502823e+38})", nullptr},
      {"Required.DoubleFieldMinPositiveValue", R"({"optionalDouble": 2.22507e-308})",
       "optional_double: 2.22507e-308"},
      {"Required.DoubleFieldMaxNegativeValue", R"({"optionalDouble": -2.22507e-308})",
       "optional_double: -2.22507e-308"},
      {"Required.DoubleFieldMaxPositiveValue", R"({"optionalDouble": 1.79769e+308})",
       "optional_double: 1.79769e+308"},
      {"Required.DoubleFieldMinNegativeValue", R"({"optionalDouble": -1.79769e+308})",
       "optional_double: -1.79769e+308"},
      {"Required.DoubleFieldQuotedValue", R"({"optionalDouble": "1"})", "optional_double: 1"},
      {"Required.DoubleFieldNan", R"({"optionalDouble": "NaN"})", "optional_double: nan"},
      {"Required.DoubleFieldInfinity", R"({"optionalDouble": "Infinity"})", "optional_double: inf"},
      {"Required.DoubleFieldNegativeInfinity", R"({"optionalDouble": "-Infinity"})", "optional_double: -inf"},
      {"Recommended.DoubleFieldNanNotQuoted", R"({"optionalDouble": NaN})", nullptr},
      {"Recommended.DoubleFieldInfinityNotQuoted", R"({"optionalDouble": Infinity})", nullptr},
      {"Recommended.DoubleFieldNegativeInfinityNotQuoted", R"({"optionalDouble": -Infinity})", nullptr},
      {"Required.DoubleFieldTooSmall", R"({"optionalDouble": -1.89769e+308})", nullptr},
      {"Required.DoubleFieldTooLarge", R"({"optionalDouble": +1.89769e+308})", nullptr},
      {"double too large without the plus sign", R"({"optionalDouble": 1.89769e+308})", nullptr},
      {"double underflow becomes zero", R"({"optionalDouble": 1e-400})", ""},
      {"lowercase nan is not a number", R"({"optionalDouble": "nan"})", nullptr},
      {"Infinity with a plus sign", R"({"optionalDouble": "+Infinity"})", nullptr},
      {"number with spaces in a string", R"({"optionalDouble": " 1.5"})", nullptr},
      {"Recommended.OneofZeroFloat", R"({"oneofFloat": 0.0})", "oneof_float: 0"},
      {"Recommended.OneofZeroDouble", R"({"oneofDouble": 0.0})", "oneof_double: 0"},
  });
}

TEST_CASE("parse reads bools, strings, bytes and enums strictly", "[json]") {
  CheckRows({
      {"Required.BoolFieldTrue", R"({"optionalBool":true})", "optional_bool: true"},
      {"Required.BoolFieldFalse", R"({"optionalBool":false})", "optional_bool: false"},
      {"Recommended.BoolFieldIntegerZero", R"({"optionalBool":0})", nullptr},
      {"Recommended.BoolFieldIntegerOne", R"({"optionalBool":1})", nullptr},
      {"Recommended.BoolFieldCamelCaseTrue", R"({"optionalBool":True})", nullptr},
      {"Recommended.BoolFieldCamelCaseFalse", R"({"optionalBool":False})", nullptr},
      {"Recommended.BoolFieldAllCapitalTrue", R"({"optionalBool":TRUE})", nullptr},
      {"Recommended.BoolFieldAllCapitalFalse", R"({"optionalBool":FALSE})", nullptr},
      {"Recommended.BoolFieldDoubleQuotedTrue", R"({"optionalBool":"true"})", nullptr},
      {"Recommended.BoolFieldDoubleQuotedFalse", R"({"optionalBool":"false"})", nullptr},
      {"Required.StringField", R"({"optionalString": "Hello world!"})", R"(optional_string: "Hello world!")"},
      {"Required.StringFieldUnicode", R"({"optionalString": "谷歌"})", R"(optional_string: "谷歌")"},
      {"Required.StringFieldEscape", R"({"optionalString": "\"\\\/\b\f\n\r\t"})",
       R"(optional_string: "\"\\/\b\f\n\r\t")"},
      {"Required.StringFieldUnicodeEscape", R"({"optionalString": "\u8C37\u6B4C"})", R"(optional_string: "谷歌")"},
      {"Required.StringFieldUnicodeEscapeWithLowercaseHexLetters", R"({"optionalString": "\u8c37\u6b4c"})",
       R"(optional_string: "谷歌")"},
      {"Required.StringFieldSurrogatePair", R"({"optionalString": "\uD83D\uDE01"})",
       R"(optional_string: "\xF0\x9F\x98\x81")"},
      {"Recommended.StringFieldUppercaseEscapeLetter", R"({"optionalString": "\U8C37\U6b4C"})", nullptr},
      {"Recommended.StringFieldInvalidEscape", R"({"optionalString": "\uXXXX\u6B4C"})", nullptr},
      {"Recommended.StringFieldUnterminatedEscape", R"({"optionalString": "\u8C3"})", nullptr},
      {"Recommended.StringFieldUnpairedHighSurrogate", R"({"optionalString": "\uD800"})", nullptr},
      {"Recommended.StringFieldUnpairedLowSurrogate", R"({"optionalString": "\uDC00"})", nullptr},
      {"Recommended.StringFieldSurrogateInWrongOrder", R"({"optionalString": "\uDE01\uD83D"})", nullptr},
      {"Recommended.StringEndsWithEscapeChar", "{\"optionalString\": \"abc\\", nullptr},
      {"Required.StringFieldNotAString", R"({"optionalString": 12345})", nullptr},
      {"invalid UTF-8 in a string", "{\"optionalString\": \"\xC3\x28\"}", nullptr},
      {"overlong UTF-8 encoding", "{\"optionalString\": \"\xC0\xAF\"}", nullptr},
      {"UTF-8 encoded surrogate", "{\"optionalString\": \"\xED\xA0\x80\"}", nullptr},
      {"raw control character in a string", "{\"optionalString\": \"a\tb\"}", nullptr},
      {"unpaired surrogate in a key", R"({"optional\uDC00String": "x"})", nullptr},
      {"Required.BytesField", R"({"optionalBytes": "AQI="})", R"(optional_bytes: "\x01\x02")"},
      {"Recommended.BytesFieldBase64Url", R"({"optionalBytes": "-_"})", R"(optional_bytes: "\xfb")"},
      {"bytes without padding", R"({"optionalBytes": "AQI"})", R"(optional_bytes: "\x01\x02")"},
      {"bytes with one padding character", R"({"optionalBytes": "AAEC"})", R"(optional_bytes: "\x00\x01\x02")"},
      {"bytes mixing the standard and URL-safe alphabets", R"({"optionalBytes": "+_8"})", R"(optional_bytes: "\xfb\xff")"},
      {"bytes with padding that does not complete a group", R"({"optionalBytes": "AQ="})", nullptr},
      {"bytes with an invalid character", R"({"optionalBytes": "AQ*="})", nullptr},
      {"bytes with padding in the middle", R"({"optionalBytes": "AQ==AQ=="})", nullptr},
      {"bytes with a lone trailing character", R"({"optionalBytes": "AQIDB"})", nullptr},
      {"bytes with whitespace", R"({"optionalBytes": "AQ I="})", nullptr},
      {"bytes given a number", R"({"optionalBytes": 12})", nullptr},
      {"Required.EnumField", R"({"optionalNestedEnum": "FOO"})", "optional_nested_enum: FOO"},
      {"Required.EnumFieldWithAlias", R"({"optionalAliasedEnum": "ALIAS_BAZ"})", "optional_aliased_enum: ALIAS_BAZ"},
      {"Required.EnumFieldWithAliasUseAlias", R"({"optionalAliasedEnum": "QUX"})",
       "optional_aliased_enum: ALIAS_BAZ"},
      {"Required.EnumFieldWithAliasLowerCase", R"({"optionalAliasedEnum": "qux"})",
       "optional_aliased_enum: ALIAS_BAZ"},
      {"Required.EnumFieldWithAliasDifferentCase", R"({"optionalAliasedEnum": "bAz"})",
       "optional_aliased_enum: ALIAS_BAZ"},
      {"Required.EnumFieldNotQuoted", R"({"optionalNestedEnum": FOO})", nullptr},
      {"Required.EnumFieldNumericValueZero", R"({"optionalNestedEnum": 0})", "optional_nested_enum: FOO"},
      {"Required.EnumFieldNumericValueNonZero", R"({"optionalNestedEnum": 1})", "optional_nested_enum: BAR"},
      {"negative enum value by name", R"({"optionalNestedEnum": "NEG"})", "optional_nested_enum: NEG"},
      {"unknown enum number is kept (open enum)", R"({"optionalNestedEnum": 123})", "optional_nested_enum: 123"},
      {"unknown enum name", R"({"optionalNestedEnum": "NOPE"})", nullptr},
      {"enum name in the wrong case", R"({"optionalNestedEnum": "foo"})", nullptr},
      {"enum number as a string", R"({"optionalNestedEnum": "1"})", nullptr},
      {"enum number out of int32 range", R"({"optionalNestedEnum": 2147483648})", nullptr},
  });
}

TEST_CASE("parse reads messages, repeated fields, maps and oneofs", "[json]") {
  CheckRows({
      {"Required.MessageField", R"({"optionalNestedMessage": {"a": 1234}})", "optional_nested_message: {a: 1234}"},
      {"recursive message", R"({"recursiveMessage": {"recursiveMessage": {"optionalInt32": 3}}})",
       "recursive_message { recursive_message { optional_int32: 3 } }"},
      {"message given an array", R"({"optionalNestedMessage": [1]})", nullptr},
      {"Required.PrimitiveRepeatedField", R"({"repeatedInt32": [1, 2, 3, 4]})", "repeated_int32: [1, 2, 3, 4]"},
      {"Required.EnumRepeatedField", R"({"repeatedNestedEnum": ["FOO", "BAR", "BAZ"]})",
       "repeated_nested_enum: [FOO, BAR, BAZ]"},
      {"Required.StringRepeatedField", R"({"repeatedString": ["Hello", "world"]})",
       R"(repeated_string: ["Hello", "world"])"},
      {"Required.BytesRepeatedField", R"({"repeatedBytes": ["AAEC", "AQI="]})",
       R"(repeated_bytes: ["\x00\x01\x02", "\x01\x02"])"},
      {"Required.MessageRepeatedField", R"({"repeatedNestedMessage": [{"a": 1234}, {"a": 5678}]})",
       "repeated_nested_message: {a: 1234} repeated_nested_message: {a: 5678}"},
      {"repeated 64-bit as strings and numbers", R"({"repeatedInt64": ["1", -2], "repeatedUint64": [3, "4"]})",
       "repeated_int64: [1, -2] repeated_uint64: [3, 4]"},
      {"empty array", R"({"repeatedInt32": []})", ""},
      {"repeated given a scalar", R"({"repeatedInt32": 1})", nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingIntegersGotBool", R"({"repeatedInt32": [1, false, 3, 4]})",
       nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingIntegersGotString",
       R"({"repeatedInt32": [1, 2, "name", 4]})", nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingIntegersGotMessage",
       R"({"repeatedInt32": [1, 2, 3, {"a": 4}]})", nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingStringsGotInt", R"({"repeatedString": ["1", 2, "3", "4"]})",
       nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingStringsGotBool",
       R"({"repeatedString": ["1", "2", false, "4"]})", nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingStringsGotMessage",
       R"({"repeatedString": ["1", 2, "3", {"a": 4}]})", nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingMessagesGotInt",
       R"({"repeatedNestedMessage": [{"a": 1}, 2]})", nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingMessagesGotBool",
       R"({"repeatedNestedMessage": [{"a": 1}, false]})", nullptr},
      {"Required.RepeatedFieldWrongElementTypeExpectingMessagesGotString",
       R"({"repeatedNestedMessage": [{"a": 1}, "2"]})", nullptr},
      {"nested arrays are not repeated elements", R"({"repeatedInt32": [[1]]})", nullptr},
      {"Required.Int32MapField", R"({"mapInt32Int32": {"1": 2, "3": 4}})",
       "map_int32_int32: {key: 1 value: 2} map_int32_int32: {key: 3 value: 4}"},
      {"Required.Uint32MapField", R"({"mapUint32Uint32": {"1": 2, "3": 4}})",
       "map_uint32_uint32: {key: 1 value: 2} map_uint32_uint32: {key: 3 value: 4}"},
      {"Required.Int64MapField", R"({"mapInt64Int64": {"1": 2, "3": 4}})",
       "map_int64_int64: {key: 1 value: 2} map_int64_int64: {key: 3 value: 4}"},
      {"Required.Uint64MapField", R"({"mapUint64Uint64": {"1": 2, "3": 4}})",
       "map_uint64_uint64: {key: 1 value: 2} map_uint64_uint64: {key: 3 value: 4}"},
      {"Required.BoolMapField", R"({"mapBoolBool": {"true": true, "false": false}})",
       "map_bool_bool: {key: true value: true} map_bool_bool: {key: false value: false}"},
      {"Required.MessageMapField",
       R"({"mapStringNestedMessage": {"hello": {"a": 1234}, "world": {"a": 5678}}})",
       R"(map_string_nested_message: {key: "hello" value: {a: 1234}}
          map_string_nested_message: {key: "world" value: {a: 5678}})"},
      {"Required.Int32MapEscapedKey", R"({"mapInt32Int32": {"\u0031": 2}})", "map_int32_int32: {key: 1 value: 2}"},
      {"Required.Int64MapEscapedKey", R"({"mapInt64Int64": {"\u0031": 2}})", "map_int64_int64: {key: 1 value: 2}"},
      {"Required.BoolMapEscapedKey", R"({"mapBoolBool": {"tr\u0075e": true}})",
       "map_bool_bool: {key: true value: true}"},
      {"Recommended.Int32MapFieldKeyNotQuoted", R"({"mapInt32Int32": {1: 2, 3: 4}})", nullptr},
      {"Recommended.Uint32MapFieldKeyNotQuoted", R"({"mapUint32Uint32": {1: 2, 3: 4}})", nullptr},
      {"Recommended.Int64MapFieldKeyNotQuoted", R"({"mapInt64Int64": {1: 2, 3: 4}})", nullptr},
      {"Recommended.Uint64MapFieldKeyNotQuoted", R"({"mapUint64Uint64": {1: 2, 3: 4}})", nullptr},
      {"Recommended.BoolMapFieldKeyNotQuoted", R"({"mapBoolBool": {true: true, false: false}})", nullptr},
      {"map key out of range", R"({"mapInt32Int32": {"2147483648": 1}})", nullptr},
      {"map key not a number", R"({"mapInt32Int32": {"x": 1}})", nullptr},
      {"bool map key in capitals", R"({"mapBoolBool": {"TRUE": true}})", nullptr},
      {"map with a duplicate key", R"({"mapStringString": {"a": "1", "a": "2"}})", nullptr},
      {"map with typed keys and values", R"({"mapSint64Sint64": {"-5": "-6"}, "mapFixed32Fixed32": {"7": 8},
           "mapInt32Float": {"1": "NaN"}, "mapStringBytes": {"b": "AQI="}, "mapStringNestedEnum": {"e": "BAR"}})",
       R"(map_sint64_sint64 {key: -5 value: -6} map_fixed32_fixed32 {key: 7 value: 8}
          map_int32_float {key: 1 value: nan} map_string_bytes {key: "b" value: "\x01\x02"}
          map_string_nested_enum {key: "e" value: BAR})"},
      {"Required.OneofFieldDuplicate", R"({"oneofUint32": 1, "oneofString": "test"})", nullptr},
      {"Recommended.OneofZeroUint32", R"({"oneofUint32": 0})", "oneof_uint32: 0"},
      {"Recommended.OneofZeroMessage", R"({"oneofNestedMessage": {}})", "oneof_nested_message: {}"},
      {"Recommended.OneofZeroString", R"({"oneofString": ""})", R"(oneof_string: "")"},
      {"Recommended.OneofZeroBytes", R"({"oneofBytes": ""})", R"(oneof_bytes: "")"},
      {"Recommended.OneofZeroBool", R"({"oneofBool": false})", "oneof_bool: false"},
      {"Recommended.OneofZeroUint64", R"({"oneofUint64": 0})", "oneof_uint64: 0"},
      {"Recommended.OneofZeroEnum", R"({"oneofEnum":"FOO"})", "oneof_enum: FOO"},
      {"oneof member set to null does not count", R"({"oneofUint32": null, "oneofString": "test"})",
       R"(oneof_string: "test")"},
      {"oneof member set to null after another", R"({"oneofString": "test", "oneofUint32": null})",
       R"(oneof_string: "test")"},
      {"oneof NullValue member is set by null", R"({"oneofNullValue": null})", "oneof_null_value: NULL_VALUE"},
      {"oneof NullValue member conflicts", R"({"oneofNullValue": null, "oneofBool": true})", nullptr},
      {"proto3 optional set to default", R"({"explicitInt32": 0, "explicitString": "", "explicitEnum": "FOO"})",
       R"(explicit_int32: 0 explicit_string: "" explicit_enum: FOO)"},
  });
}

TEST_CASE("parse treats null as unset except for Value and NullValue", "[json]") {
  CheckRows({
      {"Required.AllFieldAcceptNull",
       R"({"optionalInt32": null, "optionalInt64": null, "optionalUint32": null, "optionalUint64": null,
           "optionalSint32": null, "optionalSint64": null, "optionalFixed32": null, "optionalFixed64": null,
           "optionalSfixed32": null, "optionalSfixed64": null, "optionalFloat": null, "optionalDouble": null,
           "optionalBool": null, "optionalString": null, "optionalBytes": null, "optionalNestedEnum": null,
           "optionalNestedMessage": null, "repeatedInt32": null, "repeatedInt64": null, "repeatedUint32": null,
           "repeatedUint64": null, "repeatedSint32": null, "repeatedSint64": null, "repeatedFixed32": null,
           "repeatedFixed64": null, "repeatedSfixed32": null, "repeatedSfixed64": null, "repeatedFloat": null,
           "repeatedDouble": null, "repeatedBool": null, "repeatedString": null, "repeatedBytes": null,
           "repeatedNestedEnum": null, "repeatedNestedMessage": null, "mapInt32Int32": null,
           "mapBoolBool": null, "mapStringNestedMessage": null})",
       ""},
      {"Recommended.RepeatedFieldPrimitiveElementIsNull", R"({"repeatedInt32": [1, null, 2]})", nullptr},
      {"Recommended.RepeatedFieldMessageElementIsNull",
       R"({"repeatedNestedMessage": [{"a":1}, null, {"a":2}]})", nullptr},
      {"Recommended.MapFieldKeyIsNull", R"({"mapInt32Int32": {null: 1}})", nullptr},
      {"Recommended.MapFieldValueIsNull", R"({"mapInt32Int32": {"0": null}})", nullptr},
      {"Required.RejectTopLevelNull", "null", nullptr},
      {"explicit presence field set to null stays unset", R"({"explicitInt32": null})", ""},
      {"NullValue field", R"({"optionalNullValue": null})", ""},
      {"NullValue field by name", R"({"optionalNullValue": "NULL_VALUE"})", ""},
      {"NullValue field given a number", R"({"optionalNullValue": 0})", ""},
      {"NullValue field given a string", R"({"optionalNullValue": "x"})", nullptr},
      {"repeated NullValue with nulls", R"({"repeatedNullValue": [null, null]})",
       "repeated_null_value: [NULL_VALUE, NULL_VALUE]"},
      {"Required.ValueAcceptNull", R"({"optionalValue": null})", "optional_value: { null_value: NULL_VALUE}"},
      {"null inside repeated Value", R"({"repeatedValue": [null]})", "repeated_value { null_value: NULL_VALUE }"},
      {"null as a map value of type Value", R"({"mapStringValue": {"a": null}})",
       R"(map_string_value { key: "a" value { null_value: NULL_VALUE } })"},
  });
}

TEST_CASE("parse rejects JSON that is not strictly RFC 8259", "[json]") {
  CheckRows({
      {"Recommended.FieldNameNotQuoted", "{fieldname1: 1}", nullptr},
      {"Recommended.TrailingCommaInAnObject", R"({"fieldname1":1,})", nullptr},
      {"Recommended.TrailingCommaInAnObjectWithSpace", R"({"fieldname1":1 ,})", nullptr},
      {"Recommended.TrailingCommaInAnObjectWithSpaceCommaSpace", R"({"fieldname1":1 , })", nullptr},
      {"Recommended.TrailingCommaInAnObjectWithNewlines", "{\n  \"fieldname1\":1,\n}", nullptr},
      {"Recommended.JsonWithComments", "{\n  // This is a comment.\n  \"fieldname1\": 1\n}", nullptr},
      {"block comment", "{/* c */ \"fieldname1\": 1}", nullptr},
      {"Recommended.OneLineNoSpaces", "{\"optionalInt32\":1,\"optionalInt64\":2}",
       "optional_int32: 1 optional_int64: 2"},
      {"Recommended.OneLineWithSpaces", "{ \"optionalInt32\" : 1 , \"optionalInt64\" : 2 }",
       "optional_int32: 1 optional_int64: 2"},
      {"Recommended.MultilineNoSpaces", "{\n\"optionalInt32\"\n:\n1\n,\n\"optionalInt64\"\n:\n2\n}",
       "optional_int32: 1 optional_int64: 2"},
      {"Recommended.MultilineWithSpaces", "{\n  \"optionalInt32\"  :  1\n  ,\n  \"optionalInt64\"  :  2\n}\n",
       "optional_int32: 1 optional_int64: 2"},
      {"Recommended.MissingCommaOneLine", "{ \"optionalInt32\": 1 \"optionalInt64\": 2 }", nullptr},
      {"Recommended.MissingCommaMultiline", "{\n  \"optionalInt32\": 1\n  \"optionalInt64\": 2\n}", nullptr},
      {"Recommended.StringFieldSingleQuoteKey", R"({'optionalString': "Hello world!"})", nullptr},
      {"Recommended.StringFieldSingleQuoteValue", R"({"optionalString": 'Hello world!'})", nullptr},
      {"Recommended.StringFieldSingleQuoteBoth", R"({'optionalString': 'Hello world!'})", nullptr},
      {"Recommended.RepeatedFieldTrailingComma", R"({"repeatedInt32": [1, 2, 3, 4,]})", nullptr},
      {"Recommended.RepeatedFieldTrailingCommaWithSpace", "{\"repeatedInt32\": [1, 2, 3, 4 ,]}", nullptr},
      {"Recommended.RepeatedFieldTrailingCommaWithSpaceCommaSpace", "{\"repeatedInt32\": [1, 2, 3, 4 , ]}",
       nullptr},
      {"Recommended.RepeatedFieldTrailingCommaWithNewlines", "{\"repeatedInt32\": [\n  1,\n  2,\n  3,\n  4,\n]}",
       nullptr},
      {"two documents", "{} {}", nullptr},
      {"trailing garbage", "{}x", nullptr},
      {"empty input", "", nullptr},
      {"only whitespace", "   ", nullptr},
      {"top-level array", "[]", nullptr},
      {"top-level string", "\"x\"", nullptr},
      {"unterminated object", "{\"optionalInt32\": 1", nullptr},
      {"byte order mark", "\xEF\xBB\xBF{}", nullptr},
      {"surrounding whitespace is fine", " \r\n\t{}\n ", ""},
  });
}

// Strings are scanned 16 bytes at a time for the bytes that end a plain
// run ('"', '\\', below 0x20): each such byte at every position of the first
// blocks, before and after an escape (after one, the plain bytes move back).
TEST_CASE("parse finds escapes and raw control bytes at every position of a string", "[json]") {
  const std::string prefix = R"({"optionalString": ")";
  for (int escaped_at : {-1, 0, 3, 15, 16}) {
    for (int at = 0; at < 40; ++at) {
      std::string plain;  // the JSON string's text before position `at`
      std::string decoded;
      for (int i = 0; i < at; ++i) {
        if (i == escaped_at) {
          plain += "\\n";
          decoded += '\n';
        } else {
          plain += static_cast<char>('a' + i % 26);
          decoded += static_cast<char>('a' + i % 26);
        }
      }
      INFO("escape at " << escaped_at << ", byte at " << at);
      for (int byte = 0x01; byte < 0x20; ++byte) {
        const std::string json = prefix + plain + static_cast<char>(byte) + "tail\"}";
        TestAllTypes message;
        const grpc::Status status = grpcgw::JsonToMessage(json, &message);
        INFO("byte " << byte << ": " << status.error_message());
        CHECK_FALSE(status.ok());
        CHECK(status.error_message().find("at offset " + std::to_string(prefix.size() + plain.size())) !=
              std::string::npos);
      }
      for (const char* end : {"\"}", "\\\"x\"}", "\\\\\"}", "\\u00e9\"}"}) {
        const std::string json = prefix + plain + "z" + end;
        TestAllTypes message;
        const grpc::Status status = grpcgw::JsonToMessage(json, &message);
        INFO(json << ": " << status.error_message());
        REQUIRE(status.ok());
        std::string expected = decoded + "z";
        if (std::string(end) == "\\\"x\"}") expected += "\"x";
        if (std::string(end) == "\\\\\"}") expected += "\\";
        if (std::string(end) == "\\u00e9\"}") expected += "\xC3\xA9";
        CHECK(message.optional_string() == expected);
      }
    }
  }
}

TEST_CASE("parse skips unknown fields and enum names only when asked", "[json]") {
  grpcgw::JsonOptions ignore;
  ignore.ignore_unknown_fields = true;
  CheckRows(
      {
          {"Required.IgnoreUnknownJsonNumber", R"({"unknown": 1})", ""},
          {"Required.IgnoreUnknownJsonString", R"({"unknown": "a"})", ""},
          {"Required.IgnoreUnknownJsonTrue", R"({"unknown": true})", ""},
          {"Required.IgnoreUnknownJsonFalse", R"({"unknown": false})", ""},
          {"Required.IgnoreUnknownJsonNull", R"({"unknown": null})", ""},
          {"Required.IgnoreUnknownJsonObject", R"({"unknown": {"a": 1}})", ""},
          {"unknown field next to a known one", R"({"unknown": [1, {"b": 2}], "optionalInt32": 5})",
           "optional_int32: 5"},
          {"unknown enum name leaves a singular field unset", R"({"optionalNestedEnum": "NOPE"})", ""},
          {"unknown enum name drops a repeated element", R"({"repeatedNestedEnum": ["BAR", "NOPE", "BAZ"]})",
           "repeated_nested_enum: [BAR, BAZ]"},
          {"unknown enum name drops a map entry", R"({"mapStringNestedEnum": {"a": "NOPE", "b": "BAR"}})",
           R"(map_string_nested_enum { key: "b" value: BAR })"},
          {"a known field with a bad value still fails", R"({"optionalInt32": "x"})", nullptr},
          {"invalid JSON still fails", R"({"unknown": })", nullptr},
      },
      ignore);
}

}  // namespace
