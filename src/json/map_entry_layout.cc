#include "json/map_entry_layout.h"

#include <google/protobuf/arena.h>

#include <functional>
#include <vector>


namespace grpcgw::json_internal {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

constexpr size_t kNotFound = static_cast<size_t>(-1);

// One observation: a message in some state and what the field's storage
// must hold in it.
struct Observation {
  const pb::Message* message;
  uint64_t expected;
};

uint64_t LoadBits(const pb::Message& message, size_t offset, size_t width) {
  uint64_t value = 0;
  std::memcpy(&value, reinterpret_cast<const char*>(&message) + offset, width);
  return value;
}

// The one offset (a multiple of `step`, past the vtable pointer) where every
// observation finds its expected value in `width` bytes, masked with `mask`;
// kNotFound when there is none or more than one.
size_t FindOffset(const std::vector<Observation>& observations, size_t object_size, size_t width, size_t step,
                  uint64_t mask) {
  size_t found = kNotFound;
  for (size_t offset = sizeof(void*); offset + width <= object_size; offset += step) {
    bool all = true;
    for (const Observation& o : observations) {
      if ((LoadBits(*o.message, offset, width) & mask) != o.expected) {
        all = false;
        break;
      }
    }
    if (!all) continue;
    if (found != kNotFound) return kNotFound;
    found = offset;
  }
  return found;
}

template <typename T>
uint64_t Bits(T value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof value);
  return bits;
}

