// Recognizes the well-known types whose JSON form is special, and resolves
// Any type URLs through a message's own descriptor pool.
#ifndef GRPCGW_SRC_JSON_WELL_KNOWN_H_
#define GRPCGW_SRC_JSON_WELL_KNOWN_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace grpcgw::json_internal {

enum class WellKnown {
  kNone,  // an ordinary message (google.protobuf.Empty is one too)
  kAny,
  kTimestamp,
  kDuration,
  kFieldMask,
  kStruct,
  kValue,
  kListValue,
  kWrapper,  // DoubleValue, FloatValue, Int64Value, ..., BytesValue
};

WellKnown ClassifyMessage(const google::protobuf::Descriptor* descriptor);

// True for the enum google.protobuf.NullValue.
bool IsNullValueEnum(const google::protobuf::EnumDescriptor* descriptor);

// Makes empty messages of the type named by an Any's type URL
// ("type.googleapis.com/pkg.Msg": the part after the last '/'), looked up in
// the descriptor pool of the message being converted (the root), so that
// dynamic messages resolve types in their own pool.
class AnyResolver {
 public:
  // `root` must outlive the resolver, and the resolver every message it made.
  explicit AnyResolver(const google::protobuf::Message& root) : root_(root) {}

  // Returns a new empty message of the named type, or null when the URL has
  // no '/' or names no message in the pool.
  std::unique_ptr<google::protobuf::Message> New(std::string_view type_url);

 private:
  const google::protobuf::Message* Prototype(std::string_view type_url);

  static constexpr size_t kRecent = 8;

  const google::protobuf::Message& root_;
  std::unique_ptr<google::protobuf::MessageFactory> dynamic_factory_;
  // The type URLs resolved last, with their prototypes.
  std::vector<std::pair<std::string, const google::protobuf::Message*>> recent_;
};

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_WELL_KNOWN_H_
