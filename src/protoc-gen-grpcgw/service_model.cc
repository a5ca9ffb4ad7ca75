#include "protoc-gen-grpcgw/service_model.h"

#include <algorithm>
#include <map>
#include <utility>

#include <google/protobuf/descriptor.h>

#include "google/api/annotations.pb.h"
#include "grpcgw/options.pb.h"
#include "protoc-gen-grpcgw/http_rules.h"
#include "routing/path_template.h"

namespace grpcgw {
namespace plugin {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;
using internal::PathTemplate;

// Message types that the proto3 JSON mapping writes as one string or scalar,
// so a path variable may bind them.
bool IsScalarLikeWellKnownType(const Descriptor& message) {
  static const char* const kNames[] = {
      "google.protobuf.Timestamp",   "google.protobuf.Duration",
      "google.protobuf.FieldMask",   "google.protobuf.DoubleValue",
      "google.protobuf.FloatValue",  "google.protobuf.Int64Value",
      "google.protobuf.UInt64Value", "google.protobuf.Int32Value",
      "google.protobuf.UInt32Value", "google.protobuf.BoolValue",
      "google.protobuf.StringValue", "google.protobuf.BytesValue",
  };
  for (const char* name : kNames) {
    if (message.full_name() == name) return true;
  }
  return false;
}

// "::a::b" for package "a.b", "" for no package.
std::string CppNamespace(const std::string& package) {
  std::string scope;
  for (char c : package) {
    if (c == '.') {
      scope += "::";
    } else {
      scope += c;
    }
  }
  return package.empty() ? "" : "::" + scope;
}

std::string Quote(const std::string& text) { return "\"" + text + "\""; }

std::string JoinPath(const std::vector<std::string>& path) {
  std::string out;
  for (const std::string& part : path) {
    if (!out.empty()) out += '.';
    out += part;
  }
  return out;
}

// True if `prefix` is `path` or names a field that contains it.
bool IsPrefix(const std::vector<std::string>& prefix, const std::vector<std::string>& path) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

// Resolves a template variable's dotted field path through `request`.
// Returns "" if the path can be bound, else the problem.
std::string CheckVariablePath(const std::vector<std::string>& path, const Descriptor& request) {
  const Descriptor* message = &request;
  for (size_t i = 0; i < path.size(); ++i) {
    const FieldDescriptor* field = message->FindFieldByName(path[i]);
    if (field == nullptr) {
      if (path.size() == 1) {
        return "field " + Quote(path[i]) + " is not a field of " + message->full_name();
      }
      return "field path " + Quote(JoinPath(path)) + ": " + Quote(path[i]) +
             " is not a field of " + message->full_name();
    }
    const bool last = i + 1 == path.size();
    const bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (field->is_map()) {
      return "field " + Quote(JoinPath(path)) + " is a map and cannot be bound to a path variable";
    }
    if (!last) {
      if (!is_message || field->is_repeated()) {
        return "field path " + Quote(JoinPath(path)) + ": " + Quote(path[i]) +
               " must be a singular message field to have subfields";
      }
      message = field->message_type();
      continue;
    }
    if (is_message && field->is_repeated()) {
      return "field " + Quote(JoinPath(path)) +
             " is a repeated message and cannot be bound to a path variable";
    }
    if (is_message && !IsScalarLikeWellKnownType(*field->message_type())) {
      return "field " + Quote(JoinPath(path)) + " is a message (" +
             field->message_type()->full_name() + ") and cannot be bound to a path variable";
    }
  }
  return "";
}

// The part of a template that decides which requests it matches: segments
// with variables reduced to their patterns, and the verb. `/v1/{a}` and
// `/v1/{b}` have the same shape, `/v1/*`.
std::string TemplateShape(const PathTemplate& parsed) {
  std::string shape;
  for (const PathTemplate::Segment& segment : parsed.segments) {
    shape += '/';
    switch (segment.kind) {
      case PathTemplate::Segment::Kind::kLiteral:
        shape += segment.literal;
        break;
      case PathTemplate::Segment::Kind::kWildcard:
        shape += '*';
        break;
      case PathTemplate::Segment::Kind::kMultiWildcard:
        shape += "**";
        break;
    }
  }
  if (shape.empty()) shape = "/";
  if (!parsed.verb.empty()) shape += ":" + parsed.verb;
  return shape;
}

// Checks one file; one instance per BuildFileModel call.
class FileChecker {
 public:
  FileChecker(const FileDescriptor& file, const HttpRules* rules, std::vector<std::string>* errors)
      : file_(file), rules_(rules), errors_(errors) {}