// Where `field` of the entry class of `prototype` lives; its width in
// *width. For message values, *default_value is the instance a null pointer
// stands for.
size_t LearnField(const pb::Message& prototype, const FD* field, size_t object_size, size_t* width,
                  const pb::Message** default_value) {
  std::vector<std::unique_ptr<pb::Message>> owned;
  pb::Arena arena;
  std::vector<Observation> observations;
  auto fresh = [&](bool on_arena) -> pb::Message* {
    if (on_arena) return prototype.New(&arena);
    owned.emplace_back(prototype.New());
    return owned.back().get();
  };
  const pb::Reflection* r = prototype.GetReflection();
  // A message with `set` applied, observed to hold `expected`.
  auto observe = [&](const std::function<void(pb::Message*)>& set, uint64_t expected, bool on_arena = false) {
    pb::Message* message = fresh(on_arena);
    if (set) set(message);
    observations.push_back({message, expected});
  };
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32:
    case FD::CPPTYPE_UINT32:
    case FD::CPPTYPE_ENUM: {
      *width = 4;
      std::vector<int32_t> values;
      int32_t default_number = 0;
      if (field->cpp_type() == FD::CPPTYPE_ENUM) {
        default_number = field->default_value_enum()->number();
        if (field->enum_type()->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO3) {
          values = {0x3A5C7E91, -123456789, 7};
        } else {
          // A closed enum holds only its declared values.
          for (int i = 0; i < field->enum_type()->value_count() && values.size() < 3; ++i) {
            const int number = field->enum_type()->value(i)->number();
            if (number != default_number) values.push_back(number);
          }
          if (values.empty()) return kNotFound;
        }
      } else {
        default_number = field->cpp_type() == FD::CPPTYPE_INT32 ? field->default_value_int32()
                                                                : static_cast<int32_t>(field->default_value_uint32());
        values = {0x3A5C7E91, -123456789, 0x01020304};
      }
      auto set = [&](int32_t value) {
        return [=](pb::Message* m) {
          if (field->cpp_type() == FD::CPPTYPE_ENUM) {
            r->SetEnumValue(m, field, value);
          } else if (field->cpp_type() == FD::CPPTYPE_INT32) {
            r->SetInt32(m, field, value);
          } else {
            r->SetUInt32(m, field, static_cast<uint32_t>(value));
          }
        };
      };
      observe(nullptr, Bits(default_number));
      observe(set(default_number), Bits(default_number));
      for (int32_t value : values) observe(set(value), Bits(value));
      break;
    }
    case FD::CPPTYPE_INT64:
    case FD::CPPTYPE_UINT64: {
      *width = 8;
      const bool is_signed = field->cpp_type() == FD::CPPTYPE_INT64;
      const uint64_t default_bits =
          is_signed ? static_cast<uint64_t>(field->default_value_int64()) : field->default_value_uint64();
      auto set = [&](uint64_t bits) {
        return [=](pb::Message* m) {
          if (is_signed) {
            r->SetInt64(m, field, static_cast<int64_t>(bits));
          } else {
            r->SetUInt64(m, field, bits);
          }
        };
      };
      observe(nullptr, default_bits);
      observe(set(default_bits), default_bits);
      for (uint64_t bits : {uint64_t{0x1122334455667788}, uint64_t{0xF0EDCBA987654321}, uint64_t{5}}) {
        observe(set(bits), bits);
      }
      break;
    }
    case FD::CPPTYPE_FLOAT: {
      *width = 4;
      const float default_value = field->default_value_float();
      auto set = [&](float value) { return [=](pb::Message* m) { r->SetFloat(m, field, value); }; };
      observe(nullptr, Bits(default_value));
      observe(set(default_value), Bits(default_value));
      for (float value : {1.5f, -2.75e30f, 3.0e-20f}) observe(set(value), Bits(value));
      break;
    }
    case FD::CPPTYPE_DOUBLE: {
      *width = 8;
      const double default_value = field->default_value_double();
      auto set = [&](double value) { return [=](pb::Message* m) { r->SetDouble(m, field, value); }; };
      observe(nullptr, Bits(default_value));
      observe(set(default_value), Bits(default_value));
      for (double value : {1.25e300, -3.5, 7e-200}) observe(set(value), Bits(value));
      break;
    }
    case FD::CPPTYPE_BOOL: {
      *width = 1;
      const bool default_value = field->default_value_bool();
      auto set = [&](bool value) { return [=](pb::Message* m) { r->SetBool(m, field, value); }; };
      observe(nullptr, default_value ? 1 : 0);
      observe(set(default_value), default_value ? 1 : 0);
      observe(set(!default_value), default_value ? 0 : 1);
      observe(set(default_value), default_value ? 1 : 0, true);
      observe(set(!default_value), default_value ? 0 : 1, true);
      break;
    }
    case FD::CPPTYPE_STRING: {
      *width = 8;
      // The expected value is the address reflection gives for the string;
      // the pointer's low two bits are tags.
      std::string scratch;
      for (int i = 0; i < 5; ++i) {
        const bool on_arena = i >= 3;
        pb::Message* message = fresh(on_arena);
        if (i == 1 || i == 3) r->SetString(message, field, "a string long enough not to be stored inline");
        if (i == 2 || i == 4) r->SetString(message, field, "x");
        const std::string& value = r->GetStringReference(*message, field, &scratch);
        if (&value == &scratch) return kNotFound;
        observations.push_back({message, reinterpret_cast<uintptr_t>(&value)});
      }
      return FindOffset(observations, object_size, 8, 8, ~uint64_t{3});
    }
    case FD::CPPTYPE_MESSAGE: {
      *width = 8;
      *default_value = &r->GetMessage(*fresh(false), field);
      for (int i = 0; i < 2; ++i) {
        pb::Message* message = fresh(i == 1);
        observations.push_back({message, reinterpret_cast<uintptr_t>(r->MutableMessage(message, field))});
      }
      size_t offset = FindOffset(observations, object_size, 8, 8, ~uint64_t{0});
      if (offset == kNotFound) return kNotFound;
      // Unset, the pointer is null (or the default instance itself).
      const uint64_t unset = LoadBits(*owned.front(), offset, 8);
      if (unset != 0 && unset != reinterpret_cast<uintptr_t>(*default_value)) return kNotFound;
      return offset;
    }
  }
  return FindOffset(observations, object_size, *width, *width, *width == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * *width)) - 1);
}

