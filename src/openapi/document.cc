#include "openapi/document.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include <google/protobuf/descriptor.pb.h>

#include "openapi/json_schema.h"
#include "openapi/json_value.h"
#include "routing/path_template.h"

namespace grpcgw {
namespace openapi {
namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;
using internal::PathTemplate;
using namespace schema;  // NOLINT: the forms of JSON values, throughout

enum class Side { kInput, kOutput };

const char kResponses[] = "#/components/responses/";

std::string Trim(const std::string& text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = text.find_last_not_of(" \t\r\n");
  return text.substr(b, e - b + 1);
}

// Comment text as protoc keeps it (each line after "//"), tidied: the one
// space after "//" and trailing blanks removed.
std::string CleanComment(const std::string& raw) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= raw.size()) {
    size_t end = raw.find('\n', start);
    if (end == std::string::npos) end = raw.size();
    std::string line = raw.substr(start, end - start);
    size_t last = line.find_last_not_of(" \t\r");
    line = last == std::string::npos ? "" : line.substr(0, last + 1);
    lines.push_back(line);
    start = end + 1;
  }
  bool all_indented = true;
  for (const std::string& line : lines) {
    if (!line.empty() && line[0] != ' ') all_indented = false;
  }
  std::string out;
  for (std::string& line : lines) {
    if (all_indented && !line.empty()) line.erase(0, 1);
    out += line + "\n";
  }
  return Trim(out);
}

std::string JoinPath(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ".") + part;
  return out;
}

