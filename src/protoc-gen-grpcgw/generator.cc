#include "protoc-gen-grpcgw/generator.h"

#include <memory>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/zero_copy_stream.h>
#include <google/protobuf/io/printer.h>

#include "protoc-gen-grpcgw/header_writer.h"
#include "protoc-gen-grpcgw/service_model.h"

namespace grpcgw {
namespace plugin {

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
  if (!parameter.empty()) {
    *error = "protoc-gen-grpcgw takes no parameters, got \"" + parameter + "\"";
    return false;
  }
  std::vector<FileModel> models(files.size());
  std::vector<std::string> problems;
  for (size_t i = 0; i < files.size(); ++i) {
    BuildFileModel(*files[i], &models[i], &problems);
  }
  if (!problems.empty()) {
    error->clear();
    for (const std::string& problem : problems) {
      if (!error->empty()) *error += '\n';
      *error += problem;
    }
    return false;
  }
  for (const FileModel& model : models) {
    std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> stream(
        context->Open(HeaderFileName(model.proto_name)));
    google::protobuf::io::Printer printer(stream.get(), '$');
    printer.PrintRaw(WriteHeader(model));
    if (printer.failed()) {
      *error = "cannot write " + HeaderFileName(model.proto_name);
      return false;
    }
  }
  return true;
}

}  // namespace plugin
}  // namespace grpcgw
