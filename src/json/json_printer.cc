// Message -> JSON: ordinary messages, fields, scalars, and the public output
// functions of grpcgw/json.h. Writes straight into the caller's string.
#include "json/json_printer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <typeinfo>

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/reflection.h>

#include "json/text_codec.h"
#include "text/base64.h"
#include "text/utf8.h"

namespace grpcgw::json_internal {

namespace pb = google::protobuf;

grpc::Status MessagePrinter::Print(const pb::Message& message, std::string* out) {
  JsonOutput output(out);
  output_ = &output;
  const bool ok = PrintMessage(message, plans_.Get(message.GetDescriptor()), 0);
  output_ = nullptr;
  if (!ok) {
    output.Rollback();
    return ErrorStatus();
  }
  output.Finish();
  return grpc::Status::OK;
}

bool MessagePrinter::Fail(std::string problem) {
  error_ = std::move(problem);
  error_path_.clear();
  return false;
}

grpc::Status MessagePrinter::ErrorStatus() const {
  std::string path;
  for (auto entry = error_path_.rbegin(); entry != error_path_.rend(); ++entry) {
    if (!path.empty()) path.push_back('.');
    path.append(options_.use_proto_names ? entry->field->name() : entry->field->json_name());
    if (entry->index >= 0) path.append("[" + std::to_string(entry->index) + "]");
  }
  std::string message = path.empty() ? error_ : "field \"" + path + "\": " + error_;
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, message);
}

bool MessagePrinter::String(std::string_view value) {
  bool non_ascii = false;
  char* end = AppendQuotedTo(value, output_->Reserve(MaxQuotedLength(value.size())), &non_ascii);
  // Checked after the copy, which is harmless: it is committed only if valid.
  if (non_ascii && !internal::IsValidUtf8(value)) return Fail("string is not valid UTF-8");
  output_->Commit(end);
  return true;
}

void MessagePrinter::Bytes(std::string_view value) {
  const size_t length = internal::Base64EncodedLength(value.size());
  char* p = output_->Reserve(length + 2);
  *p++ = '"';
  internal::Base64EncodeTo(value, p);
  p += length;
  *p++ = '"';
  output_->Commit(p);
}

void MessagePrinter::Int64(int64_t value) {
  char* p = output_->Reserve(kMaxNumberChars);
  output_->Commit(std::to_chars(p, p + kMaxNumberChars, value).ptr);
}

void MessagePrinter::Uint64(uint64_t value) {
  char* p = output_->Reserve(kMaxNumberChars);
  output_->Commit(std::to_chars(p, p + kMaxNumberChars, value).ptr);
}

void MessagePrinter::QuotedInt64(int64_t value) {
  char* p = output_->Reserve(kMaxNumberChars + 2);
  *p++ = '"';
  p = std::to_chars(p, p + kMaxNumberChars, value).ptr;
  *p++ = '"';
  output_->Commit(p);
}

void MessagePrinter::QuotedUint64(uint64_t value) {
  char* p = output_->Reserve(kMaxNumberChars + 2);
  *p++ = '"';
  p = std::to_chars(p, p + kMaxNumberChars, value).ptr;
  *p++ = '"';
  output_->Commit(p);
}

void MessagePrinter::Double(double value) {
  if (std::isnan(value)) {
    output_->Append("\"NaN\"");
  } else if (std::isinf(value)) {
    output_->Append(value > 0 ? std::string_view("\"Infinity\"") : std::string_view("\"-Infinity\""));
  } else {
    char* p = output_->Reserve(kMaxNumberChars);
    output_->Commit(p + FormatDouble(value, p));
  }
}

void MessagePrinter::Float(float value) {
  if (std::isnan(value)) {
    output_->Append("\"NaN\"");
  } else if (std::isinf(value)) {
    output_->Append(value > 0 ? std::string_view("\"Infinity\"") : std::string_view("\"-Infinity\""));
  } else {
    char* p = output_->Reserve(kMaxNumberChars);
    output_->Commit(p + FormatFloat(value, p));
  }
}

