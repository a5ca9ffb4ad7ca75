// router.h: matches an HTTP method and request path against path templates.
//
//   Router router;
//   PathTemplate t;
//   std::string error;
//   PathTemplate::Parse("/v1/{name=shelves/*}/books", &t, &error);
//   if (!router.Add("GET", t, /*target=*/7, &error)) { /* ambiguous */ }
//
//   Router::Match match;
//   std::vector<std::string> allowed;
//   switch (router.Lookup("GET", "/v1/shelves/s1/books", &match, &allowed, &error)) {
//     case Router::Outcome::kMatch:  // match.target == 7, variables: name = "shelves/s1"
//     case Router::Outcome::kNotFound:          // 404
//     case Router::Outcome::kMethodNotAllowed:  // 405, `allowed` lists the methods
//     case Router::Outcome::kBadRequest:        // 400, `error` says why
//   }
//
// Matching is a walk down a trie of path segments, not a regular expression.
// At each segment a literal child is preferred to `*`, and `*` to `**`; the
// walk backtracks when a preferred branch leads nowhere, so the most literal
// template that matches the whole path wins. A custom verb is matched on the
// last segment: in "/v1/books:publish" the router first tries segment "books"
// with verb "publish", then the whole "books:publish" as a segment with no
// verb. An escaped colon (%3A) never separates a verb.
//
// Decoding of captured values: a variable of exactly one segment (`{id}`,
// `{id=*}`, `{id=lit}`) is fully percent-decoded; a variable that covers
// several segments or a `**` keeps escapes of RFC 3986 reserved characters
// (so "%2F" stays "%2F") and decodes the rest (RFC 6570 reserved expansion).
// Literal segments and verbs are compared after full decoding. A path with a
// malformed escape, or whose segments do not decode to valid UTF-8, is
// kBadRequest. `*` does not match an empty segment ("/v1/books/"); `**` may
// match none or several, empty ones included.
//
// The router does not parse query strings (query.h), does not know protobuf
// (binding.h turns the captured variables into fields) and does not treat
// HEAD as GET: callers that want that retry with "GET".
#ifndef GRPCGW_ROUTING_ROUTER_H_
#define GRPCGW_ROUTING_ROUTER_H_

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routing/path_template.h"

namespace grpcgw {
namespace internal {

// Thread-safety: Add is not thread-safe and must finish before the first
// Lookup; Lookup is const and may run concurrently on any number of threads.
class Router {
 public:
  enum class Outcome {
    kMatch,
    kNotFound,          // 404: no template matches the path
    kMethodNotAllowed,  // 405: some template matches, but not for this method
    kBadRequest,        // 400: malformed percent-encoding or invalid UTF-8
  };

  struct Match {
    size_t target = 0;  // as given to Add
    // One entry per variable of the matched template, in template order (so
    // variables[i] belongs to the template's variables[i]): its field path
    // and the captured, decoded value. The pointers point into the router
    // and stay valid while it lives and no Add is made.
    std::vector<std::pair<const std::vector<std::string>*, std::string>> variables;
  };

  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Registers `tmpl` for `http_method` (case-sensitive: "GET", "POST", or a
  // custom method name); `target` is an opaque id returned by Lookup. The
  // template is copied. Returns false and sets *error, naming both
  // templates, if a template of the same method and the same shape (same
  // segments and verb, whatever the variable names) is already registered;
  // the router is then unchanged. Also refuses an empty method.
  bool Add(std::string_view http_method, const PathTemplate& tmpl, size_t target,
           std::string* error);

  // Matches `path` (the raw request path without the query string, still
  // percent-encoded, starting with '/') for `http_method`.
  //   kMatch: *match is filled.
  //   kMethodNotAllowed: *allowed_methods holds, sorted and without
  //     duplicates, every method that has a template matching the path.
  //   kBadRequest: *error says what is wrong with the path.
  //   kNotFound: nothing else is set. A path not starting with '/' is
  //     kNotFound.
  // `match`, `allowed_methods` and `error` must not be null; on other
  // outcomes their contents are unspecified.
  Outcome Lookup(std::string_view http_method, std::string_view path, Match* match,
                 std::vector<std::string>* allowed_methods, std::string* error) const;

  // Number of templates added.
  size_t size() const { return routes_.size(); }

 private:
  struct Node;
  struct Route {
    std::string http_method;
    PathTemplate tmpl;
    std::string text;  // tmpl.ToString(), for messages
    size_t target;
  };
  struct Candidate;

  const Route* Find(const Node& node, const Candidate& candidate, size_t index,
                    std::string_view http_method, std::vector<std::string>* methods) const;
  const Route* FindAtEnd(const Node& node, const Candidate& candidate,
                         std::string_view http_method, std::vector<std::string>* methods) const;

  std::unique_ptr<Node> root_;
  std::deque<Route> routes_;  // a deque keeps references stable across Add
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_ROUTING_ROUTER_H_
