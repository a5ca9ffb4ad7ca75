// A strict, incremental, IO-free HTTP/1.1 request parser (RFC 9112): the
// request head, and chunked request bodies. The connection loop owns the
// bytes and the sockets; these classes only look at what it has received.
//
//   RequestHeadParser parser(limits);
//   std::string buffered;                       // bytes since the request's first byte
//   for (;;) {
//     buffered += ReadSomeBytes();
//     switch (parser.Parse(buffered)) {
//       case RequestHeadParser::Result::kIncomplete: continue;
//       case RequestHeadParser::Result::kError:      Reply(parser.error().status); Close();
//       case RequestHeadParser::Result::kComplete:   body starts at parser.head_size()
//     }
//   }
//
//   ChunkedBodyDecoder decoder(limits);          // head().body == Body::kChunked
//   size_t used;
//   decoder.Feed(bytes, &used, &body);           // any split of the input
//
// What is accepted (and every other input is refused with the status given):
//   - Request line: method token, one SP, request-target, one SP, HTTP/1.1
//     or HTTP/1.0 [400; another HTTP/d.d is 505]. The target is visible
//     ASCII only, and is origin-form ("/..."), "*" with OPTIONS, or
//     absolute-form ("scheme:..."); CONNECT takes any visible-ASCII target
//     (authority-form) [400]. Empty lines before the request line are
//     skipped; they count towards the head limit.
//   - Line ends are CRLF or a bare LF; a CR followed by anything else is
//     refused [400].
//   - Header fields: a token name, a colon straight after it (no whitespace
//     before the colon), a value of SP, HTAB, visible ASCII and bytes
//     0x80-0xFF; any other control byte (NUL, CR, ...) [400]. Lines folded
//     with leading whitespace (obs-fold) [400]. Values are kept byte for
//     byte, without surrounding SP/HTAB; nothing is percent-decoded.
//   - HTTP/1.1 needs exactly one Host field, HTTP/1.0 at most one; its value
//     may only hold URI host characters [400].
//   - Framing (section 6): Transfer-Encoding fields joined into one list must
//     end in `chunked`, hold it once and hold nothing else; another coding
//     before the final chunked is not implemented [501], every other list
//     [400]. Transfer-Encoding in HTTP/1.0, or with Content-Length [400].
//     Content-Length is 1 to 18 digits; repeated (as fields or as list
//     members), every copy must be byte-identical [400].
//   - Limits (HeadLimits), checked at the byte that passes them, complete
//     head or not: a request line over max_request_line [414], a head over
//     max_head_bytes [431], more than max_headers fields [431].
// Errors are found at the earliest byte that shows them, so the outcome does
// not depend on how the input is split.
//
// Chunked bodies: chunk-size is 1 to 16 hex digits (no sign, no "0x", no
// whitespace, except BWS before an extension) [400]; extensions follow the
// grammar `*(BWS ";" BWS name [BWS "=" BWS (token / quoted-string)])` and are
// ignored; chunk data must be followed by CRLF or LF [400]; after the last
// chunk, trailer fields are checked like header fields and dropped. Limits:
// data beyond max_body_bytes [413, refused at the chunk-size digit that
// passes it, before any of its data]; a chunk-size line over max_line_bytes
// [400]; a trailer line over max_line_bytes, or a trailer section over
// max_trailer_bytes [431].
//
// Not thread-safe; one object per connection, reused through Reset().
#ifndef GRPCGW_SERVER_HTTP1_PARSER_H_
#define GRPCGW_SERVER_HTTP1_PARSER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace grpcgw {
namespace internal {

struct HeadLimits {
  size_t max_request_line = 8192;  // bytes of the request line, without its line end
  size_t max_head_bytes = 65536;   // the whole head: request line, header lines, the empty line
  size_t max_headers = 100;        // header fields
};

// Raw bytes as received; value without surrounding OWS.
struct HeaderField {
  std::string name;
  std::string value;
};

// status: 400, 413, 414, 431, 501, 505.
struct HttpParseError {
  int status = 0;
  std::string message;
};

struct RequestHead {
  std::string method;
  std::string target;     // as received (origin-form "/p?q", "*" for OPTIONS, or absolute-form)
  int version_minor = 1;  // HTTP/1.0 or HTTP/1.1
  std::vector<HeaderField> headers;
  enum class Body { kNone, kContentLength, kChunked };
  Body body = Body::kNone;
  uint64_t content_length = 0;   // kContentLength only
  bool keep_alive = true;        // from the version and Connection tokens (close / keep-alive)
  bool expect_continue = false;  // Expect: 100-continue (HTTP/1.1 only)

  // First header with this name (ASCII case-insensitive), or null.
  const std::string* Find(std::string_view name) const;
  // Whether a comma-separated header (all fields of that name) holds `token`
  // (case-insensitive).
  bool HasToken(std::string_view name, std::string_view token) const;
};

class RequestHeadParser {
 public:
  enum class Result { kIncomplete, kComplete, kError };

