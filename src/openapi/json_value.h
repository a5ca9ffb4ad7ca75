// json_value.h: a small JSON tree that keeps object members in insertion
// order, for writing documents whose text must be stable (OpenAPI output,
// golden files). Not a parser.
//
//   JsonValue doc = JsonValue::Object();
//   doc["openapi"] = "3.1.0";
//   doc["paths"]["/v1/x"]["get"]["operationId"] = "pkg.Svc.Get";
//   std::string text = doc.Write();   // two-space indented, '\n' at the end
#ifndef GRPCGW_OPENAPI_JSON_VALUE_H_
#define GRPCGW_OPENAPI_JSON_VALUE_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace grpcgw {
namespace openapi {

class JsonValue {
 public:
  enum class Type { kNull, kBool, kInt, kString, kArray, kObject };

  JsonValue() = default;  // null
  JsonValue(const char* s) : type_(Type::kString), string_(s) {}         // NOLINT: implicit by design
  JsonValue(std::string s) : type_(Type::kString), string_(std::move(s)) {}  // NOLINT
  JsonValue(bool b) : type_(Type::kBool), bool_(b) {}                    // NOLINT
  JsonValue(int i) : type_(Type::kInt), int_(i) {}                       // NOLINT
  JsonValue(int64_t i) : type_(Type::kInt), int_(i) {}                   // NOLINT
  JsonValue(uint32_t i) : type_(Type::kInt), int_(i) {}                  // NOLINT

  static JsonValue Object() { JsonValue v; v.type_ = Type::kObject; return v; }
  static JsonValue Array() { JsonValue v; v.type_ = Type::kArray; return v; }
  static JsonValue Array(std::vector<JsonValue> items) {
    JsonValue v = Array();
    v.items_ = std::move(items);
    return v;
  }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  const std::string& string() const { return string_; }

  // Objects: the member `key`, appended (as null) if missing. A null value
  // becomes an object first.
  JsonValue& operator[](const std::string& key);
  const JsonValue* Find(const std::string& key) const;
  bool Has(const std::string& key) const { return Find(key) != nullptr; }
  const std::vector<std::pair<std::string, JsonValue>>& members() const { return members_; }

  // Arrays: appends (a null value becomes an array first).
  void Push(JsonValue item);
  const std::vector<JsonValue>& items() const { return items_; }
  size_t size() const { return type_ == Type::kArray ? items_.size() : members_.size(); }

  // Two-space indented text with a final newline; arrays of scalars only
  // stay on one line.
  std::string Write() const;

 private:
  void WriteTo(std::string* out, int indent) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  int64_t int_ = 0;
  std::string string_;
  std::vector<JsonValue> items_;
  std::vector<std::pair<std::string, JsonValue>> members_;
};

}  // namespace openapi
}  // namespace grpcgw

#endif  // GRPCGW_OPENAPI_JSON_VALUE_H_
