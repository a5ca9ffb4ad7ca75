// document.h: the OpenAPI 3.1 document of gRPC services as grpcgw serves
// them over HTTP.
//
// One writer serves both protoc-gen-grpcgw (which writes the document to a
// file, with comments read from the .proto sources) and the gateway (which
// serves it at GET /openapi.json, with the comments the plugin embedded in
// the generated header and the gateway's own options):
//
//   openapi::Service service{service_descriptor, {}};
//   service.methods.push_back({method_descriptor, {{"GET", "/v1/{name}", "", ""}}, {}});
//   openapi::Options options;             // the gateway's defaults
//   options.title = "chat.Chat";
//   std::string json, error;
//   if (!openapi::WriteDocument({service}, options, &json, &error)) { /* error names the bindings */ }
//
// What the document says follows the wire contract (README "Behaviour"):
// every binding is an operation (a binding with a custom verb that OpenAPI
// 3.1 has no field for goes under the path item's
// `x-grpcgw-custom-operations`); path variables are path parameters (a
// variable capturing several segments is one parameter with a `pattern`);
// every field not bound by the path or the body is a query parameter
// (dotted names, repeated, maps as `name[key]`), following the gateway's
// query rules; message schemas follow the proto3 JSON mapping and the JSON
// options given; streams are described per transport (text/event-stream,
// application/x-ndjson, and WebSocket as the path item's
// `x-grpcgw-websocket`); transports a method switches off are left out.
//
// With emit_unpopulated, a message reached from a response lists every field
// the gateway always prints as `required`; requests never require anything,
// so a message reached from both sides has a second, request-side schema
// named `<full name>-Input`.
//
// Thread-safety: reentrant.
#ifndef GRPCGW_OPENAPI_DOCUMENT_H_
#define GRPCGW_OPENAPI_DOCUMENT_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

namespace grpcgw {
namespace openapi {

struct Binding {
  std::string http_method;    // "GET", ... or a custom kind
  std::string path_template;  // as written
  std::string body;           // "", "*" or a top-level request field
  std::string response_body;  // "" or a top-level response field
};

struct Transports {
  bool sse = true;
  bool websocket = true;
  bool chunked = true;
  std::string sse_id_field;     // "" for the gateway default (Options)
  std::string sse_event_field;
  bool websocket_binary = false;
};

struct Method {
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  std::vector<Binding> bindings;
  Transports transports;
};

struct Service {
  const google::protobuf::ServiceDescriptor* descriptor = nullptr;
  std::vector<Method> methods;
};

struct SseEndOfStream {
  std::string id = "EOS";
  std::string event = "EOS";
  std::string data;
};

// Comments by the full name of the element they describe (service, method,
// message, field, enum, enum value).
using Descriptions = std::map<std::string, std::string>;

struct Options {
  std::string title;           // info.title
  std::string version = "1.0.0";  // info.version
  std::string description;     // info.description ("" for none)

  // The gateway's JSON output options.
  bool use_proto_names = false;
  bool emit_unpopulated = true;
  bool enums_as_ints = false;

  // Transport options of the gateway.
  bool ndjson_bare_lines = false;
  std::optional<SseEndOfStream> sse_end_of_stream = SseEndOfStream{};
  std::string sse_id_field;     // used by methods that name none
  std::string sse_event_field;
  std::vector<std::string> websocket_subprotocols;

  // Where comments come from: null reads the descriptors' source locations
  // (available to a protoc plugin); otherwise this table.
  const Descriptions* descriptions = nullptr;
};

// Writes the document of `services` into *json. Returns false, with *error
// naming the bindings, when two bindings would have the same OpenAPI path
// and method (OpenAPI cannot tell `{name=a/*}` from `{name=b/*}`) or a
// binding is invalid. If `used` is not null, every non-empty comment the
// document contains is added to it (what a header must embed to write the
// same document later).
bool WriteDocument(const std::vector<Service>& services, const Options& options, std::string* json,
                   std::string* error, Descriptions* used = nullptr);

}  // namespace openapi
}  // namespace grpcgw

#endif  // GRPCGW_OPENAPI_DOCUMENT_H_
