#include "routing/path_template.h"

#include <cstdio>
#include <utility>

#include "routing/query.h"

namespace grpcgw {
namespace internal {
namespace {

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

// URI path characters (RFC 3986 pchar) minus the template's punctuation
// ('*', '=', ':'), with '%' starting an escape.
bool IsLiteralChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '-': case '.': case '_': case '~':
    case '!': case '$': case '&': case '\'': case '(': case ')': case '+': case ',': case ';':
    case '@': case '%':
      return true;
    default:
      return false;
  }
}

std::string Describe(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x21 && u < 0x7F) return std::string("'") + c + "'";
  char buffer[8];
  std::snprintf(buffer, sizeof(buffer), "0x%02X", u);
  return buffer;
}

std::string JoinFieldPath(const std::vector<std::string>& field_path) {
  std::string out;
  for (const std::string& ident : field_path) {
    if (!out.empty()) out.push_back('.');
    out.append(ident);
  }
  return out;
}

// Recursive descent over the grammar in path_template.h, one method per
// production. Each method consumes its production or fails with the offset
// of the first character it could not accept.
class Parser {
 public:
  Parser(std::string_view text, PathTemplate* out, std::string* error)
      : text_(text), out_(out), error_(error) {}

  // Template = "/" Segments [ Verb ] ;   (or "/" alone)
  bool ParseTemplate() {
    *out_ = PathTemplate();
    if (!Consume('/')) return Fail(pos_, "a template must start with '/'");
    if (AtEnd()) return true;  // "/": the root
    if (!ParseSegments()) return false;
    if (!AtEnd() && Peek() == ':') {
      if (!ParseVerb()) return false;
    }
    if (!AtEnd()) return Unexpected();
    return CheckMultiWildcardIsLast();
  }

 private:
  // Segments = Segment { "/" Segment } ;
  bool ParseSegments() {
    if (!ParseSegment()) return false;
    while (Consume('/')) {
      if (!ParseSegment()) return false;
    }
    return true;
  }

  // Segment = "*" | "**" | LITERAL | Variable ;
  bool ParseSegment() {
    const size_t start = pos_;
    if (AtEnd() || Peek() == '/' || Peek() == ':' || (in_variable_ && Peek() == '}')) {
      return Fail(start, "empty segment");
    }
    PathTemplate::Segment segment;
    if (Peek() == '{') {
      return ParseVariable();
    } else if (Consume('*')) {
      segment.kind = Consume('*') ? PathTemplate::Segment::Kind::kMultiWildcard
                                  : PathTemplate::Segment::Kind::kWildcard;
    } else {
      segment.kind = PathTemplate::Segment::Kind::kLiteral;
      if (!ParseLiteral(&segment.literal)) return false;
    }
    if (!AtEnd() && Peek() != '/' && Peek() != ':' && Peek() != '}') return Unexpected();
    out_->segments.push_back(std::move(segment));
    segment_offsets_.push_back(start);
    return true;
  }

  // Variable = "{" FieldPath [ "=" Segments ] "}" ;
  bool ParseVariable() {
    const size_t start = pos_;
    Consume('{');
    if (in_variable_) return Fail(start, "nested variable");
    PathTemplate::Variable variable;
    const size_t field_path_offset = pos_;
    if (!ParseFieldPath(&variable.field_path)) {
      if (AtEnd()) return Fail(start, "unterminated variable");
      return false;
    }
    for (const PathTemplate::Variable& other : out_->variables) {
      if (other.field_path == variable.field_path) {
        return Fail(field_path_offset,
                    "duplicate variable \"" + JoinFieldPath(variable.field_path) + "\"");
      }
    }
    variable.start_segment = out_->segments.size();
    if (Consume('=')) {
      in_variable_ = true;
      const bool ok = ParseSegments();
      in_variable_ = false;
      if (!ok) {
        // Running off the end inside a variable is best reported as such.
        if (AtEnd()) return Fail(start, "unterminated variable");
        return false;
      }
    } else {
      PathTemplate::Segment wildcard;
      wildcard.kind = PathTemplate::Segment::Kind::kWildcard;
      out_->segments.push_back(wildcard);
      segment_offsets_.push_back(start);
    }
    if (AtEnd()) return Fail(start, "unterminated variable");
    if (!Consume('}')) return Unexpected();
    variable.end_segment = out_->segments.size();
    out_->variables.push_back(std::move(variable));
    return true;
  }

