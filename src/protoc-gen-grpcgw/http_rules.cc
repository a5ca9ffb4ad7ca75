#include "protoc-gen-grpcgw/http_rules.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "routing/path_template.h"

namespace grpcgw {
namespace plugin {
namespace {

// google.api.Service's other sections: accepted, and not used here.
const std::set<std::string>& ServiceKeys() {
  static const std::set<std::string> kKeys = {
      "type", "config_version", "configVersion", "name", "title", "producer_project_id",
      "producerProjectId", "id", "apis", "types", "enums", "documentation", "backend", "http",
      "quota", "authentication", "context", "usage", "endpoints", "control", "logs", "metrics",
      "monitored_resources", "monitoredResources", "billing", "logging", "monitoring",
      "system_parameters", "systemParameters", "source_info", "sourceInfo", "publishing",
      "system_types", "systemTypes", "experimental",
  };
  return kKeys;
}

const char* const kPatterns[] = {"get", "put", "post", "delete", "patch", "custom"};

bool IsMethodName(const std::string& s) {
  // pkg.Service.Method: at least two dots, identifiers between them.
  int dots = 0;
  bool start = true;
  for (char c : s) {
    if (c == '.') {
      if (start) return false;
      ++dots;
      start = true;
      continue;
    }
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    const bool digit = c >= '0' && c <= '9';
    if (!letter && !(digit && !start)) return false;
    start = false;
  }
  return !start && dots >= 1;
}

class Loader {
 public:
  Loader(const std::string& path, HttpRules* rules, std::vector<std::string>* errors)
      : path_(path), rules_(rules), errors_(errors) {}

  bool Load() {
    std::ifstream in(path_, std::ios::binary);
    if (!in) {
      errors_->push_back(path_ + ": cannot read the HTTP rules file");
      return false;
    }
    std::stringstream text;
    text << in.rdbuf();
    YAML::Node root;
    try {
      root = YAML::Load(text.str());
    } catch (const YAML::Exception& e) {
      Error(e.mark, "YAML syntax error: " + e.msg);
      return false;
    }
    if (!root.IsMap()) {
      Error(root.Mark(), "expected a google.api.Service mapping (type, config_version, http)");
      return false;
    }
    for (const auto& entry : root) {
      const std::string key = Key(entry.first);
      if (ServiceKeys().count(key) == 0) {
        Error(entry.first.Mark(), "unknown key \"" + key + "\" in google.api.Service");
        continue;
      }
      if (key == "type") {
        std::string type;
        if (Scalar(entry.second, "type", &type) && type != "google.api.Service") {
          Error(entry.second.Mark(), "type is \"" + type + "\", expected \"google.api.Service\"");
        }
      } else if (key == "http") {
        LoadHttp(entry.second);
      }
    }
    return ok_;
  }

 private:
  void Error(const YAML::Mark& mark, const std::string& problem) {
    ok_ = false;
    errors_->push_back(Where(mark) + ": " + problem);
  }

  std::string Where(const YAML::Mark& mark) const {
    if (mark.is_null()) return path_;
    return path_ + ":" + std::to_string(mark.line + 1);
  }

  static std::string Key(const YAML::Node& key) { return key.IsScalar() ? key.Scalar() : "?"; }

  bool Scalar(const YAML::Node& node, const std::string& what, std::string* out) {
    if (!node.IsScalar()) {
      Error(node.Mark(), what + " must be a string");
      return false;
    }
    *out = node.Scalar();
    return true;
  }

  void LoadHttp(const YAML::Node& http) {
    if (http.IsNull()) return;
    if (!http.IsMap()) {
      Error(http.Mark(), "http must be a mapping with \"rules\"");
      return;
    }
    for (const auto& entry : http) {
      const std::string key = Key(entry.first);
      if (key == "rules") {
        if (entry.second.IsNull()) continue;
        if (!entry.second.IsSequence()) {
          Error(entry.second.Mark(), "http.rules must be a list of rules");
          continue;
        }
        for (const YAML::Node& rule : entry.second) LoadRule(rule);
      } else if (key == "fully_decode_reserved_expansion" || key == "fullyDecodeReservedExpansion") {
        if (!entry.second.IsScalar() || (entry.second.Scalar() != "false" && entry.second.Scalar() != "true")) {
          Error(entry.second.Mark(), key + " must be true or false");
        } else if (entry.second.Scalar() == "true") {
          Error(entry.second.Mark(), key + ": true is not supported (grpcgw decodes `**` captures "
                                           "as grpc-gateway does)");
        }
      } else {
        Error(entry.first.Mark(), "unknown key \"" + key + "\" in http (expected rules)");
      }
    }
  }

