// service_model.h: what protoc-gen-grpcgw knows of one .proto file, checked.
//
// BuildFileModel() reads the services of a file, their google.api.http and
// (grpcgw.method) options, and checks them the way the gateway would use
// them at run time: templates parse; template variables, `body` and
// `response_body` name fields that exist and can be bound; variables do not
// overlap; SSE fields exist; and no two bindings of the file's services
// (default `POST /pkg.Svc/Method` bindings included) share an HTTP method and
// a template shape. The result holds C++ names, ready for the header writer.
//
//   FileModel model;
//   std::vector<std::string> errors;
//   if (!BuildFileModel(*file, /*rules=*/nullptr, &model, &errors)) {
//     // errors[i]: "chat.proto: method chat.Chat.Send: binding \"GET /v1/{x}\":
//     //             field \"x\" is not a field of chat.Message"
//   }
//
// It writes no code (see header_writer.h) and checks nothing across files.
#ifndef GRPCGW_PROTOC_GEN_GRPCGW_SERVICE_MODEL_H_
#define GRPCGW_PROTOC_GEN_GRPCGW_SERVICE_MODEL_H_

#include <string>
#include <vector>

namespace google {
namespace protobuf {
class Descriptor;
class FileDescriptor;
class MethodDescriptor;
class ServiceDescriptor;
}  // namespace protobuf
}  // namespace google

namespace grpcgw {
namespace plugin {

// Mirrors grpcgw::MethodKind (the plugin does not link the runtime).
enum class MethodKindModel { kUnary, kClientStreaming, kServerStreaming, kBidiStreaming };

struct BindingModel {
  std::string http_method;    // "GET", ..., or a custom pattern's kind as written
  std::string path_template;  // as written in the proto
  std::string body;
  std::string response_body;
  std::string origin;         // "api.yaml:7" for a rule from an HTTP rules file; "" from the proto
};

struct TransportModel {
  bool sse = true;
  bool websocket = true;
  bool chunked = true;
  std::string sse_id_field;
  std::string sse_event_field;
  bool websocket_binary = false;
};

struct MethodModel {
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  std::string name;           // "Send": the proto name, also the stub's method name
  std::string grpc_path;      // "/chat.Chat/Send"
  MethodKindModel kind = MethodKindModel::kUnary;
  std::string request_type;   // C++ type, fully qualified: "::chat::Message"
  std::string response_type;  // "::chat::Ack"
  std::vector<BindingModel> bindings;  // never empty: the default binding if none
  TransportModel transports;
};

struct ServiceModel {
  const google::protobuf::ServiceDescriptor* descriptor = nullptr;
  std::string full_name;  // "chat.Chat"
  std::string cpp_name;   // "::chat::Chat"
  std::vector<MethodModel> methods;
};

struct FileModel {
  std::string proto_name;  // "a/b/chat.proto", as protoc names the file
  std::vector<ServiceModel> services;
};

struct HttpRules;

// Builds the model of `file`. A method that `rules` (HTTP rules from a YAML
// file; may be null) has a rule for takes the rule's bindings instead of its
// google.api.http annotation. Returns true if every check passed. Otherwise
// returns false and appends to *errors one line per problem, each naming the
// file (the rules file and line for a rule's binding), the method and the
// problem; *out is then incomplete.
bool BuildFileModel(const google::protobuf::FileDescriptor& file, const HttpRules* rules, FileModel* out,
                    std::vector<std::string>* errors);

// The C++ name of the class that protoc generates for `message`:
// "::a::b::Outer_Inner" for a.b.Outer.Inner, "::Msg" without a package.
std::string CppClassName(const google::protobuf::Descriptor& message);

}  // namespace plugin
}  // namespace grpcgw

#endif  // GRPCGW_PROTOC_GEN_GRPCGW_SERVICE_MODEL_H_
