// JSON -> message: scalar values (numbers, strings, bytes, enums, map keys)
// converted for their field and stored with reflection.
#include <cfloat>
#include <cmath>
#include <limits>

#include "json/json_parser.h"
#include "json/text_codec.h"
#include "json/well_known.h"
#include "text/base64.h"

namespace grpcgw::json_internal {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

const char* IntegerTypeName(const FD* field) {
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32:
      return "int32";
    case FD::CPPTYPE_INT64:
      return "int64";
    case FD::CPPTYPE_UINT32:
      return "uint32";
    default:
      return "uint64";
  }
}

// -?(0|[1-9][0-9]*): a JSON number without fraction or exponent.
bool IsIntegerText(std::string_view text) {
  size_t i = !text.empty() && text[0] == '-' ? 1 : 0;
  if (i >= text.size()) return false;
  if (text[i] == '0') return i + 1 == text.size();
  for (; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  return true;
}

}  // namespace

grpc::Status MessageParser::ParseScalar(const JsonNode& node, const FD* field, Scalar* out, bool* skip) {
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32:
    case FD::CPPTYPE_INT64:
    case FD::CPPTYPE_UINT32:
    case FD::CPPTYPE_UINT64:
      return ParseInteger(node, field, out);
    case FD::CPPTYPE_FLOAT:
    case FD::CPPTYPE_DOUBLE:
      return ParseFloating(node, field, out);
    case FD::CPPTYPE_BOOL:
      if (node.kind == JsonNode::kTrue || node.kind == JsonNode::kFalse) {
        out->b = node.kind == JsonNode::kTrue;
        return grpc::Status::OK;
      }
      return Expected("true or false", node);
    case FD::CPPTYPE_STRING:
      if (node.kind != JsonNode::kString) {
        return Expected(field->type() == FD::TYPE_BYTES ? "a base64 string" : "a string", node);
      }
      if (field->type() != FD::TYPE_BYTES) {
        out->str.assign(node.text, node.size);
      } else if (!internal::Base64DecodeLenient(node.str(), &out->str)) {
        return Expected("base64 (standard or URL-safe alphabet)", node);
      }
      return grpc::Status::OK;
    case FD::CPPTYPE_ENUM:
      return ParseEnum(node, field, out, skip);
    case FD::CPPTYPE_MESSAGE:
      break;
  }
  return Error("unsupported field type");
}

bool MessageParser::ParseScalarQuickly(const JsonNode& node, ValueKind kind, Scalar* out) {
  if (node.kind == JsonNode::kNumber || node.kind == JsonNode::kString) {
    // As ParseInteger and ParseFloating convert numbers and strings (the
    // strings ParseFloating reads as NaN and infinities fail ParseDouble).
    switch (kind) {
      case ValueKind::kInt32: {
        int64_t value = 0;
        if (ParseSignedInteger(node.str(), std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max(),
                               &value) != NumberError::kOk) {
          return false;
        }
        out->i32 = static_cast<int32_t>(value);
        return true;
      }
      case ValueKind::kInt64:
        return ParseSignedInteger(node.str(), std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                                  &out->i64) == NumberError::kOk;
      case ValueKind::kUint32: {
        uint64_t value = 0;
        if (ParseUnsignedInteger(node.str(), std::numeric_limits<uint32_t>::max(), &value) != NumberError::kOk) {
          return false;
        }
        out->u32 = static_cast<uint32_t>(value);
        return true;
      }
      case ValueKind::kUint64:
        return ParseUnsignedInteger(node.str(), std::numeric_limits<uint64_t>::max(), &out->u64) == NumberError::kOk;
      case ValueKind::kDouble:
        return ParseDouble(node.str(), &out->d) == NumberError::kOk;
      case ValueKind::kString:
        // As ParseScalar takes a string (the tree holds valid UTF-8) and
        // base64 for bytes.
        if (node.kind != JsonNode::kString) return false;
        out->str.assign(node.text, node.size);
        return true;
      case ValueKind::kBytes:
        return node.kind == JsonNode::kString && internal::Base64DecodeLenient(node.str(), &out->str);
      default:
        return false;
    }
  }
  if (kind == ValueKind::kBool && (node.kind == JsonNode::kTrue || node.kind == JsonNode::kFalse)) {
    out->b = node.kind == JsonNode::kTrue;
    return true;
  }
  return false;
}