void MessagePrinter::Enum(const FieldPlan& field, int number) {
  if (!options_.enums_as_ints) {
    if (!field.enum_names.empty()) {
      const std::string_view name = field.EnumName(number);
      if (!name.empty()) {
        output_->Append(name);
        return;
      }
    } else if (const pb::EnumValueDescriptor* value = field.field->enum_type()->FindValueByNumber(number)) {
      // Numbers too spread out for a table (rare).
      output_->Quoted(value->name());
      return;
    }
  }
  Int64(number);
}

bool MessagePrinter::PrintMessage(const pb::Message& message, const MessagePlan& plan, int depth) {
  if (++depth > options_.max_depth) {
    return Fail("messages nested deeper than " + std::to_string(options_.max_depth) + " levels");
  }
  switch (plan.well_known) {
    case WellKnown::kNone:
      break;
    case WellKnown::kAny:
      return PrintAny(message, plan, depth);
    case WellKnown::kTimestamp:
      return PrintTime(message, plan, true);
    case WellKnown::kDuration:
      return PrintTime(message, plan, false);
    case WellKnown::kFieldMask:
      return PrintFieldMask(message, plan);
    case WellKnown::kStruct:
      // Struct is map<string, Value> fields = 1.
      return PrintMap(message, plan.ReflectionOf(message), plan.field(0),
                      plan.ReflectionOf(message)->FieldSize(message, plan.field(0).field), depth);
    case WellKnown::kValue:
      return PrintStructValue(message, plan, depth);
    case WellKnown::kListValue:
      return PrintListValue(message, plan, depth);
    case WellKnown::kWrapper:
      return PrintSingular(message, plan.ReflectionOf(message), plan.field(0), depth);
  }
  output_->Put('{');
  if (!PrintFields(message, plan, depth, true)) return false;
  output_->Put('}');
  return true;
}

bool MessagePrinter::PrintFields(const pb::Message& message, const MessagePlan& plan, int depth,
                                 bool first) {
  const pb::Reflection* reflection = plan.ReflectionOf(message);
  if (!options_.emit_unpopulated) {
    // An object of the generated class: fields with a known place are read
    // from it.
    const char* object = plan.generated_type != nullptr && reflection == plan.generated_reflection &&
                                 typeid(message) == *plan.generated_type
                             ? reinterpret_cast<const char*>(&message)
                             : nullptr;
    // The fields ListFields() would give, in its order, each read once.
    if (plan.presence_scan != nullptr && object != nullptr) {
      // Only the fields the scan finds may be set.
      uint64_t candidates[PresenceScan::kMaxMaskWords];
      plan.presence_scan->Candidates(message, candidates);
      const int words = plan.presence_scan->mask_words();
      for (int w = 0; w < words; ++w) {
        for (uint64_t bits = candidates[w]; bits != 0; bits &= bits - 1) {
          const int index = w * 64 + __builtin_ctzll(bits);
          if (!PrintIfSet(message, reflection, *plan.by_number[static_cast<size_t>(index)], depth, &first, object)) {
            return false;
          }
        }
      }
      return true;
    }
    for (const FieldPlan* field : plan.by_number) {
      if (!PrintIfSet(message, reflection, *field, depth, &first, object)) return false;
    }
    return true;
  }
  const char* object = plan.generated_type != nullptr && reflection == plan.generated_reflection &&
                               typeid(message) == *plan.generated_type
                           ? reinterpret_cast<const char*>(&message)
                           : nullptr;
  for (int i = 0; i < plan.field_count; ++i) {
    const FieldPlan& field = plan.field(i);
    if (object != nullptr && field.storage >= 0 && !field.has_presence) {
      // A proto3 scalar or string, read from the object, default or not.
      if (!PrintIfNotDefaultAt(object + field.storage, field, &first, /*always=*/true)) {
        return FailIn(field.field, -1);
      }
      continue;
    }
    const bool repeated = field.is_map || field.is_repeated;
    const int size = repeated ? reflection->FieldSize(message, field.field) : 0;
    const bool populated = repeated ? size > 0 : !field.has_presence || reflection->HasField(message, field.field);
    // Unset oneof members (and proto3 `optional` fields) stay out.
    if (!populated && field.in_oneof) continue;
    Key(field, &first);
    // Unset singular messages and unset proto2 scalars print as null.
    if (!populated && !repeated && field.has_presence) {
      output_->Append("null");
      continue;
    }
    if (!PrintField(message, reflection, field, size, depth)) return false;
  }
  return true;
}

