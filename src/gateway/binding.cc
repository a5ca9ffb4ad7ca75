#include "gateway/binding.h"

#include <algorithm>
#include <set>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "json/text_codec.h"
#include "text/quote.h"

namespace grpcgw {
namespace internal {
namespace {

// Values quoted in error messages are cut after this many bytes.
constexpr size_t kQuoteLimit = 100;

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;

grpc::Status InvalidArgument(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}


std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) {
    if (!out.empty()) out.push_back('.');
    out.append(part);
  }
  return out;
}

bool IsFieldMask(const pb::Descriptor* type) {
  return type->full_name() == "google.protobuf.FieldMask";
}

// Messages whose JSON form is a single string or scalar, so that one piece of
// text can fill them.
bool IsTextConvertibleMessage(const pb::Descriptor* type) {
  static const std::set<std::string> kNames = {
      "google.protobuf.Timestamp",   "google.protobuf.Duration",    "google.protobuf.FieldMask",
      "google.protobuf.DoubleValue", "google.protobuf.FloatValue",  "google.protobuf.Int64Value",
      "google.protobuf.UInt64Value", "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
      "google.protobuf.BoolValue",   "google.protobuf.StringValue", "google.protobuf.BytesValue",
  };
  return kNames.count(type->full_name()) != 0;
}

// True if one piece of text can fill an element of `field` (or the field).
bool IsTextConvertible(const FD* field) {
  if (field->is_map()) return false;
  return field->cpp_type() != FD::CPPTYPE_MESSAGE ||
         IsTextConvertibleMessage(field->message_type());
}

bool IsPrefix(const FieldChain& prefix, const FieldChain& chain) {
  return prefix.size() <= chain.size() &&
         std::equal(prefix.begin(), prefix.end(), chain.begin());
}

const FD* FindField(const pb::Descriptor* type, std::string_view name, bool accept_json_names) {
  const FD* field = type->FindFieldByName(std::string(name));
  if (field != nullptr || !accept_json_names) return field;
  for (int i = 0; i < type->field_count(); ++i) {
    if (type->field(i)->json_name() == name) return type->field(i);
  }
  return nullptr;
}

enum class Resolution {
  kOk,
  kNoSuchField,   // a part names no field (or follows a scalar)
  kNotTraversable,  // a part before the last is repeated or a map
};

Resolution Resolve(const pb::Descriptor* type, std::string_view dotted, bool accept_json_names,
                   FieldChain* out, std::string* problem) {
  out->clear();
  size_t start = 0;
  while (true) {
    const size_t dot = dotted.find('.', start);
    const std::string_view part =
        dotted.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (type == nullptr) {
      const FD* previous = out->back();
      *problem = "field \"" + previous->name() + "\" of " + previous->containing_type()->full_name() +
                 " is not a message";
      return Resolution::kNoSuchField;
    }
    const FD* field = FindField(type, part, accept_json_names);
    if (field == nullptr) {
      *problem = type->full_name() + " has no field " + QuoteForMessage(part, kQuoteLimit);
      return Resolution::kNoSuchField;
    }
    out->push_back(field);
    if (dot == std::string_view::npos) return Resolution::kOk;
    if (field->is_repeated()) {
      *problem = "field \"" + field->name() + "\" of " + type->full_name() + " is " +
                 (field->is_map() ? "a map" : "repeated") + "; it cannot be traversed";
      return Resolution::kNotTraversable;
    }
    type = field->cpp_type() == FD::CPPTYPE_MESSAGE ? field->message_type() : nullptr;
    start = dot + 1;
  }
}

// The JSON value the codec should see for `text` in `field`.
std::string JsonValueFor(const FD* field, std::string_view text) {
  const bool is_bool = field->cpp_type() == FD::CPPTYPE_BOOL ||
                       (field->cpp_type() == FD::CPPTYPE_MESSAGE &&
                        field->message_type()->full_name() == "google.protobuf.BoolValue");
  if (is_bool) {
    if (text == "true" || text == "1") return "true";
    if (text == "false" || text == "0") return "false";
  }
  if (field->cpp_type() == FD::CPPTYPE_ENUM && !text.empty()) {
    size_t i = text[0] == '-' ? 1 : 0;
    bool digits = i < text.size();
    for (; i < text.size(); ++i) digits = digits && text[i] >= '0' && text[i] <= '9';
    if (digits) return std::string(text);  // a number; the codec checks the range
  }
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char kHex[] = "0123456789abcdef";
          out.append("\\u00");
          out.push_back(kHex[(c >> 4) & 0xF]);
          out.push_back(kHex[c & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

// Adds the comma-separated paths of `text` to *mask, each in proto
// (snake_case) or JSON (lowerCamelCase) spelling, stored in proto spelling.
// Each path must name a field of `target` (through singular message fields)
// and have a JSON form, so that the mask can be printed back.
grpc::Status AddFieldMaskPaths(std::string_view text, const pb::Descriptor* target,
                               const std::string& what, pb::Message* mask) {
  const FD* paths = mask->GetDescriptor()->FindFieldByNumber(1);
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    const std::string_view item = text.substr(start, comma - start);
    start = comma + 1;
    if (item.empty()) continue;
    std::string path;
    if (item.find('_') != std::string_view::npos) {
      path.assign(item);  // proto spelling
    } else {
      json_internal::FieldMaskPathFromJson(item, &path);  // cannot fail without '_'
    }
    const std::string quoted = "FieldMask path " + QuoteForMessage(item, kQuoteLimit);
    FieldChain chain;
    std::string problem;
    if (Resolve(target, path, false, &chain, &problem) != Resolution::kOk) {
      return InvalidArgument(what + ": " + quoted + ": " + problem);
    }
    std::string json;
    if (!json_internal::FieldMaskPathToJson(path, &json)) {
      return InvalidArgument(what + ": " + quoted + " has no lowerCamelCase JSON form");
    }
    mask->GetReflection()->AddString(mask, paths, std::move(path));
  }
  return grpc::Status::OK;
}

// Sets (singular) or appends to (repeated) `field` of *message from `text`.
// `what` names the source in errors: `query parameter "count"`.
// A FieldMask's paths must name fields of `mask_target`.
grpc::Status SetFromText(pb::Message* message, const FD* field, std::string_view text,
                         const std::string& name, const std::string& what,
                         const JsonOptions& options, const pb::Descriptor* mask_target) {
  if (field->cpp_type() == FD::CPPTYPE_MESSAGE && IsFieldMask(field->message_type())) {
    const pb::Reflection* reflection = message->GetReflection();
    pb::Message* mask = field->is_repeated() ? reflection->AddMessage(message, field)
                                             : reflection->MutableMessage(message, field);
    return AddFieldMaskPaths(text, mask_target, what, mask);
  }
  grpc::Status status = MergeJsonValueToField(JsonValueFor(field, text), message, field, name, options);
  if (status.ok()) return status;
  // The codec names the field as `field "<name>": `; say where it came from instead.
  std::string detail = status.error_message();
  const std::string codec_prefix = "field \"" + name + "\": ";
  if (detail.compare(0, codec_prefix.size(), codec_prefix) == 0) detail.erase(0, codec_prefix.size());
  return InvalidArgument(what + ": " + detail);
}

// Refuses to set `field` of *message when another member of its oneof is set.
grpc::Status CheckOneof(const pb::Message& message, const FD* field, const std::string& what) {
  const pb::OneofDescriptor* oneof = field->real_containing_oneof();
  if (oneof == nullptr) return grpc::Status::OK;
  const FD* set = message.GetReflection()->GetOneofFieldDescriptor(message, oneof);
  if (set == nullptr || set == field) return grpc::Status::OK;
  return InvalidArgument(what + ": oneof \"" + oneof->name() + "\" already has \"" + set->name() +
                         "\" set");
}

bool SameMapKey(const pb::Message& a, const pb::Message& b, const FD* key) {
  const pb::Reflection* r = a.GetReflection();
  switch (key->cpp_type()) {
    case FD::CPPTYPE_INT32: return r->GetInt32(a, key) == r->GetInt32(b, key);
    case FD::CPPTYPE_INT64: return r->GetInt64(a, key) == r->GetInt64(b, key);
    case FD::CPPTYPE_UINT32: return r->GetUInt32(a, key) == r->GetUInt32(b, key);
    case FD::CPPTYPE_UINT64: return r->GetUInt64(a, key) == r->GetUInt64(b, key);
    case FD::CPPTYPE_BOOL: return r->GetBool(a, key) == r->GetBool(b, key);
    case FD::CPPTYPE_STRING: return r->GetString(a, key) == r->GetString(b, key);
    default: return false;  // map keys have no other types
  }
}

// The entry just added to map `field` replaces an earlier one with its key,
// so that a later `field[key]=...` wins.
void ReplaceEarlierEntry(pb::Message* message, const FD* field) {
  const pb::Reflection* reflection = message->GetReflection();
  const int last = reflection->FieldSize(*message, field) - 1;
  const pb::Message& added = reflection->GetRepeatedMessage(*message, field, last);
  const FD* key = field->message_type()->map_key();
  for (int i = 0; i < last; ++i) {
    if (SameMapKey(reflection->GetRepeatedMessage(*message, field, i), added, key)) {
      reflection->SwapElements(message, field, i, last);
      reflection->RemoveLast(message, field);
      return;
    }
  }
}

}  // namespace

grpc::Status ResolveFieldPath(const pb::Descriptor* type, std::string_view dotted,
                              bool accept_json_names, FieldChain* out) {
  std::string problem;
  if (Resolve(type, dotted, accept_json_names, out, &problem) != Resolution::kOk) {
    return InvalidArgument("field path " + QuoteForMessage(dotted, kQuoteLimit) + ": " + problem);
  }
  return grpc::Status::OK;
}

grpc::Status BindingPlan::Compile(const pb::Descriptor* request_type, const PathTemplate& tmpl,
                                  const std::string& body, BindingPlan* out) {
  *out = BindingPlan();
  out->request_type_ = request_type;
  for (const PathTemplate::Variable& variable : tmpl.variables) {
    const std::string dotted = Join(variable.field_path);
    const std::string what = "path variable \"" + dotted + "\"";
    FieldChain chain;
    std::string problem;
    if (Resolve(request_type, dotted, false, &chain, &problem) != Resolution::kOk) {
      return InvalidArgument(what + ": " + problem);
    }
    const FD* leaf = chain.back();
    if (leaf->is_map()) {
      return InvalidArgument(what + ": field \"" + leaf->name() + "\" is a map");
    }
    if (!IsTextConvertible(leaf)) {
      return InvalidArgument(what + ": field \"" + leaf->name() + "\" is " +
                             (leaf->is_repeated() ? "a repeated message (" : "a message (") +
                             leaf->message_type()->full_name() + "); bind one of its fields");
    }
    for (size_t i = 0; i < out->variables_.size(); ++i) {
      if (IsPrefix(out->variables_[i], chain) || IsPrefix(chain, out->variables_[i])) {
        return InvalidArgument("path variables \"" + out->variable_names_[i] + "\" and \"" + dotted +
                               "\" overlap");
      }
    }
    out->variables_.push_back(std::move(chain));
    out->variable_names_.push_back(dotted);
  }
  if (body.empty()) {
    out->body_ = Body::kNone;
  } else if (body == "*") {
    out->body_ = Body::kWholeRequest;
  } else {
    if (body.find('.') != std::string::npos) {
      return InvalidArgument("body " + QuoteForMessage(body, kQuoteLimit) + ": must name a top-level field of " +
                             request_type->full_name());
    }
    out->body_field_ = request_type->FindFieldByName(body);
    if (out->body_field_ == nullptr) {
      return InvalidArgument("body " + QuoteForMessage(body, kQuoteLimit) + ": " + request_type->full_name() +
                             " has no field " + QuoteForMessage(body, kQuoteLimit));
    }
    out->body_ = Body::kField;
  }
  return grpc::Status::OK;
}

const pb::Descriptor* BindingPlan::mask_target() const {
  if (body_ == Body::kField && !body_field_->is_repeated() &&
      body_field_->cpp_type() == FD::CPPTYPE_MESSAGE) {
    return body_field_->message_type();
  }
  return request_type_;
}

grpc::Status BindingPlan::BindPathVariables(const PathVariables& variables,
                                            pb::Message* request) const {
  if (variables.size() != variables_.size()) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "path variables do not match the binding: got " +
                            std::to_string(variables.size()) + ", expected " +
                            std::to_string(variables_.size()));
  }
  JsonOptions options;  // strict: unknown enum names are errors
  for (size_t i = 0; i < variables_.size(); ++i) {
    const FieldChain& chain = variables_[i];
    const std::string& name = variable_names_[i];
    const std::string what = "path variable \"" + name + "\"";
    const std::string& value = variables[i].second;
    pb::Message* message = request;
    for (size_t k = 0; k + 1 < chain.size(); ++k) {
      message = message->GetReflection()->MutableMessage(message, chain[k]);
    }
    const FD* leaf = chain.back();
    const bool whole_mask =
        leaf->cpp_type() == FD::CPPTYPE_MESSAGE && IsFieldMask(leaf->message_type());
    if (!leaf->is_repeated() || whole_mask) {
      grpc::Status status = SetFromText(message, leaf, value, name, what, options, mask_target());
      if (!status.ok()) return status;
      continue;
    }
    // A repeated field: one element per comma-separated item.
    size_t start = 0;
    while (!value.empty() && start <= value.size()) {
      size_t comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      grpc::Status status =
          SetFromText(message, leaf, std::string_view(value).substr(start, comma - start), name,
                      what, options, mask_target());
      if (!status.ok()) return status;
      start = comma + 1;
    }
  }
  return grpc::Status::OK;
}