  bool Build(FileModel* out) {
    out->proto_name = file_.name();
    for (int s = 0; s < file_.service_count(); ++s) {
      const ServiceDescriptor& service = *file_.service(s);
      ServiceModel model;
      model.descriptor = &service;
      model.full_name = service.full_name();
      model.cpp_name = CppNamespace(file_.package()) + "::" + service.name();
      for (int m = 0; m < service.method_count(); ++m) {
        model.methods.push_back(BuildMethod(*service.method(m)));
      }
      out->services.push_back(std::move(model));
    }
    return ok_;
  }

 private:
  void Fail(const MethodDescriptor& method, const std::string& problem, const std::string& origin = "") {
    ok_ = false;
    errors_->push_back((origin.empty() ? file_.name() : origin) + ": method " + method.full_name() + ": " +
                       problem);
  }

  MethodModel BuildMethod(const MethodDescriptor& method) {
    MethodModel model;
    model.descriptor = &method;
    model.name = method.name();
    model.grpc_path = "/" + method.service()->full_name() + "/" + method.name();
    if (method.client_streaming() && method.server_streaming()) {
      model.kind = MethodKindModel::kBidiStreaming;
    } else if (method.client_streaming()) {
      model.kind = MethodKindModel::kClientStreaming;
    } else if (method.server_streaming()) {
      model.kind = MethodKindModel::kServerStreaming;
    }
    model.request_type = CppClassName(*method.input_type());
    model.response_type = CppClassName(*method.output_type());

    const google::protobuf::MethodOptions& options = method.options();
    const HttpRuleSet* rule_set = nullptr;
    if (rules_ != nullptr) {
      auto found = rules_->by_selector.find(method.full_name());
      if (found != rules_->by_selector.end()) rule_set = &found->second;
    }
    if (rule_set != nullptr) {
      // The file's rule replaces the annotation (README, "HTTP rules from a YAML file").
      for (const BindingModel& binding : rule_set->bindings) CheckAndAddBinding(method, binding, &model.bindings);
    } else if (options.HasExtension(google::api::http)) {
      const google::api::HttpRule& rule = options.GetExtension(google::api::http);
      AddBinding(method, rule, &model.bindings);
      for (const google::api::HttpRule& additional : rule.additional_bindings()) {
        if (additional.additional_bindings_size() > 0) {
          Fail(method, "additional_bindings may not contain additional_bindings");
        }
        AddBinding(method, additional, &model.bindings);
      }
    } else {
      // Checked too: an explicit binding elsewhere in the file may take the
      // same path.
      BindingModel binding;
      binding.http_method = "POST";
      binding.path_template = model.grpc_path;
      binding.body = "*";
      CheckAndAddBinding(method, std::move(binding), &model.bindings);
    }

    if (options.HasExtension(grpcgw::method)) {
      const grpcgw::MethodOptions& gw = options.GetExtension(grpcgw::method);
      model.transports.sse = !gw.disable_sse();
      model.transports.websocket = !gw.disable_websocket();
      model.transports.chunked = !gw.disable_chunked();
      model.transports.websocket_binary = gw.websocket_binary();
      CheckSseField(method, "sse_id_field", gw.sse_id_field());
      CheckSseField(method, "sse_event_field", gw.sse_event_field());
      model.transports.sse_id_field = gw.sse_id_field();
      model.transports.sse_event_field = gw.sse_event_field();
    }
    return model;
  }

  void CheckSseField(const MethodDescriptor& method, const char* option, const std::string& name) {
    if (name.empty()) return;
    const Descriptor& response = *method.output_type();
    const FieldDescriptor* field = response.FindFieldByName(name);
    if (field == nullptr) {
      Fail(method, std::string("(grpcgw.method).") + option + " " + Quote(name) +
                       " is not a top-level field of " + response.full_name());
    } else if (field->is_repeated() || field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      Fail(method, std::string("(grpcgw.method).") + option + " " + Quote(name) +
                       " must be a singular scalar or enum field of " + response.full_name());
    }
  }

