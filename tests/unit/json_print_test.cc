// Message -> JSON: one row per output rule of the proto3 JSON mapping. The
// expected texts are written from the specification (compact output, fields
// in field-number order).
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <memory>

#include <google/protobuf/arena.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>

#include "grpcgw/json.h"
#include "json_test.pb.h"
#include "json_test_proto2.pb.h"
#include "json_test_util.h"

namespace {

using grpcgw_test::Proto2Message;
using grpcgw_test::TestAllTypes;
using grpcgw_test_util::FromText;

struct PrintRow {
  const char* name;
  const char* text;      // the message, in text format
  const char* expected;  // the JSON; nullptr when printing must fail
};

template <typename M>
void CheckRows(const std::vector<PrintRow>& rows, const grpcgw::JsonOptions& options = {}) {
  for (const PrintRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      M message = FromText<M>(row.text);
      std::string json;
      grpc::Status status = grpcgw::MessageToJson(message, &json, options);
      if (row.expected == nullptr) {
        INFO("printed: " << json);
        CHECK_FALSE(status.ok());
        CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
        CHECK(json.empty());
      } else {
        INFO("error: " << status.error_message());
        REQUIRE(status.ok());
        CHECK(json == row.expected);
      }
    }
  }
}

TEST_CASE("print writes scalars in their JSON forms", "[json]") {
  CheckRows<TestAllTypes>({
      {"empty message", "", "{}"},
      {"int32", "optional_int32: -5", R"({"optionalInt32":-5})"},
      {"uint32 max is a number", "optional_uint32: 4294967295", R"({"optionalUint32":4294967295})"},
      {"Recommended.Int64FieldBeString", "optional_int64: 1", R"({"optionalInt64":"1"})"},
      {"Recommended.Uint64FieldBeString", "optional_uint64: 1", R"({"optionalUint64":"1"})"},
      {"int64 min", "optional_int64: -9223372036854775808", R"({"optionalInt64":"-9223372036854775808"})"},
      {"uint64 max", "optional_uint64: 18446744073709551615", R"({"optionalUint64":"18446744073709551615"})"},
      {"sint64, fixed64, sfixed64 as strings", "optional_sint64: -2 optional_fixed64: 3 optional_sfixed64: -4",
       R"({"optionalSint64":"-2","optionalFixed64":"3","optionalSfixed64":"-4"})"},
      {"sint32, fixed32, sfixed32 as numbers", "optional_sint32: -2 optional_fixed32: 3 optional_sfixed32: -4",
       R"({"optionalSint32":-2,"optionalFixed32":3,"optionalSfixed32":-4})"},
      {"float prints its shortest form", "optional_float: 0.1", R"({"optionalFloat":0.1})"},
      {"float max", "optional_float: 3.4028235e38", R"({"optionalFloat":3.4028235e+38})"},
      {"double prints its shortest form", "optional_double: 0.1", R"({"optionalDouble":0.1})"},
      {"double large", "optional_double: 1e300", R"({"optionalDouble":1e+300})"},
      {"double negative zero", "optional_double: -0", R"({"optionalDouble":-0})"},
      {"double integer", "optional_double: 12345", R"({"optionalDouble":12345})"},
      {"float NaN", "optional_float: nan", R"({"optionalFloat":"NaN"})"},
      {"double Infinity", "optional_double: inf", R"({"optionalDouble":"Infinity"})"},
      {"double -Infinity", "optional_double: -inf", R"({"optionalDouble":"-Infinity"})"},
      {"bool", "optional_bool: true", R"({"optionalBool":true})"},
      {"string escapes", R"(optional_string: "a\"b\\c\n\001/é")", R"({"optionalString":"a\"b\\c\n\u0001/é"})"},
      {"string escapes between runs of plain bytes",
       R"(optional_string: "abcdefghijklmnop\"qrstuvwxyz0123456789\\\n\037ABCDEFGH\303\251\342\202\254 tail")",
       R"({"optionalString":"abcdefghijklmnop\"qrstuvwxyz0123456789\\\n\u001fABCDEFGHé€ tail"})"},
      {"bytes standard base64 with padding", R"(optional_bytes: "\001\002")", R"({"optionalBytes":"AQI="})"},
      {"bytes that need + and /", R"(optional_bytes: "\373\377")", R"({"optionalBytes":"+/8="})"},
      {"bytes without padding", R"(optional_bytes: "abc")", R"({"optionalBytes":"YWJj"})"},
      {"enum by name", "optional_nested_enum: BAR", R"({"optionalNestedEnum":"BAR"})"},
      {"negative enum by name", "optional_nested_enum: NEG", R"({"optionalNestedEnum":"NEG"})"},
      {"aliased enum prints the first name", "optional_aliased_enum: QUX", R"({"optionalAliasedEnum":"ALIAS_BAZ"})"},
      {"Required.EnumFieldUnknownValue", "optional_nested_enum: 123", R"({"optionalNestedEnum":123})"},
      {"proto3 defaults are left out", "optional_int32: 0 optional_string: '' optional_nested_enum: FOO", "{}"},
      {"proto3 optional prints its default", "explicit_int32: 0 explicit_string: '' explicit_enum: FOO",
       R"({"explicitInt32":0,"explicitString":"","explicitEnum":"FOO"})"},
      {"oneof member prints its default", "oneof_uint32: 0", R"({"oneofUint32":0})"},
      {"oneof NullValue prints null", "oneof_null_value: NULL_VALUE", R"({"oneofNullValue":null})"},
      {"repeated NullValue prints nulls", "repeated_null_value: [NULL_VALUE, NULL_VALUE]",
       R"({"repeatedNullValue":[null,null]})"},
  });
}

