// A program built against an installed grpcgw: a gRPC server with two
// services, the traits protoc-gen-grpcgw generated for them, and the gateway
// serving one of them over HTTP. Exits non-zero, listing what failed, if any
// check fails.
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <grpcgw/grpcgw.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include "greeter.grpcgw.h"
#include "naming.grpcgw.h"

namespace {

using consumer::v1::Greeter;
using consumer::v1::HelloReply;
using consumer::v1::HelloRequest;

int g_failures = 0;

void Check(bool ok, const std::string& what) {
  if (!ok) {
    ++g_failures;
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  }
}

class GreeterService final : public Greeter::Service {
 public:
  grpc::Status SayHello(grpc::ServerContext*, const HelloRequest* request,
                        HelloReply* reply) override {
    if (request->name().empty()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "name is required");
    }
    reply->set_message("Hello, " + request->name());
    return grpc::Status::OK;
  }

  grpc::Status StreamHellos(grpc::ServerContext*, const HelloRequest* request,
                            grpc::ServerWriter<HelloReply>* writer) override {
    for (int i = 1; i <= request->times(); ++i) {
      HelloReply reply;
      reply.set_message("Hello, " + request->name() + " #" + std::to_string(i));
      reply.set_seq(i);
      writer->Write(reply);
    }
    return grpc::Status::OK;
  }
};

class NamingService final : public Naming::Service {
 public:
  grpc::Status Echo(grpc::ServerContext*, const Outer_Inner* request,
                    Outer_Inner* reply) override {
    reply->set_value(request->value());
    return grpc::Status::OK;
  }
};

std::string Describe(const grpcgw::HttpBinding& b) {
  return b.http_method + " " + b.path_template + " body=" + b.body +
         " response_body=" + b.response_body;
}

bool SameBindings(const std::vector<grpcgw::HttpBinding>& got,
                  const std::vector<grpcgw::HttpBinding>& want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i) {
    if (Describe(got[i]) != Describe(want[i])) return false;
  }
  return true;
}

// Runs a unary MethodSpec and waits for its status.
grpc::Status CallUnary(const grpcgw::MethodSpec& method, const google::protobuf::Message& request,
                       google::protobuf::Message* response) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  std::promise<grpc::Status> done;
  method.unary(&context, request, response, [&done](grpc::Status s) { done.set_value(s); });
  return done.get_future().get();
}

