// MapEntryLayout: where the compiled-in entry class of a map field keeps its
// key and its value, so that printing a map reads them straight from each
// entry instead of through two reflection calls per entry.
//
// Printing a map of 1,000 entries asks reflection for 2,000 values, at some
// 15 ns each, which is more than all the rest of the work. Like
// PresenceScan, this learns the layout once per type by observation: on
// fresh entries, the key (and the value) is set through reflection to a few
// values, and the one place in the object that holds each of them, every
// time, is where the field lives. A string field is a pointer to the
// std::string reflection returns (protobuf tags its two low bits); a message
// value is a pointer, null standing for the default instance. Anything that
// does not fit exactly one place (or a field reflection copies into scratch
// space, such as a Cord) makes Build return null, and the printer keeps
// asking reflection.
//
// Only for types of the generated pool; the reader must check that an entry
// is of the generated class the layout was learned on.
#ifndef GRPCGW_SRC_JSON_MAP_ENTRY_LAYOUT_H_
#define GRPCGW_SRC_JSON_MAP_ENTRY_LAYOUT_H_

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace grpcgw::json_internal {

// The same learning for one singular field (not in a oneof) of any
// compiled-in message class, `object_size` bytes long: the offset in the
// object of its value (a scalar; a string's tagged pointer; a message's
// pointer, null when unset), or -1 when it is not in exactly one place.
int FindFieldStorage(const google::protobuf::Message& prototype, const google::protobuf::FieldDescriptor* field,
                     size_t object_size);

// For a message field whose pointer is at `storage`: true when the field is
// set exactly when the pointer is not null, as observed on fresh, set,
// cleared (Clear() and ClearField) messages on the heap and on an arena. (A
// field with a has-bit keeps its sub-message when cleared; then false.)
bool PresenceIsPointer(const google::protobuf::Message& prototype, const google::protobuf::FieldDescriptor* field,
                       int storage);

class MapEntryLayout {
 public:
  // `prototype` is the generated entry class's default instance.
  static std::unique_ptr<MapEntryLayout> Build(const google::protobuf::Message& prototype);

  // Readers of the key (k) and the value (v) of `entry`, by their C++ type.
  template <typename T>
  T Key(const google::protobuf::Message& entry) const {
    return Load<T>(entry, key_offset_);
  }
  template <typename T>
  T Value(const google::protobuf::Message& entry) const {
    return Load<T>(entry, value_offset_);
  }
  const std::string& KeyString(const google::protobuf::Message& entry) const { return StringAt(entry, key_offset_); }
  const std::string& ValueString(const google::protobuf::Message& entry) const {
    return StringAt(entry, value_offset_);
  }
  const google::protobuf::Message& ValueMessage(const google::protobuf::Message& entry) const {
    const auto* value = reinterpret_cast<const google::protobuf::Message*>(Load<uintptr_t>(entry, value_offset_));
    return value != nullptr ? *value : *default_value_;
  }

 private:
  template <typename T>
  static T Load(const google::protobuf::Message& entry, size_t offset) {
    T value;
    std::memcpy(&value, reinterpret_cast<const char*>(&entry) + offset, sizeof value);
    return value;
  }
  static const std::string& StringAt(const google::protobuf::Message& entry, size_t offset) {
    return *reinterpret_cast<const std::string*>(Load<uintptr_t>(entry, offset) & ~uintptr_t{3});
  }

  size_t key_offset_ = 0;
  size_t value_offset_ = 0;
  const google::protobuf::Message* default_value_ = nullptr;  // message values
};

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_MAP_ENTRY_LAYOUT_H_
