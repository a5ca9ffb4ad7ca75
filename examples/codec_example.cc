// Builds a chat::Message, prints it as proto3 JSON with grpcgw's codec, and
// parses the JSON back.
//
//   $ codec_example
//   {"room":"lobby","author":"ada","text":"hello, \"world\"","seq":"42","sentAt":"2024-05-01T12:30:00.250Z"}
//   round trip: equal
#include <cstdio>
#include <string>

#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <grpcgw/json.h>

#include "chat.pb.h"

int main() {
  chat::Message message;
  message.set_room("lobby");
  message.set_author("ada");
  message.set_text("hello, \"world\"");
  message.set_seq(42);  // int64: a JSON string
  google::protobuf::util::TimeUtil::FromString("2024-05-01T12:30:00.250Z", message.mutable_sent_at());

  std::string json;
  grpc::Status status = grpcgw::MessageToJson(message, &json);
  if (!status.ok()) {
    std::fprintf(stderr, "MessageToJson: %s\n", status.error_message().c_str());
    return 1;
  }
  std::printf("%s\n", json.c_str());

  chat::Message parsed;
  status = grpcgw::JsonToMessage(json, &parsed);
  if (!status.ok()) {
    std::fprintf(stderr, "JsonToMessage: %s\n", status.error_message().c_str());
    return 1;
  }
  bool equal = google::protobuf::util::MessageDifferencer::Equals(message, parsed);
  std::printf("round trip: %s\n", equal ? "equal" : "DIFFERENT");

  // Errors name the field and what was expected.
  status = grpcgw::JsonToMessage(R"({"room":"lobby","seq":"forty-two"})", &parsed);
  std::printf("bad input: %s\n", status.error_message().c_str());
  return equal ? 0 : 1;
}