grpc::Status BindingPlan::BindQueryParameters(const QueryParameters& params, bool reject_unknown,
                                              const JsonOptions& json_options,
                                              pb::Message* request) const {
  JsonOptions options = json_options;
  options.ignore_unknown_fields = false;
  const pb::Descriptor* type = request->GetDescriptor();
  std::set<FieldChain> singular_set;  // singular leaves set by earlier parameters

  for (const auto& param : params) {
    const std::string& key = param.first;
    const std::string& value = param.second;
    const std::string what = "query parameter " + QuoteForMessage(key, kQuoteLimit);

    // "name" or "name[map key]".
    std::string_view name = key;
    std::string_view map_key;
    bool has_map_key = false;
    const size_t bracket = key.find('[');
    if (bracket != std::string::npos && bracket > 0 && key.back() == ']') {
      name = std::string_view(key).substr(0, bracket);
      map_key = std::string_view(key).substr(bracket + 1, key.size() - bracket - 2);
      has_map_key = true;
    }

    FieldChain chain;
    std::string problem;
    switch (Resolve(type, name, true, &chain, &problem)) {
      case Resolution::kOk:
        break;
      case Resolution::kNoSuchField:
        if (reject_unknown) return InvalidArgument(what + ": unknown parameter (" + problem + ")");
        continue;
      case Resolution::kNotTraversable:
        return InvalidArgument(what + ": " + problem);
    }

    if (body_ == Body::kWholeRequest) {
      return InvalidArgument(what + ": conflicts with the request body, which binds every field");
    }
    if (body_ == Body::kField && chain.front() == body_field_) {
      return InvalidArgument(what + ": conflicts with the request body, which binds \"" +
                             body_field_->name() + "\"");
    }
    for (size_t i = 0; i < variables_.size(); ++i) {
      if (IsPrefix(variables_[i], chain)) {
        return InvalidArgument(what + ": conflicts with the path variable \"" + variable_names_[i] +
                               "\"");
      }
    }

    const FD* leaf = chain.back();
    if (has_map_key != leaf->is_map()) {
      return InvalidArgument(what + (has_map_key ? ": field \"" + leaf->name() + "\" is not a map"
                                                 : ": field \"" + leaf->name() +
                                                       "\" is a map; set entries with \"" +
                                                       std::string(name) + "[key]=value\""));
    }
    if (!leaf->is_map() && !IsTextConvertible(leaf)) {
      return InvalidArgument(what + ": field \"" + leaf->name() + "\" is a message (" +
                             leaf->message_type()->full_name() +
                             ") and cannot be set from text; set its fields instead");
    }
    if (!leaf->is_repeated() && !singular_set.insert(chain).second) {
      return InvalidArgument(what + ": given more than once, but the field is not repeated");
    }

    pb::Message* message = request;
    for (size_t k = 0; k + 1 < chain.size(); ++k) {
      grpc::Status status = CheckOneof(*message, chain[k], what);
      if (!status.ok()) return status;
      message = message->GetReflection()->MutableMessage(message, chain[k]);
    }
    grpc::Status status = CheckOneof(*message, leaf, what);
    if (!status.ok()) return status;

    if (!leaf->is_map()) {
      status = SetFromText(message, leaf, value, key, what, options, mask_target());
      if (!status.ok()) return status;
      continue;
    }
    const pb::Descriptor* entry_type = leaf->message_type();
    const FD* key_field = entry_type->map_key();
    const FD* value_field = entry_type->map_value();
    if (!IsTextConvertible(value_field)) {
      return InvalidArgument(what + ": the values of map \"" + leaf->name() + "\" are messages (" +
                             value_field->message_type()->full_name() +
                             ") and cannot be set from text");
    }
    pb::Message* entry = message->GetReflection()->AddMessage(message, leaf);
    status = SetFromText(entry, key_field, map_key, key, what + " (map key)", options, mask_target());
    if (!status.ok()) return status;
    status = SetFromText(entry, value_field, value, key, what, options, mask_target());
    if (!status.ok()) return status;
    ReplaceEarlierEntry(message, leaf);
  }
  return grpc::Status::OK;
}

