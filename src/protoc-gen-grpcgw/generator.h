// generator.h: protoc-gen-grpcgw as a protoc CodeGenerator.
//
//   protoc -I. --grpc_out=out --plugin=protoc-gen-grpc=grpc_cpp_plugin
//          --grpcgw_out=out --plugin=protoc-gen-grpcgw=protoc-gen-grpcgw chat.proto
//
// writes out/chat.grpcgw.h next to protoc's chat.pb.h and chat.grpc.pb.h, for
// every file named on the command line (a file without services gets a
// header with nothing in it, so build rules can list one header per proto).
// When any file has a problem, no header is written and protoc fails with
// one line per problem, each naming the file, the method and the problem.
//
// Parameters (comma-separated, or one per --grpcgw_opt):
//   openapi[=file|service]   also write <file>.openapi.json (or
//                            <file>.<Service>.openapi.json per service) and
//                            embed in each ServiceTraits what a gateway needs
//                            to serve its document (src/openapi/document.h)
//   openapi_version=V        info.version (1.0.0)
//   openapi_use_proto_names, openapi_omit_unpopulated, openapi_enums_as_ints,
//   openapi_ndjson_bare_lines
//                            the files describe a gateway with these options
//                            (the defaults describe GatewayOptions{})
//   http_rules=FILE.yaml     bind methods by the HTTP rules of a gRPC API
//                            Configuration file (http_rules.h); repeatable
#ifndef GRPCGW_PROTOC_GEN_GRPCGW_GENERATOR_H_
#define GRPCGW_PROTOC_GEN_GRPCGW_GENERATOR_H_

#include <string>
#include <vector>

#include <google/protobuf/compiler/code_generator.h>

namespace grpcgw {
namespace plugin {

class Generator : public google::protobuf::compiler::CodeGenerator {
 public:
  bool Generate(const google::protobuf::FileDescriptor* file, const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;

  // Checks every file before writing any, and reports the problems of all.
  bool GenerateAll(const std::vector<const google::protobuf::FileDescriptor*>& files,
                   const std::string& parameter,
                   google::protobuf::compiler::GeneratorContext* context,
                   std::string* error) const override;

  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace plugin
}  // namespace grpcgw

#endif  // GRPCGW_PROTOC_GEN_GRPCGW_GENERATOR_H_
