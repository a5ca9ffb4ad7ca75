// JsonSequenceSplitter: cuts a byte stream of JSON values separated by
// whitespace (NDJSON, or values on one line) into single values, as bytes
// arrive, without parsing them (the codec does that).
//
//   JsonSequenceSplitter s(max_element_bytes);
//   s.Feed(chunk.data(), chunk.size());
//   std::string element; std::string error;
//   while (s.Next(&element, &error)) { ... }   // complete elements so far
//   if (!error.empty()) { ... }                // an element over the limit
//   s.Finish(&element, &error);                // a last scalar at the end of input
//
// Objects, arrays and strings end at their closing character; numbers and
// literals at whitespace or the end of input. Not thread-safe.
#ifndef GRPCGW_GATEWAY_JSON_SEQUENCE_H_
#define GRPCGW_GATEWAY_JSON_SEQUENCE_H_

#include <cstddef>
#include <deque>
#include <string>

namespace grpcgw {
namespace internal {

class JsonSequenceSplitter {
 public:
  explicit JsonSequenceSplitter(size_t max_element_bytes) : max_(max_element_bytes) {}

  void Feed(const char* data, size_t n);
  // Takes the next complete element. False when none is complete yet; then
  // *error is set if the input went wrong (an element over the limit).
  bool Next(std::string* element, std::string* error);
  // End of input: returns a pending scalar element, if any; *error is set if
  // an object, array or string was left unfinished.
  bool Finish(std::string* element, std::string* error);

  // Index of the element being read (0-based).
  size_t index() const { return index_; }

 private:
  const size_t max_;
  std::deque<std::string> ready_;
  std::string current_;
  bool in_value_ = false;
  bool scalar_ = false;
  bool in_string_ = false;
  bool escape_ = false;
  int depth_ = 0;
  size_t index_ = 0;
  std::string error_;
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_JSON_SEQUENCE_H_