// The generated description of consumer.v1.Greeter, then calls through it.
void CheckGreeterTraits(const std::shared_ptr<grpc::Channel>& channel) {
  Check(std::string(grpcgw::ServiceTraits<Greeter>::kServiceName) == "consumer.v1.Greeter",
        "kServiceName is consumer.v1.Greeter");
  std::vector<grpcgw::MethodSpec> methods = grpcgw::ServiceTraits<Greeter>::Methods(channel);
  Check(methods.size() == 2, "Greeter has 2 methods");
  if (methods.size() != 2) return;

  const grpcgw::MethodSpec& say = methods[0];
  Check(say.service == "consumer.v1.Greeter", "SayHello: service");
  Check(say.name == "SayHello", "SayHello: name");
  Check(say.grpc_path == "/consumer.v1.Greeter/SayHello", "SayHello: grpc_path");
  Check(say.kind == grpcgw::MethodKind::kUnary, "SayHello: unary");
  Check(say.request_prototype == &HelloRequest::default_instance(), "SayHello: request type");
  Check(say.response_prototype == &HelloReply::default_instance(), "SayHello: response type");
  Check(SameBindings(say.bindings, {{"GET", "/v1/hello/{name}", "", ""},
                                    {"POST", "/v1/hello", "*", ""}}),
        "SayHello: the google.api.http binding, then its additional binding");
  Check(say.transports.sse && say.transports.websocket && say.transports.chunked,
        "SayHello: every transport on by default");
  Check(say.unary && !say.stream, "SayHello: has a unary invoker only");

  const grpcgw::MethodSpec& stream = methods[1];
  Check(stream.name == "StreamHellos", "StreamHellos: name");
  Check(stream.kind == grpcgw::MethodKind::kServerStreaming, "StreamHellos: server streaming");
  Check(SameBindings(stream.bindings, {{"GET", "/v1/hello/{name}:stream", "", ""}}),
        "StreamHellos: bindings");
  Check(stream.transports.sse && stream.transports.websocket && !stream.transports.chunked,
        "StreamHellos: (grpcgw.method) disable_chunked switches chunked off only");
  Check(stream.transports.sse_id_field == "seq", "StreamHellos: sse_id_field");
  Check(stream.stream && !stream.unary, "StreamHellos: has a stream starter only");

  if (say.unary) {
    HelloRequest request;
    request.set_name("Ada");
    HelloReply reply;
    grpc::Status status = CallUnary(say, request, &reply);
    Check(status.ok(), "SayHello call: OK, got " + status.error_message());
    Check(reply.message() == "Hello, Ada", "SayHello call: reply, got " + reply.message());

    request.clear_name();
    status = CallUnary(say, request, &reply);
    Check(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT,
          "SayHello call without a name: INVALID_ARGUMENT from the service");
  }

  if (stream.stream) {
    auto request = std::make_unique<HelloRequest>();
    request->set_name("Bo");
    request->set_times(3);
    std::shared_ptr<grpcgw::StreamCall> call = stream.stream(
        std::make_unique<grpc::ClientContext>(), std::move(request), grpcgw::StreamLimits{});
    std::vector<std::string> got;
    for (;;) {
      std::unique_ptr<google::protobuf::Message> response;
      grpcgw::StreamCall::Next next = call->Read(&response, std::chrono::seconds(10));
      if (next == grpcgw::StreamCall::Next::kFinished) break;
      if (next == grpcgw::StreamCall::Next::kTimeout) {
        Check(false, "StreamHellos call: timed out reading");
        call->Cancel();
        break;
      }
      got.push_back(static_cast<const HelloReply&>(*response).message());
    }
    Check(call->status().ok(), "StreamHellos call: OK, got " + call->status().error_message());
    Check(got == std::vector<std::string>{"Hello, Bo #1", "Hello, Bo #2", "Hello, Bo #3"},
          "StreamHellos call: three replies in order");
  }
}

// naming.proto has no package and a nested message: ServiceTraits<::Naming>
// must compile and call with ::Outer_Inner.
void CheckNamingTraits(const std::shared_ptr<grpc::Channel>& channel) {
  std::vector<grpcgw::MethodSpec> methods = grpcgw::ServiceTraits<::Naming>::Methods(channel);
  Check(methods.size() == 1, "Naming has 1 method");
  if (methods.size() != 1) return;
  const grpcgw::MethodSpec& echo = methods[0];
  Check(echo.service == "Naming" && echo.grpc_path == "/Naming/Echo", "Echo: names");
  Check(SameBindings(echo.bindings, {{"POST", "/Naming/Echo", "*", ""}}),
        "Echo: no google.api.http option gives POST /Naming/Echo with body *");
  Check(echo.request_prototype == &::Outer_Inner::default_instance(), "Echo: request type");
  ::Outer_Inner request;
  request.set_value("nested");
  ::Outer_Inner reply;
  grpc::Status status = CallUnary(echo, request, &reply);
  Check(status.ok() && reply.value() == "nested", "Echo call echoes the value");
}