bool MessagePrinter::PrintIfSet(const pb::Message& message, const pb::Reflection* reflection,
                                const FieldPlan& field, int depth, bool* first, const char* object) {
  if (field.is_map || field.is_repeated) {
    const int size = reflection->FieldSize(message, field.field);
    if (size == 0) return true;
    Key(field, first);
    return PrintField(message, reflection, field, size, depth);
  }
  if (field.presence_by_pointer && object != nullptr) {
    const pb::Message* value = nullptr;
    std::memcpy(&value, object + field.storage, sizeof value);
    if (value == nullptr) return true;
    Key(field, first);
    return PrintMessage(*value, plans_.MessageOf(field), depth) || FailIn(field.field, -1);
  }
  if (field.has_presence) {
    if (!reflection->HasField(message, field.field)) return true;
    Key(field, first);
    if (object != nullptr && field.storage >= 0) {
      // A message field (the only kind with presence that has a storage).
      const pb::Message* value = nullptr;
      std::memcpy(&value, object + field.storage, sizeof value);
      if (value != nullptr) return PrintMessage(*value, plans_.MessageOf(field), depth) || FailIn(field.field, -1);
    }
    return PrintField(message, reflection, field, 0, depth);
  }
  if (object != nullptr && field.storage >= 0) {
    return PrintIfNotDefaultAt(object + field.storage, field, first) || FailIn(field.field, -1);
  }
  return PrintIfNotDefault(message, reflection, field, first) || FailIn(field.field, -1);
}

namespace {

template <typename T>
T LoadAt(const char* p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  return value;
}

}  // namespace

bool MessagePrinter::PrintIfNotDefaultAt(const char* p, const FieldPlan& field, bool* first, bool always) {
  switch (field.kind) {
    case ValueKind::kInt32:
      if (const int32_t value = LoadAt<int32_t>(p); value != 0 || always) {
        Key(field, first);
        Int64(value);
      }
      return true;
    case ValueKind::kUint32:
      if (const uint32_t value = LoadAt<uint32_t>(p); value != 0 || always) {
        Key(field, first);
        Uint64(value);
      }
      return true;
    case ValueKind::kInt64:
      if (const int64_t value = LoadAt<int64_t>(p); value != 0 || always) {
        Key(field, first);
        QuotedInt64(value);
      }
      return true;
    case ValueKind::kUint64:
      if (const uint64_t value = LoadAt<uint64_t>(p); value != 0 || always) {
        Key(field, first);
        QuotedUint64(value);
      }
      return true;
    case ValueKind::kFloat:
      // -0 is not the default: compare the bits, as ListFields() does.
      if (LoadAt<uint32_t>(p) != 0 || always) {
        Key(field, first);
        Float(LoadAt<float>(p));
      }
      return true;
    case ValueKind::kDouble:
      if (LoadAt<uint64_t>(p) != 0 || always) {
        Key(field, first);
        Double(LoadAt<double>(p));
      }
      return true;
    case ValueKind::kBool:
      if (const bool value = LoadAt<uint8_t>(p) != 0; value || always) {
        Key(field, first);
        Bool(value);
      }
      return true;
    case ValueKind::kString:
    case ValueKind::kBytes: {
      // A tagged pointer to the string (the two low bits are tags).
      const std::string& value = *reinterpret_cast<const std::string*>(LoadAt<uintptr_t>(p) & ~uintptr_t{3});
      if (value.empty() && !always) return true;
      Key(field, first);
      if (field.kind == ValueKind::kString) return String(value);
      Bytes(value);
      return true;
    }
    case ValueKind::kEnum:
      if (const int32_t value = LoadAt<int32_t>(p); value != 0 || always) {
        Key(field, first);
        Enum(field, value);
      }
      return true;
    case ValueKind::kNullValue:
      if (LoadAt<int32_t>(p) != 0 || always) {
        Key(field, first);
        output_->Append("null");
      }
      return true;
    case ValueKind::kMessage:
      break;
  }
  return true;
}

