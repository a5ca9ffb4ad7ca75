// http_rules.h: HTTP rules from a gRPC API Configuration file (the `http`
// part of a google.api.Service YAML file, as Cloud Endpoints, Envoy and
// grpc-gateway read it).
//
//   type: google.api.Service
//   config_version: 3
//   http:
//     rules:
//     - selector: chat.Chat.Send
//       post: /v1/rooms/{room}/messages
//       body: "*"
//       additional_bindings:
//       - put: /v1/rooms/{room}/messages
//         body: "*"
//
//   HttpRules rules;
//   std::vector<std::string> errors;
//   LoadHttpRules("api.yaml", &rules, &errors);
//   // errors[i]: "api.yaml:5: unknown key \"pots\" in an http rule (...)"
//
// Checked here, each error naming the file and line: YAML syntax, unknown
// keys (the other google.api.Service sections are accepted and ignored),
// value types, a rule with no pattern or several, a selector given twice or
// not a full method name, nested additional_bindings, and the path template
// syntax. Whether the selector names a method and the template's fields
// exist is checked by the caller, which has the descriptors.
#ifndef GRPCGW_PROTOC_GEN_GRPCGW_HTTP_RULES_H_
#define GRPCGW_PROTOC_GEN_GRPCGW_HTTP_RULES_H_

#include <map>
#include <string>
#include <vector>

#include "protoc-gen-grpcgw/service_model.h"

namespace grpcgw {
namespace plugin {

struct HttpRuleSet {
  std::string origin;                 // "api.yaml:4", where the rule starts
  std::vector<BindingModel> bindings; // the rule, then its additional bindings
};

struct HttpRules {
  std::map<std::string, HttpRuleSet> by_selector;  // "chat.Chat.Send" -> its rule
};

// Adds the rules of the file at `path` to *rules (selectors already there
// from another file are errors too). Returns false and appends one line per
// problem to *errors when the file has any.
bool LoadHttpRules(const std::string& path, HttpRules* rules, std::vector<std::string>* errors);

}  // namespace plugin
}  // namespace grpcgw

#endif  // GRPCGW_PROTOC_GEN_GRPCGW_HTTP_RULES_H_
