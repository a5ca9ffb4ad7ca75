#include "json/json_tree.h"

#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "json/rapidjson_config.h"
#include "json/text_codec.h"
#include "text/utf8.h"

namespace grpcgw::json_internal {
namespace {

// Bytes of zeros after the input in the parse buffer: room for the 16-byte
// loads of ScanPlainBytes that start at or before its end.
constexpr size_t kBufferPadding = 16;

#if defined(__SSE2__)
#define GRPCGW_JSON_SCAN_SSE2 1
// Moves *src (and *dst with it, copying the bytes from the one to the other
// when they differ, after an escape) over the bytes of a string that need
// no decoding: up to the first '"', '\' or byte below 0x20, 16 bytes at a
// time. Such a byte always comes (the input ends with a NUL), and it comes
// before the end of the buffer's padding, so no load reads past it.
void ScanPlainBytes(char** src, char** dst) {
  char* p = *src;
  char* q = *dst;
  const bool copy = p != q;
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control = _mm_set1_epi8(0x1F);
  for (;;) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    // Below 0x20: max(byte, 0x1F) == 0x1F, unsigned.
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                     _mm_cmpeq_epi8(_mm_max_epu8(bytes, control), control));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(special));
    if (mask != 0) {
      const size_t n = static_cast<size_t>(__builtin_ctz(mask));
      if (copy) std::memmove(q, p, n);
      *src = p + n;
      *dst = q + n;
      return;
    }
    // q is behind p: the 16 bytes stored overwrite only bytes already read.
    if (copy) _mm_storeu_si128(reinterpret_cast<__m128i*>(q), bytes);
    p += 16;
    q += 16;
  }
}
#endif

}  // namespace
}  // namespace grpcgw::json_internal

#ifdef GRPCGW_JSON_SCAN_SSE2
// RapidJSON copies the plain runs of an in-place string one byte at a time
// unless built with its own SIMD scan (RAPIDJSON_SSE2), which is not used
// here: in RapidJSON 1.1 it lets raw bytes 0x1A-0x1F through. Its hook for
// the scan is a member template, specialized here for the reader and the
// stream the tree uses.
namespace grpcgw_rapidjson {
template <>
template <>
inline void GenericReader<UTF8<>, UTF8<>, CrtAllocator>::ScanCopyUnescapedString<InsituStringStream, InsituStringStream>(
    InsituStringStream& is, InsituStringStream& /*os, the same stream*/) {
  grpcgw::json_internal::ScanPlainBytes(&is.src_, &is.dst_);
}
}  // namespace grpcgw_rapidjson
#endif

namespace grpcgw::json_internal {

// Receives RapidJSON's SAX events. Scalars are pushed on a stack; when a
// container ends, its children move from the stack to the tree's node array,
// so that the children of one container are contiguous.
class JsonTree::Builder : public rj::BaseReaderHandler<rj::UTF8<>, Builder> {
 public:
  // `check_surrogates`: strings may hold escaped surrogates (the input has
  // a "\u" somewhere); without, no string can hold one.
  Builder(JsonTree* tree, int max_depth, const char* base, bool check_surrogates)
      : tree_(tree), max_depth_(max_depth), base_(base), check_surrogates_(check_surrogates) {}

  bool Null() { return Push(JsonNode::kNull); }
  bool Bool(bool b) { return Push(b ? JsonNode::kTrue : JsonNode::kFalse); }
  bool RawNumber(const char* str, rj::SizeType length, bool /*copy*/) {
    return PushText(JsonNode::kNumber, str, length);
  }
  bool String(const char* str, rj::SizeType length, bool /*copy*/) {
    if (check_surrogates_ && FindEncodedSurrogate({str, length}) != std::string_view::npos) {
      error_ = "a string holds an unpaired UTF-16 surrogate (\\uD800-\\uDFFF)";
      error_offset_ = static_cast<size_t>(str - base_);
      return false;
    }
    return PushText(JsonNode::kString, str, length);
  }
  bool Key(const char* str, rj::SizeType length, bool copy) {
    return String(str, length, copy);
  }
  bool StartObject() { return Enter(); }
  bool StartArray() { return Enter(); }
  bool EndObject(rj::SizeType members) { return Leave(JsonNode::kObject, members, 2 * members); }
  bool EndArray(rj::SizeType elements) { return Leave(JsonNode::kArray, elements, elements); }
  // Never called with kParseNumbersAsStringsFlag; refuse rather than guess.
  bool Default() { return false; }

  const std::string& error() const { return error_; }
  size_t error_offset() const { return error_offset_; }
  JsonNode TakeRoot() { return stack_.back(); }

