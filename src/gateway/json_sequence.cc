#include "gateway/json_sequence.h"

namespace grpcgw {
namespace internal {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

void JsonSequenceSplitter::Feed(const char* data, size_t n) {
  for (size_t i = 0; i < n && error_.empty(); ++i) {
    char c = data[i];
    if (!in_value_) {
      if (IsSpace(c)) continue;
      in_value_ = true;
      scalar_ = !(c == '{' || c == '[' || c == '"');
      in_string_ = c == '"';
      depth_ = (c == '{' || c == '[') ? 1 : 0;
      escape_ = false;
      current_.assign(1, c);
      continue;
    }
    bool complete = false;
    if (scalar_) {
      if (IsSpace(c)) {
        complete = true;
      } else {
        current_.push_back(c);
      }
    } else {
      current_.push_back(c);
      if (in_string_) {
        if (escape_) {
          escape_ = false;
        } else if (c == '\\') {
          escape_ = true;
        } else if (c == '"') {
          in_string_ = false;
          complete = depth_ == 0;
        }
      } else if (c == '"') {
        in_string_ = true;
      } else if (c == '{' || c == '[') {
        ++depth_;
      } else if (c == '}' || c == ']') {
        complete = --depth_ == 0;
      }
    }
    if (current_.size() > max_) {
      error_ = "element " + std::to_string(index_) + " is larger than the limit of " +
               std::to_string(max_) + " bytes";
      return;
    }
    if (complete) {
      ready_.push_back(std::move(current_));
      current_.clear();
      in_value_ = false;
      ++index_;
    }
  }
}

bool JsonSequenceSplitter::Next(std::string* element, std::string* error) {
  if (!ready_.empty()) {
    *element = std::move(ready_.front());
    ready_.pop_front();
    return true;
  }
  if (!error_.empty()) *error = error_;
  return false;
}

bool JsonSequenceSplitter::Finish(std::string* element, std::string* error) {
  if (Next(element, error)) return true;
  if (!error_.empty()) return false;
  if (!in_value_) return false;
  if (scalar_) {
    *element = std::move(current_);
    current_.clear();
    in_value_ = false;
    ++index_;
    return true;
  }
  *error = "element " + std::to_string(index_) + " is cut off by the end of the body";
  return false;
}

}  // namespace internal
}  // namespace grpcgw