  // FieldPath = IDENT { "." IDENT } ;
  bool ParseFieldPath(std::vector<std::string>* field_path) {
    do {
      std::string ident;
      if (!ParseIdent(&ident)) return false;
      field_path->push_back(std::move(ident));
    } while (Consume('.'));
    return true;
  }

  // IDENT = [A-Za-z_][A-Za-z0-9_]* ;
  bool ParseIdent(std::string* ident) {
    if (AtEnd() || !IsIdentStart(Peek())) return Fail(pos_, "expected a field name");
    while (!AtEnd() && IsIdentChar(Peek())) ident->push_back(text_[pos_++]);
    return true;
  }

  // Verb = ":" LITERAL ;
  bool ParseVerb() {
    Consume(':');
    if (AtEnd()) return Fail(pos_, "empty verb");
    if (!IsLiteralChar(Peek())) return Unexpected();
    return ParseLiteral(&out_->verb);
  }

  // LITERAL = 1*( literal character | "%" HEXDIG HEXDIG ) ;
  bool ParseLiteral(std::string* literal) {
    const size_t start = pos_;
    while (!AtEnd() && IsLiteralChar(Peek())) ++pos_;
    if (pos_ == start) return Unexpected();
    const std::string_view raw = text_.substr(start, pos_ - start);
    std::string decoded;
    if (!PercentDecode(raw, PercentDecodeMode::kAll, false, &decoded)) {
      return Fail(start + raw.find('%'), "malformed percent-encoding");
    }
    if (!IsValidUtf8(decoded)) return Fail(start, "literal is not valid UTF-8 once decoded");
    literal->assign(raw);
    return true;
  }

  bool CheckMultiWildcardIsLast() {
    for (size_t i = 0; i + 1 < out_->segments.size(); ++i) {
      if (out_->segments[i].kind == PathTemplate::Segment::Kind::kMultiWildcard) {
        return Fail(segment_offsets_[i], "'**' must be the last segment");
      }
    }
    return true;
  }

  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }

  bool Unexpected() {
    if (AtEnd()) return Fail(pos_, "unexpected end");
    return Fail(pos_, "unexpected character " + Describe(Peek()));
  }

  bool Fail(size_t offset, const std::string& what) {
    std::string quoted(text_.substr(0, 200));
    if (text_.size() > 200) quoted.append("...");
    *error_ = "\"" + quoted + "\": " + what + " at offset " + std::to_string(offset);
    return false;
  }

  const std::string_view text_;
  PathTemplate* const out_;
  std::string* const error_;
  size_t pos_ = 0;
  bool in_variable_ = false;
  std::vector<size_t> segment_offsets_;  // offset in text_ of each parsed segment
};

}  // namespace

bool PathTemplate::Parse(std::string_view text, PathTemplate* out, std::string* error) {
  return Parser(text, out, error).ParseTemplate();
}

std::string PathTemplate::ToString() const {
  if (segments.empty()) return "/";
  std::string out;
  size_t next_variable = 0;
  for (size_t i = 0; i < segments.size();) {
    out.push_back('/');
    if (next_variable < variables.size() && variables[next_variable].start_segment == i) {
      const Variable& variable = variables[next_variable++];
      out.push_back('{');
      out.append(JoinFieldPath(variable.field_path));
      const bool single_wildcard = variable.end_segment == i + 1 &&
                                   segments[i].kind == Segment::Kind::kWildcard;
      if (!single_wildcard) {
        out.push_back('=');
        for (size_t k = variable.start_segment; k < variable.end_segment; ++k) {
          if (k != variable.start_segment) out.push_back('/');
          switch (segments[k].kind) {
            case Segment::Kind::kLiteral: out.append(segments[k].literal); break;
            case Segment::Kind::kWildcard: out.append("*"); break;
            case Segment::Kind::kMultiWildcard: out.append("**"); break;
          }
        }
      }
      out.push_back('}');
      i = variable.end_segment > i ? variable.end_segment : i + 1;
      continue;
    }
    switch (segments[i].kind) {
      case Segment::Kind::kLiteral: out.append(segments[i].literal); break;
      case Segment::Kind::kWildcard: out.append("*"); break;
      case Segment::Kind::kMultiWildcard: out.append("**"); break;
    }
    ++i;
  }
  if (!verb.empty()) {
    out.push_back(':');
    out.append(verb);
  }
  return out;
}

bool PathTemplate::EndsWithMultiWildcard(const Variable& variable) const {
  return variable.end_segment > variable.start_segment && variable.end_segment <= segments.size() &&
         segments[variable.end_segment - 1].kind == Segment::Kind::kMultiWildcard;
}

}  // namespace internal
}  // namespace grpcgw
