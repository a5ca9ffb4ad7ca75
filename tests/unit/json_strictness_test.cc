// Inputs that protobuf 3.21's own JSON parser accepts although the JSON
// grammar (RFC 8259) or the proto3 mapping forbids them; ours rejects every
// one. With protobuf 3.21 its acceptance is checked too, so the table keeps
// showing real leniency; with another version it is only reported.
#include <catch2/catch.hpp>

#include <google/protobuf/stubs/common.h>
#include <google/protobuf/util/json_util.h>

#include "grpcgw/json.h"
#include "json_test.pb.h"

namespace {

using grpcgw_test::TestAllTypes;

struct LenientRow {
  const char* name;
  const char* json;
};

TEST_CASE("inputs protobuf's parser guesses at are rejected", "[json]") {
  const std::vector<LenientRow> rows = {
      {"Recommended.TrailingCommaInAnObject", R"({"optionalInt32": 1,})"},
      {"Recommended.RepeatedFieldTrailingComma", R"({"repeatedInt32": [1, 2,]})"},
      {"Recommended.StringFieldSingleQuoteBoth", R"({'optionalString': 'x'})"},
      {"Recommended.StringFieldSingleQuoteValue", R"({"optionalString": 'x'})"},
      {"Recommended.FieldNameNotQuoted", R"({optionalInt32: 1})"},
      {"Recommended.BoolFieldDoubleQuotedTrue", R"({"optionalBool": "true"})"},
      {"Recommended.FieldNameDuplicate", R"({"optionalInt32": 1, "optionalInt32": 2})"},
      {"Recommended.FieldNameDuplicateDifferentCasing2",
       R"({"optionalNestedMessage": {"a": 1}, "optional_nested_message": {}})"},
      {"Recommended.RepeatedFieldPrimitiveElementIsNull", R"({"repeatedInt32": [1, null]})"},
      {"Recommended.MapFieldValueIsNull", R"({"mapInt32Int32": {"0": null}})"},
      {"enum number in a string", R"({"optionalNestedEnum": "1"})"},
      {"timestamp with ten fractional digits", R"({"optionalTimestamp": "1970-01-01T00:00:00.0000000001Z"})"},
      {"field mask with an empty path", R"({"optionalFieldMask": "a,,b"})"},
  };
  for (const LenientRow& row : rows) {
    INFO(row.name << ", json: " << row.json);
    TestAllTypes ours;
    grpc::Status status = grpcgw::JsonToMessage(row.json, &ours);
    CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
    TestAllTypes theirs;
    const bool protobuf_accepts = google::protobuf::util::JsonStringToMessage(row.json, &theirs).ok();
#if GOOGLE_PROTOBUF_VERSION >= 3021000 && GOOGLE_PROTOBUF_VERSION < 3022000
    CHECK(protobuf_accepts);  // Debian 12's protobuf accepts every row
#else
    if (!protobuf_accepts) WARN("protobuf " << GOOGLE_PROTOBUF_VERSION << " now rejects this input too");
#endif
  }
}

}  // namespace