grpc::Status MessageParser::ParseInteger(const JsonNode& node, const FD* field, Scalar* out) {
  if (node.kind != JsonNode::kNumber && node.kind != JsonNode::kString) {
    return Expected(std::string("an integer (") + IntegerTypeName(field) + ")", node);
  }
  NumberError error = NumberError::kOk;
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32: {
      int64_t value = 0;
      error = ParseSignedInteger(node.str(), std::numeric_limits<int32_t>::min(),
                                 std::numeric_limits<int32_t>::max(), &value);
      out->i32 = static_cast<int32_t>(value);
      break;
    }
    case FD::CPPTYPE_INT64:
      error = ParseSignedInteger(node.str(), std::numeric_limits<int64_t>::min(),
                                 std::numeric_limits<int64_t>::max(), &out->i64);
      break;
    case FD::CPPTYPE_UINT32: {
      uint64_t value = 0;
      error = ParseUnsignedInteger(node.str(), std::numeric_limits<uint32_t>::max(), &value);
      out->u32 = static_cast<uint32_t>(value);
      break;
    }
    default:
      error = ParseUnsignedInteger(node.str(), std::numeric_limits<uint64_t>::max(), &out->u64);
      break;
  }
  switch (error) {
    case NumberError::kOk:
      return grpc::Status::OK;
    case NumberError::kOutOfRange:
      return Expected(std::string("an integer in the range of ") + IntegerTypeName(field), node);
    default:
      return Expected(std::string("an integer (") + IntegerTypeName(field) + ")", node);
  }
}

grpc::Status MessageParser::ParseFloating(const JsonNode& node, const FD* field, Scalar* out) {
  const bool is_float = field->cpp_type() == FD::CPPTYPE_FLOAT;
  double value = 0;
  if (node.kind == JsonNode::kString && node.str() == "NaN") {
    value = std::numeric_limits<double>::quiet_NaN();
  } else if (node.kind == JsonNode::kString && node.str() == "Infinity") {
    value = std::numeric_limits<double>::infinity();
  } else if (node.kind == JsonNode::kString && node.str() == "-Infinity") {
    value = -std::numeric_limits<double>::infinity();
  } else if (node.kind == JsonNode::kNumber || node.kind == JsonNode::kString) {
    NumberError error = ParseDouble(node.str(), &value);
    // Values that round to a finite float are in range (3.40282347e+38 is
    // FLT_MAX printed with 9 digits); from FLT_MAX + half an ulp on they
    // would round to infinity.
    constexpr double kFloatLimit = static_cast<double>(FLT_MAX) + 0x1p103;
    if (error == NumberError::kOk && is_float && std::fabs(value) >= kFloatLimit) {
      error = NumberError::kOutOfRange;
    }
    if (error == NumberError::kOutOfRange) {
      return Expected(is_float ? "a number in the range of float" : "a number in the range of double", node);
    }
    if (error != NumberError::kOk) return Expected("a number", node);
  } else {
    return Expected("a number", node);
  }
  if (is_float) {
    out->f = static_cast<float>(value);
  } else {
    out->d = value;
  }
  return grpc::Status::OK;
}

grpc::Status MessageParser::ParseEnum(const JsonNode& node, const FD* field, Scalar* out, bool* skip) {
  const pb::EnumDescriptor* type = field->enum_type();
  if (IsNullValueEnum(type)) {
    // google.protobuf.NullValue's JSON form is null. Its one value,
    // NULL_VALUE = 0, may also be given by name or number (as for any enum,
    // and as protobuf's parsers and conformance suite accept); other numbers
    // are refused, though the enum is open: they would print as null, which
    // reads back as 0.
    out->enum_number = 0;
    if (node.kind == JsonNode::kNull) return grpc::Status::OK;
    if (node.kind == JsonNode::kString && node.str() == "NULL_VALUE") return grpc::Status::OK;
    int64_t number = 0;
    if (node.kind == JsonNode::kNumber && ParseSignedInteger(node.str(), 0, 0, &number) == NumberError::kOk) {
      return grpc::Status::OK;
    }
    if (node.kind == JsonNode::kString && options_.ignore_unknown_fields) {
      *skip = true;
      return grpc::Status::OK;
    }
    return Expected("null", node);
  }
  if (node.kind == JsonNode::kString) {
    const pb::EnumValueDescriptor* value = type->FindValueByName(std::string(node.str()));
    if (value != nullptr) {
      out->enum_number = value->number();
      return grpc::Status::OK;
    }
    if (options_.ignore_unknown_fields) {
      *skip = true;
      return grpc::Status::OK;
    }
    return Expected("a value of enum " + type->full_name(), node);
  }
  if (node.kind == JsonNode::kNumber) {
    int64_t number = 0;
    NumberError error = ParseSignedInteger(node.str(), std::numeric_limits<int32_t>::min(),
                                           std::numeric_limits<int32_t>::max(), &number);
    if (error != NumberError::kOk) return Expected("an enum number (int32)", node);
    // A closed (proto2) enum holds only its declared values.
    const bool closed = type->file()->syntax() == pb::FileDescriptor::SYNTAX_PROTO2;
    if (closed && type->FindValueByNumber(static_cast<int>(number)) == nullptr) {
      if (options_.ignore_unknown_fields) {
        *skip = true;
        return grpc::Status::OK;
      }
      return Expected("a value of enum " + type->full_name(), node);
    }
    out->enum_number = static_cast<int>(number);
    return grpc::Status::OK;
  }
  return Expected("an enum name or number", node);
}

