#include "json/message_plan.h"

#include <algorithm>
#include <cstring>
#include <mutex>

#include <google/protobuf/descriptor.pb.h>

#include "json/json_output.h"

namespace grpcgw::json_internal {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

// Messages with more names than this look them up in a hash table.
constexpr size_t kMaxLinearNames = 24;

// Generated types with at least this many fields find their set fields with
// a PresenceScan; below, asking each field is as quick.
constexpr int kMinScannedFields = 16;

// Enums whose numbers span at most this many values get a table of names.
constexpr int kMaxEnumTable = 256;

ValueKind KindOf(const FD* field) {
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32:
      return ValueKind::kInt32;
    case FD::CPPTYPE_UINT32:
      return ValueKind::kUint32;
    case FD::CPPTYPE_INT64:
      return ValueKind::kInt64;
    case FD::CPPTYPE_UINT64:
      return ValueKind::kUint64;
    case FD::CPPTYPE_FLOAT:
      return ValueKind::kFloat;
    case FD::CPPTYPE_DOUBLE:
      return ValueKind::kDouble;
    case FD::CPPTYPE_BOOL:
      return ValueKind::kBool;
    case FD::CPPTYPE_STRING:
      return field->type() == FD::TYPE_BYTES ? ValueKind::kBytes : ValueKind::kString;
    case FD::CPPTYPE_ENUM:
      return IsNullValueEnum(field->enum_type()) ? ValueKind::kNullValue : ValueKind::kEnum;
    case FD::CPPTYPE_MESSAGE:
      break;
  }
  return ValueKind::kMessage;
}

// `,"<name>":`, the name escaped (a json_name option can hold anything).
std::string MemberKey(std::string_view name) {
  std::string key = ",";
  AppendJsonString(name, &key);
  key.push_back(':');
  return key;
}

void FillEnumNames(const pb::EnumDescriptor* type, FieldPlan* plan) {
  if (type->value_count() == 0) return;
  int min = type->value(0)->number();
  int max = min;
  for (int i = 1; i < type->value_count(); ++i) {
    min = std::min(min, type->value(i)->number());
    max = std::max(max, type->value(i)->number());
  }
  if (static_cast<int64_t>(max) - min >= kMaxEnumTable) return;
  plan->enum_min = min;
  plan->enum_names.resize(static_cast<size_t>(max - min + 1));
  for (int i = 0; i < type->value_count(); ++i) {
    const pb::EnumValueDescriptor* value = type->value(i);
    std::string& name = plan->enum_names[static_cast<size_t>(value->number() - min)];
    // Aliases: the first declared name wins, as FindValueByNumber has it.
    if (name.empty()) AppendJsonString(value->name(), &name);
  }
}