TEST_CASE("print names fields by json_name unless asked for proto names", "[json]") {
  CheckRows<TestAllTypes>({
      {"Required.FieldNameInLowerCamelCase", "fieldname1: 1 field_name2: 2 _field_name3: 3 field__name4_: 4",
       R"({"fieldname1":1,"fieldName2":2,"FieldName3":3,"fieldName4":4})"},
      {"Required.FieldNameWithNumbers", "field0name5: 5 field_0_name6: 6", R"({"field0name5":5,"field0Name6":6})"},
      {"Required.FieldNameWithMixedCases",
       "fieldName7: 7 FieldName8: 8 field_Name9: 9 Field_Name10: 10 FIELD_NAME11: 11 FIELD_name12: 12",
       R"({"fieldName7":7,"FieldName8":8,"fieldName9":9,"FieldName10":10,"FIELDNAME11":11,"FIELDName12":12})"},
      {"Recommended.FieldNameWithDoubleUnderscores",
       "__field_name13: 13 __Field_name14: 14 field__name15: 15 field__Name16: 16 field_name17__: 17 "
       "Field_name18__: 18",
       R"({"FieldName13":13,"FieldName14":14,"fieldName15":15,"fieldName16":16,"fieldName17":17,"FieldName18":18})"},
      {"custom json_name", "custom_named: 'x'", R"({"theCustomName":"x"})"},
  });
  grpcgw::JsonOptions proto_names;
  proto_names.use_proto_names = true;
  CheckRows<TestAllTypes>(
      {
          {"proto names", "optional_int32: 1 custom_named: 'x' field_0_name6: 6",
           R"({"optional_int32":1,"field_0_name6":6,"custom_named":"x"})"},
      },
      proto_names);
}

TEST_CASE("print writes messages, repeated fields and maps", "[json]") {
  CheckRows<TestAllTypes>({
      {"nested message", "optional_nested_message { a: 1 }", R"({"optionalNestedMessage":{"a":1}})"},
      {"empty nested message is present", "optional_nested_message { }", R"({"optionalNestedMessage":{}})"},
      {"repeated scalars", "repeated_int32: [1, -2] repeated_int64: [3]",
       R"({"repeatedInt32":[1,-2],"repeatedInt64":["3"]})"},
      {"repeated messages", "repeated_nested_message { a: 1 } repeated_nested_message { }",
       R"({"repeatedNestedMessage":[{"a":1},{}]})"},
      {"repeated enums and bytes", "repeated_nested_enum: [BAR, 7] repeated_bytes: ['a']",
       R"({"repeatedBytes":["YQ=="],"repeatedNestedEnum":["BAR",7]})"},
      {"map with int32 key", "map_int32_int32 { key: -1 value: 2 }", R"({"mapInt32Int32":{"-1":2}})"},
      {"map with int64 key and value", "map_int64_int64 { key: -1 value: 2 }", R"({"mapInt64Int64":{"-1":"2"}})"},
      {"map with uint64 key", "map_uint64_uint64 { key: 18446744073709551615 value: 1 }",
       R"({"mapUint64Uint64":{"18446744073709551615":"1"}})"},
      {"map with bool key", "map_bool_bool { key: true value: false }", R"({"mapBoolBool":{"true":false}})"},
      {"map with message value", "map_string_nested_message { key: 'k' value { a: 1 } }",
       R"({"mapStringNestedMessage":{"k":{"a":1}}})"},
      {"map with enum value", "map_string_nested_enum { key: 'k' value: BAZ }",
       R"({"mapStringNestedEnum":{"k":"BAZ"}})"},
      {"map entry with default value", "map_string_string { key: '' value: '' }", R"({"mapStringString":{"":""}})"},
  });
  grpcgw::JsonOptions ints;
  ints.enums_as_ints = true;
  CheckRows<TestAllTypes>({{"enums as ints", "optional_nested_enum: BAR repeated_nested_enum: [BAZ]",
                            R"({"optionalNestedEnum":1,"repeatedNestedEnum":[2]})"}},
                          ints);
}