bool MessagePrinter::PrintIfNotDefault(const pb::Message& message, const pb::Reflection* r,
                                       const FieldPlan& field, bool* first) {
  const FD* fd = field.field;
  switch (field.kind) {
    case ValueKind::kInt32:
      if (const int32_t value = r->GetInt32(message, fd); value != 0) {
        Key(field, first);
        Int64(value);
      }
      return true;
    case ValueKind::kUint32:
      if (const uint32_t value = r->GetUInt32(message, fd); value != 0) {
        Key(field, first);
        Uint64(value);
      }
      return true;
    case ValueKind::kInt64:
      if (const int64_t value = r->GetInt64(message, fd); value != 0) {
        Key(field, first);
        QuotedInt64(value);
      }
      return true;
    case ValueKind::kUint64:
      if (const uint64_t value = r->GetUInt64(message, fd); value != 0) {
        Key(field, first);
        QuotedUint64(value);
      }
      return true;
    case ValueKind::kFloat:
      // -0 is not the default: compare the bits, as ListFields() does.
      if (const float value = r->GetFloat(message, fd); !(value == 0 && !std::signbit(value))) {
        Key(field, first);
        Float(value);
      }
      return true;
    case ValueKind::kDouble:
      if (const double value = r->GetDouble(message, fd); !(value == 0 && !std::signbit(value))) {
        Key(field, first);
        Double(value);
      }
      return true;
    case ValueKind::kBool:
      if (r->GetBool(message, fd)) {
        Key(field, first);
        Bool(true);
      }
      return true;
    case ValueKind::kString:
    case ValueKind::kBytes: {
      const std::string& value = r->GetStringReference(message, fd, &scratch_);
      if (value.empty()) return true;
      Key(field, first);
      if (field.kind == ValueKind::kString) return String(value);
      Bytes(value);
      return true;
    }
    case ValueKind::kEnum:
      if (const int value = r->GetEnumValue(message, fd); value != 0) {
        Key(field, first);
        Enum(field, value);
      }
      return true;
    case ValueKind::kNullValue:
      if (r->GetEnumValue(message, fd) != 0) {
        Key(field, first);
        output_->Append("null");
      }
      return true;
    case ValueKind::kMessage:
      break;
  }
  // Message fields always have presence.
  return true;
}

bool MessagePrinter::PrintField(const pb::Message& message, const pb::Reflection* reflection,
                                const FieldPlan& field, int size, int depth) {
  if (field.is_repeated) return PrintRepeated(message, reflection, field, size, depth);
  const bool ok = field.is_map ? PrintMap(message, reflection, field, size, depth)
                               : PrintSingular(message, reflection, field, depth);
  return ok || FailIn(field.field, -1);
}

namespace {

// Writes `[v0,v1,...]`, each value by `write`.
template <typename T, typename Write>
void WriteArray(JsonOutput* output, const pb::RepeatedField<T>& values, Write write) {
  output->Put('[');
  const int size = values.size();
  const T* data = values.data();
  for (int i = 0; i < size; ++i) {
    if (i > 0) output->Put(',');
    write(data[i]);
  }
  output->Put(']');
}

}  // namespace

