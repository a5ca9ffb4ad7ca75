#include "protoc-gen-grpcgw/header_writer.h"

#include <cstdio>

namespace grpcgw {
namespace plugin {
namespace {

// A C++ string literal holding `text` exactly.
std::string Literal(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c >= 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\%03o", c);  // three digits: never ambiguous
      out += escaped;
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

std::string StripProto(const std::string& proto_name) {
  const std::string suffix = ".proto";
  if (proto_name.size() >= suffix.size() &&
      proto_name.compare(proto_name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return proto_name.substr(0, proto_name.size() - suffix.size());
  }
  return proto_name;
}

std::string IncludeGuard(const std::string& header_name) {
  std::string guard = "GRPCGW_GENERATED_";
  for (char c : header_name) {
    if ((c >= 'a' && c <= 'z')) {
      guard += static_cast<char>(c - 'a' + 'A');
    } else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      guard += c;
    } else {
      guard += '_';
    }
  }
  return guard + "_";
}

const char* KindName(MethodKindModel kind) {
  switch (kind) {
    case MethodKindModel::kUnary:
      return "kUnary";
    case MethodKindModel::kClientStreaming:
      return "kClientStreaming";
    case MethodKindModel::kServerStreaming:
      return "kServerStreaming";
    case MethodKindModel::kBidiStreaming:
      return "kBidiStreaming";
  }
  return "kUnary";
}

// Appends the block that builds one MethodSpec and pushes it onto `methods`.
void WriteMethod(const ServiceModel& service, const MethodModel& method, std::string* out) {
  const std::string& req = method.request_type;
  const std::string& resp = method.response_type;
  std::string& o = *out;
  o += "    {\n";
  o += "      MethodSpec m;\n";
  o += "      m.service = " + Literal(service.full_name) + ";\n";
  o += "      m.name = " + Literal(method.name) + ";\n";
  o += "      m.grpc_path = " + Literal(method.grpc_path) + ";\n";
  o += std::string("      m.kind = MethodKind::") + KindName(method.kind) + ";\n";
  o += "      m.request_prototype = &" + req + "::default_instance();\n";
  o += "      m.response_prototype = &" + resp + "::default_instance();\n";
  o += "      m.bindings = {\n";
  for (const BindingModel& binding : method.bindings) {
    o += "          {" + Literal(binding.http_method) + ", " + Literal(binding.path_template) +
         ", " + Literal(binding.body) + ", " + Literal(binding.response_body) + "},\n";
  }
  o += "      };\n";
  const TransportModel& t = method.transports;
  if (!t.sse) o += "      m.transports.sse = false;\n";
  if (!t.websocket) o += "      m.transports.websocket = false;\n";
  if (!t.chunked) o += "      m.transports.chunked = false;\n";
  if (!t.sse_id_field.empty()) {
    o += "      m.transports.sse_id_field = " + Literal(t.sse_id_field) + ";\n";
  }
  if (!t.sse_event_field.empty()) {
    o += "      m.transports.sse_event_field = " + Literal(t.sse_event_field) + ";\n";
  }
  if (t.websocket_binary) o += "      m.transports.websocket_binary = true;\n";

  switch (method.kind) {
    case MethodKindModel::kUnary:
      o += "      m.unary = [stub](::grpc::ClientContext* ctx, "
           "const ::google::protobuf::Message& req,\n"
           "                       ::google::protobuf::Message* resp, "
           "::std::function<void(::grpc::Status)> done) {\n";
      o += "        stub->async()->" + method.name + "(\n";
      o += "            ctx, static_cast<const " + req + "*>(&req), static_cast<" + resp +
           "*>(resp),\n";
      o += "            std::move(done));\n";
      o += "      };\n";
      break;
    case MethodKindModel::kServerStreaming:
      o += "      m.stream = MakeServerStreamStarter<" + req + ", " + resp + ">(\n";
      o += "          [stub](::grpc::ClientContext* ctx, const " + req +
           "* req,\n"
           "                 ::grpc::ClientReadReactor<" + resp + ">* reactor) {\n";
      o += "            stub->async()->" + method.name + "(ctx, req, reactor);\n";
      o += "          });\n";
      break;
    case MethodKindModel::kClientStreaming:
      o += "      m.stream = MakeClientStreamStarter<" + req + ", " + resp + ">(\n";
      o += "          [stub](::grpc::ClientContext* ctx, " + resp +
           "* resp,\n"
           "                 ::grpc::ClientWriteReactor<" + req + ">* reactor) {\n";
      o += "            stub->async()->" + method.name + "(ctx, resp, reactor);\n";
      o += "          });\n";
      break;
    case MethodKindModel::kBidiStreaming:
      o += "      m.stream = MakeBidiStreamStarter<" + req + ", " + resp + ">(\n";
      o += "          [stub](::grpc::ClientContext* ctx,\n"
           "                 ::grpc::ClientBidiReactor<" + req + ", " + resp + ">* reactor) {\n";
      o += "            stub->async()->" + method.name + "(ctx, reactor);\n";
      o += "          });\n";
      break;
  }
  o += "      methods.push_back(std::move(m));\n";
  o += "    }\n";
}

void WriteOpenApi(const ServiceModel& service, const EmbeddedOpenApi& doc, std::string* out) {
  std::string& o = *out;
  o += "  // What the gateway needs to write this service's OpenAPI document\n"
       "  // (GatewayOptions::openapi): its title, version and comments.\n";
  o += "  static const OpenApiSource& OpenApi() {\n";
  if (doc.descriptions.empty()) {
    o += "    static const OpenApiSource kSource{" + Literal(service.full_name) + ", " + Literal(doc.title) +
         ", " + Literal(doc.version) + ", nullptr, 0};\n";
  } else {
    o += "    static const char* const kDescriptions[] = {\n";
    for (const auto& entry : doc.descriptions) {
      o += "        " + Literal(entry.first) + ",\n";
      o += "        " + Literal(entry.second) + ",\n";
    }
    o += "    };\n";
    o += "    static const OpenApiSource kSource{" + Literal(service.full_name) + ", " + Literal(doc.title) +
         ", " + Literal(doc.version) + ", kDescriptions, " + std::to_string(doc.descriptions.size()) + "};\n";
  }
  o += "    return kSource;\n";
  o += "  }\n\n";
}

void WriteService(const ServiceModel& service, const EmbeddedOpenApi* doc, std::string* out) {
  std::string& o = *out;
  o += "template <>\n";
  o += "struct ServiceTraits<" + service.cpp_name + "> {\n";
  o += "  static constexpr const char kServiceName[] = " + Literal(service.full_name) + ";\n\n";
  if (doc != nullptr) WriteOpenApi(service, *doc, out);
  o += "  // One MethodSpec per method of " + service.full_name +
       ", calling through `channel`\n"
       "  // (usually grpc::Server::InProcessChannel()). The specs share a stub.\n";
  if (service.methods.empty()) {
    o += "  static std::vector<MethodSpec> Methods(const std::shared_ptr<::grpc::Channel>&) {\n";
    o += "    return {};\n";
    o += "  }\n";
    o += "};\n";
    return;
  }
  o += "  static std::vector<MethodSpec> Methods(const std::shared_ptr<::grpc::Channel>& channel) "
       "{\n";
  o += "    std::shared_ptr<" + service.cpp_name + "::Stub> stub(" + service.cpp_name +
       "::NewStub(channel));\n";
  o += "    std::vector<MethodSpec> methods;\n";
  o += "    methods.reserve(" + std::to_string(service.methods.size()) + ");\n";
  for (const MethodModel& method : service.methods) WriteMethod(service, method, out);
  o += "    return methods;\n";
  o += "  }\n";
  o += "};\n";
}

}  // namespace

std::string HeaderFileName(const std::string& proto_name) {
  return StripProto(proto_name) + ".grpcgw.h";
}

std::string WriteHeader(const FileModel& model, const std::map<std::string, EmbeddedOpenApi>* openapi) {
  const std::string header_name = HeaderFileName(model.proto_name);
  const std::string guard = IncludeGuard(header_name);
  std::string o;
  o += "// Generated by protoc-gen-grpcgw from " + model.proto_name + ". DO NOT EDIT.\n";
  o += "//\n";
  o += "// grpcgw::ServiceTraits for the services of " + model.proto_name +
       ", served by grpcgw::Gateway.\n\n";
  o += "#ifndef " + guard + "\n";
  o += "#define " + guard + "\n\n";
  if (model.services.empty()) {
    o += "// " + model.proto_name + " has no services.\n\n";
    o += "#endif  // " + guard + "\n";
    return o;
  }
  o += "#include <functional>\n";
  o += "#include <memory>\n";
  o += "#include <utility>\n";
  o += "#include <vector>\n\n";
  o += "#include <grpcgw/method.h>\n";
  o += "#include <grpcgw/stream_call.h>\n\n";
  o += "#include \"" + StripProto(model.proto_name) + ".grpc.pb.h\"\n\n";
  o += "namespace grpcgw {\n\n";
  for (size_t i = 0; i < model.services.size(); ++i) {
    if (i > 0) o += "\n";
    const EmbeddedOpenApi* doc = nullptr;
    if (openapi != nullptr) {
      auto found = openapi->find(model.services[i].full_name);
      if (found != openapi->end()) doc = &found->second;
    }
    WriteService(model.services[i], doc, &o);
  }
  o += "\n}  // namespace grpcgw\n\n";
  o += "#endif  // " + guard + "\n";
  return o;
}

}  // namespace plugin
}  // namespace grpcgw
