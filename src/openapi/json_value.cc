#include "openapi/json_value.h"

#include "text/quote.h"

namespace grpcgw {
namespace openapi {

JsonValue& JsonValue::operator[](const std::string& key) {
  if (type_ == Type::kNull) type_ = Type::kObject;
  for (auto& member : members_) {
    if (member.first == key) return member.second;
  }
  members_.emplace_back(key, JsonValue());
  return members_.back().second;
}

const JsonValue* JsonValue::Find(const std::string& key) const {
  for (const auto& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

void JsonValue::Push(JsonValue item) {
  if (type_ == Type::kNull) type_ = Type::kArray;
  items_.push_back(std::move(item));
}

std::string JsonValue::Write() const {
  std::string out;
  WriteTo(&out, 0);
  out += '\n';
  return out;
}

void JsonValue::WriteTo(std::string* out, int indent) const {
  const std::string pad(static_cast<size_t>(indent + 2), ' ');
  const std::string end_pad(static_cast<size_t>(indent), ' ');
  switch (type_) {
    case Type::kNull: *out += "null"; return;
    case Type::kBool: *out += bool_ ? "true" : "false"; return;
    case Type::kInt: *out += std::to_string(int_); return;
    case Type::kString: *out += internal::QuoteJson(string_); return;
    case Type::kArray: {
      if (items_.empty()) {
        *out += "[]";
        return;
      }
      bool flat = true;
      for (const JsonValue& item : items_) {
        flat = flat && item.type_ != Type::kArray && item.type_ != Type::kObject;
      }
      if (flat) {
        *out += '[';
        for (size_t i = 0; i < items_.size(); ++i) {
          if (i > 0) *out += ", ";
          items_[i].WriteTo(out, indent);
        }
        *out += ']';
        return;
      }
      *out += "[\n";
      for (size_t i = 0; i < items_.size(); ++i) {
        *out += pad;
        items_[i].WriteTo(out, indent + 2);
        *out += i + 1 < items_.size() ? ",\n" : "\n";
      }
      *out += end_pad + "]";
      return;
    }
    case Type::kObject: {
      if (members_.empty()) {
        *out += "{}";
        return;
      }
      *out += "{\n";
      for (size_t i = 0; i < members_.size(); ++i) {
        *out += pad + internal::QuoteJson(members_[i].first) + ": ";
        members_[i].second.WriteTo(out, indent + 2);
        *out += i + 1 < members_.size() ? ",\n" : "\n";
      }
      *out += end_pad + "}";
      return;
    }
  }
}

}  // namespace openapi
}  // namespace grpcgw
