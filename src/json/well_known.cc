#include "json/well_known.h"

#include <google/protobuf/dynamic_message.h>

namespace grpcgw::json_internal {

namespace pb = google::protobuf;

WellKnown ClassifyMessage(const pb::Descriptor* descriptor) {
  const pb::FileDescriptor* file = descriptor->file();
  if (file->package() != "google.protobuf") return WellKnown::kNone;
  const std::string& file_name = file->name();
  const std::string& name = descriptor->name();
  if (file_name == "google/protobuf/any.proto") return WellKnown::kAny;
  if (file_name == "google/protobuf/timestamp.proto") return WellKnown::kTimestamp;
  if (file_name == "google/protobuf/duration.proto") return WellKnown::kDuration;
  if (file_name == "google/protobuf/field_mask.proto") return WellKnown::kFieldMask;
  if (file_name == "google/protobuf/wrappers.proto") return WellKnown::kWrapper;
  if (file_name == "google/protobuf/struct.proto") {
    if (name == "Struct") return WellKnown::kStruct;
    if (name == "Value") return WellKnown::kValue;
    if (name == "ListValue") return WellKnown::kListValue;
  }
  return WellKnown::kNone;
}

bool IsNullValueEnum(const pb::EnumDescriptor* descriptor) {
  return descriptor->full_name() == "google.protobuf.NullValue";
}

std::unique_ptr<pb::Message> AnyResolver::New(std::string_view type_url) {
  // Messages often hold many Anys of a few types.
  for (const auto& [url, prototype] : recent_) {
    if (url == type_url) return std::unique_ptr<pb::Message>(prototype->New());
  }
  const pb::Message* prototype = Prototype(type_url);
  if (prototype == nullptr) return nullptr;
  if (recent_.size() < kRecent) recent_.emplace_back(std::string(type_url), prototype);
  return std::unique_ptr<pb::Message>(prototype->New());
}

const pb::Message* AnyResolver::Prototype(std::string_view type_url) {
  size_t slash = type_url.rfind('/');
  if (slash == std::string_view::npos) return nullptr;
  std::string name(type_url.substr(slash + 1));
  const pb::DescriptorPool* pool = root_.GetDescriptor()->file()->pool();
  const pb::Descriptor* descriptor = pool->FindMessageTypeByName(name);
  if (descriptor == nullptr) return nullptr;
  if (descriptor->file()->pool() == pb::DescriptorPool::generated_pool()) {
    return pb::MessageFactory::generated_factory()->GetPrototype(descriptor);
  }
  // The root is a dynamic message; its factory makes types of its pool.
  const pb::Message* prototype = root_.GetReflection()->GetMessageFactory()->GetPrototype(descriptor);
  if (prototype == nullptr) {
    if (!dynamic_factory_) dynamic_factory_ = std::make_unique<pb::DynamicMessageFactory>(pool);
    prototype = dynamic_factory_->GetPrototype(descriptor);
  }
  return prototype;
}

}  // namespace grpcgw::json_internal