 private:
  // Nodes are written in place, field by field: a node put together in a
  // local and copied would be read back as one 16-byte load right after its
  // narrower stores, which the CPU cannot forward (a stall per value).
  JsonNode& NewNode() {
    stack_.emplace_back();
    return stack_.back();
  }
  bool Push(JsonNode::Kind kind) {
    JsonNode& node = NewNode();
    node.kind = kind;
    node.size = 0;
    node.text = nullptr;
    return true;
  }
  bool PushText(JsonNode::Kind kind, const char* str, rj::SizeType length) {
    JsonNode& node = NewNode();
    node.kind = kind;
    node.size = length;
    node.text = str;
    return true;
  }
  bool Enter() {
    if (++depth_ > max_depth_) {
      error_ = "nesting deeper than " + std::to_string(max_depth_) + " levels";
      error_offset_ = std::string::npos;
      return false;
    }
    return true;
  }
  bool Leave(JsonNode::Kind kind, uint32_t size, size_t children) {
    --depth_;
    const uint32_t first = static_cast<uint32_t>(tree_->nodes_.size());
    tree_->nodes_.insert(tree_->nodes_.end(), stack_.end() - static_cast<ptrdiff_t>(children),
                         stack_.end());
    stack_.resize(stack_.size() - children);
    JsonNode& node = NewNode();
    node.kind = kind;
    node.size = size;
    node.first = first;
    return true;
  }

  JsonTree* tree_;
  int max_depth_;
  int depth_ = 0;
  const char* base_;
  bool check_surrogates_;
  std::vector<JsonNode> stack_;
  std::string error_;
  size_t error_offset_ = 0;
};

grpc::Status JsonTree::Parse(std::string_view json, int max_depth) {
  // RapidJSON treats NUL as the end of input; inside JSON text a raw NUL is
  // never valid, so refuse it instead of ignoring what follows.
  if (const void* nul = std::memchr(json.data(), '\0', json.size())) {
    size_t offset = static_cast<size_t>(static_cast<const char*>(nul) - json.data());
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "invalid JSON at offset " + std::to_string(offset) + ": NUL byte");
  }
  // The whole text is checked for UTF-8 here, in one fast pass, rather than
  // by RapidJSON string by string: outside strings, a byte above 0x7F is an
  // error either way.
  internal::Utf8Validator utf8;
  if (!utf8.Feed(json) || !utf8.AtCodePointBoundary()) {
    const uint64_t offset = utf8.failed() ? utf8.error_offset() : json.size();
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "invalid JSON at offset " + std::to_string(offset) + ": invalid UTF-8");
  }
  // The input, then zeros for the 16-byte loads of ScanPlainBytes (RapidJSON
  // stops at the first); one allocation.
  buffer_.clear();
  buffer_.reserve(json.size() + kBufferPadding);
  buffer_.append(json.data(), json.size());
  buffer_.append(kBufferPadding, '\0');
  nodes_.clear();
  nodes_.reserve(json.size() / 8 + 4);
  // Escaped lone surrogates need a "\u"; raw ones are invalid UTF-8.
  const bool check_surrogates = json.find("\\u") != std::string_view::npos;
  Builder builder(this, max_depth, buffer_.data(), check_surrogates);
  rj::Reader reader;
  rj::InsituStringStream stream(buffer_.data());
  constexpr unsigned kFlags = rj::kParseInsituFlag | rj::kParseNumbersAsStringsFlag;
  rj::ParseResult result = reader.Parse<kFlags>(stream, builder);
  if (!result) {
    std::string message = "invalid JSON";
    size_t offset = result.Offset();
    std::string problem = rj::GetParseError_En(result.Code());
    if (result.Code() == rj::kParseErrorTermination && !builder.error().empty()) {
      problem = builder.error();
      if (builder.error_offset() != std::string::npos) offset = builder.error_offset();
    }
    message += " at offset " + std::to_string(offset) + ": " + problem;
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
  }
  root_ = builder.TakeRoot();
  return grpc::Status::OK;
}

std::string DescribeNode(const JsonNode& node) {
  constexpr size_t kMaxShown = 40;
  switch (node.kind) {
    case JsonNode::kNull:
      return "null";
    case JsonNode::kFalse:
      return "false";
    case JsonNode::kTrue:
      return "true";
    case JsonNode::kNumber:
      return std::string(node.str().substr(0, kMaxShown));
    case JsonNode::kString: {
      std::string shown = "\"";
      std::string_view text = node.str();
      if (text.size() <= kMaxShown) {
        shown.append(text);
      } else {
        // Cut at a UTF-8 character boundary.
        size_t cut = kMaxShown;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        shown.append(text.substr(0, cut)).append("...");
      }
      return shown + "\"";
    }
    case JsonNode::kArray:
      return "an array";
    case JsonNode::kObject:
      return "an object";
  }
  return "?";
}

}  // namespace grpcgw::json_internal
