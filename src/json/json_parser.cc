// JSON -> message: ordinary messages, fields, repeated fields and maps, and
// the public input functions of grpcgw/json.h. Scalars are converted in
// json_parser_values.cc.
#include "json/json_parser.h"

#include <algorithm>
#include <cstring>
#include <typeinfo>

#include <google/protobuf/descriptor.pb.h>

#include "json/well_known.h"

namespace grpcgw::json_internal {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// A set of small indices (fields or oneofs of one message), without heap
// allocation for messages of up to 256 fields.
class IndexSet {
 public:
  explicit IndexSet(int size) {
    if (size > kInlineBits) heap_.resize(static_cast<size_t>(size + 63) / 64);
  }
  // Adds `i`; returns true if it was already there.
  bool TestAndSet(int i) {
    uint64_t* words = heap_.empty() ? inline_ : heap_.data();
    uint64_t bit = uint64_t{1} << (i % 64);
    bool was_set = (words[i / 64] & bit) != 0;
    words[i / 64] |= bit;
    return was_set;
  }

 private:
  static constexpr int kInlineBits = 256;
  uint64_t inline_[kInlineBits / 64] = {};
  std::vector<uint64_t> heap_;
};

// The first of `size` keys (key_at(i)) equal to an earlier one, or `size`
// when they are all different: an open-addressing table of indices in
// `*slots` (reused between calls, so no allocation per key).
template <typename KeyAt, typename Hash>
uint32_t FirstDuplicate(uint32_t size, KeyAt key_at, Hash hash, std::vector<uint32_t>* slots) {
  size_t capacity = 16;
  while (capacity < 2 * static_cast<size_t>(size)) capacity <<= 1;
  const size_t mask = capacity - 1;
  slots->assign(capacity, 0);
  for (uint32_t i = 0; i < size; ++i) {
    const auto key = key_at(i);
    for (size_t h = hash(key) & mask;; h = (h + 1) & mask) {
      const uint32_t slot = (*slots)[h];
      if (slot == 0) {
        (*slots)[h] = i + 1;
        break;
      }
      if (key_at(slot - 1) == key) return i;
    }
  }
  return size;
}

}  // namespace

