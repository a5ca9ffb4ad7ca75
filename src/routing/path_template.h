// path_template.h: the google.api.http path template, parsed.
//
// One parser serves both protoc-gen-grpcgw (which rejects bad templates at
// generation time) and the Router (which matches requests against them).
//
//   PathTemplate t;
//   std::string error;
//   if (!PathTemplate::Parse("/v1/{name=shelves/*/books/*}:publish", &t, &error)) {
//     // error: "\"...\": <what> at offset <n>"
//   }
//   // t.segments: shelves, *, books, *   (after the literal "v1")
//   // t.variables[0]: field_path {"name"}, segments [1, 5)
//   // t.verb: "publish"
//
// It does not match paths (see router.h) and knows nothing of protobuf: a
// variable's field path is a list of identifiers, resolved elsewhere.
#ifndef GRPCGW_ROUTING_PATH_TEMPLATE_H_
#define GRPCGW_ROUTING_PATH_TEMPLATE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace grpcgw {
namespace internal {

// A parsed template. Plain data: copyable, comparable, no hidden state.
//
// Accepted grammar (from google/api/http.proto), plus "/" alone for the root:
//   Template = "/" Segments [ Verb ] ;
//   Segments = Segment { "/" Segment } ;
//   Segment  = "*" | "**" | LITERAL | Variable ;
//   Variable = "{" FieldPath [ "=" Segments ] "}" ;
//   FieldPath = IDENT { "." IDENT } ;
//   Verb     = ":" LITERAL ;
// LITERAL is one or more URI path characters other than the template's own
// punctuation: ALPHA DIGIT - . _ ~ ! $ & ' ( ) + , ; @ and %XX escapes (which
// must decode to valid UTF-8). IDENT is [A-Za-z_][A-Za-z0-9_]*.
// Also refused: `**` anywhere but last, a variable inside a variable, the
// same field path bound twice, empty segments.
struct PathTemplate {
  struct Segment {
    enum class Kind {
      kLiteral,         // matches the literal, compared after percent-decoding
      kWildcard,        // `*`: exactly one non-empty segment
      kMultiWildcard,   // `**`: zero or more segments; always the last segment
    };
    Kind kind = Kind::kLiteral;
    std::string literal;  // kLiteral only: as written in the template (still escaped)

    bool operator==(const Segment& other) const {
      return kind == other.kind && literal == other.literal;
    }
  };

  // `{field_path=...}` covers segments [start_segment, end_segment). A
  // variable whose last segment is `**` extends to the end of the request
  // path (`end_segment == segments.size()` then).
  struct Variable {
    std::vector<std::string> field_path;  // {"shelf", "name"} for {shelf.name}
    size_t start_segment = 0;
    size_t end_segment = 0;  // exclusive

    bool operator==(const Variable& other) const {
      return field_path == other.field_path && start_segment == other.start_segment &&
             end_segment == other.end_segment;
    }
  };

  std::vector<Segment> segments;   // empty only for the root template "/"
  std::string verb;                // custom verb without the ':'; "" if none
  std::vector<Variable> variables; // in template order

  // Parses `text`. On success fills *out and returns true. On failure returns
  // false, leaves *out unspecified and sets *error to a message naming the
  // template, the problem and its byte offset, e.g.
  //   "/v1/{name": unterminated variable at offset 4
  static bool Parse(std::string_view text, PathTemplate* out, std::string* error);

  // The canonical text: `{f}` for a variable that is exactly one `*`,
  // `{f=...}` otherwise. Parse(ToString()) gives back an equal template.
  std::string ToString() const;

  // True if the variable's last segment is `**` (so it may span any number
  // of request segments, including none).
  bool EndsWithMultiWildcard(const Variable& variable) const;

  bool operator==(const PathTemplate& other) const {
    return segments == other.segments && verb == other.verb && variables == other.variables;
  }
  bool operator!=(const PathTemplate& other) const { return !(*this == other); }
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_ROUTING_PATH_TEMPLATE_H_
