// Helpers shared by the codec tests (tests/unit/json_*.cc).
#ifndef GRPCGW_TESTS_UNIT_JSON_TEST_UTIL_H_
#define GRPCGW_TESTS_UNIT_JSON_TEST_UTIL_H_

#include <string>

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>

namespace grpcgw_test_util {

// Parses protobuf text format; the test data is written by hand, so a parse
// failure is a bug in the test.
template <typename M>
M FromText(const std::string& text) {
  M message;
  google::protobuf::TextFormat::Parser parser;
  parser.AllowPartialMessage(true);  // proto2 required fields may stay unset
  if (!parser.ParseFromString(text, &message)) {
    throw std::runtime_error("bad text proto in test: " + text);
  }
  return message;
}

inline std::string ToText(const google::protobuf::Message& message) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(message, &text);
  return text;
}

// Field-by-field equality (maps as maps, Any unpacked, NaN equal to NaN).
// Fills *diff with what differs.
inline bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b,
                        std::string* diff) {
  google::protobuf::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  differencer.ReportDifferencesToString(diff);
  return differencer.Compare(a, b);
}

}  // namespace grpcgw_test_util

#endif  // GRPCGW_TESTS_UNIT_JSON_TEST_UTIL_H_
