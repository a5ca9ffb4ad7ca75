// MessagePlan: what converting a message type to and from JSON needs to know
// about it, worked out once per type instead of once per field per call: its
// well-known-type form, for each field the kind of JSON value it holds and
// its member key already quoted for both naming options, and the names input
// may use for its fields. For a compiled-in type it also holds what was
// learned by observation about the generated class (see presence_scan.h and
// map_entry_layout.h): which fields may be set, where singular fields and
// map entries keep their values.
//
// Plans of types from the generated descriptor pool (compiled-in messages)
// live for the whole program and are shared by all threads. Plans of other
// types (dynamic messages, whose pool may be deleted at any time) live only
// as long as the PlanCache that made them, one call.
#ifndef GRPCGW_SRC_JSON_MESSAGE_PLAN_H_
#define GRPCGW_SRC_JSON_MESSAGE_PLAN_H_

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <typeinfo>
#include <unordered_map>
#include <utility>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "json/map_entry_layout.h"
#include "json/presence_scan.h"
#include "json/well_known.h"

namespace grpcgw::json_internal {

// The JSON form of one value of a field.
enum class ValueKind : uint8_t {
  kInt32,      // int32, sint32, sfixed32: a number
  kUint32,     // uint32, fixed32: a number
  kInt64,      // int64, sint64, sfixed64: a string
  kUint64,     // uint64, fixed64: a string
  kFloat,      // a number, or "NaN", "Infinity", "-Infinity"
  kDouble,
  kBool,
  kString,     // checked to be UTF-8, escaped
  kBytes,      // base64
  kEnum,       // the value's name, or its number when unknown
  kNullValue,  // google.protobuf.NullValue: null
  kMessage,
};

struct MessagePlan;

struct FieldPlan {
  FieldPlan() = default;
  FieldPlan(const FieldPlan&) = delete;
  FieldPlan& operator=(const FieldPlan&) = delete;

  // The member key with a leading comma: `,"jsonName":` or `,"proto_name":`.
  // Write it from offset 1 for the first member of an object.
  std::string_view Key(bool use_proto_names) const { return use_proto_names ? proto_key : json_key; }

  // kEnum with a table of names (enum_names not empty): the quoted name to
  // print for `number`, or empty when the number has no name (then it prints
  // as a number).
  std::string_view EnumName(int number) const;

  const google::protobuf::FieldDescriptor* field = nullptr;
  ValueKind kind = ValueKind::kInt32;
  bool is_map = false;
  bool is_repeated = false;   // repeated and not a map
  bool has_presence = false;  // FieldDescriptor::has_presence()
  bool in_oneof = false;      // a member of a oneof, real or synthetic
  std::string json_key;
  // The json_name, when it is the name FindByName gives this field for
  // certain (the plain lowerCamelCase form, which no other field's name
  // takes precedence over); else empty. Input usually lists fields in
  // field-number order, so the parser tries the next field's name first.
  std::string sure_json_name;
  int order = 0;  // position in MessagePlan::by_number
  // For a type of the generated pool: where the object keeps the value of
  // this field, for singular fields without presence (proto3 scalars and
  // strings) and message fields (the pointer), outside oneofs; -1 when it
  // is not known. Only for messages of the generated class itself.
  int storage = -1;
  // A message field with a storage that is set exactly when its pointer is
  // not null (no has-bit).
  bool presence_by_pointer = false;
  std::string proto_key;
  // When both keys have at most kPaddedKey bytes: the keys again, [0] json
  // and [1] proto, zero-padded so that a fixed-size copy of kPaddedKey bytes
  // from offset 0 or 1 stays inside.
  static constexpr size_t kPaddedKey = 32;
  bool has_padded_keys = false;
  char padded_keys[2][kPaddedKey + 1] = {};

  // kEnum: the quoted names of the numbers enum_min .. enum_min + size - 1,
  // the first declared name of each (empty where no value has the number);
  // empty when the numbers are too spread out for a table.
  int enum_min = 0;
  std::vector<std::string> enum_names;

  // kMessage and maps: the plan of the message (map: entry) type, set the
  // first time it is needed. Holds a plan at least as long-lived as this one.
  mutable std::atomic<const MessagePlan*> message_plan{nullptr};
};

struct MessagePlan {
  const google::protobuf::Descriptor* descriptor = nullptr;
  WellKnown well_known = WellKnown::kNone;
  // For a type of the generated pool: the C++ class compiled for it and
  // that class's reflection; else null.
  const std::type_info* generated_type = nullptr;
  const google::protobuf::Reflection* generated_reflection = nullptr;
  int field_count = 0;
  std::unique_ptr<FieldPlan[]> fields;  // by FieldDescriptor::index()
  std::vector<const FieldPlan*> by_number;  // the fields in field-number order

  const FieldPlan& field(int index) const { return fields[static_cast<size_t>(index)]; }

  // For generated types with many fields: finds the fields that may be set
  // without asking each (bits stand for entries of by_number); null when
  // the type is small or cannot be scanned.
  std::unique_ptr<PresenceScan> presence_scan;

  // For the generated entry type of a map: where its key and value live;
  // null when they cannot be read directly.
  std::unique_ptr<MapEntryLayout> map_entry_layout;

  // The reflection of `message` (of this type). Cheaper than
  // message.GetReflection() for compiled-in messages, which pays a
  // call_once each time.
  const google::protobuf::Reflection* ReflectionOf(const google::protobuf::Message& message) const {
    if (generated_type != nullptr && typeid(message) == *generated_type) return generated_reflection;
    return message.GetReflection();
  }

  // The field a JSON input key names: by json_name or by proto name, as the
  // mapping requires both to be accepted; null when none has that name.
  const FieldPlan* FindByName(std::string_view key) const;

  // Every accepted name with its field. Where two fields share a name, the
  // first entry wins: a json_name that is the plain lowerCamelCase form,
  // then a proto name, then a json_name set by hand.
  std::vector<std::pair<std::string, const FieldPlan*>> names;
  // The same, for messages with many fields.
  std::unordered_map<std::string_view, const FieldPlan*> name_index;
};

// Hands out plans: shared ones for generated types, its own for the others.
// One per call; not thread-safe itself (the shared plans are).
class PlanCache {
 public:
  PlanCache() = default;
  PlanCache(const PlanCache&) = delete;
  PlanCache& operator=(const PlanCache&) = delete;

  // The plan of `descriptor`; valid while this cache lives.
  const MessagePlan& Get(const google::protobuf::Descriptor* descriptor);

  // The plan of the message type of `field` (kMessage or a map).
  const MessagePlan& MessageOf(const FieldPlan& field) {
    const MessagePlan* plan = field.message_plan.load(std::memory_order_acquire);
    if (plan != nullptr) return *plan;
    return ResolveMessageOf(field);
  }

 private:
  const MessagePlan& ResolveMessageOf(const FieldPlan& field);

  // Plans of types outside the generated pool.
  std::unordered_map<const google::protobuf::Descriptor*, std::unique_ptr<MessagePlan>> local_;
};

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_MESSAGE_PLAN_H_
