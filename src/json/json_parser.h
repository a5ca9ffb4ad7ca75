// MessageParser: fills a message from a JsonTree with reflection, following
// the proto3 JSON mapping. Messages, repeated fields and maps live in
// json_parser.cc, scalar values in json_parser_values.cc, the well-known
// types in json_parser_well_known.cc.
#ifndef GRPCGW_SRC_JSON_JSON_PARSER_H_
#define GRPCGW_SRC_JSON_JSON_PARSER_H_

#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <grpcpp/support/status.h>

#include "grpcgw/json.h"
#include "json/json_tree.h"
#include "json/message_plan.h"
#include "json/well_known.h"

namespace grpcgw::json_internal {

// One use per tree; not thread-safe. `tree`, `options` and `root` must
// outlive it. Any types resolve in the descriptor pool of `root`.
class MessageParser {
 public:
  MessageParser(const JsonTree& tree, const JsonOptions& options, const google::protobuf::Message& root)
      : tree_(tree), options_(options), resolver_(root) {}
  MessageParser(const MessageParser&) = delete;
  MessageParser& operator=(const MessageParser&) = delete;

  // Merges `node` into `message`: an object for an ordinary message, the
  // special form for a well-known type.
  grpc::Status MergeMessage(const JsonNode& node, google::protobuf::Message* message);

  // Merges `node` as the value of `field`: sets a singular field, appends
  // one element to a repeated field, merges an object's members into a map.
  // `path` names the field in errors.
  grpc::Status MergeFieldValue(const JsonNode& node, google::protobuf::Message* message,
                               const google::protobuf::FieldDescriptor* field,
                               std::string_view path);

 private:
  using FD = google::protobuf::FieldDescriptor;

  // A scalar converted for its field, before it is stored.
  struct Scalar {
    union {
      int32_t i32;
      int64_t i64;
      uint32_t u32;
      uint64_t u64;
      float f;
      double d;
      bool b;
      int enum_number;
    };
    std::string str;
  };

  // An element of the path to the value being read, for error messages.
  struct PathEntry {
    enum Kind { kName, kIndex, kMapKey } kind;
    std::string_view text;  // kName, kMapKey
    uint32_t index;         // kIndex
  };

  grpc::Status MergeMessage(const JsonNode& node, google::protobuf::Message* message, const MessagePlan& plan);
  // An ordinary message's object. `skip_type_key` leaves out "@type" (the
  // members of an Any's payload).
  grpc::Status MergeObject(const JsonNode& node, google::protobuf::Message* message, const MessagePlan& plan,
                           bool skip_type_key = false);
  // The value of a field that appeared in an object (null already handled).
  // `reflection` is the message's own, passed along as asking a generated
  // message for it costs a call_once each time.
  grpc::Status MergeField(const JsonNode& node, google::protobuf::Message* message,
                          const google::protobuf::Reflection* reflection, const FieldPlan& field);
  // Stores a scalar value of `field` (a singular field without presence,
  // neither string nor message) at `p`, its place in a generated object.
  grpc::Status StoreAt(const JsonNode& node, char* p, const FieldPlan& field);
  grpc::Status MergeRepeated(const JsonNode& node, google::protobuf::Message* message,
                             const google::protobuf::Reflection* reflection, const FieldPlan& field);
  // Appends the converted elements of `array` to `values`.
  template <typename T, typename Get>
  grpc::Status AppendScalars(const JsonNode& array, const FieldPlan& field,
                             google::protobuf::RepeatedField<T>* values, Get get);
  grpc::Status MergeMap(const JsonNode& node, google::protobuf::Message* message,
                        const google::protobuf::Reflection* reflection, const FieldPlan& field);
  // Sets (add == false) or appends (add == true) one value of `field`.
  grpc::Status StoreValue(const JsonNode& node, google::protobuf::Message* message,
                          const google::protobuf::Reflection* reflection, const FieldPlan& field, bool add);
  // Converts a non-message value. Sets *skip for an unknown enum name that
  // options ask to ignore.
  grpc::Status ParseScalar(const JsonNode& node, const FD* field, Scalar* out, bool* skip);
  // The common cases of ParseScalar without building a status: a JSON
  // number or string for an integer or double field that converts, true
  // or false for a bool, a string for a string or bytes field. False for anything else, which ParseScalar then decides (and
  // reports); `kind` is the field's.
  static bool ParseScalarQuickly(const JsonNode& node, ValueKind kind, Scalar* out);
  grpc::Status ParseInteger(const JsonNode& node, const FD* field, Scalar* out);
  grpc::Status ParseFloating(const JsonNode& node, const FD* field, Scalar* out);
  grpc::Status ParseEnum(const JsonNode& node, const FD* field, Scalar* out, bool* skip);
  grpc::Status ParseMapKey(const JsonNode& key, const FD* key_field, Scalar* out);
  // The keys of a map object whose keys are integers, converted into *keys
  // (one per member); fails on a key that does not convert and on two keys
  // that are the same number.
  grpc::Status ParseIntegerMapKeys(const JsonNode& object, const FD* key_field, std::vector<Scalar>* keys);
  static void Store(google::protobuf::Message* message, const google::protobuf::Reflection* reflection,
                    const FD* field, Scalar* value, bool add);
  // The entry of map `field` whose key is `key` among the first `existing`
  // entries (those present before this parse; the value cleared, as a later
  // entry replaces an earlier one), or a new entry holding `key`.
  // `*entry_reflection` is the entries' reflection, null until known.
  static google::protobuf::Message* FindOrAddMapEntry(google::protobuf::Message* message,
                                                      const google::protobuf::Reflection* reflection,
                                                      const FD* field, Scalar* key, int existing,
                                                      const google::protobuf::Reflection** entry_reflection);

