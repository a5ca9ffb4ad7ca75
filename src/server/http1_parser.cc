#include "server/http1_parser.h"

#include <algorithm>

#include <string>
#include <utility>

namespace grpcgw {
namespace internal {
namespace {

// tchar (RFC 9110 section 5.6.2).
struct TcharTable {
  bool t[256] = {};
  constexpr TcharTable() {
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    for (char c : {'!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~'}) {
      t[static_cast<unsigned char>(c)] = true;
    }
  }
};
constexpr TcharTable kTokenChars;

inline bool IsTchar(unsigned char c) { return kTokenChars.t[c]; }
inline bool IsWs(unsigned char c) { return c == ' ' || c == '\t'; }
inline bool IsVisible(unsigned char c) { return c >= 0x21 && c <= 0x7E; }
// A byte of a field value other than SP/HTAB: VCHAR or obs-text.
inline bool IsFieldVchar(unsigned char c) { return c >= 0x21 && c != 0x7F; }
inline bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
inline bool IsAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

inline char LowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (LowerAscii(a[i]) != LowerAscii(b[i])) return false;
  }
  return true;
}

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsWs(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && IsWs(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Calls f(member) for each member of a comma-separated list, OWS-trimmed,
// empty members included.
template <typename F>
void ForEachListMember(std::string_view value, F&& f) {
  for (;;) {
    const size_t comma = value.find(',');
    f(TrimOws(value.substr(0, comma)));
    if (comma == std::string_view::npos) return;
    value.remove_prefix(comma + 1);
  }
}

// uri-host [":" port] characters (RFC 3986: reg-name, IP-literal, IPv4).
bool IsHostValue(std::string_view s) {
  for (unsigned char c : s) {
    if (IsAlpha(c) || IsDigit(c)) continue;
    switch (c) {
      case '-': case '.': case '_': case '~': case '!': case '$': case '&': case '\'':
      case '(': case ')': case '*': case '+': case ',': case ';': case '=': case ':':
      case '[': case ']': case '%':
        continue;
      default:
        return false;
    }
  }
  return true;
}

}  // namespace

const std::string* RequestHead::Find(std::string_view name) const {
  for (const HeaderField& field : headers) {
    if (EqualsIgnoreCase(field.name, name)) return &field.value;
  }
  return nullptr;
}

bool RequestHead::HasToken(std::string_view name, std::string_view token) const {
  bool found = false;
  for (const HeaderField& field : headers) {
    if (found || !EqualsIgnoreCase(field.name, name)) continue;
    ForEachListMember(field.value, [&](std::string_view member) {
      if (EqualsIgnoreCase(member, token)) found = true;
    });
  }
  return found;
}

// ---------------------------------------------------------------------------
// RequestHeadParser

RequestHeadParser::RequestHeadParser(const HeadLimits& limits) : limits_(limits) {}

void RequestHeadParser::Reset() {
  const HeadLimits limits = limits_;
  *this = RequestHeadParser(limits);
}

bool RequestHeadParser::Fail(int status, std::string message) {
  state_ = State::kError;
  error_.status = status;
  error_.message = std::move(message);
  return false;
}

RequestHeadParser::Result RequestHeadParser::Parse(std::string_view in) {
  while (state_ != State::kComplete && state_ != State::kError && pos_ < in.size()) {
    // Runs of bytes that only continue the current token or value are
    // skipped in a tight loop; Step sees the byte that ends them (and every
    // byte at or past a limit, which it refuses).
    const size_t end = std::min(in.size(), limits_.max_head_bytes);
    const unsigned char* p = reinterpret_cast<const unsigned char*>(in.data());
    size_t i = pos_;
    switch (state_) {
      case State::kTarget: {
        const size_t line_end = std::min(end, line_begin_ + limits_.max_request_line);
        while (i < line_end && IsVisible(p[i])) ++i;
        break;
      }
      case State::kFieldName:
        while (i < end && IsTchar(p[i])) ++i;
        break;
      case State::kFieldValue:
        while (i < end && (IsFieldVchar(p[i]) || IsWs(p[i]))) {
          if (!IsWs(p[i])) {
            if (value_begin_ == 0) value_begin_ = i;
            value_end_ = i + 1;
          }
          ++i;
        }
        break;
      default:
        break;
    }
    pos_ = i;
    if (pos_ >= in.size()) break;
    Step(in, pos_);
    ++pos_;
  }
  switch (state_) {
    case State::kComplete: return Result::kComplete;
    case State::kError: return Result::kError;
    default: return Result::kIncomplete;
  }
}

bool RequestHeadParser::Step(std::string_view in, size_t i) {
  const unsigned char c = static_cast<unsigned char>(in[i]);
  if (i >= limits_.max_head_bytes) {
    return Fail(431, "request head larger than " + std::to_string(limits_.max_head_bytes) + " bytes");
  }
  // A byte of the request line other than its line end.
  auto request_line_byte = [&]() {
    if (i - line_begin_ + 1 > limits_.max_request_line) {
      return Fail(414, "request line longer than " + std::to_string(limits_.max_request_line) +
                           " bytes");
    }
    return true;
  };
  switch (state_) {
    case State::kBeforeRequest:
      if (c == '\n') return true;
      if (c == '\r') { state_ = State::kBeforeRequestLf; return true; }
      if (!IsTchar(c)) return Fail(400, "request line does not start with a method");
      line_begin_ = i;
      state_ = State::kMethod;
      return request_line_byte();
    case State::kBeforeRequestLf:
      if (c != '\n') return Fail(400, "CR not followed by LF");
      state_ = State::kBeforeRequest;
      return true;
    case State::kMethod:
      if (!request_line_byte()) return false;
      if (IsTchar(c)) return true;
      if (c != ' ') return Fail(400, "request line: invalid character in the method");
      method_end_ = i;
      target_begin_ = i + 1;
      state_ = State::kTarget;
      return true;
    case State::kTarget:
      if (c == '\r' || c == '\n') return Fail(400, "request line without an HTTP version");
      if (!request_line_byte()) return false;
      if (IsVisible(c)) return true;
      if (c != ' ') return Fail(400, "request line: invalid character in the request target");
      if (i == target_begin_) return Fail(400, "request line: empty request target");
      target_end_ = i;
      version_begin_ = i + 1;
      state_ = State::kVersion;
      return true;
    case State::kVersion:
      if (c == '\r' || c == '\n') {
        version_end_ = i;
        if (c == '\r') { state_ = State::kRequestLineLf; return true; }
        return EndRequestLine(in);
      }
      if (!request_line_byte()) return false;
      if (!IsVisible(c)) return Fail(400, "request line: invalid character in the HTTP version");
      return true;
    case State::kRequestLineLf:
      if (c != '\n') return Fail(400, "CR not followed by LF");
      return EndRequestLine(in);
    case State::kFieldStart:
      if (c == '\r') { state_ = State::kHeadEndLf; return true; }
      if (c == '\n') { head_size_ = i + 1; return FinishHead(); }
      if (IsWs(c)) return Fail(400, "header line starts with whitespace (obsolete line folding)");
      if (!IsTchar(c)) return Fail(400, "invalid character in a header name");
      if (++fields_ > limits_.max_headers) {
        return Fail(431, "more than " + std::to_string(limits_.max_headers) + " header fields");
      }
      line_begin_ = i;
      state_ = State::kFieldName;
      return true;
    case State::kFieldName:
      if (IsTchar(c)) return true;
      if (c == ':') {
        name_end_ = i;
        value_begin_ = value_end_ = 0;
        state_ = State::kFieldValue;
        return true;
      }
      if (IsWs(c)) return Fail(400, "whitespace between a header name and its colon");
      if (c == '\r' || c == '\n') return Fail(400, "header line without a colon");
      return Fail(400, "invalid character in a header name");
    case State::kFieldValue:
      if (IsFieldVchar(c)) {
        if (value_begin_ == 0) value_begin_ = i;
        value_end_ = i + 1;
        return true;
      }
      if (IsWs(c)) return true;
      if (c == '\r') { state_ = State::kFieldLf; return true; }
      if (c == '\n') { EndField(in); return true; }
      return Fail(400, "control character in the value of header " +
                           std::string(in.substr(line_begin_, name_end_ - line_begin_)));
    case State::kFieldLf:
      if (c != '\n') {
        return Fail(400, "CR not followed by LF in the value of header " +
                             std::string(in.substr(line_begin_, name_end_ - line_begin_)));
      }
      EndField(in);
      return true;
    case State::kHeadEndLf:
      if (c != '\n') return Fail(400, "CR not followed by LF");
      head_size_ = i + 1;
      return FinishHead();
    case State::kComplete:
    case State::kError:
      break;
  }
  return false;
}

bool RequestHeadParser::EndRequestLine(std::string_view in) {
  head_.method.assign(in.substr(line_begin_, method_end_ - line_begin_));
  head_.target.assign(in.substr(target_begin_, target_end_ - target_begin_));
  const std::string_view version = in.substr(version_begin_, version_end_ - version_begin_);
  if (version == "HTTP/1.1") {
    head_.version_minor = 1;
  } else if (version == "HTTP/1.0") {
    head_.version_minor = 0;
  } else if (version.size() == 8 && version.substr(0, 5) == "HTTP/" && IsDigit(version[5]) &&
             version[6] == '.' && IsDigit(version[7])) {
    return Fail(505, "HTTP version " + std::string(version.substr(5)) + " is not supported");
  } else {
    return Fail(400, "request line: malformed HTTP version");
  }
  // The request-target forms of RFC 9112 section 3.2.
  const std::string& target = head_.target;
  if (target[0] == '/') {
    // origin-form
  } else if (target == "*") {
    if (head_.method != "OPTIONS") return Fail(400, "request target \"*\" is only for OPTIONS");
  } else if (head_.method == "CONNECT") {
    // authority-form
  } else {
    // absolute-form: scheme ":" ...
    size_t n = 0;
    while (n < target.size() && (IsAlpha(target[n]) || (n > 0 && (IsDigit(target[n]) ||
                                 target[n] == '+' || target[n] == '-' || target[n] == '.')))) {
      ++n;
    }
    if (n == 0 || n >= target.size() || target[n] != ':') {
      return Fail(400, "request target is neither a path nor an absolute URI");
    }
  }
  state_ = State::kFieldStart;
  return true;
}

void RequestHeadParser::EndField(std::string_view in) {
  HeaderField field;
  field.name.assign(in.substr(line_begin_, name_end_ - line_begin_));
  if (value_begin_ != 0) field.value.assign(in.substr(value_begin_, value_end_ - value_begin_));
  head_.headers.push_back(std::move(field));
  state_ = State::kFieldStart;
}

bool RequestHeadParser::FinishHead() {
  RequestHead& h = head_;
  const bool http11 = h.version_minor == 1;

  // Host (RFC 9112 section 3.2).
  size_t hosts = 0;
  for (const HeaderField& f : h.headers) {
    if (!EqualsIgnoreCase(f.name, "host")) continue;
    ++hosts;
    if (!IsHostValue(f.value)) return Fail(400, "invalid Host header");
  }
  if (hosts > 1) return Fail(400, "more than one Host header");
  if (http11 && hosts == 0) return Fail(400, "HTTP/1.1 request without a Host header");

  // Message body length (RFC 9112 section 6).
  bool has_te = false;
  bool has_cl = false;
  for (const HeaderField& f : h.headers) {
    if (EqualsIgnoreCase(f.name, "transfer-encoding")) has_te = true;
    if (EqualsIgnoreCase(f.name, "content-length")) has_cl = true;
  }
  if (has_te) {
    if (!http11) return Fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (has_cl) return Fail(400, "both Transfer-Encoding and Content-Length");
    size_t codings = 0;
    size_t chunked = 0;
    bool last_chunked = false;
    bool malformed = false;
    for (const HeaderField& f : h.headers) {
      if (!EqualsIgnoreCase(f.name, "transfer-encoding")) continue;
      ForEachListMember(f.value, [&](std::string_view member) {
        if (member.empty()) return;  // empty list elements are ignored (RFC 9110 5.6.1)
        // transfer-coding = token *( OWS ";" OWS transfer-parameter )
        size_t n = 0;
        while (n < member.size() && IsTchar(static_cast<unsigned char>(member[n]))) ++n;
        const std::string_view name = member.substr(0, n);
        const std::string_view rest = TrimOws(member.substr(n));
        if (name.empty() || (!rest.empty() && rest[0] != ';')) malformed = true;
        ++codings;
        last_chunked = EqualsIgnoreCase(name, "chunked");
        if (last_chunked) {
          ++chunked;
          if (!rest.empty()) malformed = true;  // chunked has no parameters
        }
      });
    }
    if (malformed) return Fail(400, "malformed Transfer-Encoding");
    if (codings == 0 || !last_chunked || chunked != 1) {
      return Fail(400, "Transfer-Encoding must end in chunked, once");
    }
    if (codings > 1) return Fail(501, "transfer codings other than chunked are not supported");
    h.body = RequestHead::Body::kChunked;
  } else if (has_cl) {
    // 1*DIGIT; repeated copies (fields or list members) must be identical.
    std::string_view first;
    bool seen = false;
    bool bad = false;
    bool differ = false;
    for (const HeaderField& f : h.headers) {
      if (!EqualsIgnoreCase(f.name, "content-length")) continue;
      ForEachListMember(f.value, [&](std::string_view member) {
        if (member.empty() || member.size() > 18) bad = true;
        for (unsigned char c : member) {
          if (!IsDigit(c)) bad = true;
        }
        if (!seen) {
          first = member;
          seen = true;
        } else if (member != first) {
          differ = true;
        }
      });
    }
    if (bad) return Fail(400, "invalid Content-Length");
    if (differ) return Fail(400, "conflicting Content-Length values");
    uint64_t length = 0;
    for (char c : first) length = length * 10 + static_cast<uint64_t>(c - '0');
    h.body = RequestHead::Body::kContentLength;
    h.content_length = length;
  }

  // Persistence (RFC 9112 section 9.3) and Expect (RFC 9110 section 10.1.1).
  if (h.HasToken("connection", "close")) {
    h.keep_alive = false;
  } else {
    h.keep_alive = http11 || h.HasToken("connection", "keep-alive");
  }
  h.expect_continue = http11 && h.HasToken("expect", "100-continue");

  state_ = State::kComplete;
  return true;
}

// ---------------------------------------------------------------------------
// ChunkedBodyDecoder

ChunkedBodyDecoder::ChunkedBodyDecoder(const Limits& limits) : limits_(limits) {}

void ChunkedBodyDecoder::Reset() {
  const Limits limits = limits_;
  *this = ChunkedBodyDecoder(limits);
}

bool ChunkedBodyDecoder::Fail(int status, std::string message) {
  state_ = State::kError;
  error_.status = status;
  error_.message = std::move(message);
  return false;
}

bool ChunkedBodyDecoder::EndSizeLine() {
  if (size_ == 0) {
    state_ = State::kTrailerStart;
    trailer_bytes_ = 0;
  } else {
    remaining_ = size_;
    state_ = State::kData;
  }
  return true;
}

ChunkedBodyDecoder::Result ChunkedBodyDecoder::Feed(std::string_view data, size_t* consumed,
                                                    std::string* out) {
  size_t i = 0;
  while (i < data.size() && state_ != State::kDone && state_ != State::kError) {
    if (state_ == State::kData) {
      const size_t n = remaining_ < data.size() - i ? static_cast<size_t>(remaining_)
                                                    : data.size() - i;
      if (out != nullptr) out->append(data.data() + i, n);
      i += n;
      remaining_ -= n;
      total_ += n;
      if (remaining_ == 0) state_ = State::kDataCr;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(data[i]);
    ++i;
    switch (state_) {
      case State::kSizeFirst:
      case State::kSize:
      case State::kSizeBws:
      case State::kExtName0:
      case State::kExtName:
      case State::kExtNameBws:
      case State::kExtValue0:
      case State::kExtToken:
      case State::kExtQuoted:
      case State::kExtQuotedPair:
      case State::kExtQuotedEnd:
        if (c != '\r' && c != '\n' && ++line_bytes_ > limits_.max_line_bytes) {
          Fail(400, "chunk-size line longer than " + std::to_string(limits_.max_line_bytes) +
                        " bytes");
          continue;
        }
        break;
      case State::kTrailerStart:
      case State::kTrailerName:
      case State::kTrailerValue:
      case State::kTrailerLf:
      case State::kEndLf:
        if (++trailer_bytes_ > limits_.max_trailer_bytes) {
          Fail(431, "trailer section larger than " + std::to_string(limits_.max_trailer_bytes) +
                        " bytes");
          continue;
        }
        if ((state_ == State::kTrailerName || state_ == State::kTrailerValue) && c != '\r' &&
            c != '\n' && ++line_bytes_ > limits_.max_line_bytes) {
          Fail(431, "trailer line longer than " + std::to_string(limits_.max_line_bytes) +
                        " bytes");
          continue;
        }
        break;
      default:
        break;
    }
    // Line end of the chunk-size line, in the states where it may come.
    auto size_line_end = [&]() {
      if (c == '\r') {
        state_ = State::kSizeLineLf;
      } else {
        EndSizeLine();
      }
    };
    switch (state_) {
      case State::kSizeFirst: {
        const int d = HexValue(c);
        if (d < 0) {
          Fail(400, "invalid chunk size");
          break;
        }
        size_ = static_cast<uint64_t>(d);
        digits_ = 1;
        state_ = State::kSize;
        if (size_ > limits_.max_body_bytes - total_) Fail(413, "request body too large");
        break;
      }
      case State::kSize: {
        const int d = HexValue(c);
        if (d >= 0) {
          if (++digits_ > 16) {
            Fail(400, "chunk size has more than 16 hex digits");
          } else {
            size_ = size_ * 16 + static_cast<uint64_t>(d);
            if (size_ > limits_.max_body_bytes - total_) Fail(413, "request body too large");
          }
        } else if (c == ';') {
          state_ = State::kExtName0;
        } else if (IsWs(c)) {
          state_ = State::kSizeBws;
        } else if (c == '\r' || c == '\n') {
          size_line_end();
        } else {
          Fail(400, "invalid chunk size");
        }
        break;
      }
      case State::kSizeBws:
        if (c == ';') {
          state_ = State::kExtName0;
        } else if (!IsWs(c)) {
          Fail(400, "whitespace after a chunk size");
        }
        break;
      case State::kExtName0:
        if (IsTchar(c)) {
          state_ = State::kExtName;
        } else if (!IsWs(c)) {
          Fail(400, "malformed chunk extension");
        }
        break;
      case State::kExtName:
        if (IsTchar(c)) break;
        if (c == '=') {
          state_ = State::kExtValue0;
        } else if (c == ';') {
          state_ = State::kExtName0;
        } else if (IsWs(c)) {
          state_ = State::kExtNameBws;
        } else if (c == '\r' || c == '\n') {
          size_line_end();
        } else {
          Fail(400, "malformed chunk extension");
        }
        break;
      case State::kExtNameBws:
        if (c == '=') {
          state_ = State::kExtValue0;
        } else if (c == ';') {
          state_ = State::kExtName0;
        } else if (!IsWs(c)) {
          Fail(400, "malformed chunk extension");
        }
        break;
      case State::kExtValue0:
        if (c == '"') {
          state_ = State::kExtQuoted;
        } else if (IsTchar(c)) {
          state_ = State::kExtToken;
        } else if (!IsWs(c)) {
          Fail(400, "malformed chunk extension");
        }
        break;
      case State::kExtToken:
        if (IsTchar(c)) break;
        if (c == ';') {
          state_ = State::kExtName0;
        } else if (IsWs(c)) {
          state_ = State::kExtValueBws;
        } else if (c == '\r' || c == '\n') {
          size_line_end();
        } else {
          Fail(400, "malformed chunk extension");
        }
        break;
      case State::kExtQuoted:
        // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
        if (c == '"') {
          state_ = State::kExtQuotedEnd;
        } else if (c == '\\') {
          state_ = State::kExtQuotedPair;
        } else if (!IsWs(c) && !IsFieldVchar(c)) {
          Fail(400, "control character in a chunk extension");
        }
        break;
      case State::kExtQuotedPair:
        if (IsWs(c) || IsFieldVchar(c)) {
          state_ = State::kExtQuoted;
        } else {
          Fail(400, "control character in a chunk extension");
        }
        break;
      case State::kExtQuotedEnd:
        if (c == ';') {
          state_ = State::kExtName0;
        } else if (IsWs(c)) {
          state_ = State::kExtValueBws;
        } else if (c == '\r' || c == '\n') {
          size_line_end();
        } else {
          Fail(400, "malformed chunk extension");
        }
        break;
      case State::kExtValueBws:
        if (c == ';') {
          state_ = State::kExtName0;
        } else if (!IsWs(c)) {
          Fail(400, "malformed chunk extension");
        }
        break;
      case State::kSizeLineLf:
        if (c == '\n') {
          EndSizeLine();
        } else {
          Fail(400, "CR not followed by LF");
        }
        break;
      case State::kDataCr:
        if (c == '\r') {
          state_ = State::kDataLf;
        } else if (c == '\n') {
          state_ = State::kSizeFirst;
          line_bytes_ = 0;
        } else {
          Fail(400, "chunk data not followed by CRLF");
        }
        break;
      case State::kDataLf:
        if (c == '\n') {
          state_ = State::kSizeFirst;
          line_bytes_ = 0;
        } else {
          Fail(400, "chunk data not followed by CRLF");
        }
        break;
      case State::kTrailerStart:
        if (c == '\r') {
          state_ = State::kEndLf;
        } else if (c == '\n') {
          state_ = State::kDone;
        } else if (IsWs(c)) {
          Fail(400, "trailer line starts with whitespace (obsolete line folding)");
        } else if (!IsTchar(c)) {
          Fail(400, "invalid character in a trailer name");
        } else {
          line_bytes_ = 1;
          if (line_bytes_ > limits_.max_line_bytes) {
            Fail(431, "trailer line longer than " + std::to_string(limits_.max_line_bytes) +
                          " bytes");
          } else {
            state_ = State::kTrailerName;
          }
        }
        break;
      case State::kTrailerName:
        if (IsTchar(c)) break;
        if (c == ':') {
          state_ = State::kTrailerValue;
        } else if (IsWs(c)) {
          Fail(400, "whitespace between a trailer name and its colon");
        } else if (c == '\r' || c == '\n') {
          Fail(400, "trailer line without a colon");
        } else {
          Fail(400, "invalid character in a trailer name");
        }
        break;
      case State::kTrailerValue:
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (c == '\n') {
          state_ = State::kTrailerStart;
        } else if (!IsWs(c) && !IsFieldVchar(c)) {
          Fail(400, "control character in a trailer value");
        }
        break;
      case State::kTrailerLf:
        if (c == '\n') {
          state_ = State::kTrailerStart;
        } else {
          Fail(400, "CR not followed by LF");
        }
        break;
      case State::kEndLf:
        if (c == '\n') {
          state_ = State::kDone;
        } else {
          Fail(400, "CR not followed by LF");
        }
        break;
      case State::kData:
      case State::kDone:
      case State::kError:
        break;
    }
  }
  *consumed = i;
  switch (state_) {
    case State::kDone: return Result::kDone;
    case State::kError: return Result::kError;
    default: return Result::kNeedMore;
  }
}

}  // namespace internal
}  // namespace grpcgw