bool MessagePrinter::PrintRepeated(const pb::Message& message, const pb::Reflection* r,
                                   const FieldPlan& field, int size, int depth) {
  const FD* fd = field.field;
  // The elements are read from the repeated field itself: its accessors
  // are deprecated in favour of RepeatedFieldRef, which costs a virtual call
  // per element.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  switch (field.kind) {
    case ValueKind::kInt32:
      WriteArray(output_, r->GetRepeatedField<int32_t>(message, fd), [&](int32_t v) { Int64(v); });
      return true;
    case ValueKind::kUint32:
      WriteArray(output_, r->GetRepeatedField<uint32_t>(message, fd), [&](uint32_t v) { Uint64(v); });
      return true;
    case ValueKind::kInt64:
      WriteArray(output_, r->GetRepeatedField<int64_t>(message, fd), [&](int64_t v) { QuotedInt64(v); });
      return true;
    case ValueKind::kUint64:
      WriteArray(output_, r->GetRepeatedField<uint64_t>(message, fd), [&](uint64_t v) { QuotedUint64(v); });
      return true;
    case ValueKind::kFloat:
      WriteArray(output_, r->GetRepeatedField<float>(message, fd), [&](float v) { Float(v); });
      return true;
    case ValueKind::kDouble:
      WriteArray(output_, r->GetRepeatedField<double>(message, fd), [&](double v) { Double(v); });
      return true;
    case ValueKind::kBool:
      WriteArray(output_, r->GetRepeatedField<bool>(message, fd), [&](bool v) { Bool(v); });
      return true;
    case ValueKind::kEnum:
      WriteArray(output_, r->GetRepeatedField<int32_t>(message, fd), [&](int32_t v) { Enum(field, v); });
      return true;
    case ValueKind::kNullValue: {
      output_->Put('[');
      for (int i = 0; i < size; ++i) output_->Append(i > 0 ? std::string_view(",null") : "null");
      output_->Put(']');
      return true;
    }
    case ValueKind::kBytes:
    case ValueKind::kString: {
      output_->Put('[');
      const bool direct = fd->options().ctype() == pb::FieldOptions::STRING;
      const pb::RepeatedPtrField<std::string>* values =
          direct ? &r->GetRepeatedPtrField<std::string>(message, fd) : nullptr;
      for (int i = 0; i < size; ++i) {
        if (i > 0) output_->Put(',');
        const std::string& value = direct ? values->Get(i) : r->GetRepeatedStringReference(message, fd, i, &scratch_);
        if (field.kind == ValueKind::kBytes) {
          Bytes(value);
        } else if (!String(value)) {
          return FailIn(fd, i);
        }
      }
      output_->Put(']');
      return true;
    }
    case ValueKind::kMessage: {
      const MessagePlan& plan = plans_.MessageOf(field);
      const pb::RepeatedPtrField<pb::Message>& values = r->GetRepeatedPtrField<pb::Message>(message, fd);
      output_->Put('[');
      for (int i = 0; i < size; ++i) {
        if (i > 0) output_->Put(',');
        if (!PrintMessage(values.Get(i), plan, depth)) return FailIn(fd, i);
      }
      output_->Put(']');
      return true;
    }
  }
#pragma GCC diagnostic pop
  return true;
}

namespace {

// The map entries of `field`, as reflection keeps them in a repeated field.
const pb::RepeatedPtrField<pb::Message>& MapEntries(const pb::Message& message, const pb::Reflection* reflection,
                                                    const pb::FieldDescriptor* field) {
  // Deprecated in favour of GetRepeatedFieldRef, whose element access costs
  // a virtual call each.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  return reflection->GetRepeatedPtrField<pb::Message>(message, field);
#pragma GCC diagnostic pop
}

}  // namespace