TEST_CASE("print honours presence in proto2 and emit_unpopulated", "[json]") {
  CheckRows<Proto2Message>({
      {"unset proto2 fields are left out", "", "{}"},
      {"proto2 field set to its default is printed", "optional_int64: -5 optional_string: 'hello'",
       R"({"optionalInt64":"-5","optionalString":"hello"})"},
      {"proto2 closed enum", "optional_color: GREEN", R"({"optionalColor":"GREEN"})"},
  });
  grpcgw::JsonOptions emit;
  emit.emit_unpopulated = true;
  CheckRows<Proto2Message>(
      {
          {"emit_unpopulated prints unset proto2 scalars and messages as null", "required_int32: 3",
           R"({"optionalInt32":null,"optionalInt64":null,"optionalString":null,"optionalBool":null,)"
           R"("optionalDouble":null,"optionalBytes":null,"optionalColor":null,"optionalInner":null,)"
           R"("repeatedInt32":[],"repeatedColor":[],"mapStringColor":{},"requiredInt32":3})"},
      },
      emit);
  CheckRows<TestAllTypes::NestedMessage>(
      {
          {"emit_unpopulated prints proto3 defaults", "", R"({"a":0,"corecursive":null})"},
      },
      emit);
  TestAllTypes message;
  std::string json;
  REQUIRE(grpcgw::MessageToJson(message, &json, emit).ok());
  INFO(json);
  CHECK(json.find(R"("optionalInt64":"0")") != std::string::npos);
  CHECK(json.find(R"("optionalNestedEnum":"FOO")") != std::string::npos);
  CHECK(json.find(R"("repeatedInt32":[])") != std::string::npos);
  CHECK(json.find(R"("mapStringString":{})") != std::string::npos);
  CHECK(json.find(R"("optionalTimestamp":null)") != std::string::npos);
  CHECK(json.find(R"("optionalNullValue":null)") != std::string::npos);
  // Oneof members and proto3 optional fields have presence: left out.
  CHECK(json.find("oneof") == std::string::npos);
  CHECK(json.find("explicitInt32") == std::string::npos);
}

TEST_CASE("print leaves out sub-messages that were set and cleared again", "[json]") {
  // A proto2 message field keeps its sub-message object when cleared (only
  // its has-bit goes); a proto3 one drops it. Either way it is not set.
  auto print = [](const google::protobuf::Message& message) {
    std::string json;
    REQUIRE(grpcgw::MessageToJson(message, &json).ok());
    return json;
  };
  Proto2Message proto2;
  proto2.set_required_int32(1);
  proto2.mutable_optional_inner()->set_x(4);
  proto2.clear_optional_inner();
  CHECK(print(proto2) == R"({"requiredInt32":1})");
  proto2.mutable_optional_inner()->set_x(5);
  proto2.Clear();
  CHECK(print(proto2) == "{}");
  google::protobuf::Arena arena;
  auto* on_arena = google::protobuf::Arena::CreateMessage<Proto2Message>(&arena);
  on_arena->mutable_optional_inner();
  CHECK(print(*on_arena) == R"({"optionalInner":{}})");
  on_arena->Clear();
  CHECK(print(*on_arena) == "{}");
  TestAllTypes proto3;
  proto3.mutable_optional_nested_message()->set_a(1);
  proto3.mutable_recursive_message();
  CHECK(print(proto3) == R"({"optionalNestedMessage":{"a":1},"recursiveMessage":{}})");
  proto3.clear_optional_nested_message();
  proto3.Clear();
  CHECK(print(proto3) == "{}");
}

TEST_CASE("print fails on strings that are not UTF-8 and on deep nesting", "[json]") {
  Proto2Message bad_utf8;  // proto2 strings are not checked by protobuf
  bad_utf8.set_optional_string("\xC3\x28");
  bad_utf8.set_required_int32(1);
  std::string json = "prefix";
  grpc::Status status = grpcgw::AppendMessageJson(bad_utf8, &json);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message().find("optionalString") != std::string::npos);
  CHECK(json == "prefix");

  TestAllTypes deep;
  TestAllTypes* current = &deep;
  for (int i = 0; i < 150; ++i) current = current->mutable_recursive_message();
  status = grpcgw::MessageToJson(deep, &json);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  grpcgw::JsonOptions deeper;
  deeper.max_depth = 200;
  CHECK(grpcgw::MessageToJson(deep, &json, deeper).ok());
}

