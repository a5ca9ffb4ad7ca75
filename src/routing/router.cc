#include "routing/router.h"

#include <algorithm>
#include <functional>
#include <map>

#include "routing/query.h"

namespace grpcgw {
namespace internal {

// One trie node per template segment. A route ends at the node of its last
// segment (the root for "/"), keyed there by verb and method.
struct Router::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;  // key: decoded literal
  std::unique_ptr<Node> wildcard;        // `*`
  std::unique_ptr<Node> multi_wildcard;  // `**`; has no children (it is always last)
  // verb (decoded, "" for none) -> method -> index in routes_
  std::map<std::string, std::map<std::string, size_t, std::less<>>, std::less<>> routes;
};

// The request path split for one verb interpretation.
struct Router::Candidate {
  std::vector<std::string_view> raw;  // segments as sent
  std::vector<std::string> decoded;   // fully decoded
  std::string verb;                   // decoded, "" for none
};

namespace {

enum class SplitResult { kOk, kBadEscape, kBadUtf8 };

// Fills candidate->decoded from candidate->raw.
SplitResult DecodeSegments(std::vector<std::string_view> raw, std::vector<std::string>* decoded) {
  decoded->clear();
  decoded->reserve(raw.size());
  for (std::string_view segment : raw) {
    std::string value;
    if (!PercentDecode(segment, PercentDecodeMode::kAll, false, &value)) {
      return SplitResult::kBadEscape;
    }
    if (!IsValidUtf8(value)) return SplitResult::kBadUtf8;
    decoded->push_back(std::move(value));
  }
  return SplitResult::kOk;
}

std::string DecodedLiteral(const std::string& literal) {
  std::string out;
  // Parse already checked the escapes; a failure cannot happen here.
  PercentDecode(literal, PercentDecodeMode::kAll, false, &out);
  return out;
}

}  // namespace

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

bool Router::Add(std::string_view http_method, const PathTemplate& tmpl, size_t target,
                 std::string* error) {
  if (http_method.empty()) {
    *error = "empty HTTP method for " + tmpl.ToString();
    return false;
  }
  Node* node = root_.get();
  for (const PathTemplate::Segment& segment : tmpl.segments) {
    std::unique_ptr<Node>* child = nullptr;
    switch (segment.kind) {
      case PathTemplate::Segment::Kind::kLiteral:
        child = &node->literals[DecodedLiteral(segment.literal)];
        break;
      case PathTemplate::Segment::Kind::kWildcard:
        child = &node->wildcard;
        break;
      case PathTemplate::Segment::Kind::kMultiWildcard:
        child = &node->multi_wildcard;
        break;
    }
    if (*child == nullptr) *child = std::make_unique<Node>();
    node = child->get();
  }
  auto& by_method = node->routes[DecodedLiteral(tmpl.verb)];
  const auto existing = by_method.find(http_method);
  if (existing != by_method.end()) {
    const Route& other = routes_[existing->second];
    *error = std::string(http_method) + " " + tmpl.ToString() + " is ambiguous with " +
             other.http_method + " " + other.text + " (same method and path shape)";
    // Nodes created above stay; they are harmless without routes.
    return false;
  }
  routes_.push_back(Route{std::string(http_method), tmpl, tmpl.ToString(), target});
  by_method.emplace(std::string(http_method), routes_.size() - 1);
  return true;
}

// Finds, in priority order, the first route under `node` that matches the
// candidate's segments from `index` on. With `methods` null, the route must
// be for `http_method`; otherwise every matching route's method is added to
// *methods and the search goes on (returning null).
const Router::Route* Router::Find(const Node& node, const Candidate& candidate, size_t index,
                                  std::string_view http_method,
                                  std::vector<std::string>* methods) const {
  if (index == candidate.decoded.size()) {
    if (const Route* route = FindAtEnd(node, candidate, http_method, methods)) return route;
    // `**` may match zero segments.
    if (node.multi_wildcard != nullptr) {
      return FindAtEnd(*node.multi_wildcard, candidate, http_method, methods);
    }
    return nullptr;
  }
  const std::string& segment = candidate.decoded[index];
  const auto literal = node.literals.find(segment);
  if (literal != node.literals.end()) {
    if (const Route* route = Find(*literal->second, candidate, index + 1, http_method, methods)) {
      return route;
    }
  }
  if (node.wildcard != nullptr && !segment.empty()) {
    if (const Route* route = Find(*node.wildcard, candidate, index + 1, http_method, methods)) {
      return route;
    }
  }
  if (node.multi_wildcard != nullptr) {
    return FindAtEnd(*node.multi_wildcard, candidate, http_method, methods);
  }
  return nullptr;
}

const Router::Route* Router::FindAtEnd(const Node& node, const Candidate& candidate,
                                       std::string_view http_method,
                                       std::vector<std::string>* methods) const {
  const auto by_verb = node.routes.find(candidate.verb);
  if (by_verb == node.routes.end()) return nullptr;
  if (methods != nullptr) {
    for (const auto& entry : by_verb->second) methods->push_back(entry.first);
    return nullptr;
  }
  const auto by_method = by_verb->second.find(http_method);
  if (by_method == by_verb->second.end()) return nullptr;
  return &routes_[by_method->second];
}

Router::Outcome Router::Lookup(std::string_view http_method, std::string_view path, Match* match,
                               std::vector<std::string>* allowed_methods,
                               std::string* error) const {
  if (path.empty() || path[0] != '/') return Outcome::kNotFound;

  // Split into raw segments; "/" alone has none.
  std::vector<std::string_view> raw;
  if (path.size() > 1) {
    size_t start = 1;
    while (true) {
      const size_t slash = path.find('/', start);
      if (slash == std::string_view::npos) {
        raw.push_back(path.substr(start));
        break;
      }
      raw.push_back(path.substr(start, slash - start));
      start = slash + 1;
    }
  }

  // Interpretations in order of preference: the last segment split at its
  // last ':' into segment and verb, then the path as it is.
  std::vector<Candidate> candidates;
  if (!raw.empty()) {
    const std::string_view last = raw.back();
    const size_t colon = last.rfind(':');
    if (colon != std::string_view::npos) {
      Candidate with_verb;
      with_verb.raw = raw;
      with_verb.raw.back() = last.substr(0, colon);
      std::string verb;
      if (PercentDecode(last.substr(colon + 1), PercentDecodeMode::kAll, false, &verb) &&
          DecodeSegments(with_verb.raw, &with_verb.decoded) == SplitResult::kOk) {
        with_verb.verb = std::move(verb);
        candidates.push_back(std::move(with_verb));
      }
    }
  }
  Candidate plain;
  plain.raw = raw;
  switch (DecodeSegments(raw, &plain.decoded)) {
    case SplitResult::kOk:
      break;
    case SplitResult::kBadEscape:
      *error = "malformed percent-encoding in the request path";
      return Outcome::kBadRequest;
    case SplitResult::kBadUtf8:
      *error = "the request path is not valid UTF-8 once percent-decoded";
      return Outcome::kBadRequest;
  }
  candidates.push_back(std::move(plain));

  for (const Candidate& candidate : candidates) {
    const Route* route = Find(*root_, candidate, 0, http_method, nullptr);
    if (route == nullptr) continue;

    match->target = route->target;
    match->variables.clear();
    const PathTemplate& tmpl = route->tmpl;
    const size_t n = candidate.raw.size();
    for (const PathTemplate::Variable& variable : tmpl.variables) {
      const bool to_end = tmpl.EndsWithMultiWildcard(variable);
      const size_t begin = std::min(variable.start_segment, n);
      const size_t end = to_end ? n : std::min(variable.end_segment, n);
      std::string value;
      if (!to_end && end - begin == 1) {
        value = candidate.decoded[begin];
      } else {
        std::string joined;
        for (size_t i = begin; i < end; ++i) {
          if (i != begin) joined.push_back('/');
          joined.append(candidate.raw[i]);
        }
        // Escapes were checked when decoding the segments.
        PercentDecode(joined, PercentDecodeMode::kKeepReserved, false, &value);
      }
      match->variables.emplace_back(&variable.field_path, std::move(value));
    }
    return Outcome::kMatch;
  }

  allowed_methods->clear();
  for (const Candidate& candidate : candidates) {
    Find(*root_, candidate, 0, http_method, allowed_methods);
  }
  if (allowed_methods->empty()) return Outcome::kNotFound;
  std::sort(allowed_methods->begin(), allowed_methods->end());
  allowed_methods->erase(std::unique(allowed_methods->begin(), allowed_methods->end()),
                         allowed_methods->end());
  return Outcome::kMethodNotAllowed;
}

}  // namespace internal
}  // namespace grpcgw
