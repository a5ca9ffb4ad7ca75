#include "protoc-gen-grpcgw/generator.h"

#include <map>
#include <memory>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/printer.h>
#include <google/protobuf/io/zero_copy_stream.h>

#include "openapi/document.h"
#include "protoc-gen-grpcgw/header_writer.h"
#include "protoc-gen-grpcgw/http_rules.h"
#include "protoc-gen-grpcgw/service_model.h"

namespace grpcgw {
namespace plugin {
namespace {

struct Parameters {
  bool openapi = false;
  bool openapi_per_service = false;
  std::string openapi_version = "1.0.0";
  bool use_proto_names = false;
  bool omit_unpopulated = false;
  bool enums_as_ints = false;
  bool ndjson_bare_lines = false;
  std::vector<std::string> http_rules;
};

bool ParseParameters(const std::string& text, Parameters* out, std::string* error) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    start = end + 1;
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    const std::string key = item.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : item.substr(eq + 1);
    const bool has_value = eq != std::string::npos;
    auto flag = [&](bool* target) {
      if (has_value && value != "true" && value != "false") {
        *error = "protoc-gen-grpcgw: parameter " + key + " takes true or false, got \"" + value + "\"";
        return false;
      }
      *target = !has_value || value == "true";
      return true;
    };
    if (key == "openapi") {
      out->openapi = true;
      if (value == "service") {
        out->openapi_per_service = true;
      } else if (has_value && value != "file") {
        *error = "protoc-gen-grpcgw: openapi takes \"file\" (one document per .proto, the default) or "
                 "\"service\" (one per service), got \"" + value + "\"";
        return false;
      }
    } else if (key == "openapi_version" && has_value && !value.empty()) {
      out->openapi_version = value;
    } else if (key == "openapi_use_proto_names") {
      if (!flag(&out->use_proto_names)) return false;
    } else if (key == "openapi_omit_unpopulated") {
      if (!flag(&out->omit_unpopulated)) return false;
    } else if (key == "openapi_enums_as_ints") {
      if (!flag(&out->enums_as_ints)) return false;
    } else if (key == "openapi_ndjson_bare_lines") {
      if (!flag(&out->ndjson_bare_lines)) return false;
    } else if (key == "http_rules" && has_value && !value.empty()) {
      out->http_rules.push_back(value);
    } else {
      *error = "protoc-gen-grpcgw: unknown parameter \"" + item +
               "\" (known: openapi[=file|service], openapi_version=V, openapi_use_proto_names, "
               "openapi_omit_unpopulated, openapi_enums_as_ints, openapi_ndjson_bare_lines, "
               "http_rules=FILE.yaml)";
      return false;
    }
  }
  return true;
}

std::string TrimEnd(std::string text) {
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

std::string StripProto(const std::string& name) {
  const std::string suffix = ".proto";
  if (name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return name.substr(0, name.size() - suffix.size());
  }
  return name;
}

openapi::Service DocService(const ServiceModel& service) {
  openapi::Service out;
  out.descriptor = service.descriptor;
  for (const MethodModel& method : service.methods) {
    openapi::Method m;
    m.descriptor = method.descriptor;
    for (const BindingModel& b : method.bindings) {
      m.bindings.push_back({b.http_method, b.path_template, b.body, b.response_body});
    }
    const TransportModel& t = method.transports;
    m.transports = {t.sse, t.websocket, t.chunked, t.sse_id_field, t.sse_event_field, t.websocket_binary};
    out.methods.push_back(std::move(m));
  }
  return out;
}

openapi::Options DocOptions(const Parameters& params, const std::string& title) {
  openapi::Options o;
  o.title = title;
  o.version = params.openapi_version;
  o.use_proto_names = params.use_proto_names;
  o.emit_unpopulated = !params.omit_unpopulated;
  o.enums_as_ints = params.enums_as_ints;
  o.ndjson_bare_lines = params.ndjson_bare_lines;
  return o;
}

bool WriteFile(google::protobuf::compiler::GeneratorContext* context, const std::string& name,
               const std::string& text, std::string* error) {
  std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> stream(context->Open(name));
  google::protobuf::io::Printer printer(stream.get(), '$');
  printer.PrintRaw(text);
  if (printer.failed()) {
    *error = "cannot write " + name;
    return false;
  }
  return true;
}

}  // namespace

bool Generator::Generate(const google::protobuf::FileDescriptor* file,
                         const std::string& parameter,
                         google::protobuf::compiler::GeneratorContext* context,
                         std::string* error) const {
  return GenerateAll({file}, parameter, context, error);
}

bool Generator::GenerateAll(const std::vector<const google::protobuf::FileDescriptor*>& files,
                            const std::string& parameter,
                            google::protobuf::compiler::GeneratorContext* context,
                            std::string* error) const {
  Parameters params;
  if (!ParseParameters(parameter, &params, error)) return false;

  std::vector<std::string> problems;
  HttpRules rules;
  for (const std::string& path : params.http_rules) LoadHttpRules(path, &rules, &problems);
  if (problems.empty() && !files.empty()) {
    // A selector must name a method protoc knows of (the files given and
    // what they import); rules for methods of files not generated in this
    // run are theirs.
    const google::protobuf::DescriptorPool* pool = files[0]->pool();
    for (const auto& entry : rules.by_selector) {
      if (pool->FindMethodByName(entry.first) != nullptr) continue;
      std::string hint;
      const size_t dot = entry.first.rfind('.');
      const auto* service = pool->FindServiceByName(entry.first.substr(0, dot));
      if (service != nullptr) {
        hint = " (" + service->full_name() + " has no method \"" + entry.first.substr(dot + 1) + "\")";
      } else {
        hint = " (no service \"" + entry.first.substr(0, dot) + "\" in the protos given to protoc)";
      }
      problems.push_back(entry.second.origin + ": selector \"" + entry.first + "\" names no method" + hint);
    }
  }

  std::vector<FileModel> models(files.size());
  if (problems.empty()) {
    for (size_t i = 0; i < files.size(); ++i) {
      BuildFileModel(*files[i], params.http_rules.empty() ? nullptr : &rules, &models[i], &problems);
    }
  }

  // The documents, and what each header embeds to serve its own.
  std::map<std::string, std::string> documents;      // file name -> JSON
  std::vector<std::map<std::string, EmbeddedOpenApi>> embedded(files.size());
  if (problems.empty() && params.openapi) {
    for (size_t i = 0; i < files.size(); ++i) {
      const FileModel& model = models[i];
      std::vector<openapi::Service> all;
      for (const ServiceModel& service : model.services) {
        openapi::Service doc_service = DocService(service);
        all.push_back(doc_service);
        openapi::Descriptions used;
        std::string json, doc_error;
        if (!openapi::WriteDocument({doc_service}, DocOptions(params, service.full_name), &json, &doc_error,
                                    &used)) {
          problems.push_back(model.proto_name + ": OpenAPI: " + TrimEnd(doc_error));
          continue;
        }
        embedded[i][service.full_name] = EmbeddedOpenApi{service.full_name, params.openapi_version, used};
        if (params.openapi_per_service) {
          documents[StripProto(model.proto_name) + "." + service.descriptor->name() + ".openapi.json"] = json;
        }
      }
      if (!params.openapi_per_service) {
        std::string json, doc_error;
        // A file with one service gets that service's document, the one its
        // gateway serves; otherwise the file names the document.
        const std::string title = model.services.size() == 1 ? model.services[0].full_name : model.proto_name;
        if (!openapi::WriteDocument(all, DocOptions(params, title), &json, &doc_error)) {
          if (!params.openapi_per_service && all.size() == model.services.size() && problems.empty()) {
            problems.push_back(model.proto_name + ": OpenAPI: " + TrimEnd(doc_error));
          }
        } else {
          documents[StripProto(model.proto_name) + ".openapi.json"] = json;
        }
      }
    }
  }

  if (!problems.empty()) {
    error->clear();
    for (const std::string& problem : problems) {
      if (!error->empty()) *error += '\n';
      *error += problem;
    }
    return false;
  }
  for (size_t i = 0; i < models.size(); ++i) {
    if (!WriteFile(context, HeaderFileName(models[i].proto_name),
                   WriteHeader(models[i], params.openapi ? &embedded[i] : nullptr), error)) {
      return false;
    }
  }
  for (const auto& document : documents) {
    if (!WriteFile(context, document.first, document.second, error)) return false;
  }
  return true;
}

}  // namespace plugin
}  // namespace grpcgw