TEST_CASE("print writes long keys, escaped json_name keys and enums with spread-out numbers", "[json]") {
  // What the compiled test messages do not have: a field name longer than
  // any there, a json_name with characters JSON must escape, and an enum
  // whose numbers are far apart.
  google::protobuf::DescriptorPool pool;
  google::protobuf::FileDescriptorProto file;
  file.set_name("print_keys_test.proto");
  file.set_package("keys");
  file.set_syntax("proto3");
  auto* type = file.add_message_type();
  type->set_name("Keys");
  auto* long_name = type->add_field();
  long_name->set_name("a_field_name_that_is_longer_than_forty_bytes_in_json");
  long_name->set_number(1);
  long_name->set_type(google::protobuf::FieldDescriptorProto::TYPE_INT32);
  long_name->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  auto* odd = type->add_field();
  odd->set_name("odd");
  odd->set_json_name("we\"ird\\key");
  odd->set_number(2);
  odd->set_type(google::protobuf::FieldDescriptorProto::TYPE_INT32);
  odd->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  auto* sparse_enum = file.add_enum_type();
  sparse_enum->set_name("Sparse");
  sparse_enum->add_value()->set_name("SPARSE_ZERO");
  sparse_enum->mutable_value(0)->set_number(0);
  sparse_enum->add_value()->set_name("SPARSE_FAR");
  sparse_enum->mutable_value(1)->set_number(1000000);
  auto* sparse = type->add_field();
  sparse->set_name("sparse");
  sparse->set_number(3);
  sparse->set_type(google::protobuf::FieldDescriptorProto::TYPE_ENUM);
  sparse->set_type_name(".keys.Sparse");
  sparse->set_label(google::protobuf::FieldDescriptorProto::LABEL_REPEATED);
  REQUIRE(pool.BuildFile(file) != nullptr);
  google::protobuf::DynamicMessageFactory factory(&pool);
  const google::protobuf::Descriptor* descriptor = pool.FindMessageTypeByName("keys.Keys");
  std::unique_ptr<google::protobuf::Message> message(factory.GetPrototype(descriptor)->New());
  const google::protobuf::Reflection* reflection = message->GetReflection();
  reflection->SetInt32(message.get(), descriptor->field(0), 1);
  reflection->SetInt32(message.get(), descriptor->field(1), 2);
  for (int number : {1000000, 0, 7}) reflection->AddEnumValue(message.get(), descriptor->field(2), number);

  std::string json;
  REQUIRE(grpcgw::MessageToJson(*message, &json).ok());
  CHECK(json ==
        R"({"aFieldNameThatIsLongerThanFortyBytesInJson":1,"we\"ird\\key":2,"sparse":["SPARSE_FAR","SPARSE_ZERO",7]})");
  grpcgw::JsonOptions proto_names;
  proto_names.use_proto_names = true;
  REQUIRE(grpcgw::MessageToJson(*message, &json, proto_names).ok());
  CHECK(json ==
        R"({"a_field_name_that_is_longer_than_forty_bytes_in_json":1,"odd":2,"sparse":["SPARSE_FAR","SPARSE_ZERO",7]})");

  // And back: the escaped key names the field.
  std::unique_ptr<google::protobuf::Message> parsed(factory.GetPrototype(descriptor)->New());
  grpc::Status status = grpcgw::JsonToMessage(R"({"we\"ird\\key":3})", parsed.get());
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(parsed->GetReflection()->GetInt32(*parsed, descriptor->field(1)) == 3);
}

}  // namespace