// The gateway, as DESIGN.md 1 shows it, on a loopback port.
void CheckGateway(grpc::Server& server) {
  grpcgw::HttpServer http;
  grpcgw::GatewayOptions options;
  options.openapi.serve = true;
  grpcgw::Gateway<Greeter> gateway(server, options);
  gateway.mount(http);
  const int port = http.bind_to_any_port("127.0.0.1");
  Check(port > 0, "HttpServer binds a loopback port");
  if (port <= 0) return;
  std::thread listener([&http] { http.listen_after_bind(); });

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(10, 0);

  struct Row {
    const char* name;
    const char* method;
    const char* path;
    const char* body;
    int want_status;
    const char* want_message;  // HelloReply.message for 200
    int want_code;             // google.rpc.Status code otherwise
  };
  const Row rows[] = {
      {"GET binds the path variable", "GET", "/v1/hello/Ada", nullptr, 200, "Hello, Ada", 0},
      {"POST binds the whole body", "POST", "/v1/hello", R"({"name":"Bob"})", 200, "Hello, Bob",
       0},
      {"service error maps to HTTP", "POST", "/v1/hello", "{}", 400, nullptr, 3},
  };
  for (const Row& row : rows) {
    const std::string name = std::string(row.name) + ": " + row.method + " " + row.path;
    httplib::Result res = std::string(row.method) == "GET"
                              ? client.Get(row.path)
                              : client.Post(row.path, row.body, "application/json");
    if (!res) {
      Check(false, name + ": no response (" + httplib::to_string(res.error()) + ")");
      continue;
    }
    Check(res->status == row.want_status,
          name + ": status " + std::to_string(res->status) + ", body " + res->body);
    Check(res->get_header_value("Content-Type").find("application/json") == 0,
          name + ": JSON content type, got " + res->get_header_value("Content-Type"));
    if (row.want_message != nullptr) {
      HelloReply reply;
      Check(google::protobuf::util::JsonStringToMessage(res->body, &reply).ok() &&
                reply.message() == row.want_message,
            name + ": reply message, body " + res->body);
    } else {
      google::protobuf::Struct error;
      const bool parsed = google::protobuf::util::JsonStringToMessage(res->body, &error).ok();
      const auto code = error.fields().find("code");
      Check(parsed && code != error.fields().end() &&
                code->second.number_value() == row.want_code,
            name + ": error code " + std::to_string(row.want_code) + ", body " + res->body);
    }
  }

  // StreamHellos over SSE: (grpcgw.method) sse_id_field "seq" gives the
  // `id:` lines; disable_chunked leaves a plain GET nothing to serve it.
  {
    const std::string path = "/v1/hello/Cy:stream?times=2";
    httplib::Result res = client.Get(path.c_str(), {{"Accept", "text/event-stream"}});
    if (!res) {
      Check(false, "SSE " + path + ": no response (" + httplib::to_string(res.error()) + ")");
    } else {
      Check(res->status == 200, "SSE " + path + ": status " + std::to_string(res->status));
      Check(res->get_header_value("Content-Type").find("text/event-stream") == 0,
            "SSE " + path + ": content type " + res->get_header_value("Content-Type"));
      const size_t first = res->body.find("id: 1\n");
      const size_t second = res->body.find("id: 2\n");
      Check(first != std::string::npos && second != std::string::npos && first < second &&
                res->body.find("Hello, Cy #2") != std::string::npos,
            "SSE " + path + ": two events with ids 1 and 2, body:\n" + res->body);
    }
    res = client.Get(path.c_str(), {{"Accept", "application/json"}});
    Check(res && res->status == 501,
          "plain GET " + path + " with chunked disabled: 501, got " +
              (res ? std::to_string(res->status) + " " + res->body : std::string("no response")));
  }

  // The OpenAPI document the generated header lets the gateway write.
  {
    httplib::Result res = client.Get("/openapi.json");
    Check(res && res->status == 200 && res->body.find("\"openapi\": \"3.1.0\"") != std::string::npos &&
              res->body.find("\"/v1/hello/{name}\"") != std::string::npos,
          "GET /openapi.json: the service's OpenAPI 3.1 document, got " +
              (res ? std::to_string(res->status) + " " + res->body.substr(0, 200) : std::string("no response")));
  }

  http.stop();
  listener.join();
}

}  // namespace

int main() {
  GreeterService greeter;
  NamingService naming;
  grpc::ServerBuilder builder;
  builder.RegisterService(&greeter);
  builder.RegisterService(&naming);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::fprintf(stderr, "FAILED: the gRPC server did not start\n");
    return 1;
  }
  std::shared_ptr<grpc::Channel> channel = server->InProcessChannel(grpc::ChannelArguments());

  CheckGreeterTraits(channel);
  CheckNamingTraits(channel);
  CheckGateway(*server);

  server->Shutdown();
  if (g_failures > 0) {
    std::fprintf(stderr, "%d check(s) failed\n", g_failures);
    return 1;
  }
  std::printf("consumer: all checks passed\n");
  return 0;
}