void MessagePrinter::SortMapEntries(MapEntry* begin, MapEntry* end, bool string_keys) {
  auto by_number = [](const MapEntry& a, const MapEntry& b) { return a.number < b.number; };
  auto by_key = [](const MapEntry& a, const MapEntry& b) {
    return a.number != b.number ? a.number < b.number : a.text < b.text;
  };
  const size_t size = static_cast<size_t>(end - begin);
  if (string_keys ? std::is_sorted(begin, end, by_key) : std::is_sorted(begin, end, by_number)) return;
  if (size < 64) {
    if (string_keys) {
      std::sort(begin, end, by_key);
    } else {
      std::sort(begin, end, by_number);
    }
    return;
  }
  // Least significant digit first radix sort on `number`, a byte at a time,
  // skipping the bytes that are the same in every entry. It moves 16-byte
  // (number, position) pairs; the entries are put in order once at the end.
  sort_keys_.resize(size);
  uint64_t differ = 0;  // the bits that differ between entries
  for (size_t i = 0; i < size; ++i) {
    const uint64_t n = begin[i].number;
    sort_keys_[i].number = n;
    sort_keys_[i].index = static_cast<uint32_t>(i);
    differ |= n ^ begin->number;
  }
  // The byte histograms, of the half of `number` where bits differ when
  // the other half is the same in every entry (32-bit keys; short strings).
  uint32_t counts[8][256] = {};
  auto count_half = [&](int half) {
    const int shift = 32 * half;
    uint32_t(*c)[256] = counts + 4 * half;
    for (const SortKey& k : sort_keys_) {
      const uint64_t n = k.number >> shift;
      ++c[0][n & 0xFF];
      ++c[1][(n >> 8) & 0xFF];
      ++c[2][(n >> 16) & 0xFF];
      ++c[3][(n >> 24) & 0xFF];
    }
  };
  const bool low_differs = (differ & 0xFFFFFFFFu) != 0;
  const bool high_differs = (differ >> 32) != 0;
  if (low_differs) count_half(0);
  if (high_differs) count_half(1);
  sort_keys_scratch_.resize(size);
  SortKey* from = sort_keys_.data();
  SortKey* to = sort_keys_scratch_.data();
  for (int byte = 0; byte < 8; ++byte) {
    uint32_t* count = counts[byte];
    if (((differ >> (8 * byte)) & 0xFF) == 0) continue;  // the same in every entry
    uint32_t position = 0;
    for (int digit = 0; digit < 256; ++digit) {
      const uint32_t n = count[digit];
      count[digit] = position;
      position += n;
    }
    for (size_t i = 0; i < size; ++i) to[count[(from[i].number >> (8 * byte)) & 0xFF]++] = from[i];
    std::swap(from, to);
  }
  if (string_keys) {
    // Keys that share their first 8 bytes: ordered by the rest.
    auto by_text = [begin](const SortKey& a, const SortKey& b) { return begin[a.index].text < begin[b.index].text; };
    for (SortKey* run = from; run != from + size;) {
      SortKey* run_end = run + 1;
      while (run_end != from + size && run_end->number == run->number) ++run_end;
      if (run_end - run > 1) std::sort(run, run_end, by_text);
      run = run_end;
    }
  }
  sort_scratch_.assign(begin, end);
  for (size_t i = 0; i < size; ++i) begin[i] = sort_scratch_[from[i].index];
}

bool MessagePrinter::PrintMapValue(const pb::Message& entry, const MapEntryLayout& layout, const FieldPlan& value,
                                   int depth) {
  switch (value.kind) {
    case ValueKind::kInt32:
      Int64(layout.Value<int32_t>(entry));
      return true;
    case ValueKind::kUint32:
      Uint64(layout.Value<uint32_t>(entry));
      return true;
    case ValueKind::kInt64:
      QuotedInt64(layout.Value<int64_t>(entry));
      return true;
    case ValueKind::kUint64:
      QuotedUint64(layout.Value<uint64_t>(entry));
      return true;
    case ValueKind::kFloat:
      Float(layout.Value<float>(entry));
      return true;
    case ValueKind::kDouble:
      Double(layout.Value<double>(entry));
      return true;
    case ValueKind::kBool:
      Bool(layout.Value<uint8_t>(entry) != 0);
      return true;
    case ValueKind::kString:
      return String(layout.ValueString(entry));
    case ValueKind::kBytes:
      Bytes(layout.ValueString(entry));
      return true;
    case ValueKind::kEnum:
      Enum(value, layout.Value<int32_t>(entry));
      return true;
    case ValueKind::kNullValue:
      output_->Append("null");
      return true;
    case ValueKind::kMessage:
      return PrintMessage(layout.ValueMessage(entry), plans_.MessageOf(value), depth);
  }
  return true;
}