  // Well-known types (json_parser_well_known.cc).
  grpc::Status MergeAny(const JsonNode& node, google::protobuf::Message* message);
  grpc::Status MergeTime(const JsonNode& node, google::protobuf::Message* message, bool is_timestamp);
  grpc::Status MergeFieldMask(const JsonNode& node, google::protobuf::Message* message);
  grpc::Status MergeStruct(const JsonNode& node, google::protobuf::Message* message);
  grpc::Status MergeListValue(const JsonNode& node, google::protobuf::Message* message);
  grpc::Status MergeStructValue(const JsonNode& node, google::protobuf::Message* message);
  grpc::Status MergeWrapper(const JsonNode& node, google::protobuf::Message* message);

  // True when `field` takes JSON null as a value (google.protobuf.Value and
  // the NullValue enum) rather than as "not set".
  static bool AcceptsNull(const FD* field);
  // Fails when an object has the same key twice (maps and Struct).
  grpc::Status CheckDuplicateKeys(const JsonNode& object);

  // INVALID_ARGUMENT: `field "<path>": expected <expected>, got <node>`.
  grpc::Status Expected(std::string_view expected, const JsonNode& got) const;
  // INVALID_ARGUMENT: `field "<path>": <problem>`.
  grpc::Status Error(std::string_view problem) const;
  std::string PathString() const;

  // Each entry is written in place, field by field (an entry put together
  // in a local and copied is read back wider than it was written, which
  // the CPU cannot forward: a stall per member).
  void PushName(std::string_view name) { Push(PathEntry::kName, name, 0); }
  void PushIndex(uint32_t index) { Push(PathEntry::kIndex, {}, index); }
  void PushMapKey(std::string_view key) { Push(PathEntry::kMapKey, key, 0); }
  void Push(PathEntry::Kind kind, std::string_view text, uint32_t index) {
    PathEntry& entry = path_.emplace_back();
    entry.kind = kind;
    entry.text = text;
    entry.index = index;
  }
  void Pop() { path_.pop_back(); }

  const JsonTree& tree_;
  const JsonOptions& options_;
  AnyResolver resolver_;
  PlanCache plans_;
  std::vector<PathEntry> path_;
  // Scratch space of the duplicate key checks.
  std::vector<uint32_t> key_slots_;
  std::vector<uint64_t> key_bits_;
};

}  // namespace grpcgw::json_internal

#endif  // GRPCGW_SRC_JSON_JSON_PARSER_H_
