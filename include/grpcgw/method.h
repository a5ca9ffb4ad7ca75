// grpcgw/method.h: the description of one gRPC method that a gateway serves.
//
// protoc-gen-grpcgw generates, for each service `pkg.Svc`, a specialization
// of `grpcgw::ServiceTraits<pkg::Svc>` whose `Methods(channel)` returns one
// `MethodSpec` per method: its HTTP bindings, its kind, prototypes of its
// request and response messages, and a typed call through the generated
// stub's callback API. `grpcgw::Gateway<pkg::Svc>` serves them.
//
//   std::vector<grpcgw::MethodSpec> methods =
//       grpcgw::ServiceTraits<chat::Chat>::Methods(server->InProcessChannel({}));
//
// Users normally never write a MethodSpec by hand; the type is public so that
// generated code (and tests) can build one. It does not parse or validate
// anything: the gateway does that when it is mounted.
#ifndef GRPCGW_METHOD_H_
#define GRPCGW_METHOD_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

namespace grpcgw {

class StreamCall;
struct StreamLimits;

enum class MethodKind {
  kUnary,
  kClientStreaming,
  kServerStreaming,
  kBidiStreaming,
};

// One google.api.http binding (or the default `POST /pkg.Svc/Method`).
struct HttpBinding {
  std::string http_method;    // "GET", "POST", ... or a custom verb's kind
  std::string path_template;  // e.g. "/v1/{name=shelves/*}/books"
  std::string body;           // "" (no body), "*" or a top-level request field
  std::string response_body;  // "" (whole response) or a top-level response field
};

// Per-method transport switches and SSE fields, from (grpcgw.method).
struct TransportOptions {
  bool sse = true;
  bool websocket = true;
  bool chunked = true;
  std::string sse_id_field;     // top-level response field -> `id:`
  std::string sse_event_field;  // top-level response field -> `event:`
  bool websocket_binary = false;
};

// Starts a unary call. `request` and `response` are owned by the caller and
// must stay alive until `done` runs; `done` runs exactly once, on a gRPC
// thread, and must not block.
using UnaryInvoker = std::function<void(grpc::ClientContext* context,
                                        const google::protobuf::Message& request,
                                        google::protobuf::Message* response,
                                        std::function<void(grpc::Status)> done)>;

// Starts a streaming call and returns its handle. `request` is the request of
// a server-streaming call (required) and null for client-streaming and bidi
// calls, whose requests go through StreamCall::Write.
using StreamStarter = std::function<std::shared_ptr<StreamCall>(
    std::unique_ptr<grpc::ClientContext> context,
    std::unique_ptr<google::protobuf::Message> request,
    const StreamLimits& limits)>;

struct MethodSpec {
  std::string service;    // full service name, "chat.Chat"
  std::string name;       // method name, "Send"
  std::string grpc_path;  // "/chat.Chat/Send"
  MethodKind kind = MethodKind::kUnary;
  const google::protobuf::Message* request_prototype = nullptr;   // not owned
  const google::protobuf::Message* response_prototype = nullptr;  // not owned
  std::vector<HttpBinding> bindings;
  TransportOptions transports;
  UnaryInvoker unary;     // set for kUnary
  StreamStarter stream;   // set for every streaming kind
};

// What protoc-gen-grpcgw embeds in a service's traits when asked for OpenAPI
// (`grpcgw_generate(... OPENAPI)`): with it, a gateway writes and serves the
// service's OpenAPI 3.1 document (GatewayOptions::openapi).
struct OpenApiSource {
  const char* service;  // "chat.Chat"
  const char* title;    // info.title
  const char* version;  // info.version
  // The comments of the services, methods, messages, fields and enums the
  // document describes: full name, text, full name, text, ...
  const char* const* descriptions;
  size_t description_count;  // pairs
};

// Specialized by generated code for each service (see the file comment).
// Generated with OpenAPI, it also has `static const OpenApiSource& OpenApi()`.
template <class Service>
struct ServiceTraits;

}  // namespace grpcgw

#endif  // GRPCGW_METHOD_H_