namespace {

constexpr int kMaxMaskDepth = 100;

void CollectMaskPaths(const rapidjson::Value& object, const pb::Descriptor* type,
                      const std::string& prefix, int depth, std::vector<std::string>* paths) {
  for (auto member = object.MemberBegin(); member != object.MemberEnd(); ++member) {
    const std::string_view key(member->name.GetString(), member->name.GetStringLength());
    const FD* field = FindField(type, key, true);
    if (field == nullptr) continue;
    const std::string path = prefix + field->name();
    const bool descend = !field->is_repeated() && field->cpp_type() == FD::CPPTYPE_MESSAGE &&
                         field->message_type()->full_name().rfind("google.protobuf.", 0) != 0 &&
                         member->value.IsObject() && member->value.MemberCount() > 0 &&
                         depth < kMaxMaskDepth;
    if (descend) {
      CollectMaskPaths(member->value, field->message_type(), path + ".", depth + 1, paths);
    } else {
      paths->push_back(path);
    }
  }
}

}  // namespace

grpc::Status FillUpdateMaskFromBody(std::string_view body_json, const FD* body_field,
                                    pb::Message* request) {
  if (body_field == nullptr || body_field->is_repeated() ||
      body_field->cpp_type() != FD::CPPTYPE_MESSAGE) {
    return grpc::Status::OK;
  }
  const pb::Descriptor* type = request->GetDescriptor();
  const FD* mask_field = type->FindFieldByName("update_mask");
  if (mask_field == nullptr || mask_field->is_repeated() ||
      mask_field->cpp_type() != FD::CPPTYPE_MESSAGE || !IsFieldMask(mask_field->message_type())) {
    return grpc::Status::OK;
  }
  const pb::Reflection* reflection = request->GetReflection();
  if (reflection->HasField(*request, mask_field)) {
    const pb::Message& mask = reflection->GetMessage(*request, mask_field);
    if (mask.GetReflection()->FieldSize(mask, mask.GetDescriptor()->FindFieldByNumber(1)) > 0) {
      return grpc::Status::OK;  // the client sent one
    }
  }

  rapidjson::Document document;
  document.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag>(
      body_json.data(), body_json.size());
  if (document.HasParseError()) {
    return InvalidArgument(std::string("request body: ") +
                           rapidjson::GetParseError_En(document.GetParseError()) + " at offset " +
                           std::to_string(document.GetErrorOffset()));
  }
  if (!document.IsObject()) return grpc::Status::OK;

  std::vector<std::string> paths;
  CollectMaskPaths(document, body_field->message_type(), "", 0, &paths);
  pb::Message* mask = reflection->MutableMessage(request, mask_field);
  const FD* paths_field = mask->GetDescriptor()->FindFieldByNumber(1);
  for (std::string& path : paths) mask->GetReflection()->AddString(mask, paths_field, std::move(path));
  return grpc::Status::OK;
}

}  // namespace internal
}  // namespace grpcgw