  explicit RequestHeadParser(const HeadLimits& limits = {});

  // `buffered` is every byte received since the request's first byte (the
  // caller appends new bytes and calls again with the longer view; the
  // prefix never changes). Each call looks at the new bytes only.
  // kComplete: head() is filled and head_size() is the number of bytes of
  // the head (the body starts there). kError: error() says which status.
  // Once complete or failed, later calls return the same result.
  Result Parse(std::string_view buffered);
  // For the next request on the connection (limits are kept).
  void Reset();

  const RequestHead& head() const { return head_; }
  RequestHead& mutable_head() { return head_; }
  size_t head_size() const { return head_size_; }
  const HttpParseError& error() const { return error_; }
  const HeadLimits& limits() const { return limits_; }

 private:
  enum class State {
    kBeforeRequest,   // skipping empty lines
    kBeforeRequestLf, // CR of an empty line seen
    kMethod,
    kTarget,
    kVersion,
    kRequestLineLf,   // CR after the version seen
    kFieldStart,
    kFieldName,
    kFieldValue,
    kFieldLf,         // CR after a field value seen
    kHeadEndLf,       // CR of the final empty line seen
    kComplete,
    kError,
  };

  bool Step(std::string_view in, size_t i);  // false: failed
  bool EndRequestLine(std::string_view in);
  void EndField(std::string_view in);
  bool FinishHead();
  bool Fail(int status, std::string message);

  HeadLimits limits_;
  State state_ = State::kBeforeRequest;
  size_t pos_ = 0;             // next byte to look at
  size_t line_begin_ = 0;      // first byte of the current line
  size_t method_end_ = 0;
  size_t target_begin_ = 0;
  size_t target_end_ = 0;
  size_t version_begin_ = 0;
  size_t version_end_ = 0;
  size_t name_end_ = 0;
  size_t value_begin_ = 0;     // first byte of the value that is not OWS, or 0
  size_t value_end_ = 0;       // one past its last byte that is not OWS
  size_t fields_ = 0;
  size_t head_size_ = 0;
  RequestHead head_;
  HttpParseError error_;
};

class ChunkedBodyDecoder {
 public:
  enum class Result { kNeedMore, kDone, kError };
  struct Limits {
    uint64_t max_body_bytes = UINT64_MAX;  // sum of chunk data; a chunk size that would pass it -> 413 at once
    size_t max_line_bytes = 4096;          // a chunk-size line with extensions (400), or a trailer line (431)
    size_t max_trailer_bytes = 16384;      // the trailer section, with its final empty line (431)
  };

  ChunkedBodyDecoder() : ChunkedBodyDecoder(Limits()) {}
  explicit ChunkedBodyDecoder(const Limits& limits);

  // Consumes a prefix of `data` (*consumed bytes; any split of the input
  // works), appending the decoded data to *out when out is not null.
  // kNeedMore: all of `data` was consumed. kDone once the last chunk and the
  // trailer section ended (*consumed then stops right after the body: what
  // follows is the next request); later calls consume nothing and return
  // kDone. kError: error() says which status; later calls return kError.
  Result Feed(std::string_view data, size_t* consumed, std::string* out);
  uint64_t total() const { return total_; }  // data bytes so far
  const HttpParseError& error() const { return error_; }
  bool done() const { return state_ == State::kDone; }
  void Reset();

 private:
  enum class State {
    kSizeFirst,       // first hex digit of a chunk-size
    kSize,            // more hex digits
    kSizeBws,         // whitespace after the size: only ";" may follow
    kExtName0,        // after ";" (and BWS): the first byte of a name
    kExtName,
    kExtNameBws,      // whitespace after a name: "=" or ";" may follow
    kExtValue0,       // after "=" (and BWS)
    kExtToken,
    kExtQuoted,
    kExtQuotedPair,
    kExtQuotedEnd,    // after the closing quote
    kExtValueBws,     // whitespace after a value: only ";" may follow
    kSizeLineLf,      // CR of the chunk-size line seen
    kData,
    kDataCr,          // CRLF (or LF) after the data
    kDataLf,
    kTrailerStart,    // start of a trailer line, or the final empty line
    kTrailerName,
    kTrailerValue,
    kTrailerLf,
    kEndLf,           // CR of the final empty line seen
    kDone,
    kError,
  };

  bool EndSizeLine();
  bool Fail(int status, std::string message);

  Limits limits_;
  State state_ = State::kSizeFirst;
  uint64_t size_ = 0;        // of the current chunk while its digits are read
  size_t digits_ = 0;
  uint64_t remaining_ = 0;   // data bytes of the current chunk still to come
  uint64_t total_ = 0;
  size_t line_bytes_ = 0;    // of the current chunk-size or trailer line
  size_t trailer_bytes_ = 0;
  HttpParseError error_;
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_HTTP1_PARSER_H_