namespace {

namespace pb = google::protobuf;

// Sets `field` of `message` through reflection: `variant` 0 is a value other
// than the default, 1 the default (which marks presence where the field has
// it), 2 a value set and then cleared.
void SetOneField(pb::Message* message, const pb::FieldDescriptor* field, int variant) {
  const pb::Reflection* r = message->GetReflection();
  using FD = pb::FieldDescriptor;
  if (field->is_repeated()) {
    if (variant == 1) return;
    if (field->cpp_type() == FD::CPPTYPE_MESSAGE) {
      r->AddMessage(message, field);
    } else if (field->cpp_type() == FD::CPPTYPE_STRING) {
      r->AddString(message, field, "s");
    } else if (field->cpp_type() == FD::CPPTYPE_ENUM) {
      r->AddEnumValue(message, field, 0);
    } else if (field->cpp_type() == FD::CPPTYPE_BOOL) {
      r->AddBool(message, field, false);
    } else if (field->cpp_type() == FD::CPPTYPE_FLOAT) {
      r->AddFloat(message, field, -0.0f);
    } else if (field->cpp_type() == FD::CPPTYPE_DOUBLE) {
      r->AddDouble(message, field, 2.5);
    } else if (field->cpp_type() == FD::CPPTYPE_INT32 || field->cpp_type() == FD::CPPTYPE_UINT32) {
      field->cpp_type() == FD::CPPTYPE_INT32 ? r->AddInt32(message, field, -7) : r->AddUInt32(message, field, 7);
    } else {
      field->cpp_type() == FD::CPPTYPE_INT64 ? r->AddInt64(message, field, -7) : r->AddUInt64(message, field, 7);
    }
    if (variant == 2) r->ClearField(message, field);
    return;
  }
  const bool d = variant == 1;
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32: r->SetInt32(message, field, d ? 0 : -5); break;
    case FD::CPPTYPE_INT64: r->SetInt64(message, field, d ? 0 : int64_t{1} << 40); break;
    case FD::CPPTYPE_UINT32: r->SetUInt32(message, field, d ? 0 : 9); break;
    case FD::CPPTYPE_UINT64: r->SetUInt64(message, field, d ? 0 : 9); break;
    case FD::CPPTYPE_FLOAT: r->SetFloat(message, field, d ? 0.0f : -0.0f); break;
    case FD::CPPTYPE_DOUBLE: r->SetDouble(message, field, d ? 0.0 : -0.0); break;
    case FD::CPPTYPE_BOOL: r->SetBool(message, field, !d); break;
    case FD::CPPTYPE_STRING: r->SetString(message, field, d ? "" : "v"); break;
    case FD::CPPTYPE_ENUM: r->SetEnumValue(message, field, d ? 0 : field->enum_type()->value(field->enum_type()->value_count() - 1)->number()); break;
    case FD::CPPTYPE_MESSAGE: r->MutableMessage(message, field); break;
  }
  if (variant == 2) r->ClearField(message, field);
}

// Compiled-in messages of wide types find their set fields by comparing the
// object with a fresh one (json/presence_scan.h); dynamic messages of the
// same type ask reflection field by field. Both must print the same.
TEST_CASE("print lists the same fields of a wide compiled-in message as reflection does", "[json]") {
  pb::DynamicMessageFactory factory;
  const pb::Message* dynamic_prototype = factory.GetPrototype(TestAllTypes::descriptor());
  const pb::Descriptor* descriptor = TestAllTypes::descriptor();
  pb::Arena arena;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const pb::FieldDescriptor* field = descriptor->field(i);
    // An empty google.protobuf.Value has no JSON form.
    const pb::Descriptor* type = field->message_type();
    if (type != nullptr && field->is_map()) type = type->map_value()->message_type();
    if (type != nullptr && type->full_name() == "google.protobuf.Value") continue;
    for (int variant = 0; variant < 3; ++variant) {
      for (bool on_arena : {false, true}) {
        INFO("field " << field->name() << ", variant " << variant << (on_arena ? ", on an arena" : ""));
        TestAllTypes* compiled = on_arena ? pb::Arena::CreateMessage<TestAllTypes>(&arena) : new TestAllTypes;
        std::unique_ptr<TestAllTypes> owned(on_arena ? nullptr : compiled);
        // Also as a nested message, and after its cached size was filled in.
        SetOneField(compiled, field, variant);
        SetOneField(compiled->mutable_optional_nested_message()->mutable_corecursive(), field, variant);
        compiled->ByteSizeLong();
        std::unique_ptr<pb::Message> dynamic(dynamic_prototype->New());
        REQUIRE(dynamic->ParseFromString(compiled->SerializeAsString()));
        std::string from_compiled, from_dynamic;
        REQUIRE(grpcgw::MessageToJson(*compiled, &from_compiled).ok());
        REQUIRE(grpcgw::MessageToJson(*dynamic, &from_dynamic).ok());
        CHECK(from_compiled == from_dynamic);
        // And the message parsed back from the wire, whose maps are filled
        // through their map side.
        TestAllTypes reparsed;
        REQUIRE(reparsed.ParseFromString(compiled->SerializeAsString()));
        std::string from_reparsed;
        REQUIRE(grpcgw::MessageToJson(reparsed, &from_reparsed).ok());
        CHECK(from_reparsed == from_dynamic);
      }
    }
  }
}

}  // namespace