namespace {

// The first 8 bytes of `text` as a number, the first byte most significant,
// zero-padded. Read in at most three loads, whatever the length: copying a
// short text into a zeroed word and reading the word back would wait for
// the narrow stores to reach the cache (they cannot be forwarded to the
// wide load).
uint64_t KeyPrefix(std::string_view text) {
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
  uint64_t word = 0;
  std::memcpy(&word, text.data(), std::min<size_t>(8, text.size()));
  return word;  // big-endian already
#else
  const char* p = text.data();
  const size_t n = text.size();
  uint64_t prefix;  // little-endian: the first byte lowest
  if (n >= 8) {
    std::memcpy(&prefix, p, 8);
  } else if (n >= 4) {
    uint32_t low;
    uint32_t high;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + n - 4, 4);  // overlaps `low` where n < 8
    prefix = low | (uint64_t{high} << (8 * (n - 4)));
  } else if (n > 0) {
    prefix = uint64_t{static_cast<unsigned char>(p[0])} |
             (uint64_t{static_cast<unsigned char>(p[n / 2])} << (8 * (n / 2))) |
             (uint64_t{static_cast<unsigned char>(p[n - 1])} << (8 * (n - 1)));
  } else {
    prefix = 0;
  }
  return __builtin_bswap64(prefix);
#endif
}

}  // namespace

bool MessagePrinter::PrintMap(const pb::Message& message, const pb::Reflection* reflection,
                              const FieldPlan& field, int size, int depth) {
  const MessagePlan& entry_plan = plans_.MessageOf(field);
  const FieldPlan& key = entry_plan.field(entry_plan.descriptor->map_key()->index());
  const FieldPlan& value = entry_plan.field(entry_plan.descriptor->map_value()->index());
  const pb::RepeatedPtrField<pb::Message>& entries = MapEntries(message, reflection, field.field);
  size = entries.size();
  if (size == 0) {
    output_->Append("{}");
    return true;
  }
  // Keys and values are read straight from the entries when their layout is
  // known (all entries of a map are of one class).
  const MapEntryLayout* layout = entry_plan.map_entry_layout.get();
  if (layout != nullptr && typeid(entries.Get(0)) != *entry_plan.generated_type) layout = nullptr;
  const pb::Reflection* entry_reflection = entry_plan.ReflectionOf(entries.Get(0));
  // The entries are printed sorted by key (numerically for integer keys,
  // false before true, strings by their bytes), as protobuf's printer sorts
  // them: a map's own order depends on its history, and equal messages must
  // print the same bytes. The entries of this map go on map_entries_ after
  // those of the maps being printed around it, and are read by index, as
  // maps inside the values add theirs behind.
  const size_t first = map_entries_.size();
  map_entries_.resize(first + static_cast<size_t>(size));
  MapEntry* items = map_entries_.data() + first;
  for (int i = 0; i < size; ++i) {
    const pb::Message& entry = entries.Get(i);
    MapEntry& item = items[i];
    item.entry = &entry;
    item.number = 0;
    switch (key.kind) {
      case ValueKind::kString: {
        if (layout != nullptr) {
          item.text = layout->KeyString(entry);
        } else {
          const std::string& text = entry_reflection->GetStringReference(entry, key.field, &scratch_);
          if (&text == &scratch_) {
            // A copy (not the message's own string): keep it alive.
            key_copies_.emplace_back(text);
            item.text = key_copies_.back();
          } else {
            item.text = text;
          }
        }
        // The first 8 bytes, big-endian, zero-padded: ordered as the
        // strings are where they differ, so most comparisons need no more.
        item.number = KeyPrefix(item.text);
        break;
      }
      case ValueKind::kBool:
        item.number = (layout != nullptr ? layout->Key<uint8_t>(entry) != 0 : entry_reflection->GetBool(entry, key.field))
                          ? 1
                          : 0;
        break;
      // Signed keys are stored with the sign bit flipped, so that one
      // unsigned comparison orders every kind (32-bit keys in the low 32
      // bits, which leaves the radix sort half the bytes).
      case ValueKind::kInt32: {
        const int32_t number =
            layout != nullptr ? layout->Key<int32_t>(entry) : entry_reflection->GetInt32(entry, key.field);
        item.number = static_cast<uint32_t>(number) ^ (uint32_t{1} << 31);
        break;
      }
      case ValueKind::kInt64: {
        const int64_t number =
            layout != nullptr ? layout->Key<int64_t>(entry) : entry_reflection->GetInt64(entry, key.field);
        item.number = static_cast<uint64_t>(number) ^ (uint64_t{1} << 63);
        break;
      }
      case ValueKind::kUint32:
        item.number = layout != nullptr ? layout->Key<uint32_t>(entry) : entry_reflection->GetUInt32(entry, key.field);
        break;
      case ValueKind::kUint64:
        item.number = layout != nullptr ? layout->Key<uint64_t>(entry) : entry_reflection->GetUInt64(entry, key.field);
        break;
      default:
        map_entries_.resize(first);
        return Fail("unsupported map key type");
    }
  }
  SortMapEntries(items, items + size, key.kind == ValueKind::kString);
  output_->Put('{');
  bool ok = true;
  for (size_t i = first; ok && i < first + static_cast<size_t>(size); ++i) {
    if (i > first) output_->Put(',');
    // (A reference: maps inside the value add entries behind, possibly
    // moving these, but `item` is not used after the value is printed.)
    const MapEntry& item = map_entries_[i];
    switch (key.kind) {
      case ValueKind::kString:
        ok = String(item.text);
        break;
      case ValueKind::kBool:
        output_->Append(item.number != 0 ? std::string_view("\"true\"") : std::string_view("\"false\""));
        break;
      case ValueKind::kInt32:
        QuotedInt64(static_cast<int32_t>(static_cast<uint32_t>(item.number) ^ (uint32_t{1} << 31)));
        break;
      case ValueKind::kInt64:
        QuotedInt64(static_cast<int64_t>(item.number ^ (uint64_t{1} << 63)));
        break;
      default:
        QuotedUint64(item.number);
        break;
    }
    if (!ok) break;
    output_->Put(':');
    ok = layout != nullptr ? PrintMapValue(*item.entry, *layout, value, depth)
                           : PrintSingular(*item.entry, entry_reflection, value, depth);
  }
  map_entries_.resize(first);
  if (first == 0) key_copies_.clear();
  if (!ok) return false;
  output_->Put('}');
  return true;
}

