// The proto3 JSON codec's round trip: whatever JSON parses into the test
// message must print (MessageToJson), the printed JSON must parse back into
// an equal message, and equal messages must print the same bytes (the
// message parsed back, and a binary copy). The print options that change
// the spelling but not the meaning are chosen from the input. With
// emit_unpopulated the printed JSON must parse, but need not give an equal
// message: an unset google.protobuf.Value field prints as null, and null
// parses as a Value holding NULL_VALUE (the proto3 JSON mapping says so).
#include <string>

#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

#include "fuzz_util.h"
#include "grpcgw/json.h"
#include "json_test.pb.h"

namespace {

using grpcgw_test::TestAllTypes;

bool Same(const google::protobuf::Message& a, const google::protobuf::Message& b,
          std::string* diff) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  differencer.ReportDifferencesToString(diff);
  return differencer.Compare(a, b);
}

std::string Print(const google::protobuf::Message& m, const grpcgw::JsonOptions& options,
                  const char* what) {
  std::string json;
  const grpc::Status s = grpcgw::MessageToJson(m, &json, options);
  FUZZ_CHECK(s.ok(), std::string(what) + " does not print: " + s.error_message() +
                         "\n  message: " + m.ShortDebugString());
  return json;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  Choices choices(input);
  grpcgw::JsonOptions parse;
  parse.ignore_unknown_fields = choices.Flip();
  TestAllTypes first;
  if (!grpcgw::JsonToMessage(input, &first, parse).ok()) return 0;

  grpcgw::JsonOptions print;
  print.use_proto_names = choices.Flip();
  print.enums_as_ints = choices.Flip();
  const std::string json = Print(first, print, "a parsed message");

  TestAllTypes second;
  grpc::Status back = grpcgw::JsonToMessage(json, &second);
  FUZZ_CHECK(back.ok(), "printed JSON does not parse: " + back.error_message() + "\n  json: " +
                            json);
  std::string diff;
  FUZZ_CHECK(Same(first, second, &diff), "printed JSON parses to another message: " + diff +
                                             "\n  json: " + json);
  FUZZ_CHECK(Print(second, print, "the message parsed back") == json,
             "equal messages print differently (parsed back)\n  json: " + json);

  // An equal message built another way: a binary copy.
  TestAllTypes copy;
  FUZZ_CHECK(copy.ParseFromString(first.SerializeAsString()), "binary copy");
  FUZZ_CHECK(Print(copy, print, "a binary copy") == json,
             "equal messages print differently (binary copy)\n  json: " + json);

  print.emit_unpopulated = true;
  const std::string full = Print(first, print, "a parsed message (emit_unpopulated)");
  TestAllTypes third;
  back = grpcgw::JsonToMessage(full, &third);
  FUZZ_CHECK(back.ok(), "printed JSON (emit_unpopulated) does not parse: " + back.error_message() +
                            "\n  json: " + full);
  FUZZ_CHECK(Print(copy, print, "a binary copy (emit_unpopulated)") == full,
             "equal messages print differently (emit_unpopulated)\n  json: " + full);
  return 0;
}
