#include "gateway/openapi_route.h"

#include <stdexcept>

#include <google/protobuf/descriptor.h>

#include "openapi/document.h"

namespace grpcgw {
namespace internal {
namespace {

std::string RegexLiteral(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

[[noreturn]] void Refuse(const std::string& service, const std::string& problem) {
  throw std::invalid_argument("grpcgw: cannot mount:\n" + service + ": GatewayOptions::openapi: " + problem + "\n");
}

}  // namespace

std::shared_ptr<const std::string> OpenApiDocument(const GatewayState& gateway) {
  const OpenApiOptions& o = gateway.options.openapi;
  if (!o.serve) return nullptr;
  const std::string service_name =
      gateway.openapi != nullptr ? gateway.openapi->service
                                 : gateway.methods.empty() ? std::string("the service") : gateway.methods[0].service;
  if (gateway.openapi == nullptr) {
    Refuse(service_name,
           "serve is set, but the service's header has no OpenAPI description: generate it with "
           "grpcgw_generate(... OPENAPI) (protoc-gen-grpcgw's `openapi` parameter)");
  }
  if (o.path.empty() || o.path[0] != '/') Refuse(service_name, "path \"" + o.path + "\" must start with '/'");

  // A binding of this gateway that answers GET on the path would take the
  // request first.
  Router router;
  for (const MethodSpec& method : gateway.methods) {
    for (const HttpBinding& binding : method.bindings) {
      PathTemplate t;
      std::string error;
      if (PathTemplate::Parse(binding.path_template, &t, &error)) {
        router.Add(binding.http_method, t, 0, &error);
        Router::Match match;
        std::vector<std::string> allowed;
        if (router.Lookup("GET", o.path, &match, &allowed, &error) != Router::Outcome::kNotFound) {
          Refuse(service_name, "path \"" + o.path + "\" is taken by the binding \"" + binding.http_method + " " +
                                   binding.path_template + "\" of " + method.grpc_path);
        }
      }
    }
  }

  const google::protobuf::DescriptorPool* pool = google::protobuf::DescriptorPool::generated_pool();
  if (!gateway.methods.empty() && gateway.methods[0].request_prototype != nullptr) {
    pool = gateway.methods[0].request_prototype->GetDescriptor()->file()->pool();
  }
  const google::protobuf::ServiceDescriptor* service = pool->FindServiceByName(gateway.openapi->service);
  if (service == nullptr) Refuse(service_name, "no descriptor for service " + service_name);

  openapi::Service doc_service;
  doc_service.descriptor = service;
  for (const MethodSpec& spec : gateway.methods) {
    openapi::Method m;
    m.descriptor = service->FindMethodByName(spec.name);
    if (m.descriptor == nullptr) Refuse(service_name, "no descriptor for method " + spec.grpc_path);
    for (const HttpBinding& b : spec.bindings) m.bindings.push_back({b.http_method, b.path_template, b.body, b.response_body});
    const TransportOptions& t = spec.transports;
    m.transports = {t.sse, t.websocket, t.chunked, t.sse_id_field, t.sse_event_field, t.websocket_binary};
    doc_service.methods.push_back(std::move(m));
  }

  openapi::Descriptions descriptions;
  for (size_t i = 0; i < gateway.openapi->description_count; ++i) {
    descriptions[gateway.openapi->descriptions[2 * i]] = gateway.openapi->descriptions[2 * i + 1];
  }
  const GatewayOptions& g = gateway.options;
  openapi::Options options;
  options.title = gateway.openapi->title;
  options.version = gateway.openapi->version;
  options.use_proto_names = g.json_output.use_proto_names;
  options.emit_unpopulated = g.json_output.emit_unpopulated;
  options.enums_as_ints = g.json_output.enums_as_ints;
  options.ndjson_bare_lines = g.chunked.bare_lines;
  if (g.sse.end_of_stream) {
    options.sse_end_of_stream = openapi::SseEndOfStream{g.sse.end_of_stream->id, g.sse.end_of_stream->event,
                                                       g.sse.end_of_stream->data};
  } else {
    options.sse_end_of_stream.reset();
  }
  options.sse_id_field = g.sse.id_field;
  options.sse_event_field = g.sse.event_field;
  options.websocket_subprotocols = g.websocket.subprotocols;
  options.descriptions = &descriptions;

  auto json = std::make_shared<std::string>();
  std::string error;
  if (!openapi::WriteDocument({doc_service}, options, json.get(), &error)) Refuse(service_name, error);
  return json;
}

void ServeOpenApiDocument(HttpServer& http, const std::string& path, std::shared_ptr<const std::string> document) {
  http.Get(RegexLiteral(path), [document](const httplib::Request&, httplib::Response& res) {
    res.set_content(*document, "application/json");
  });
}

}  // namespace internal
}  // namespace grpcgw
