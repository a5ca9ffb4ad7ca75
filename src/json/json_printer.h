// MessagePrinter: writes a message as JSON with reflection, following the
// proto3 JSON mapping, using the per-type plans of message_plan.h. The
// well-known types live in json_printer_well_known.cc, the rest in
// json_printer.cc.
#ifndef GRPCGW_SRC_JSON_JSON_PRINTER_H_
#define GRPCGW_SRC_JSON_JSON_PRINTER_H_

#include <cstring>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include "grpcgw/json.h"
#include "json/json_output.h"
#include "json/message_plan.h"
#include "json/well_known.h"

namespace grpcgw::json_internal {

// One use; not thread-safe. `options` and `root` must outlive it; Any types
// resolve in the descriptor pool of `root`.
class MessagePrinter {
 public:
  MessagePrinter(const JsonOptions& options, const google::protobuf::Message& root)
      : options_(options), resolver_(root) {}

  // Appends `message` to `*out`; on error `*out` keeps only what it held.
  grpc::Status Print(const google::protobuf::Message& message, std::string* out);

 private:
  using FD = google::protobuf::FieldDescriptor;
  using Message = google::protobuf::Message;
  using Reflection = google::protobuf::Reflection;

  // Each function writes one JSON value (or members) and returns false on
  // error, after Fail() recorded it; the callers add their part of the path
  // to the error as it goes up.

  bool PrintMessage(const Message& message, const MessagePlan& plan, int depth);
  // Writes the members of an ordinary message. `first` is true when nothing
  // precedes them in the object.
  bool PrintFields(const Message& message, const MessagePlan& plan, int depth, bool first);
  // Key and value of `field` when it is set (as ListFields() has it).
  // `object` is the message's address when it is of the plan's generated
  // class (fields with a known storage are read from it), else null.
  bool PrintIfSet(const Message& message, const Reflection* reflection, const FieldPlan& field, int depth,
                  bool* first, const char* object);
  // PrintIfNotDefault for a field whose value is at `p`; with `always`, the
  // default value too.
  bool PrintIfNotDefaultAt(const char* p, const FieldPlan& field, bool* first, bool always = false);
  // A repeated field or map of `size` elements, or a singular field.
  bool PrintField(const Message& message, const Reflection* reflection, const FieldPlan& field, int size,
                  int depth);
  bool PrintRepeated(const Message& message, const Reflection* reflection, const FieldPlan& field,
                     int size, int depth);
  bool PrintMap(const Message& message, const Reflection* reflection, const FieldPlan& field, int size,
                int depth);
  // A singular field without presence (proto3 scalar), key and value, when
  // it does not hold its default; reads the value once.
  bool PrintIfNotDefault(const Message& message, const Reflection* reflection, const FieldPlan& field,
                         bool* first);
  // The value of a singular field.
  bool PrintSingular(const Message& message, const Reflection* reflection, const FieldPlan& field,
                     int depth);

  // The member key of `field`, after a comma unless *first.
  void Key(const FieldPlan& field, bool* first) {
    const size_t skip = *first ? 1 : 0;
    *first = false;
    const bool proto_names = options_.use_proto_names;
    const std::string_view key = field.Key(proto_names);
    if (field.has_padded_keys) {
      // One fixed-size copy, cheaper than a call for a few bytes.
      char* p = output_->Reserve(FieldPlan::kPaddedKey);
      std::memcpy(p, field.padded_keys[proto_names ? 1 : 0] + skip, FieldPlan::kPaddedKey);
      output_->Commit(p + key.size() - skip);
    } else {
      output_->Append(key.substr(skip));
    }
  }

  // Values; strings are checked for UTF-8.
  bool String(std::string_view value);
  void Bytes(std::string_view value);
  void Int64(int64_t value);
  void Uint64(uint64_t value);
  void QuotedInt64(int64_t value);
  void QuotedUint64(uint64_t value);
  void Double(double value);
  void Float(float value);
  void Bool(bool value) { output_->Append(value ? std::string_view("true") : std::string_view("false")); }
  void Enum(const FieldPlan& field, int number);

  // Well-known types (json_printer_well_known.cc).
  bool PrintAny(const Message& any, const MessagePlan& plan, int depth);
  bool PrintTime(const Message& message, const MessagePlan& plan, bool is_timestamp);
  bool PrintFieldMask(const Message& message, const MessagePlan& plan);
  bool PrintListValue(const Message& message, const MessagePlan& plan, int depth);
  bool PrintStructValue(const Message& message, const MessagePlan& plan, int depth);

  // Records an error (INVALID_ARGUMENT with `problem`) and returns false.
  bool Fail(std::string problem);
  // Adds `field` (element `index` of it, unless negative) to the path of the
  // recorded error, from the inside out.
  bool FailIn(const FD* field, int index) {
    error_path_.push_back({field, index});
    return false;
  }
  grpc::Status ErrorStatus() const;

  struct PathEntry {
    const FD* field;
    int index;
  };

  const JsonOptions& options_;
  AnyResolver resolver_;
  PlanCache plans_;
  JsonOutput* output_ = nullptr;
  std::string error_;
  std::vector<PathEntry> error_path_;  // innermost first
  std::string scratch_;

  // Map entries being printed, with their keys (PrintMap).
  struct MapEntry {
    const Message* entry = nullptr;
    uint64_t number = 0;    // integer and bool keys; the start of string keys
    std::string_view text;  // string keys
  };
  std::vector<MapEntry> map_entries_;
  std::vector<MapEntry> sort_scratch_;
  struct SortKey {
    uint64_t number;
    uint32_t index;
  };
  std::vector<SortKey> sort_keys_;
  std::vector<SortKey> sort_keys_scratch_;
  // Sorts entries by key; `string_keys` tells whether `text` holds them.
  void SortMapEntries(MapEntry* begin, MapEntry* end, bool string_keys);
  // The value of a map entry whose layout is known.
  bool PrintMapValue(const Message& entry, const MapEntryLayout& layout, const FieldPlan& value, int depth);
  std::deque<std::string> key_copies_;
};

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_JSON_PRINTER_H_