  void AddBinding(const MethodDescriptor& method, const google::api::HttpRule& rule,
                  std::vector<BindingModel>* bindings) {
    BindingModel binding;
    switch (rule.pattern_case()) {
      case google::api::HttpRule::kGet:
        binding.http_method = "GET";
        binding.path_template = rule.get();
        break;
      case google::api::HttpRule::kPut:
        binding.http_method = "PUT";
        binding.path_template = rule.put();
        break;
      case google::api::HttpRule::kPost:
        binding.http_method = "POST";
        binding.path_template = rule.post();
        break;
      case google::api::HttpRule::kDelete:
        binding.http_method = "DELETE";
        binding.path_template = rule.delete_();
        break;
      case google::api::HttpRule::kPatch:
        binding.http_method = "PATCH";
        binding.path_template = rule.patch();
        break;
      case google::api::HttpRule::kCustom:
        binding.http_method = rule.custom().kind();
        binding.path_template = rule.custom().path();
        if (binding.http_method.empty()) {
          Fail(method, "custom binding has no kind");
          return;
        }
        break;
      case google::api::HttpRule::PATTERN_NOT_SET:
        Fail(method, "google.api.http binding has no pattern (get, put, post, delete, patch "
                     "or custom)");
        return;
    }
    binding.body = rule.body();
    binding.response_body = rule.response_body();
    CheckAndAddBinding(method, std::move(binding), bindings);
  }

  void CheckAndAddBinding(const MethodDescriptor& method, BindingModel binding,
                          std::vector<BindingModel>* bindings) {
    const std::string where =
        "binding " + Quote(binding.http_method + " " + binding.path_template) + ": ";

    PathTemplate parsed;
    std::string parse_error;
    if (!PathTemplate::Parse(binding.path_template, &parsed, &parse_error)) {
      Fail(method, where + "invalid path template: " + parse_error, binding.origin);
    } else {
      for (size_t i = 0; i < parsed.variables.size(); ++i) {
        const std::vector<std::string>& path = parsed.variables[i].field_path;
        std::string problem = CheckVariablePath(path, *method.input_type());
        if (!problem.empty()) Fail(method, where + problem, binding.origin);
        for (size_t j = 0; j < i; ++j) {
          if (IsPrefix(parsed.variables[j].field_path, path) ||
              IsPrefix(path, parsed.variables[j].field_path)) {
            Fail(method, where + "path variables " + Quote(JoinPath(parsed.variables[j].field_path)) +
                             " and " + Quote(JoinPath(path)) + " overlap",
                 binding.origin);
          }
        }
      }
      CheckConflict(method, binding, TemplateShape(parsed));
    }

    if (!binding.body.empty() && binding.body != "*") {
      const Descriptor& request = *method.input_type();
      const FieldDescriptor* field = request.FindFieldByName(binding.body);
      if (binding.body.find('.') != std::string::npos) {
        Fail(method, where + "body " + Quote(binding.body) +
                         " must be \"*\" or a top-level field of " + request.full_name(), binding.origin);
      } else if (field == nullptr) {
        Fail(method, where + "body " + Quote(binding.body) + " is not a field of " +
                         request.full_name(), binding.origin);
      }
    }
    if (!binding.response_body.empty()) {
      const Descriptor& response = *method.output_type();
      if (response.FindFieldByName(binding.response_body) == nullptr) {
        Fail(method, where + "response_body " + Quote(binding.response_body) +
                         " is not a top-level field of " + response.full_name(), binding.origin);
      }
    }
    bindings->push_back(std::move(binding));
  }

  // Two bindings in one file that match the same requests are an error: the
  // router could serve only one of them.
  void CheckConflict(const MethodDescriptor& method, const BindingModel& binding,
                     const std::string& shape) {
    const std::string key = binding.http_method + " " + shape;
    auto inserted = seen_.emplace(key, SeenBinding{&method, binding.path_template});
    if (inserted.second) return;
    const SeenBinding& first = inserted.first->second;
    Fail(method, "binding " + Quote(binding.http_method + " " + binding.path_template) +
                     " conflicts with " +
                     Quote(binding.http_method + " " + first.path_template) + " of method " +
                     first.method->full_name() + " (both match " + Quote(key) + ")",
         binding.origin);
  }

  struct SeenBinding {
    const MethodDescriptor* method;
    std::string path_template;
  };

  const FileDescriptor& file_;
  const HttpRules* rules_;
  std::vector<std::string>* errors_;
  bool ok_ = true;
  std::map<std::string, SeenBinding> seen_;  // "GET /v1/*" -> first binding
};

}  // namespace

std::string CppClassName(const Descriptor& message) {
  // Nested messages are flattened with '_' (protoc's C++ convention, which
  // grpc_cpp_plugin's stubs use too).
  std::string name = message.name();
  for (const Descriptor* outer = message.containing_type(); outer != nullptr;
       outer = outer->containing_type()) {
    name = outer->name() + "_" + name;
  }
  return CppNamespace(message.file()->package()) + "::" + name;
}

bool BuildFileModel(const FileDescriptor& file, const HttpRules* rules, FileModel* out,
                    std::vector<std::string>* errors) {
  FileChecker checker(file, rules, errors);
  return checker.Build(out);
}

}  // namespace plugin
}  // namespace grpcgw
