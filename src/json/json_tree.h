// JsonTree: a read-only tree of one JSON text, built with RapidJSON's SAX
// reader in place (strings and numbers point into a private copy of the
// input). Numbers keep their text, so the codec converts them exactly.
//
// Strict RFC 8259: one value, no comments, no trailing commas, no NaN
// literals, valid UTF-8 without lone surrogates (escaped or not), and nesting
// no deeper than a limit. Duplicate object keys are kept; the codec decides.
#ifndef GRPCGW_SRC_JSON_JSON_TREE_H_
#define GRPCGW_SRC_JSON_JSON_TREE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/support/status.h>

namespace grpcgw::json_internal {

struct JsonNode {
  enum Kind : uint8_t { kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };

  Kind kind;
  // Bytes of text for kNumber and kString; elements for kArray; members for
  // kObject.
  uint32_t size;
  union {
    const char* text;  // kNumber, kString: not NUL-terminated
    uint32_t first;    // kArray, kObject: index of the first child in the tree
  };

  std::string_view str() const { return {text, size}; }
};

class JsonTree {
 public:
  JsonTree() = default;
  JsonTree(const JsonTree&) = delete;
  JsonTree& operator=(const JsonTree&) = delete;

  // Parses `json`. On failure returns INVALID_ARGUMENT naming the byte offset
  // and the problem. Reusable: each call replaces the previous tree.
  grpc::Status Parse(std::string_view json, int max_depth);

  const JsonNode& root() const { return root_; }
  // Array elements: element(node, i). Object members: key(node, i) (a
  // kString node) and value(node, i).
  const JsonNode& element(const JsonNode& array, uint32_t i) const {
    return nodes_[array.first + i];
  }
  const JsonNode& key(const JsonNode& object, uint32_t i) const {
    return nodes_[object.first + 2 * i];
  }
  const JsonNode& value(const JsonNode& object, uint32_t i) const {
    return nodes_[object.first + 2 * i + 1];
  }

 private:
  class Builder;

  std::string buffer_;           // the input, decoded in place
  std::vector<JsonNode> nodes_;  // children of every array and object
  JsonNode root_{};
};

// A short rendering of `node` for error messages: the text of a scalar
// (strings quoted and cut after a few dozen bytes), or "an object"/"an array".
std::string DescribeNode(const JsonNode& node);

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_JSON_TREE_H_