grpc::Status MessageParser::Error(std::string_view problem) const {
  std::string path = PathString();
  std::string message;
  if (!path.empty()) message.append("field \"").append(path).append("\": ");
  message.append(problem);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

grpc::Status MessageParser::Expected(std::string_view expected, const JsonNode& got) const {
  std::string problem = "expected ";
  problem.append(expected).append(", got ").append(DescribeNode(got));
  return Error(problem);
}

std::string MessageParser::PathString() const {
  std::string path;
  for (const PathEntry& entry : path_) {
    switch (entry.kind) {
      case PathEntry::kName:
        if (!path.empty()) path.push_back('.');
        path.append(entry.text);
        break;
      case PathEntry::kIndex:
        path.append("[").append(std::to_string(entry.index)).append("]");
        break;
      case PathEntry::kMapKey:
        path.append("[\"").append(entry.text).append("\"]");
        break;
    }
  }
  return path;
}

bool MessageParser::AcceptsNull(const FD* field) {
  if (field->cpp_type() == FD::CPPTYPE_MESSAGE) {
    return ClassifyMessage(field->message_type()) == WellKnown::kValue;
  }
  return field->cpp_type() == FD::CPPTYPE_ENUM && IsNullValueEnum(field->enum_type());
}

grpc::Status MessageParser::CheckDuplicateKeys(const JsonNode& object) {
  const uint32_t size = object.size;
  if (size < 2) return grpc::Status::OK;
  auto duplicate = [&](uint32_t i) {
    PushMapKey(tree_.key(object, i).str());
    return Error("duplicate key");
  };
  if (size <= 16) {
    for (uint32_t i = 1; i < size; ++i) {
      for (uint32_t j = 0; j < i; ++j) {
        if (tree_.key(object, i).str() == tree_.key(object, j).str()) return duplicate(i);
      }
    }
    return grpc::Status::OK;
  }
  const uint32_t first = FirstDuplicate(
      size, [&](uint32_t i) { return tree_.key(object, i).str(); },
      [](std::string_view key) { return std::hash<std::string_view>()(key); }, &key_slots_);
  return first == size ? grpc::Status::OK : duplicate(first);
}

grpc::Status MessageParser::MergeMessage(const JsonNode& node, pb::Message* message) {
  return MergeMessage(node, message, plans_.Get(message->GetDescriptor()));
}

grpc::Status MessageParser::MergeMessage(const JsonNode& node, pb::Message* message, const MessagePlan& plan) {
  switch (plan.well_known) {
    case WellKnown::kNone:
      return MergeObject(node, message, plan);
    case WellKnown::kAny:
      return MergeAny(node, message);
    case WellKnown::kTimestamp:
      return MergeTime(node, message, true);
    case WellKnown::kDuration:
      return MergeTime(node, message, false);
    case WellKnown::kFieldMask:
      return MergeFieldMask(node, message);
    case WellKnown::kStruct:
      return MergeStruct(node, message);
    case WellKnown::kValue:
      return MergeStructValue(node, message);
    case WellKnown::kListValue:
      return MergeListValue(node, message);
    case WellKnown::kWrapper:
      return MergeWrapper(node, message);
  }
  return Error("unsupported message type");
}

grpc::Status MessageParser::MergeObject(const JsonNode& node, pb::Message* message, const MessagePlan& plan,
                                        bool skip_type_key) {
  if (node.kind != JsonNode::kObject) return Expected("an object", node);
  const pb::Descriptor* descriptor = plan.descriptor;
  const pb::Reflection* reflection = plan.ReflectionOf(*message);
  // An object of the generated class: scalars with a known place are
  // stored into it.
  char* object = plan.generated_type != nullptr && reflection == plan.generated_reflection &&
                         typeid(*message) == *plan.generated_type
                     ? reinterpret_cast<char*>(message)
                     : nullptr;
  IndexSet seen_fields(plan.field_count);
  IndexSet seen_oneofs(descriptor->oneof_decl_count());
  size_t next = 0;  // the position in by_number of the field expected next
  for (uint32_t i = 0; i < node.size; ++i) {
    std::string_view key = tree_.key(node, i).str();
    const JsonNode& value = tree_.value(node, i);
    if (skip_type_key && key == "@type") continue;
    const FieldPlan* field_plan = nullptr;
    if (next < plan.by_number.size()) {
      const std::string& expected = plan.by_number[next]->sure_json_name;
      if (!expected.empty() && expected.size() == key.size() &&
          std::memcmp(expected.data(), key.data(), key.size()) == 0) {
        field_plan = plan.by_number[next];
      }
    }
    if (field_plan == nullptr) field_plan = plan.FindByName(key);
    if (field_plan != nullptr) next = static_cast<size_t>(field_plan->order) + 1;
    if (field_plan == nullptr) {
      if (options_.ignore_unknown_fields) continue;
      PushName(key);
      return Error("unknown field (" + descriptor->full_name() + " has no field of that name)");
    }
    const FD* field = field_plan->field;
    if (seen_fields.TestAndSet(field->index())) {
      PushName(key);
      return Error("field set twice (" + field->name() + " appears more than once in the object)");
    }
    // null means "not set", except where null is a value.
    if (value.kind == JsonNode::kNull && (field->is_repeated() || !AcceptsNull(field))) continue;
    if (field_plan->in_oneof) {
      if (const pb::OneofDescriptor* oneof = field->real_containing_oneof()) {
        if (seen_oneofs.TestAndSet(oneof->index())) {
          PushName(key);
          return Error("oneof \"" + oneof->name() + "\" already has a member set");
        }
      }
    }
    PushName(key);
    const bool direct = object != nullptr && field_plan->storage >= 0 && field_plan->kind != ValueKind::kMessage &&
                        field_plan->kind != ValueKind::kString && field_plan->kind != ValueKind::kBytes;
    grpc::Status status = direct ? StoreAt(value, object + field_plan->storage, *field_plan)
                                 : MergeField(value, message, reflection, *field_plan);
    if (!status.ok()) return status;
    Pop();
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::StoreAt(const JsonNode& node, char* p, const FieldPlan& field) {
  Scalar value;
  if (!ParseScalarQuickly(node, field.kind, &value)) {
    bool skip = false;
    grpc::Status status = ParseScalar(node, field.field, &value, &skip);
    if (!status.ok() || skip) return status;
  }
  // As reflection's setters do for a field without presence (which has no
  // has-bit): the value replaces the old one.
  switch (field.kind) {
    case ValueKind::kInt32:
      std::memcpy(p, &value.i32, sizeof value.i32);
      break;
    case ValueKind::kUint32:
      std::memcpy(p, &value.u32, sizeof value.u32);
      break;
    case ValueKind::kInt64:
      std::memcpy(p, &value.i64, sizeof value.i64);
      break;
    case ValueKind::kUint64:
      std::memcpy(p, &value.u64, sizeof value.u64);
      break;
    case ValueKind::kFloat:
      std::memcpy(p, &value.f, sizeof value.f);
      break;
    case ValueKind::kDouble:
      std::memcpy(p, &value.d, sizeof value.d);
      break;
    case ValueKind::kBool: {
      const uint8_t b = value.b ? 1 : 0;
      std::memcpy(p, &b, 1);
      break;
    }
    case ValueKind::kEnum:
    case ValueKind::kNullValue:
      std::memcpy(p, &value.enum_number, sizeof value.enum_number);
      break;
    case ValueKind::kString:
    case ValueKind::kBytes:
    case ValueKind::kMessage:
      return Error("internal: no direct store for this field");
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::MergeField(const JsonNode& node, pb::Message* message, const pb::Reflection* reflection,
                                       const FieldPlan& field) {
  if (field.is_map) return MergeMap(node, message, reflection, field);
  if (field.is_repeated) return MergeRepeated(node, message, reflection, field);
  return StoreValue(node, message, reflection, field, false);
}

template <typename T, typename Get>
grpc::Status MessageParser::AppendScalars(const JsonNode& array, const FieldPlan& plan, pb::RepeatedField<T>* values,
                                          Get get) {
  const FD* field = plan.field;
  values->Reserve(values->size() + static_cast<int>(array.size));
  Scalar value;
  for (uint32_t i = 0; i < array.size; ++i) {
    if (ParseScalarQuickly(tree_.element(array, i), plan.kind, &value)) {
      values->Add(get(value));
      continue;
    }
    PushIndex(i);
    bool skip = false;
    grpc::Status status = ParseScalar(tree_.element(array, i), field, &value, &skip);
    if (!status.ok()) return status;
    if (!skip) values->Add(get(value));
    Pop();
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::MergeRepeated(const JsonNode& node, pb::Message* message,
                                          const pb::Reflection* reflection, const FieldPlan& field) {
  if (node.kind != JsonNode::kArray) return Expected("an array", node);
  // Scalars go straight into the repeated field (room made once) rather
  // than through a reflection call per element. (MutableRepeatedField is
  // deprecated in favour of GetMutableRepeatedFieldRef, whose Add is a
  // virtual call per element.)
  const FD* fd = field.field;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  switch (field.kind) {
    case ValueKind::kInt32:
      return AppendScalars(node, field, reflection->MutableRepeatedField<int32_t>(message, fd),
                           [](const Scalar& v) { return v.i32; });
    case ValueKind::kUint32:
      return AppendScalars(node, field, reflection->MutableRepeatedField<uint32_t>(message, fd),
                           [](const Scalar& v) { return v.u32; });
    case ValueKind::kInt64:
      return AppendScalars(node, field, reflection->MutableRepeatedField<int64_t>(message, fd),
                           [](const Scalar& v) { return v.i64; });
    case ValueKind::kUint64:
      return AppendScalars(node, field, reflection->MutableRepeatedField<uint64_t>(message, fd),
                           [](const Scalar& v) { return v.u64; });
    case ValueKind::kFloat:
      return AppendScalars(node, field, reflection->MutableRepeatedField<float>(message, fd),
                           [](const Scalar& v) { return v.f; });
    case ValueKind::kDouble:
      return AppendScalars(node, field, reflection->MutableRepeatedField<double>(message, fd),
                           [](const Scalar& v) { return v.d; });
    case ValueKind::kBool:
      return AppendScalars(node, field, reflection->MutableRepeatedField<bool>(message, fd),
                           [](const Scalar& v) { return v.b; });
    case ValueKind::kString:
    case ValueKind::kBytes:
      if (fd->options().ctype() == pb::FieldOptions::STRING) {
        pb::RepeatedPtrField<std::string>* values = reflection->MutableRepeatedPtrField<std::string>(message, fd);
        values->Reserve(values->size() + static_cast<int>(node.size));
        Scalar value;
        for (uint32_t i = 0; i < node.size; ++i) {
          if (ParseScalarQuickly(tree_.element(node, i), field.kind, &value)) {
            values->Add()->swap(value.str);
            continue;
          }
          PushIndex(i);
          bool skip = false;
          grpc::Status status = ParseScalar(tree_.element(node, i), fd, &value, &skip);
          if (!status.ok()) return status;
          if (!skip) values->Add()->swap(value.str);
          Pop();
        }
        return grpc::Status::OK;
      }
      break;
    default:
      break;
  }
#pragma GCC diagnostic pop
  for (uint32_t i = 0; i < node.size; ++i) {
    PushIndex(i);
    grpc::Status status = StoreValue(tree_.element(node, i), message, reflection, field, true);
    if (!status.ok()) return status;
    Pop();
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::MergeMap(const JsonNode& node, pb::Message* message, const pb::Reflection* reflection,
                                     const FieldPlan& field) {
  if (node.kind != JsonNode::kObject) return Expected("an object", node);
  const MessagePlan& entry_plan = plans_.MessageOf(field);
  const FD* key_field = entry_plan.descriptor->map_key();
  const FieldPlan& value_field = entry_plan.field(entry_plan.descriptor->map_value()->index());
  // String and bool keys are the same key exactly when their texts are the
  // same. Integer keys are compared by value, after conversion: see
  // ParseMapKey for the spellings they may have.
  const bool integer_keys = key_field->cpp_type() != FD::CPPTYPE_STRING && key_field->cpp_type() != FD::CPPTYPE_BOOL;
  std::vector<Scalar> integer_key_values;
  grpc::Status status;
  if (integer_keys) {
    status = ParseIntegerMapKeys(node, key_field, &integer_key_values);
  } else {
    status = CheckDuplicateKeys(node);
  }
  if (!status.ok()) return status;
  const int existing = reflection->FieldSize(*message, field.field);
  const pb::Reflection* entry_reflection = nullptr;
  Scalar text_key;
  for (uint32_t i = 0; i < node.size; ++i) {
    const JsonNode& key_node = tree_.key(node, i);
    const JsonNode& value_node = tree_.value(node, i);
    PushMapKey(key_node.str());
    Scalar* key = &text_key;
    if (integer_keys) {
      key = &integer_key_values[i];
    } else {
      status = ParseMapKey(key_node, key_field, key);
      if (!status.ok()) return status;
    }
    if (value_field.kind == ValueKind::kMessage) {
      pb::Message* entry = FindOrAddMapEntry(message, reflection, field.field, key, existing, &entry_reflection);
      status = StoreValue(value_node, entry, entry_reflection, value_field, false);
      if (!status.ok()) return status;
    } else {
      Scalar value;
      bool skip = false;
      if (!ParseScalarQuickly(value_node, value_field.kind, &value)) {
        status = ParseScalar(value_node, value_field.field, &value, &skip);
        if (!status.ok()) return status;
      }
      if (!skip) {
        pb::Message* entry = FindOrAddMapEntry(message, reflection, field.field, key, existing, &entry_reflection);
        Store(entry, entry_reflection, value_field.field, &value, false);
      }
    }
    Pop();
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::ParseIntegerMapKeys(const JsonNode& object, const FD* key_field,
                                                std::vector<Scalar>* keys) {
  keys->resize(object.size);
  // Each key's value as 64 bits (sign-extended for signed types).
  std::vector<uint64_t>& values = key_bits_;
  values.resize(object.size);
  for (uint32_t i = 0; i < object.size; ++i) {
    const JsonNode& key_node = tree_.key(object, i);
    Scalar& key = (*keys)[i];
    PushMapKey(key_node.str());
    grpc::Status status = ParseMapKey(key_node, key_field, &key);
    if (!status.ok()) return status;
    Pop();
    uint64_t bits = 0;
    switch (key_field->cpp_type()) {
      case FD::CPPTYPE_INT32:
        bits = static_cast<uint64_t>(static_cast<int64_t>(key.i32));
        break;
      case FD::CPPTYPE_UINT32:
        bits = key.u32;
        break;
      case FD::CPPTYPE_INT64:
        bits = static_cast<uint64_t>(key.i64);
        break;
      default:
        bits = key.u64;
        break;
    }
    values[i] = bits;
  }
  if (values.size() < 2) return grpc::Status::OK;
  // Of equal keys, the later one is the duplicate.
  const uint32_t duplicate = FirstDuplicate(
      object.size, [&](uint32_t i) { return values[i]; },
      [](uint64_t bits) { return static_cast<size_t>((bits * 0x9E3779B97F4A7C15ull) >> 32); }, &key_slots_);
  if (duplicate == object.size) return grpc::Status::OK;
  PushMapKey(tree_.key(object, duplicate).str());
  return Error("duplicate key (the same number as an earlier key)");
}

grpc::Status MessageParser::StoreValue(const JsonNode& node, pb::Message* message, const pb::Reflection* reflection,
                                       const FieldPlan& field, bool add) {
  const FD* fd = field.field;
  if (field.kind == ValueKind::kMessage) {
    if (node.kind == JsonNode::kNull && !AcceptsNull(fd)) return Expected("an object", node);
    pb::Message* sub = add ? reflection->AddMessage(message, fd) : reflection->MutableMessage(message, fd);
    return MergeMessage(node, sub, plans_.MessageOf(field));
  }
  Scalar value;
  if (ParseScalarQuickly(node, field.kind, &value)) {
    Store(message, reflection, fd, &value, add);
    return grpc::Status::OK;
  }
  bool skip = false;
  grpc::Status status = ParseScalar(node, fd, &value, &skip);
  if (status.ok() && !skip) Store(message, reflection, fd, &value, add);
  return status;
}

grpc::Status MessageParser::MergeFieldValue(const JsonNode& node, pb::Message* message, const FD* field,
                                            std::string_view path) {
  PushName(path);
  if (node.kind == JsonNode::kNull && !AcceptsNull(field)) return grpc::Status::OK;
  const FieldPlan& field_plan = plans_.Get(message->GetDescriptor()).field(field->index());
  const pb::Reflection* reflection = message->GetReflection();
  if (field_plan.is_map) return MergeMap(node, message, reflection, field_plan);
  return StoreValue(node, message, reflection, field_plan, field_plan.is_repeated);
}

}  // namespace grpcgw::json_internal

namespace grpcgw {

grpc::Status MergeJsonToMessage(std::string_view json, google::protobuf::Message* message,
                                const JsonOptions& options) {
  json_internal::JsonTree tree;
  grpc::Status status = tree.Parse(json, options.max_depth);
  if (!status.ok()) return status;
  json_internal::MessageParser parser(tree, options, *message);
  return parser.MergeMessage(tree.root(), message);
}

grpc::Status JsonToMessage(std::string_view json, google::protobuf::Message* message,
                           const JsonOptions& options) {
  message->Clear();
  return MergeJsonToMessage(json, message, options);
}

grpc::Status MergeJsonValueToField(std::string_view json_value, google::protobuf::Message* message,
                                   const google::protobuf::FieldDescriptor* field,
                                   std::string_view field_path_for_errors, const JsonOptions& options) {
  if (field == nullptr || field->containing_type() != message->GetDescriptor()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "field \"" + std::string(field_path_for_errors) + "\" is not a field of " +
                            message->GetDescriptor()->full_name());
  }
  json_internal::JsonTree tree;
  grpc::Status status = tree.Parse(json_value, options.max_depth);
  if (!status.ok()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "field \"" + std::string(field_path_for_errors) + "\": " + status.error_message());
  }
  json_internal::MessageParser parser(tree, options, *message);
  return parser.MergeFieldValue(tree.root(), message, field, field_path_for_errors);
}

}  // namespace grpcgw