// The size of the generated entry class in bytes: the distance between
// consecutive allocations on an arena, the same twice; 0 if not. (An entry's
// SpaceUsedLong counts its key and value too, and fails on an entry without
// its message value.)
size_t EntryObjectSize(const pb::Message& prototype) {
  constexpr size_t kBlockSize = 4096;
  std::unique_ptr<char[]> block(new char[kBlockSize]);
  pb::ArenaOptions options;
  options.initial_block = block.get();
  options.initial_block_size = kBlockSize;
  options.max_block_size = kBlockSize;
  pb::Arena arena(options);
  const char* first = reinterpret_cast<const char*>(prototype.New(&arena));
  const char* second = reinterpret_cast<const char*>(prototype.New(&arena));
  const char* next = pb::Arena::CreateArray<char>(&arena, 8);
  if (second <= first || next <= second) return 0;
  const size_t size = static_cast<size_t>(second - first);
  if (size != static_cast<size_t>(next - second) || size % 8 != 0 || size > 512) return 0;
  return size;
}

}  // namespace

int FindFieldStorage(const pb::Message& prototype, const FD* field, size_t object_size) {
  if (dynamic_cast<const void*>(&prototype) != static_cast<const void*>(&prototype)) return -1;
  size_t width = 0;
  const pb::Message* default_value = nullptr;
  const size_t offset = LearnField(prototype, field, object_size, &width, &default_value);
  return offset == kNotFound ? -1 : static_cast<int>(offset);
}

bool PresenceIsPointer(const pb::Message& prototype, const FD* field, int storage) {
  if (storage < 0 || field->cpp_type() != FD::CPPTYPE_MESSAGE || field->is_repeated()) return false;
  const pb::Reflection* r = prototype.GetReflection();
  const size_t offset = static_cast<size_t>(storage);
  // The pointer's state agrees with HasField.
  auto agrees = [&](const pb::Message& m) { return (LoadBits(m, offset, 8) != 0) == r->HasField(m, field); };
  pb::Arena arena;
  for (int on_arena = 0; on_arena < 2; ++on_arena) {
    for (int clear_field = 0; clear_field < 2; ++clear_field) {
      std::unique_ptr<pb::Message> owned;
      pb::Message* m = on_arena ? prototype.New(&arena) : (owned.reset(prototype.New()), owned.get());
      if (!agrees(*m) || r->HasField(*m, field)) return false;
      r->MutableMessage(m, field);
      if (!agrees(*m) || !r->HasField(*m, field)) return false;
      if (clear_field) {
        r->ClearField(m, field);
      } else {
        m->Clear();
      }
      if (!agrees(*m) || r->HasField(*m, field)) return false;
    }
  }
  return true;
}

std::unique_ptr<MapEntryLayout> MapEntryLayout::Build(const pb::Message& prototype) {
  const pb::Descriptor* descriptor = prototype.GetDescriptor();
  if (descriptor->map_key() == nullptr || descriptor->field_count() != 2) return nullptr;
  // Offsets are taken from the address of the Message base.
  if (dynamic_cast<const void*>(&prototype) != static_cast<const void*>(&prototype)) return nullptr;
  const size_t object_size = EntryObjectSize(prototype);
  if (object_size == 0) return nullptr;
  const FD* key = descriptor->map_key();
  const FD* value = descriptor->map_value();
  auto layout = std::unique_ptr<MapEntryLayout>(new MapEntryLayout);
  size_t key_width = 0;
  size_t value_width = 0;
  const pb::Message* unused = nullptr;
  layout->key_offset_ = LearnField(prototype, key, object_size, &key_width, &unused);
  layout->value_offset_ = LearnField(prototype, value, object_size, &value_width, &layout->default_value_);
  if (layout->key_offset_ == kNotFound || layout->value_offset_ == kNotFound) return nullptr;
  const size_t k = layout->key_offset_;
  const size_t v = layout->value_offset_;
  if (k < v + value_width && v < k + key_width) return nullptr;
  return layout;
}

}  // namespace grpcgw::json_internal
