// The proto3 JSON codec's parser on arbitrary bytes: into the test message
// with every field kind, and into well-known types at the top level, with
// and without ignore_unknown_fields; what parses is printed again (which may
// fail only for the reasons MessageToJson documents). Sanitizers find the
// memory errors and undefined behaviour; the properties are in
// json_roundtrip_fuzz.cc.
#include <memory>
#include <string>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>

#include "fuzz_util.h"
#include "grpcgw/json.h"
#include "json_test.pb.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  Choices choices(input);
  std::unique_ptr<google::protobuf::Message> message;
  switch (choices.Below(16)) {
    case 0: message = std::make_unique<google::protobuf::Value>(); break;
    case 1: message = std::make_unique<google::protobuf::Struct>(); break;
    case 2: message = std::make_unique<google::protobuf::Any>(); break;
    case 3: message = std::make_unique<google::protobuf::Timestamp>(); break;
    case 4: message = std::make_unique<google::protobuf::Duration>(); break;
    case 5: message = std::make_unique<google::protobuf::FieldMask>(); break;
    case 6: message = std::make_unique<google::protobuf::ListValue>(); break;
    default: message = std::make_unique<grpcgw_test::TestAllTypes>(); break;
  }
  grpcgw::JsonOptions options;
  options.ignore_unknown_fields = choices.Flip();
  options.max_depth = choices.Flip() ? 100 : static_cast<int>(1 + choices.Below(8));
  grpc::Status status = grpcgw::JsonToMessage(input, message.get(), options);
  if (!status.ok()) {
    FUZZ_CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT, status.error_message());
    FUZZ_CHECK(!status.error_message().empty(), "error without a message");
    return 0;
  }
  grpcgw::JsonOptions print;
  print.emit_unpopulated = choices.Flip();
  print.use_proto_names = choices.Flip();
  print.enums_as_ints = choices.Flip();
  std::string json;
  (void)grpcgw::MessageToJson(*message, &json, print);
  // Merging the same input again into the parsed message.
  (void)grpcgw::MergeJsonToMessage(input, message.get(), options);
  return 0;
}