grpc::Status MessageParser::ParseMapKey(const JsonNode& key, const FD* key_field, Scalar* out) {
  switch (key_field->cpp_type()) {
    case FD::CPPTYPE_STRING:
      out->str.assign(key.text, key.size);
      return grpc::Status::OK;
    case FD::CPPTYPE_BOOL:
      if (key.str() == "true" || key.str() == "false") {
        out->b = key.str() == "true";
        return grpc::Status::OK;
      }
      return Error("map key: expected \"true\" or \"false\"");
    default: {
      // An integer key is its decimal digits, as printed: values may be
      // written "1e1" or "10.0" (the mapping allows exponents and zero
      // fractions for integer values), keys may not, as protobuf's own
      // parsers have it, so that "10", "1e1" and "10.0" cannot be three
      // members naming one key. "-0" is the key 0, as in protobuf's parsers;
      // MergeMap rejects it next to "0" as a duplicate, as it rejects any
      // two keys that are the same number.
      if (!IsIntegerText(key.str()) || !ParseInteger(key, key_field, out).ok()) {
        return Error(std::string("map key: expected an integer (") + IntegerTypeName(key_field) +
                     ") in decimal digits");
      }
      return grpc::Status::OK;
    }
  }
}

pb::Message* MessageParser::FindOrAddMapEntry(pb::Message* message, const pb::Reflection* reflection,
                                              const FD* field, Scalar* key, int existing,
                                              const pb::Reflection** entry_reflection) {
  const FD* key_field = field->message_type()->map_key();
  for (int i = 0; i < existing; ++i) {
    const pb::Message& entry = reflection->GetRepeatedMessage(*message, field, i);
    const pb::Reflection* r = entry.GetReflection();
    bool same = false;
    switch (key_field->cpp_type()) {
      case FD::CPPTYPE_INT32:
        same = r->GetInt32(entry, key_field) == key->i32;
        break;
      case FD::CPPTYPE_INT64:
        same = r->GetInt64(entry, key_field) == key->i64;
        break;
      case FD::CPPTYPE_UINT32:
        same = r->GetUInt32(entry, key_field) == key->u32;
        break;
      case FD::CPPTYPE_UINT64:
        same = r->GetUInt64(entry, key_field) == key->u64;
        break;
      case FD::CPPTYPE_BOOL:
        same = r->GetBool(entry, key_field) == key->b;
        break;
      default:
        same = r->GetString(entry, key_field) == key->str;
        break;
    }
    if (same) {
      pb::Message* found = reflection->MutableRepeatedMessage(message, field, i);
      if (*entry_reflection == nullptr) *entry_reflection = found->GetReflection();
      (*entry_reflection)->ClearField(found, field->message_type()->map_value());
      return found;
    }
  }
  pb::Message* entry = reflection->AddMessage(message, field);
  if (*entry_reflection == nullptr) *entry_reflection = entry->GetReflection();
  Store(entry, *entry_reflection, key_field, key, false);
  return entry;
}

void MessageParser::Store(pb::Message* message, const pb::Reflection* r, const FD* field, Scalar* value,
                          bool add) {
  switch (field->cpp_type()) {
    case FD::CPPTYPE_INT32:
      add ? r->AddInt32(message, field, value->i32) : r->SetInt32(message, field, value->i32);
      break;
    case FD::CPPTYPE_INT64:
      add ? r->AddInt64(message, field, value->i64) : r->SetInt64(message, field, value->i64);
      break;
    case FD::CPPTYPE_UINT32:
      add ? r->AddUInt32(message, field, value->u32) : r->SetUInt32(message, field, value->u32);
      break;
    case FD::CPPTYPE_UINT64:
      add ? r->AddUInt64(message, field, value->u64) : r->SetUInt64(message, field, value->u64);
      break;
    case FD::CPPTYPE_FLOAT:
      add ? r->AddFloat(message, field, value->f) : r->SetFloat(message, field, value->f);
      break;
    case FD::CPPTYPE_DOUBLE:
      add ? r->AddDouble(message, field, value->d) : r->SetDouble(message, field, value->d);
      break;
    case FD::CPPTYPE_BOOL:
      add ? r->AddBool(message, field, value->b) : r->SetBool(message, field, value->b);
      break;
    case FD::CPPTYPE_STRING:
      add ? r->AddString(message, field, std::move(value->str))
          : r->SetString(message, field, std::move(value->str));
      break;
    case FD::CPPTYPE_ENUM:
      add ? r->AddEnumValue(message, field, value->enum_number)
          : r->SetEnumValue(message, field, value->enum_number);
      break;
    case FD::CPPTYPE_MESSAGE:
      break;
  }
}

}  // namespace grpcgw::json_internal
