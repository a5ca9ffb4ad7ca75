// protoc-gen-grpcgw: writes <file>.grpcgw.h for grpcgw::Gateway (see generator.h).
#include <google/protobuf/compiler/plugin.h>

#include "protoc-gen-grpcgw/generator.h"

int main(int argc, char* argv[]) {
  grpcgw::plugin::Generator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