bool MessagePrinter::PrintSingular(const pb::Message& message, const pb::Reflection* r,
                                   const FieldPlan& field, int depth) {
  const FD* fd = field.field;
  switch (field.kind) {
    case ValueKind::kInt32:
      Int64(r->GetInt32(message, fd));
      return true;
    case ValueKind::kUint32:
      Uint64(r->GetUInt32(message, fd));
      return true;
    case ValueKind::kInt64:
      QuotedInt64(r->GetInt64(message, fd));
      return true;
    case ValueKind::kUint64:
      QuotedUint64(r->GetUInt64(message, fd));
      return true;
    case ValueKind::kFloat:
      Float(r->GetFloat(message, fd));
      return true;
    case ValueKind::kDouble:
      Double(r->GetDouble(message, fd));
      return true;
    case ValueKind::kBool:
      Bool(r->GetBool(message, fd));
      return true;
    case ValueKind::kString:
      return String(r->GetStringReference(message, fd, &scratch_));
    case ValueKind::kBytes:
      Bytes(r->GetStringReference(message, fd, &scratch_));
      return true;
    case ValueKind::kEnum:
      Enum(field, r->GetEnumValue(message, fd));
      return true;
    case ValueKind::kNullValue:
      output_->Append("null");
      return true;
    case ValueKind::kMessage:
      return PrintMessage(r->GetMessage(message, fd), plans_.MessageOf(field), depth);
  }
  return true;
}

}  // namespace grpcgw::json_internal

namespace grpcgw {

grpc::Status AppendMessageJson(const google::protobuf::Message& message, std::string* out,
                               const JsonOptions& options) {
  json_internal::MessagePrinter printer(options, message);
  return printer.Print(message, out);
}

grpc::Status MessageToJson(const google::protobuf::Message& message, std::string* json,
                           const JsonOptions& options) {
  json->clear();
  return AppendMessageJson(message, json, options);
}

}  // namespace grpcgw
