// JsonOutput: appends JSON text straight into the caller's std::string,
// through a raw cursor (no per-character size bookkeeping), and the string
// escaping the printer uses. Knows nothing of messages; commas and colons are
// the caller's business.
#ifndef GRPCGW_SRC_JSON_JSON_OUTPUT_H_
#define GRPCGW_SRC_JSON_JSON_OUTPUT_H_

#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>

namespace grpcgw::json_internal {

// The most bytes AppendQuotedTo writes for `size` bytes of text: quotes, and
// every byte a six-character \u00XX escape.
constexpr size_t MaxQuotedLength(size_t size) { return 2 + 6 * size; }

// Writes `text` as a JSON string, quotes included, to `out` (which has room
// for MaxQuotedLength(text.size()) bytes); returns the end of what it wrote.
// Escapes '"', '\\' and the control characters below U+0020 (\b \f \n \r \t
// by letter, the rest as \u00XX); copies every other byte as it is, so the
// text must be valid UTF-8 for the result to be JSON. Sets *non_ascii when
// the text has a byte above 0x7F (only then can it be invalid UTF-8).
char* AppendQuotedTo(std::string_view text, char* out, bool* non_ascii);

// Appends `text` quoted and escaped as above.
void AppendJsonString(std::string_view text, std::string* out);

class JsonOutput {
 public:
  // Appends to `*out`, which must outlive this and must not be touched until
  // Finish() or Rollback().
  explicit JsonOutput(std::string* out) : out_(out), start_(out->size()) {
    // Use the capacity the string already has, within reason: resizing
    // fills the new bytes.
    size_t room = out->capacity() - start_;
    if (room < kMinRoom) room = kMinRoom;
    if (room > kMaxInitialRoom) room = kMaxInitialRoom;
    const size_t size = start_ + room;
    out_->resize(size);
    begin_ = out_->data();
    cursor_ = begin_ + start_;
    limit_ = begin_ + size;
  }
  JsonOutput(const JsonOutput&) = delete;
  JsonOutput& operator=(const JsonOutput&) = delete;

  // Makes room for `n` more bytes and returns where they go; Commit the end
  // of what was written.
  char* Reserve(size_t n) {
    if (static_cast<size_t>(limit_ - cursor_) < n) Grow(n);
    return cursor_;
  }
  void Commit(char* end) { cursor_ = end; }

  void Put(char c) { *Reserve(1) = c; ++cursor_; }
  void Append(std::string_view text) {
    char* p = Reserve(text.size());
    std::memcpy(p, text.data(), text.size());
    cursor_ = p + text.size();
  }
  // A JSON string, escaped (the text must be valid UTF-8).
  void Quoted(std::string_view text) {
    bool non_ascii = false;
    cursor_ = AppendQuotedTo(text, Reserve(MaxQuotedLength(text.size())), &non_ascii);
  }

  // Ends the output: the string holds what was there before plus what was
  // written.
  void Finish() { out_->resize(static_cast<size_t>(cursor_ - begin_)); }
  // Ends the output: the string holds only what was there before.
  void Rollback() { out_->resize(start_); }

 private:
  static constexpr size_t kMinRoom = 1024;
  static constexpr size_t kMaxInitialRoom = 16 * 1024;

  void Grow(size_t n) {
    const size_t used = static_cast<size_t>(cursor_ - begin_);
    size_t size = out_->size() * 2;
    if (size < used + n) size = used + n;
    out_->resize(size);
    begin_ = out_->data();
    cursor_ = begin_ + used;
    limit_ = begin_ + size;
  }

  std::string* out_;
  size_t start_;
  char* begin_;
  char* cursor_;
  char* limit_;
};

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_JSON_OUTPUT_H_