  void LoadRule(const YAML::Node& rule) {
    if (!rule.IsMap()) {
      Error(rule.Mark(), "an http rule must be a mapping (selector, get/put/post/delete/patch/custom, body, ...)");
      return;
    }
    std::string selector;
    HttpRuleSet set;
    set.origin = Where(rule.Mark());
    BindingModel binding;
    std::vector<BindingModel> additional;
    const bool loaded = LoadBinding(rule, /*top=*/true, &selector, &binding, &additional);
    if (!selector.empty()) {
      // Checked even for a rule with problems of its own.
      auto seen = seen_.emplace(selector, set.origin);
      if (!seen.second) {
        Error(rule["selector"].Mark(), "selector \"" + selector + "\" already has a rule at " + seen.first->second);
        return;
      }
    }
    if (!loaded) return;
    if (selector.empty()) {
      Error(rule.Mark(), "http rule has no selector (the full method name, e.g. pkg.Service.Method)");
      return;
    }
    if (!IsMethodName(selector)) {
      Error(rule["selector"].Mark(), "selector \"" + selector +
                                         "\" is not a full method name (pkg.Service.Method; wildcards "
                                         "are not supported)");
      return;
    }
    auto found = rules_->by_selector.find(selector);
    if (found != rules_->by_selector.end()) {  // from another file
      Error(rule["selector"].Mark(), "selector \"" + selector + "\" already has a rule at " + found->second.origin);
      return;
    }
    set.bindings.push_back(std::move(binding));
    for (BindingModel& b : additional) set.bindings.push_back(std::move(b));
    rules_->by_selector.emplace(selector, std::move(set));
  }

  // Reads one rule or additional binding. False if it has a problem (reported).
  bool LoadBinding(const YAML::Node& node, bool top, std::string* selector, BindingModel* out,
                   std::vector<BindingModel>* additional) {
    bool ok = true;
    int patterns = 0;
    out->origin = Where(node.Mark());
    for (const auto& entry : node) {
      const std::string key = Key(entry.first);
      const YAML::Node& value = entry.second;
      bool is_pattern = false;
      for (const char* p : kPatterns) is_pattern = is_pattern || key == p;
      if (is_pattern) {
        if (++patterns > 1) {
          Error(entry.first.Mark(), "an http rule has one pattern (get, put, post, delete, patch or custom); \"" +
                                        key + "\" is another");
          ok = false;
          continue;
        }
        if (key == "custom") {
          ok = LoadCustom(value, out) && ok;
        } else {
          std::string path;
          if (!Scalar(value, key, &path)) {
            ok = false;
            continue;
          }
          out->http_method = key == "get" ? "GET" : key == "put" ? "PUT" : key == "post" ? "POST"
                             : key == "delete" ? "DELETE" : "PATCH";
          out->path_template = path;
          out->origin = Where(value.Mark());
        }
      } else if (key == "selector" && top) {
        ok = Scalar(value, "selector", selector) && ok;
      } else if (key == "body") {
        ok = Scalar(value, "body", &out->body) && ok;
      } else if (key == "response_body" || key == "responseBody") {
        ok = Scalar(value, key, &out->response_body) && ok;
      } else if ((key == "additional_bindings" || key == "additionalBindings") && top) {
        if (!value.IsSequence()) {
          Error(value.Mark(), key + " must be a list of bindings");
          ok = false;
          continue;
        }
        for (const YAML::Node& extra : value) {
          if (!extra.IsMap()) {
            Error(extra.Mark(), "an additional binding must be a mapping");
            ok = false;
            continue;
          }
          BindingModel b;
          std::string ignored;
          if (LoadBinding(extra, /*top=*/false, &ignored, &b, nullptr)) additional->push_back(std::move(b));
          else ok = false;
        }
      } else if (key == "additional_bindings" || key == "additionalBindings") {
        Error(entry.first.Mark(), "additional_bindings may not contain additional_bindings");
        ok = false;
      } else if (key == "selector") {
        Error(entry.first.Mark(), "an additional binding has no selector (it belongs to its rule's method)");
        ok = false;
      } else {
        Error(entry.first.Mark(),
              "unknown key \"" + key + "\" in an http rule (expected selector, get, put, post, delete, patch, "
                                       "custom, body, response_body, additional_bindings)");
        ok = false;
      }
    }
    if (patterns == 0 && ok) {
      Error(node.Mark(), "http rule has no pattern (get, put, post, delete, patch or custom)");
      return false;
    }
    if (ok) {
      internal::PathTemplate parsed;
      std::string error;
      if (!internal::PathTemplate::Parse(out->path_template, &parsed, &error)) {
        errors_->push_back(out->origin + ": binding \"" + out->http_method + " " + out->path_template +
                           "\": invalid path template: " + error);
        ok_ = false;
        ok = false;
      }
    }
    return ok;
  }

  bool LoadCustom(const YAML::Node& value, BindingModel* out) {
    if (!value.IsMap()) {
      Error(value.Mark(), "custom must be a mapping with kind and path");
      return false;
    }
    bool ok = true;
    for (const auto& entry : value) {
      const std::string key = Key(entry.first);
      if (key == "kind") {
        ok = Scalar(entry.second, "custom.kind", &out->http_method) && ok;
      } else if (key == "path") {
        ok = Scalar(entry.second, "custom.path", &out->path_template) && ok;
        out->origin = Where(entry.second.Mark());
      } else {
        Error(entry.first.Mark(), "unknown key \"" + key + "\" in custom (expected kind, path)");
        ok = false;
      }
    }
    if (ok && (out->http_method.empty() || out->path_template.empty())) {
      Error(value.Mark(), "custom needs both kind and path");
      ok = false;
    }
    return ok;
  }

  const std::string& path_;
  HttpRules* rules_;
  std::vector<std::string>* errors_;
  bool ok_ = true;
  std::map<std::string, std::string> seen_;  // selectors of this file -> where
};

}  // namespace

bool LoadHttpRules(const std::string& path, HttpRules* rules, std::vector<std::string>* errors) {
  Loader loader(path, rules, errors);
  return loader.Load();
}

}  // namespace plugin
}  // namespace grpcgw