std::unique_ptr<MessagePlan> BuildPlan(const pb::Descriptor* descriptor) {
  auto plan = std::make_unique<MessagePlan>();
  plan->descriptor = descriptor;
  const pb::Message* prototype = nullptr;
  if (descriptor->file()->pool() == pb::DescriptorPool::generated_pool()) {
    prototype = pb::MessageFactory::generated_factory()->GetPrototype(descriptor);
    if (prototype != nullptr) {
      plan->generated_type = &typeid(*prototype);
      plan->generated_reflection = prototype->GetReflection();
    }
  }
  plan->well_known = ClassifyMessage(descriptor);
  plan->field_count = descriptor->field_count();
  plan->fields = std::make_unique<FieldPlan[]>(static_cast<size_t>(plan->field_count));
  for (int i = 0; i < plan->field_count; ++i) {
    const FD* field = descriptor->field(i);
    FieldPlan& f = plan->fields[static_cast<size_t>(i)];
    f.field = field;
    f.kind = KindOf(field);
    f.is_map = field->is_map();
    f.is_repeated = field->is_repeated() && !f.is_map;
    f.has_presence = field->has_presence();
    f.in_oneof = field->containing_oneof() != nullptr;
    f.json_key = MemberKey(field->json_name());
    f.proto_key = MemberKey(field->name());
    if (f.json_key.size() <= FieldPlan::kPaddedKey && f.proto_key.size() <= FieldPlan::kPaddedKey) {
      f.has_padded_keys = true;
      std::memcpy(f.padded_keys[0], f.json_key.data(), f.json_key.size());
      std::memcpy(f.padded_keys[1], f.proto_key.data(), f.proto_key.size());
    }
    if (f.kind == ValueKind::kEnum) FillEnumNames(field->enum_type(), &f);
    plan->by_number.push_back(&f);
  }
  std::sort(plan->by_number.begin(), plan->by_number.end(), [](const FieldPlan* a, const FieldPlan* b) {
    return a->field->number() < b->field->number();
  });
  for (size_t i = 0; i < plan->by_number.size(); ++i) {
    FieldPlan& f = plan->fields[static_cast<size_t>(plan->by_number[i]->field->index())];
    f.order = static_cast<int>(i);
    if (f.field->json_name() == f.field->camelcase_name()) f.sure_json_name = f.field->json_name();
  }
  if (prototype != nullptr && descriptor->map_key() == nullptr && plan->well_known == WellKnown::kNone) {
    if (const size_t object_size = GeneratedObjectSize(*prototype); object_size != 0) {
      for (int i = 0; i < plan->field_count; ++i) {
        FieldPlan& f = plan->fields[static_cast<size_t>(i)];
        if (f.is_map || f.is_repeated || f.in_oneof || f.field->options().weak()) continue;
        if (f.has_presence && f.kind != ValueKind::kMessage) continue;
        f.storage = FindFieldStorage(*prototype, f.field, object_size);
        if (f.kind == ValueKind::kMessage) f.presence_by_pointer = PresenceIsPointer(*prototype, f.field, f.storage);
      }
    }
  }
  if (prototype != nullptr && descriptor->map_key() != nullptr) {
    plan->map_entry_layout = MapEntryLayout::Build(*prototype);
  }
  if (prototype != nullptr && plan->well_known == WellKnown::kNone && plan->field_count >= kMinScannedFields) {
    std::vector<const FD*> fields;
    for (const FieldPlan* field : plan->by_number) fields.push_back(field->field);
    plan->presence_scan = PresenceScan::Build(*prototype, fields);
  }
  auto add_name = [&](const std::string& name, const FieldPlan* field) {
    for (const auto& entry : plan->names) {
      if (entry.first == name) return;
    }
    plan->names.emplace_back(name, field);
  };
  for (int i = 0; i < plan->field_count; ++i) {
    const FD* field = descriptor->field(i);
    if (field->json_name() == field->camelcase_name()) add_name(field->json_name(), &plan->field(i));
  }
  for (int i = 0; i < plan->field_count; ++i) add_name(descriptor->field(i)->name(), &plan->field(i));
  for (int i = 0; i < plan->field_count; ++i) add_name(descriptor->field(i)->json_name(), &plan->field(i));
  if (plan->names.size() > kMaxLinearNames) {
    for (const auto& [name, field] : plan->names) plan->name_index.emplace(name, field);
  }
  return plan;
}

// The shared plans of generated types. Never freed: the types live as long
// as the program, and plans point at each other.
struct SharedPlans {
  std::mutex mutex;
  std::unordered_map<const pb::Descriptor*, std::unique_ptr<MessagePlan>> plans;  // guarded by mutex
};

SharedPlans& Shared() {
  static SharedPlans* shared = new SharedPlans;
  return *shared;
}

}  // namespace

void AppendJsonString(std::string_view text, std::string* out) {
  const size_t old_size = out->size();
  out->resize(old_size + MaxQuotedLength(text.size()));
  bool non_ascii = false;
  char* end = AppendQuotedTo(text, out->data() + old_size, &non_ascii);
  out->resize(static_cast<size_t>(end - out->data()));
}

const FieldPlan* MessagePlan::FindByName(std::string_view key) const {
  if (!name_index.empty()) {
    auto found = name_index.find(key);
    return found == name_index.end() ? nullptr : found->second;
  }
  for (const auto& [name, field] : names) {
    if (name.size() == key.size() && std::memcmp(name.data(), key.data(), key.size()) == 0) return field;
  }
  return nullptr;
}

std::string_view FieldPlan::EnumName(int number) const {
  const int64_t slot = static_cast<int64_t>(number) - enum_min;
  if (slot < 0 || slot >= static_cast<int64_t>(enum_names.size())) return {};
  return enum_names[static_cast<size_t>(slot)];
}

const MessagePlan& PlanCache::Get(const pb::Descriptor* descriptor) {
  if (descriptor->file()->pool() == pb::DescriptorPool::generated_pool()) {
    SharedPlans& shared = Shared();
    std::lock_guard<std::mutex> lock(shared.mutex);
    std::unique_ptr<MessagePlan>& plan = shared.plans[descriptor];
    if (plan == nullptr) plan = BuildPlan(descriptor);
    return *plan;
  }
  std::unique_ptr<MessagePlan>& plan = local_[descriptor];
  if (plan == nullptr) plan = BuildPlan(descriptor);
  return *plan;
}

const MessagePlan& PlanCache::ResolveMessageOf(const FieldPlan& field) {
  const MessagePlan& plan = Get(field.field->message_type());
  // Racing threads store the same pointer. A plan of a generated type only
  // refers to generated types, so it never holds a call's own plan.
  field.message_plan.store(&plan, std::memory_order_release);
  return plan;
}

}  // namespace grpcgw::json_internal