std::string RegexEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (std::string("\\^$.|?*+()[]{}/").find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// The regular expression of a variable's segments, or "" for a single `*`.
std::string SegmentsPattern(const PathTemplate& t, const PathTemplate::Variable& v) {
  if (v.end_segment == v.start_segment + 1 &&
      t.segments[v.start_segment].kind == PathTemplate::Segment::Kind::kWildcard) {
    return "";
  }
  std::string out = "^";
  for (size_t i = v.start_segment; i < v.end_segment; ++i) {
    const PathTemplate::Segment& s = t.segments[i];
    const bool first = i == v.start_segment;
    switch (s.kind) {
      case PathTemplate::Segment::Kind::kLiteral:
        out += (first ? "" : "/") + RegexEscape(s.literal);
        break;
      case PathTemplate::Segment::Kind::kWildcard:
        out += std::string(first ? "" : "/") + "[^/]+";
        break;
      case PathTemplate::Segment::Kind::kMultiWildcard:
        out += first ? ".*" : "(/.*)?";
        break;
    }
  }
  return out + "$";
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

struct ErrorStatus {
  const char* status;
  const char* name;
  const char* description;
  bool body_only;  // only for operations that read a request body
};

// The gateway's code -> HTTP status table (src/gateway/status.cc), with the
// errors the gateway makes itself.
const ErrorStatus kErrorStatuses[] = {
    {"400", "BadRequest",
     "INVALID_ARGUMENT, FAILED_PRECONDITION or OUT_OF_RANGE; or a request the gateway cannot read "
     "(malformed JSON, a bad path or query parameter, a bad header).",
     false},
    {"401", "Unauthorized", "UNAUTHENTICATED.", false},
    {"403", "Forbidden", "PERMISSION_DENIED.", false},
    {"404", "NotFound", "NOT_FOUND.", false},
    {"409", "Conflict", "ALREADY_EXISTS or ABORTED.", false},
    {"413", "PayloadTooLarge", "The request body, or one message of it, is larger than the gateway accepts.",
     true},
    {"415", "UnsupportedMediaType",
     "The body's Content-Type is not JSON (application/json or application/*+json), or its "
     "Content-Encoding is not identity.",
     true},
    {"429", "TooManyRequests", "RESOURCE_EXHAUSTED.", false},
    {"499", "ClientClosedRequest", "CANCELLED.", false},
    {"500", "InternalServerError", "UNKNOWN, INTERNAL or DATA_LOSS.", false},
    {"501", "NotImplemented", "UNIMPLEMENTED; or a streaming request that no transport of the method can serve.",
     false},
    {"503", "ServiceUnavailable", "UNAVAILABLE; or the gateway has too many open streams.", false},
    {"504", "GatewayTimeout", "DEADLINE_EXCEEDED (see the Grpc-Timeout request header).", false},
};

class Writer {
 public:
  Writer(const Options& options, Descriptions* used) : options_(options), used_(used) {}

  bool Write(const std::vector<Service>& services, std::string* json, std::string* error) {
    // What each side reaches decides the schema names; collect it first.
    for (const Service& service : services) {
      for (const Method& method : service.methods) Reach(method);
    }
    well_known_.insert(kStatus);
    well_known_.insert("google.protobuf.Any");

    JsonValue doc = JsonValue::Object();
    doc["openapi"] = "3.1.0";
    JsonValue& info = doc["info"];
    info["title"] = options_.title;
    info["version"] = options_.version;
    std::string description = options_.description;
    if (description.empty() && services.size() == 1) description = Describe(*services[0].descriptor);
    if (!description.empty()) info["description"] = description;
    JsonValue server = JsonValue::Object();
    server["url"] = "/";
    doc["servers"] = JsonValue::Array({std::move(server)});
    // The gateway itself authenticates nothing (the service reads the
    // Authorization metadata).
    doc["security"] = JsonValue::Array();
    JsonValue tags = JsonValue::Array();
    for (const Service& service : services) {
      JsonValue tag = JsonValue::Object();
      tag["name"] = service.descriptor->full_name();
      std::string text = Describe(*service.descriptor);
      if (!text.empty()) tag["description"] = text;
      tags.Push(std::move(tag));
    }
    doc["tags"] = std::move(tags);

    paths_ = JsonValue::Object();
    for (const Service& service : services) {
      for (const Method& method : service.methods) {
        for (size_t i = 0; i < method.bindings.size(); ++i) AddBinding(service, method, i);
      }
    }
    if (!errors_.empty()) {
      *error = errors_;
      return false;
    }
    doc["paths"] = std::move(paths_);
    JsonValue& components = doc["components"];
    components["schemas"] = Schemas();
    components["responses"] = ErrorResponses();
    *json = doc.Write();
    return true;
  }

 private:
  // ---- comments ----

  template <class D>
  std::string Describe(const D& d) {
    std::string text;
    if (options_.descriptions != nullptr) {
      auto it = options_.descriptions->find(d.full_name());
      if (it != options_.descriptions->end()) text = it->second;
    } else {
      pb::SourceLocation location;
      if (d.GetSourceLocation(&location)) {
        text = CleanComment(location.leading_comments.empty() ? location.trailing_comments
                                                              : location.leading_comments);
      }
    }
    if (!text.empty() && used_ != nullptr) (*used_)[d.full_name()] = text;
    return text;
  }

  // ---- reachability ----

  void Reach(const pb::Descriptor* m, Side side) {
    if (m == nullptr) return;
    if (IsWellKnown(m)) {
      well_known_.insert(m->full_name());
      if (m->full_name() == kStatus) well_known_.insert("google.protobuf.Any");
      return;
    }
    auto& seen = side == Side::kInput ? input_ : output_;
    if (!seen.insert(m).second) return;
    for (int i = 0; i < m->field_count(); ++i) ReachField(m->field(i), side);
  }

  void ReachField(const FD* field, Side side) {
    if (field->is_map()) {
      ReachField(field->message_type()->map_value(), side);
      return;
    }
    if (field->cpp_type() == FD::CPPTYPE_MESSAGE) Reach(field->message_type(), side);
    if (field->cpp_type() == FD::CPPTYPE_ENUM && !IsNullValue(field->enum_type())) {
      enums_.insert(field->enum_type());
    }
  }

  // Enums named by query and path parameters.
  void ReachParameters(const pb::Descriptor* m, const FD* body_field, std::set<const pb::Descriptor*>* path) {
    if (!path->insert(m).second) return;
    for (int i = 0; i < m->field_count(); ++i) {
      const FD* f = m->field(i);
      if (f == body_field) continue;
      const FD* leaf = f->is_map() ? f->message_type()->map_value() : f;
      if (leaf->cpp_type() == FD::CPPTYPE_ENUM && !IsNullValue(leaf->enum_type())) enums_.insert(leaf->enum_type());
      if (!f->is_map() && !f->is_repeated() && f->cpp_type() == FD::CPPTYPE_MESSAGE &&
          !IsWellKnown(f->message_type())) {
        ReachParameters(f->message_type(), nullptr, path);
      }
    }
    path->erase(m);
  }

  // What serves one binding, and what its bodies are.
  struct Facts {
    const FD* body_field = nullptr;      // null for "" and "*"
    const FD* response_field = nullptr;  // null for the whole response
    bool has_body = false;               // a request body (or upload stream)
    bool raw_request = false;            // google.api.HttpBody body
    bool raw_response = false;
    bool sse = false;
    bool ndjson = false;
    bool served = false;                 // over plain HTTP at all
    bool websocket = false;
  };

  static Facts FactsOf(const Method& method, const Binding& binding) {
    const pb::MethodDescriptor* md = method.descriptor;
    const pb::Descriptor* in_type = md->input_type();
    const pb::Descriptor* out_type = md->output_type();
    const bool streaming = md->client_streaming() || md->server_streaming();
    Facts f;
    if (!binding.body.empty() && binding.body != "*") f.body_field = in_type->FindFieldByName(binding.body);
    if (!binding.response_body.empty()) f.response_field = out_type->FindFieldByName(binding.response_body);
    f.has_body = !binding.body.empty() || md->client_streaming();
    f.raw_request = !md->client_streaming() &&
                    ((binding.body == "*" && IsHttpBody(in_type)) ||
                     (f.body_field != nullptr && f.body_field->cpp_type() == FD::CPPTYPE_MESSAGE &&
                      IsHttpBody(f.body_field->message_type())));
    f.raw_response = !md->server_streaming() &&
                     (f.response_field == nullptr ? IsHttpBody(out_type)
                                                  : f.response_field->cpp_type() == FD::CPPTYPE_MESSAGE &&
                                                        IsHttpBody(f.response_field->message_type()));
    f.sse = md->server_streaming() && method.transports.sse && binding.http_method == "GET";
    f.ndjson = streaming && method.transports.chunked;
    f.served = !streaming || f.sse || f.ndjson;
    f.websocket = streaming && method.transports.websocket;
    return f;
  }

  void Reach(const Method& method) {
    const pb::MethodDescriptor* md = method.descriptor;
    for (const Binding& binding : method.bindings) {
      const Facts f = FactsOf(method, binding);
      auto reach_request = [&] {
        if (f.body_field != nullptr) {
          ReachField(f.body_field, Side::kInput);
        } else {
          Reach(md->input_type(), Side::kInput);
        }
      };
      if (f.served) {
        if (f.has_body && !f.raw_request) reach_request();
        if (f.response_field != nullptr && !f.raw_response) {
          ReachField(f.response_field, Side::kOutput);
        } else if (!f.raw_response) {
          Reach(md->output_type(), Side::kOutput);
        }
      }
      if (f.websocket) {
        reach_request();
        Reach(md->output_type(), Side::kOutput);
      }
      if (f.served || f.websocket) {
        if (binding.body != "*") {
          std::set<const pb::Descriptor*> path;
          ReachParameters(md->input_type(), f.body_field, &path);
        }
        // Path variables may name enum fields at any depth.
        PathTemplate tmpl;
        std::string ignored;
        if (PathTemplate::Parse(binding.path_template, &tmpl, &ignored)) {
          for (const auto& v : tmpl.variables) {
            const pb::Descriptor* m = md->input_type();
            const FD* leaf = nullptr;
            for (const std::string& part : v.field_path) {
              leaf = m == nullptr ? nullptr : m->FindFieldByName(part);
              if (leaf == nullptr) break;
              m = leaf->cpp_type() == FD::CPPTYPE_MESSAGE ? leaf->message_type() : nullptr;
            }
            if (leaf != nullptr && leaf->cpp_type() == FD::CPPTYPE_ENUM && !IsNullValue(leaf->enum_type())) {
              enums_.insert(leaf->enum_type());
            }
          }
        }
      }
    }
  }

  // ---- schema names and forms ----

  // With emit_unpopulated, the response form of a message requires fields
  // that the request form does not.
  bool FormsDiffer(const pb::Descriptor* m) const {
    return options_.emit_unpopulated && !IsWellKnown(m) && m->field_count() > 0;
  }

  std::string SchemaName(const pb::Descriptor* m, Side side) const {
    if (side == Side::kInput && FormsDiffer(m) && output_.count(m) != 0) return m->full_name() + "-Input";
    return m->full_name();
  }

  std::string PropertyName(const FD* field) const {
    return options_.use_proto_names ? field->name() : field->json_name();
  }

  bool AcceptsNull(const FD* field) const {
    if (field->cpp_type() == FD::CPPTYPE_ENUM) return IsNullValue(field->enum_type());
    if (field->cpp_type() != FD::CPPTYPE_MESSAGE) return false;
    const pb::Descriptor* m = field->message_type();
    return IsWrapper(m) || m->full_name() == "google.protobuf.Value";
  }

  JsonValue ValueJson(const FD* field, Side side) {
    switch (field->cpp_type()) {
      case FD::CPPTYPE_MESSAGE:
        return Ref(SchemaName(field->message_type(), side));
      case FD::CPPTYPE_ENUM:
        if (IsNullValue(field->enum_type())) return Type("null");
        return Ref(field->enum_type()->full_name());
      default:
        return ScalarJson(field->type());
    }
  }

  JsonValue FieldJson(const FD* field, Side side) {
    if (field->is_map()) {
      const FD* key = field->message_type()->map_key();
      JsonValue v = Type("object");
      v["additionalProperties"] = ValueJson(field->message_type()->map_value(), side);
      JsonValue names = KeyNames(key);
      if (names.size() > 0) v["propertyNames"] = std::move(names);
      return v;
    }
    if (field->is_repeated()) {
      JsonValue v = Type("array");
      v["items"] = ValueJson(field, side);
      return v;
    }
    JsonValue v = ValueJson(field, side);
    // Unset singular messages (and proto2 scalars) print as null.
    if (side == Side::kOutput && options_.emit_unpopulated && field->has_presence() &&
        field->containing_oneof() == nullptr && !AcceptsNull(field)) {
      v = Nullable(std::move(v));
    }
    return v;
  }

  // What the keys of a map with this key field look like in JSON.
  static JsonValue KeyNames(const FD* key) {
      JsonValue names = JsonValue::Object();
      switch (key->cpp_type()) {
        case FD::CPPTYPE_BOOL:
          names["enum"] = JsonValue::Array({"true", "false"});
          break;
        case FD::CPPTYPE_INT32:
        case FD::CPPTYPE_INT64:
          names["pattern"] = "^-?[0-9]+$";
          break;
        case FD::CPPTYPE_UINT32:
        case FD::CPPTYPE_UINT64:
          names["pattern"] = "^[0-9]+$";
          break;
        default:
          break;
      }
      return names;
  }

  JsonValue MessageJson(const pb::Descriptor* m, Side side) {
    JsonValue v = Type("object");
    std::string description = Describe(*m);
    if (!description.empty()) v["description"] = description;
    if (m->options().deprecated()) v["deprecated"] = true;
    JsonValue properties = JsonValue::Object();
    JsonValue required = JsonValue::Array();
    for (int i = 0; i < m->field_count(); ++i) {
      const FD* field = m->field(i);
      JsonValue schema = FieldJson(field, side);
      std::string text = Describe(*field);
      const pb::OneofDescriptor* oneof = field->real_containing_oneof();
      if (oneof != nullptr) {
        std::string members;
        for (int k = 0; k < oneof->field_count(); ++k) {
          members += std::string(k > 0 ? ", " : "") + "`" + PropertyName(oneof->field(k)) + "`";
        }
        text += std::string(text.empty() ? "" : "\n\n") + "Member of oneof `" + oneof->name() +
                "`: at most one of " + members + " is set.";
      }
      if (!text.empty()) schema["description"] = text;
      if (field->options().deprecated()) schema["deprecated"] = true;
      properties[PropertyName(field)] = std::move(schema);
      if (side == Side::kOutput && options_.emit_unpopulated && field->containing_oneof() == nullptr) {
        required.Push(PropertyName(field));
      }
    }
    v["properties"] = std::move(properties);
    if (required.size() > 0) v["required"] = std::move(required);
    JsonValue all_of = JsonValue::Array();
    for (int i = 0; i < m->oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* oneof = m->oneof_decl(i);
      if (oneof->is_synthetic() || oneof->field_count() < 2) continue;
      // One member set, or none.
      JsonValue branches = JsonValue::Array();
      JsonValue any = JsonValue::Array();
      for (int k = 0; k < oneof->field_count(); ++k) {
        JsonValue one = JsonValue::Object();
        one["required"] = JsonValue::Array({PropertyName(oneof->field(k))});
        any.Push(one);
        branches.Push(std::move(one));
      }
      JsonValue none = JsonValue::Object();
      none["not"]["anyOf"] = std::move(any);
      branches.Push(std::move(none));
      JsonValue constraint = JsonValue::Object();
      constraint["oneOf"] = std::move(branches);
      all_of.Push(std::move(constraint));
    }
    if (all_of.size() > 0) v["allOf"] = std::move(all_of);
    return v;
  }

  JsonValue EnumJson(const pb::EnumDescriptor* e) {
    JsonValue v = JsonValue::Object();
    JsonValue values = JsonValue::Array();
    std::set<int> numbers;
    std::string notes;
    for (int i = 0; i < e->value_count(); ++i) {
      const pb::EnumValueDescriptor* value = e->value(i);
      if (options_.enums_as_ints) {
        if (numbers.insert(value->number()).second) values.Push(value->number());
      } else {
        values.Push(value->name());
      }
      std::string text = Describe(*value);
      if (value->options().deprecated()) text = "Deprecated." + std::string(text.empty() ? "" : " ") + text;
      if (!text.empty()) {
        notes += "\n- `" + (options_.enums_as_ints ? std::to_string(value->number()) : value->name()) +
                 "`: " + text;
      }
    }
    v["type"] = options_.enums_as_ints ? "integer" : "string";
    std::string description = Describe(*e);
    if (!notes.empty()) description += std::string(description.empty() ? "" : "\n\n") + "Values:" + notes;
    if (!description.empty()) v["description"] = description;
    if (e->options().deprecated()) v["deprecated"] = true;
    v["enum"] = std::move(values);
    return v;
  }

  JsonValue Schemas() {
    std::map<std::string, JsonValue> schemas;
    for (const std::string& name : well_known_) schemas[name] = WellKnownJson(name);
    for (const pb::EnumDescriptor* e : enums_) schemas[e->full_name()] = EnumJson(e);
    for (const pb::Descriptor* m : output_) schemas[SchemaName(m, Side::kOutput)] = MessageJson(m, Side::kOutput);
    for (const pb::Descriptor* m : input_) {
      std::string name = SchemaName(m, Side::kInput);
      if (schemas.count(name) == 0) schemas[name] = MessageJson(m, Side::kInput);
    }
    JsonValue out = JsonValue::Object();
    for (auto& entry : schemas) out[entry.first] = std::move(entry.second);
    return out;
  }

  JsonValue ErrorSchema() {
    JsonValue v = Ref(kStatus);
    v["required"] = JsonValue::Array({"code", "message", "details"});
    return v;
  }

  JsonValue ErrorResponses() {
    JsonValue out = JsonValue::Object();
    auto add = [&](const std::string& name, const std::string& description) {
      JsonValue& r = out[name];
      r["description"] = description;
      r["content"]["application/json"]["schema"] = ErrorSchema();
    };
    for (const ErrorStatus& s : kErrorStatuses) {
      if (!s.body_only || body_errors_used_) add(s.name, s.description);
    }
    std::string table =
        "The call failed. The body is the google.rpc.Status of the failure: `code` (the gRPC "
        "code), `message` and `details` (google.protobuf.Any). HTTP statuses by gRPC code: ";
    table +=
        "CANCELLED 499, UNKNOWN 500, INVALID_ARGUMENT 400, DEADLINE_EXCEEDED 504, NOT_FOUND 404, "
        "ALREADY_EXISTS 409, PERMISSION_DENIED 403, RESOURCE_EXHAUSTED 429, FAILED_PRECONDITION 400, "
        "ABORTED 409, OUT_OF_RANGE 400, UNIMPLEMENTED 501, INTERNAL 500, UNAVAILABLE 503, "
        "DATA_LOSS 500, UNAUTHENTICATED 401.";
    add("Error", table);
    return out;
  }

  // ---- operations ----

  void Fail(const Method& method, const Binding& binding, const std::string& problem) {
    errors_ += method.descriptor->full_name() + ": binding \"" + binding.http_method + " " +
               binding.path_template + "\": " + problem + "\n";
  }

  JsonValue ParameterText(const FD* field) {
    JsonValue v;
    if (field->cpp_type() == FD::CPPTYPE_MESSAGE) {
      const pb::Descriptor* m = field->message_type();
      auto wrapper = Wrappers().find(m->full_name());
      if (wrapper != Wrappers().end()) {
        v = ScalarText(wrapper->second);
      } else {
        v = WellKnownJson(m->full_name());
        JsonValue trimmed = JsonValue::Object();
        for (const auto& member : v.members()) {
          if (member.first != "description") trimmed[member.first] = member.second;
        }
        v = std::move(trimmed);
      }
    } else if (field->cpp_type() == FD::CPPTYPE_ENUM) {
      v = Ref(field->enum_type()->full_name());
    } else {
      v = ScalarText(field->type());
    }
    if (field->is_repeated()) {
      JsonValue array = Type("array");
      array["items"] = std::move(v);
      return array;
    }
    return v;
  }

  std::string ParameterName(const std::vector<const FD*>& chain) const {
    std::string out;
    for (const FD* f : chain) out += (out.empty() ? "" : ".") + PropertyName(f);
    return out;
  }

  // Query parameters for every field under `m` the path and body leave free.
  void QueryParameters(const pb::Descriptor* m, std::vector<const FD*>* chain,
                       const std::vector<std::vector<const FD*>>& variables, const FD* body_field,
                       std::set<const pb::Descriptor*>* on_path, JsonValue* out) {
    if (!on_path->insert(m).second) return;  // recursive message: its fields are listed once
    for (int i = 0; i < m->field_count(); ++i) {
      const FD* field = m->field(i);
      if (chain->empty() && field == body_field) continue;
      chain->push_back(field);
      bool bound = false;
      for (const auto& variable : variables) {
        if (variable.size() <= chain->size() && std::equal(variable.begin(), variable.end(), chain->begin())) {
          bound = true;
        }
      }
      if (!bound) {
        JsonValue param = JsonValue::Object();
        bool add = true;
        if (field->is_map()) {
          const FD* value = field->message_type()->map_value();
          if (IsTextConvertible(value)) {
            param["name"] = ParameterName(*chain);
            param["in"] = "query";
            param["style"] = "deepObject";
            param["explode"] = true;
            JsonValue schema = Type("object");
            schema["additionalProperties"] = ParameterText(value);
            JsonValue names = KeyNames(field->message_type()->map_key());
            if (names.size() > 0) schema["propertyNames"] = std::move(names);
            param["schema"] = std::move(schema);
          } else {
            add = false;
          }
        } else if (field->cpp_type() == FD::CPPTYPE_ENUM && IsNullValue(field->enum_type())) {
          add = false;  // its only value is null: nothing to send
        } else if (IsTextConvertible(field)) {
          param["name"] = ParameterName(*chain);
          param["in"] = "query";
          param["schema"] = ParameterText(field);
          if (field->is_repeated()) {
            param["style"] = "form";
            param["explode"] = true;
          }
        } else {
          add = false;
          if (!field->is_repeated() && !IsWellKnown(field->message_type())) {
            QueryParameters(field->message_type(), chain, variables, body_field, on_path, out);
          }
        }
        if (add) {
          std::string text = Describe(*field);
          if (field->is_map()) {
            text += std::string(text.empty() ? "" : "\n\n") + "Map entries as `" + param["name"].string() +
                    "[key]=value`.";
          } else if (field->is_repeated()) {
            text += std::string(text.empty() ? "" : "\n\n") + "Repeat the parameter for each element.";
          }
          if (field->cpp_type() == FD::CPPTYPE_MESSAGE &&
              field->message_type()->full_name() == "google.protobuf.FieldMask") {
            // The gateway checks the paths against the mask's target: the
            // body field's message, else the request message.
            const bool body_message = body_field != nullptr && !body_field->is_repeated() &&
                                      body_field->cpp_type() == FD::CPPTYPE_MESSAGE;
            const pb::Descriptor* target =
                body_message ? body_field->message_type() : chain->front()->containing_type();
            text += std::string(text.empty() ? "" : "\n\n") +
                    "A google.protobuf.FieldMask: comma-separated lowerCamelCase paths naming fields of `" +
                    target->full_name() + "`.";
          }
          // The first oneof on the way: clients must send one member only.
          for (size_t k = 0; k < chain->size(); ++k) {
            const pb::OneofDescriptor* oneof = (*chain)[k]->real_containing_oneof();
            if (oneof == nullptr) continue;
            std::vector<const FD*> member(chain->begin(), chain->begin() + static_cast<long>(k) + 1);
            std::string group = ParameterName(std::vector<const FD*>(chain->begin(), chain->begin() + static_cast<long>(k)));
            group += (group.empty() ? "" : ".") + oneof->name();
            text += std::string(text.empty() ? "" : "\n\n") + "Member `" + ParameterName(member) +
                    "` of oneof `" + group + "`: give parameters of one member only.";
            param["x-grpcgw-oneof"] = group;
            param["x-grpcgw-oneof-member"] = ParameterName(member);
            break;
          }
          if (!text.empty()) param["description"] = text;
          if (field->options().deprecated()) param["deprecated"] = true;
          out->Push(std::move(param));
        }
      }
      chain->pop_back();
    }
    on_path->erase(m);
  }

  JsonValue MessageOrFieldJson(const pb::Descriptor* m, const FD* field, Side side) {
    return field != nullptr ? FieldJson(field, side) : Ref(SchemaName(m, side));
  }

  JsonValue ResponseRefs(bool has_body) {
    JsonValue out = JsonValue::Object();
    for (const ErrorStatus& s : kErrorStatuses) {
      if (s.body_only && !has_body) continue;
      if (s.body_only) body_errors_used_ = true;
      out[s.status]["$ref"] = std::string(kResponses) + s.name;
    }
    out["default"]["$ref"] = std::string(kResponses) + "Error";
    return out;
  }

  JsonValue NdjsonItems(const pb::Descriptor* out_type) {
    JsonValue error = JsonValue::Object();
    if (options_.ndjson_bare_lines) {
      JsonValue v = JsonValue::Object();
      v["anyOf"] = JsonValue::Array({Ref(SchemaName(out_type, Side::kOutput)), ErrorSchema()});
      return v;
    }
    JsonValue result = Type("object");
    result["properties"]["result"] = Ref(SchemaName(out_type, Side::kOutput));
    result["required"] = JsonValue::Array({"result"});
    result["additionalProperties"] = false;
    JsonValue failure = Type("object");
    failure["properties"]["error"] = ErrorSchema();
    failure["required"] = JsonValue::Array({"error"});
    failure["additionalProperties"] = false;
    JsonValue v = JsonValue::Object();
    v["oneOf"] = JsonValue::Array({std::move(result), std::move(failure)});
    return v;
  }

  void AddBinding(const Service& service, const Method& method, size_t index) {
    const Binding& binding = method.bindings[index];
    const pb::MethodDescriptor* md = method.descriptor;
    const pb::Descriptor* in_type = md->input_type();
    const pb::Descriptor* out_type = md->output_type();
    const bool client_streams = md->client_streaming();
    const bool server_streams = md->server_streaming();
    const Transports& t = method.transports;

    PathTemplate tmpl;
    std::string parse_error;
    if (!PathTemplate::Parse(binding.path_template, &tmpl, &parse_error)) {
      Fail(method, binding, "invalid path template: " + parse_error);
      return;
    }

    // The path, with variables (and unbound wildcards) as parameters.
    JsonValue parameters = JsonValue::Array();
    std::vector<std::vector<const FD*>> variable_chains;
    std::string path;
    int anonymous = 0;
    size_t next_variable = 0;
    for (size_t i = 0; i < tmpl.segments.size();) {
      if (next_variable < tmpl.variables.size() && tmpl.variables[next_variable].start_segment == i) {
        const PathTemplate::Variable& v = tmpl.variables[next_variable++];
        const std::string name = JoinPath(v.field_path);
        path += "/{" + name + "}";
        std::vector<const FD*> chain;
        const pb::Descriptor* m = in_type;
        for (const std::string& part : v.field_path) {
          const FD* f = m == nullptr ? nullptr : m->FindFieldByName(part);
          if (f == nullptr) {
            Fail(method, binding, "field \"" + name + "\" is not a field of " + in_type->full_name());
            return;
          }
          chain.push_back(f);
          m = f->cpp_type() == FD::CPPTYPE_MESSAGE ? f->message_type() : nullptr;
        }
        variable_chains.push_back(chain);
        JsonValue param = JsonValue::Object();
        param["name"] = name;
        param["in"] = "path";
        param["required"] = true;
        const std::string pattern = SegmentsPattern(tmpl, v);
        JsonValue schema;
        if (pattern.empty()) {
          schema = ParameterText(chain.back());
        } else {
          schema = Type("string");
          schema["pattern"] = pattern;
        }
        param["schema"] = std::move(schema);
        std::string text = Describe(*chain.back());
        if (!pattern.empty()) {
          text += std::string(text.empty() ? "" : "\n\n") +
                  "Several path segments: the value includes its '/' characters (sent unescaped).";
        }
        if (!text.empty()) param["description"] = text;
        parameters.Push(std::move(param));
        i = v.end_segment;
        continue;
      }
      const PathTemplate::Segment& s = tmpl.segments[i++];
      if (s.kind == PathTemplate::Segment::Kind::kLiteral) {
        path += "/" + s.literal;
        continue;
      }
      const bool multi = s.kind == PathTemplate::Segment::Kind::kMultiWildcard;
      const std::string name = std::string(multi ? "segments-" : "segment-") + std::to_string(++anonymous);
      path += "/{" + name + "}";
      JsonValue param = JsonValue::Object();
      param["name"] = name;
      param["in"] = "path";
      param["required"] = true;
      param["schema"] = Type("string");
      param["description"] = multi ? "Any path segments ('/' included); not bound to a field."
                                   : "Any one path segment; not bound to a field.";
      parameters.Push(std::move(param));
    }
    if (path.empty()) path = "/";
    if (!tmpl.verb.empty()) path += ":" + tmpl.verb;
    {
      // Reuse the key of a path of the same shape, naming this binding's
      // path parameters as that key does.
      std::vector<std::string> names;
      std::string shape;
      for (size_t k = 0; k < path.size(); ++k) {
        if (path[k] != '{') {
          shape += path[k];
          continue;
        }
        const size_t close = path.find('}', k);
        names.push_back(path.substr(k + 1, close - k - 1));
        shape += "{}";
        k = close;
      }
      auto existing = keys_by_shape_.emplace(shape, path);
      if (!existing.second && existing.first->second != path) {
        const std::string& key = existing.first->second;
        std::vector<std::string> key_names;
        for (size_t k = key.find('{'); k != std::string::npos; k = key.find('{', k + 1)) {
          key_names.push_back(key.substr(k + 1, key.find('}', k) - k - 1));
        }
        JsonValue renamed = JsonValue::Array();
        size_t position = 0;
        for (const JsonValue& param : parameters.items()) {
          JsonValue copy = param;
          if (position < key_names.size() && key_names[position] != names[position]) {
            copy["name"] = key_names[position];
            copy["x-grpcgw-field"] = names[position];
            std::string text = "Binds " + std::string(names[position].rfind("segment", 0) == 0
                                                          ? "no field"
                                                          : "the field `" + names[position] + "`") +
                               " (the path is shared with other operations).";
            if (const JsonValue* d = param.Find("description")) text += "\n\n" + d->string();
            copy["description"] = text;
          }
          ++position;
          renamed.Push(std::move(copy));
        }
        parameters = std::move(renamed);
        path = key;
      }
    }

    const FD* body_field = nullptr;
    if (!binding.body.empty() && binding.body != "*") {
      body_field = in_type->FindFieldByName(binding.body);
      if (body_field == nullptr) {
        Fail(method, binding, "body \"" + binding.body + "\" is not a field of " + in_type->full_name());
        return;
      }
    }
    const FD* response_field = nullptr;
    if (!binding.response_body.empty()) {
      response_field = out_type->FindFieldByName(binding.response_body);
      if (response_field == nullptr) {
        Fail(method, binding,
             "response_body \"" + binding.response_body + "\" is not a field of " + out_type->full_name());
        return;
      }
    }
    if (binding.body != "*") {
      std::vector<const FD*> chain;
      std::set<const pb::Descriptor*> on_path;
      QueryParameters(in_type, &chain, variable_chains, body_field, &on_path, &parameters);
    }

    const std::string http_method = binding.http_method;
    const bool is_get = http_method == "GET";
    const std::string operation_id =
        md->full_name() + (index == 0 ? "" : "_" + std::to_string(index + 1));

    const Facts facts = FactsOf(method, binding);
    const bool sse = facts.sse;
    const bool ndjson = facts.ndjson;
    const bool served = facts.served;

    JsonValue operation = JsonValue::Object();
    operation["operationId"] = operation_id;
    operation["summary"] = md->name();
    std::string text = Describe(*md);
    if (!text.empty()) operation["description"] = text;
    operation["tags"] = JsonValue::Array({service.descriptor->full_name()});
    if (md->options().deprecated() || service.descriptor->options().deprecated()) operation["deprecated"] = true;
    if (parameters.size() > 0) operation["parameters"] = parameters;

    const bool has_body = facts.has_body;
    const pb::Descriptor* body_message = body_field != nullptr ? nullptr : in_type;
    if (has_body) {
      JsonValue& request = operation["requestBody"];
      const bool raw = facts.raw_request;
      if (client_streams) {
        request["description"] =
            "The request messages as a stream of JSON values separated by whitespace (NDJSON), "
            "each one read and sent as it arrives; the end of the body ends the requests." +
            std::string(body_field != nullptr ? " Each value is the `" + binding.body + "` field." : "") +
            " Fields bound by the path and query fill the first message only.";
        request["content"]["application/x-ndjson"]["schema"] =
            MessageOrFieldJson(body_message, body_field, Side::kInput);
      } else if (raw) {
        request["description"] = "The raw body (google.api.HttpBody), of any Content-Type.";
        request["content"]["*/*"]["schema"] = JsonValue::Object();
      } else {
        request["description"] = body_field != nullptr
                                     ? "The `" + binding.body + "` field of " + in_type->full_name() + "."
                                     : "The request message; path variables take precedence over its fields.";
        request["content"]["application/json"]["schema"] =
            MessageOrFieldJson(body_message, body_field, Side::kInput);
      }
    }

    JsonValue responses = JsonValue::Object();
    JsonValue& ok = responses["200"];
    if (!server_streams) {
      const bool raw = facts.raw_response;
      if (raw) {
        ok["description"] = "The raw body (google.api.HttpBody) with its own Content-Type.";
        ok["content"]["*/*"]["schema"] = JsonValue::Object();
      } else {
        ok["description"] = response_field != nullptr
                                ? "The `" + binding.response_body + "` field of " + out_type->full_name() + "."
                                : "The response message.";
        ok["content"]["application/json"]["schema"] =
            MessageOrFieldJson(out_type, response_field, Side::kOutput);
      }
    } else {
      ok["description"] =
          "The response messages as they come. A failure before the first message is an "
          "ordinary error response.";
      if (sse) {
        std::string id_field = t.sse_id_field.empty() ? options_.sse_id_field : t.sse_id_field;
        std::string event_field = t.sse_event_field.empty() ? options_.sse_event_field : t.sse_event_field;
        if (id_field.empty() == false && out_type->FindFieldByName(id_field) == nullptr) id_field.clear();
        if (event_field.empty() == false && out_type->FindFieldByName(event_field) == nullptr) event_field.clear();
        std::string wire =
            "Server-Sent Events (send `Accept: text/event-stream`): one event per message, "
            "`data: <message JSON>`";
        if (!id_field.empty()) wire += ", `id: <" + id_field + ">`";
        if (!event_field.empty()) wire += ", `event: <" + event_field + ">`";
        wire += ". ";
        if (options_.sse_end_of_stream) {
          wire += "When the call ends OK: `id: " + options_.sse_end_of_stream->id + "`, `event: " +
                  options_.sse_end_of_stream->event + "`, `data: " + options_.sse_end_of_stream->data + "`. ";
        }
        wire +=
            "When it fails after the first message: `event: failure` with the google.rpc.Status "
            "as data. `: keep-alive` comments in between. A `Last-Event-ID` request header "
            "reaches the service as metadata `last-event-id`.";
        JsonValue& media = ok["content"]["text/event-stream"];
        JsonValue schema = Type("string");
        schema["description"] = wire;
        media["schema"] = std::move(schema);
        JsonValue& ext = media["x-grpcgw-sse"];
        ext["data"] = Ref(SchemaName(out_type, Side::kOutput));
        if (!id_field.empty()) ext["idField"] = id_field;
        if (!event_field.empty()) ext["eventField"] = event_field;
        if (options_.sse_end_of_stream) {
          JsonValue& eos = ext["endOfStream"];
          eos["id"] = options_.sse_end_of_stream->id;
          eos["event"] = options_.sse_end_of_stream->event;
          eos["data"] = options_.sse_end_of_stream->data;
        }
        ext["failure"]["event"] = "failure";
        ext["failure"]["data"] = ErrorSchema();
      }
      if (ndjson) {
        JsonValue& media = ok["content"]["application/x-ndjson"];
        JsonValue schema = NdjsonItems(out_type);
        schema["description"] =
            options_.ndjson_bare_lines
                ? std::string("Each line of the chunked body: one message, or, last, the google.rpc.Status "
                              "of a failure.")
                : std::string("Each line of the chunked body: {\"result\": <message>}, or, last, "
                              "{\"error\": <google.rpc.Status>} when the call fails.");
        media["schema"] = std::move(schema);
      }
    }
    const JsonValue errors = ResponseRefs(has_body);
    for (const auto& member : errors.members()) responses[member.first] = member.second;
    operation["responses"] = std::move(responses);

    JsonValue& item = paths_[path];
    std::string key = Lower(http_method);
    static const std::set<std::string> kOperationKeys = {"get",  "put",     "post",  "delete",
                                                         "patch", "options", "head", "trace"};
    const bool standard = kOperationKeys.count(key) != 0;
    JsonValue* container = standard ? &item : &item["x-grpcgw-custom-operations"];
    if (!standard) key = http_method;
    if (served) {
      if (container->Has(key)) {
        Fail(method, binding,
             "has the same OpenAPI path \"" + path + "\" and method as " +
                 (*container)[key]["operationId"].string() +
                 " (OpenAPI 3.1 cannot tell apart paths that differ only in their variables' patterns)");
        return;
      }
      (*container)[key] = std::move(operation);
    }

    // WebSocket: a GET upgrade on the path of any streaming binding; a GET
    // binding's method wins the path.
    if (facts.websocket) {
      const JsonValue* existing = item.Find("x-grpcgw-websocket");
      if (existing == nullptr || (is_get && existing->Find("bindingMethod")->string() != "GET")) {
        JsonValue ws = JsonValue::Object();
        ws["operationId"] = operation_id;
        ws["bindingMethod"] = http_method;  // the upgrade itself is always a GET
        ws["rpc"] = md->full_name();
        ws["description"] = WebSocketText(md);
        if (!parameters.items().empty()) ws["parameters"] = parameters;
        const bool sends_stream = client_streams;
        JsonValue& send = ws["send"];
        send["description"] =
            sends_stream ? "Each text message is one request message; an empty message ends the requests."
                         : "The first text message is the request, merged over the path and query fields "
                           "(an empty one sends the path and query alone); later messages are refused with "
                           "close code 1008.";
        send["schema"] = MessageOrFieldJson(body_message, body_field, Side::kInput);
        JsonValue& receive = ws["receive"];
        receive["description"] = server_streams ? "Each text message is one response message."
                                                : "The response message, as one text message.";
        receive["schema"] = Ref(SchemaName(out_type, Side::kOutput));
        JsonValue failure = Type("object");
        failure["properties"]["error"] = ErrorSchema();
        failure["required"] = JsonValue::Array({"error"});
        ws["failure"]["description"] =
            "On failure, a last text message {\"error\": <google.rpc.Status>}, then close code 4000 + "
            "the gRPC code with the status message as reason. Close code 1000 when the call ends OK.";
        ws["failure"]["schema"] = std::move(failure);
        ws["binary"] = t.websocket_binary;
        if (!options_.websocket_subprotocols.empty()) {
          JsonValue subprotocols = JsonValue::Array();
          for (const std::string& s : options_.websocket_subprotocols) subprotocols.Push(s);
          ws["subprotocols"] = std::move(subprotocols);
        }
        item["x-grpcgw-websocket"] = std::move(ws);
      }
    }
    if (item.size() == 0) {
      // Nothing serves this binding (every transport is switched off).
      JsonValue kept = JsonValue::Object();
      for (const auto& member : paths_.members()) {
        if (member.first != path) kept[member.first] = member.second;
      }
      paths_ = std::move(kept);
    }
  }

  static std::string WebSocketText(const pb::MethodDescriptor* md) {
    return "WebSocket (RFC 6455): a GET on this path with `Upgrade: websocket` (whatever the binding's "
           "own HTTP method) calls " + md->full_name() + ". JSON messages travel as text frames.";
  }

  const Options& options_;
  Descriptions* used_;
  std::string errors_;
  JsonValue paths_;
  bool body_errors_used_ = false;
  // OpenAPI takes paths that differ only in their parameters' names for the
  // same path: the first one's key, by shape ("/v1/{}/x").
  std::map<std::string, std::string> keys_by_shape_;
  std::set<const pb::Descriptor*> input_;
  std::set<const pb::Descriptor*> output_;
  std::set<std::string> well_known_;
  std::set<const pb::EnumDescriptor*> enums_;
};

}  // namespace

bool WriteDocument(const std::vector<Service>& services, const Options& options, std::string* json,
                   std::string* error, Descriptions* used) {
  Writer writer(options, used);
  error->clear();
  return writer.Write(services, json, error);
}

}  // namespace openapi
}  // namespace grpcgw
