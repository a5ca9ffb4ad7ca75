// Differential test: random messages (every scalar type with edge values,
// nested and recursive messages, repeated fields, maps, oneofs, every
// well-known type) go through our codec and through protobuf's own
// google::protobuf::util JSON functions, and must come out the same.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <limits>
#include <random>
#include <set>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/arena.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/duration.pb.h>
#include <google/protobuf/empty.pb.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/wrappers.pb.h>
#include <rapidjson/document.h>

#include "grpcgw/json.h"
#include "json_test.pb.h"
#include "json_test_util.h"

namespace {

namespace pb = google::protobuf;
using FD = pb::FieldDescriptor;
using grpcgw_test::TestAllTypes;
using grpcgw_test_util::SameMessage;
using grpcgw_test_util::ToText;

class RandomMessages {
 public:
  explicit RandomMessages(uint64_t seed) : rng_(seed) {}

  void Fill(pb::Message* message, int depth) {
    const pb::Descriptor* descriptor = message->GetDescriptor();
    const std::string& name = descriptor->full_name();
    if (name == "google.protobuf.Timestamp") return FillTimestamp(static_cast<pb::Timestamp*>(message));
    if (name == "google.protobuf.Duration") return FillDuration(static_cast<pb::Duration*>(message));
    if (name == "google.protobuf.FieldMask") return FillFieldMask(static_cast<pb::FieldMask*>(message));
    if (name == "google.protobuf.Struct") return FillStruct(static_cast<pb::Struct*>(message), depth);
    if (name == "google.protobuf.Value") return FillValue(static_cast<pb::Value*>(message), depth);
    if (name == "google.protobuf.ListValue") return FillList(static_cast<pb::ListValue*>(message), depth);
    if (name == "google.protobuf.Any") return FillAny(static_cast<pb::Any*>(message), depth);
    const pb::Reflection* reflection = message->GetReflection();
    const bool is_wrapper = descriptor->file()->name() == "google/protobuf/wrappers.proto";
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FD* field = descriptor->field(i);
      if (field->real_containing_oneof() != nullptr) continue;
      if (!is_wrapper && !Chance(0.3)) continue;
      if (field->cpp_type() == FD::CPPTYPE_MESSAGE && depth >= 3) continue;
      if (field->is_map()) {
        FillMap(message, field, depth);
      } else if (field->is_repeated()) {
        for (int n = Uniform(1, 3); n > 0; --n) SetField(message, field, true, depth);
      } else {
        SetField(message, field, false, depth);
      }
    }
    for (int i = 0; i < descriptor->oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* oneof = descriptor->oneof_decl(i);
      if (oneof->is_synthetic() || !Chance(0.4)) continue;
      const FD* field = oneof->field(Uniform(0, oneof->field_count() - 1));
      if (field->cpp_type() == FD::CPPTYPE_MESSAGE && depth >= 3) continue;
      SetField(message, field, false, depth);
    }
    (void)reflection;
  }

 private:
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }
  int Uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  template <typename T>
  T Pick(std::initializer_list<T> values) {
    return values.begin()[Uniform(0, static_cast<int>(values.size()) - 1)];
  }

  int64_t Int64() {
    if (Chance(0.5)) {
      return Pick<int64_t>({0, 1, -1, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                            (int64_t{1} << 53) + 1, -(int64_t{1} << 53) - 1, 1000000});
    }
    return static_cast<int64_t>(rng_());
  }
  uint64_t Uint64() {
    if (Chance(0.5)) return Pick<uint64_t>({0, 1, std::numeric_limits<uint64_t>::max(), (uint64_t{1} << 63)});
    return rng_();
  }
  double Double(bool finite_only) {
    if (Chance(0.5)) {
      double value = Pick<double>({0.0, -0.0, 1.0, -1.5, 0.1, DBL_MAX, -DBL_MAX, DBL_MIN, 5e-324, 1e21, 1e-7,
                                   123456789.125, std::numeric_limits<double>::infinity(),
                                   -std::numeric_limits<double>::infinity(),
                                   std::numeric_limits<double>::quiet_NaN()});
      if (!finite_only || std::isfinite(value)) return value;
      return 2.5;
    }
    if (Chance(0.5)) return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
    uint64_t bits = rng_();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return std::isfinite(value) ? value : 0.25;
  }
  float Float() {
    if (Chance(0.5)) {
      return Pick<float>({0.0f, -0.0f, 1.0f, 0.1f, FLT_MAX, -FLT_MAX, FLT_MIN, 1e-45f, 3.14159f,
                          std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()});
    }
    uint32_t bits = static_cast<uint32_t>(rng_());
    float value;
    std::memcpy(&value, &bits, sizeof value);
    return std::isfinite(value) ? value : 0.5f;
  }
  std::string Utf8String() {
    static const char* const kPieces[] = {"a", "Z", " ", "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f",
                                          "é", "谷歌", "\xF0\x9F\x98\x81", "\xE2\x80\xA8", "<", "&", "'"};
    std::string s;
    for (int n = Uniform(0, 8); n > 0; --n) s += kPieces[Uniform(0, std::size(kPieces) - 1)];
    return s;
  }
  std::string Bytes() {
    std::string s;
    for (int n = Uniform(0, 10); n > 0; --n) s.push_back(static_cast<char>(rng_()));
    return s;
  }
  std::string SnakeName() {
    static const char* const kWords[] = {"foo", "bar", "baz", "qux"};
    std::string s = kWords[Uniform(0, 3)];
    for (int n = Uniform(0, 2); n > 0; --n) s += std::string("_") + kWords[Uniform(0, 3)];
    return s;
  }

  void SetField(pb::Message* message, const FD* field, bool add, int depth) {
    const pb::Reflection* r = message->GetReflection();
    switch (field->cpp_type()) {
      case FD::CPPTYPE_INT32: {
        auto v = static_cast<int32_t>(Chance(0.5) ? Int64() : Uniform(-5, 5));
        add ? r->AddInt32(message, field, v) : r->SetInt32(message, field, v);
        break;
      }
      case FD::CPPTYPE_INT64: {
        int64_t v = Int64();
        add ? r->AddInt64(message, field, v) : r->SetInt64(message, field, v);
        break;
      }
      case FD::CPPTYPE_UINT32: {
        auto v = static_cast<uint32_t>(Uint64());
        add ? r->AddUInt32(message, field, v) : r->SetUInt32(message, field, v);
        break;
      }
      case FD::CPPTYPE_UINT64: {
        uint64_t v = Uint64();
        add ? r->AddUInt64(message, field, v) : r->SetUInt64(message, field, v);
        break;
      }
      case FD::CPPTYPE_FLOAT: {
        float v = Float();
        add ? r->AddFloat(message, field, v) : r->SetFloat(message, field, v);
        break;
      }
      case FD::CPPTYPE_DOUBLE: {
        double v = Double(false);
        add ? r->AddDouble(message, field, v) : r->SetDouble(message, field, v);
        break;
      }
      case FD::CPPTYPE_BOOL: {
        bool v = Chance(0.5);
        add ? r->AddBool(message, field, v) : r->SetBool(message, field, v);
        break;
      }
      case FD::CPPTYPE_STRING: {
        std::string v = field->type() == FD::TYPE_BYTES ? Bytes() : Utf8String();
        add ? r->AddString(message, field, v) : r->SetString(message, field, v);
        break;
      }
      case FD::CPPTYPE_ENUM: {
        const pb::EnumDescriptor* type = field->enum_type();
        int v = type->value(Uniform(0, type->value_count() - 1))->number();
        if (type->full_name() != "google.protobuf.NullValue" && Chance(0.1)) v = 77;  // unknown, open enum
        add ? r->AddEnumValue(message, field, v) : r->SetEnumValue(message, field, v);
        break;
      }
      case FD::CPPTYPE_MESSAGE:
        Fill(add ? r->AddMessage(message, field) : r->MutableMessage(message, field), depth + 1);
        break;
    }
  }

  void FillMap(pb::Message* message, const FD* field, int depth) {
    const FD* key_field = field->message_type()->map_key();
    const FD* value_field = field->message_type()->map_value();
    std::set<std::string> keys;  // distinct keys only: a map holds each once
    for (int n = Uniform(1, 3); n > 0; --n) {
      pb::Message* entry = message->GetReflection()->AddMessage(message, field);
      SetField(entry, key_field, false, depth);
      std::string key;
      pb::TextFormat::PrintFieldValueToString(*entry, key_field, -1, &key);
      if (!keys.insert(key).second) {
        message->GetReflection()->RemoveLast(message, field);
        continue;
      }
      SetField(entry, value_field, false, depth);
    }
  }

  void FillTimestamp(pb::Timestamp* t) {
    t->set_seconds(Chance(0.2) ? Pick<int64_t>({-62135596800, 253402300799, 0, -1})
                               : std::uniform_int_distribution<int64_t>(-62135596800, 253402300799)(rng_));
    t->set_nanos(Pick<int32_t>({0, 999999999, 500000000, 1000, Uniform(0, 999999999)}));
  }
  void FillDuration(pb::Duration* d) {
    int64_t seconds = Chance(0.2) ? Pick<int64_t>({0, 315576000000, -315576000000})
                                  : std::uniform_int_distribution<int64_t>(-1000000, 1000000)(rng_);
    int32_t nanos = Pick<int32_t>({0, 999999999, 1000000, 1, Uniform(0, 999999999)});
    if (seconds < 0 || (seconds == 0 && Chance(0.5))) nanos = -nanos;
    d->set_seconds(seconds);
    d->set_nanos(nanos);
  }
  void FillFieldMask(pb::FieldMask* mask) {
    for (int n = Uniform(0, 3); n > 0; --n) mask->add_paths(SnakeName() + (Chance(0.3) ? "." + SnakeName() : ""));
  }
  void FillStruct(pb::Struct* s, int depth) {
    for (int n = Uniform(0, 3); n > 0; --n) FillValue(&(*s->mutable_fields())[Utf8String()], depth + 1);
  }
  void FillList(pb::ListValue* list, int depth) {
    for (int n = Uniform(0, 3); n > 0; --n) FillValue(list->add_values(), depth + 1);
  }
  void FillValue(pb::Value* value, int depth) {
    switch (Uniform(0, depth >= 3 ? 3 : 5)) {
      case 0:
        value->set_null_value(pb::NULL_VALUE);
        break;
      case 1:
        value->set_number_value(Double(true));
        break;
      case 2:
        value->set_string_value(Utf8String());
        break;
      case 3:
        value->set_bool_value(Chance(0.5));
        break;
      case 4:
        FillStruct(value->mutable_struct_value(), depth);
        break;
      default:
        FillList(value->mutable_list_value(), depth);
        break;
    }
  }
  void FillAny(pb::Any* any, int depth) {
    std::unique_ptr<pb::Message> payload;
    switch (Uniform(0, depth >= 3 ? 6 : 8)) {
      case 0: payload = std::make_unique<TestAllTypes::NestedMessage>(); break;
      case 1: payload = std::make_unique<grpcgw_test::ForeignMessage>(); break;
      case 2: payload = std::make_unique<pb::Duration>(); break;
      case 3: payload = std::make_unique<pb::Timestamp>(); break;
      case 4: payload = std::make_unique<pb::Int64Value>(); break;
      case 5: payload = std::make_unique<pb::StringValue>(); break;
      case 6: payload = std::make_unique<pb::FieldMask>(); break;
      case 7: payload = std::make_unique<pb::Struct>(); break;
      default: payload = std::make_unique<pb::Any>(); break;
    }
    Fill(payload.get(), depth + 1);
    any->PackFrom(*payload);
  }

  std::mt19937_64 rng_;
};

// Replaces -0.0 by 0.0 in every float and double field: protobuf 3.21 reads
// the JSON number -0 as 0, where the mapping keeps the sign.
void ClearNegativeZeros(pb::Message* message) {
  const pb::Reflection* r = message->GetReflection();
  std::vector<const FD*> fields;
  r->ListFields(*message, &fields);
  for (const FD* field : fields) {
    const bool repeated = field->is_repeated();
    const int size = repeated ? r->FieldSize(*message, field) : 1;
    for (int i = 0; i < size; ++i) {
      switch (field->cpp_type()) {
        case FD::CPPTYPE_DOUBLE: {
          double v = repeated ? r->GetRepeatedDouble(*message, field, i) : r->GetDouble(*message, field);
          if (v == 0 && std::signbit(v)) {
            repeated ? r->SetRepeatedDouble(message, field, i, 0.0) : r->SetDouble(message, field, 0.0);
          }
          break;
        }
        case FD::CPPTYPE_FLOAT: {
          float v = repeated ? r->GetRepeatedFloat(*message, field, i) : r->GetFloat(*message, field);
          if (v == 0 && std::signbit(v)) {
            repeated ? r->SetRepeatedFloat(message, field, i, 0.0f) : r->SetFloat(message, field, 0.0f);
          }
          break;
        }
        case FD::CPPTYPE_MESSAGE:
          ClearNegativeZeros(repeated ? r->MutableRepeatedMessage(message, field, i)
                                      : r->MutableMessage(message, field));
          break;
        default:
          break;
      }
    }
  }
}

// JSON values equal as JSON: objects by member names, numbers by value (a
// float field may print with different digits that denote the same float).
// One deliberate difference: for an Any holding a well-known type with a
// default payload (a zero Duration, an empty Struct), protobuf 3.21 leaves
// "value" out, where we print it (`"value":"0s"`); both read back the same.
bool SameJson(const rapidjson::Value& a, const rapidjson::Value& b) {
  if (a.IsNumber() && b.IsNumber()) {
    double x = a.GetDouble(), y = b.GetDouble();
    return x == y || static_cast<float>(x) == static_cast<float>(y);
  }
  if (a.GetType() != b.GetType()) return false;
  if (a.IsObject()) {
    const bool any_value_left_out = a.HasMember("@type") && a.HasMember("value") && b.HasMember("@type") &&
                                    !b.HasMember("value");
    if (a.MemberCount() != b.MemberCount() + (any_value_left_out ? 1 : 0)) return false;
    for (auto m = a.MemberBegin(); m != a.MemberEnd(); ++m) {
      if (any_value_left_out && m->name == "value") continue;
      auto other = b.FindMember(m->name);
      if (other == b.MemberEnd() || !SameJson(m->value, other->value)) return false;
    }
    return true;
  }
  if (a.IsArray()) {
    if (a.Size() != b.Size()) return false;
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (!SameJson(a[i], b[i])) return false;
    }
    return true;
  }
  return a == b;
}

TEST_CASE("random messages convert like protobuf's own JSON functions", "[json]") {
  constexpr int kMessages = 400;
  int compared_texts = 0;
  for (int seed = 1; seed <= kMessages; ++seed) {
    RandomMessages random(static_cast<uint64_t>(seed));
    TestAllTypes original;
    random.Fill(&original, 0);
    INFO("seed " << seed << ", message:\n" << ToText(original));

    grpcgw::JsonOptions ours_options;
    pb::util::JsonPrintOptions theirs_options;
    if (seed % 3 == 1) {
      ours_options.use_proto_names = true;
      theirs_options.preserve_proto_field_names = true;
    }
    if (seed % 5 == 2) {
      ours_options.enums_as_ints = true;
      theirs_options.always_print_enums_as_ints = true;
    }

    std::string ours;
    grpc::Status status = grpcgw::MessageToJson(original, &ours, ours_options);
    INFO("ours: " << ours << "\nerror: " << status.error_message());
    REQUIRE(status.ok());
    // The same message held on an arena, and parsed from the binary form
    // (maps filled through their map side, strings tagged differently),
    // prints the same bytes: the printer reads some fields straight from
    // the objects, whatever made them.
    {
      pb::Arena arena;
      TestAllTypes* on_arena = pb::Arena::CreateMessage<TestAllTypes>(&arena);
      *on_arena = original;
      std::string from_arena;
      REQUIRE(grpcgw::MessageToJson(*on_arena, &from_arena, ours_options).ok());
      CHECK(from_arena == ours);
      TestAllTypes* parsed = pb::Arena::CreateMessage<TestAllTypes>(&arena);
      REQUIRE(parsed->ParseFromString(original.SerializeAsString()));
      std::string from_parsed;
      REQUIRE(grpcgw::MessageToJson(*parsed, &from_parsed, ours_options).ok());
      CHECK(from_parsed == ours);
    }
    // The same message as a dynamic message (read only through reflection,
    // no compiled-in class) prints the same bytes, with and without
    // emit_unpopulated, and both parse the text to equal messages: what the
    // codec reads and writes straight in compiled-in objects agrees with
    // reflection.
    {
      pb::DynamicMessageFactory factory;
      std::unique_ptr<pb::Message> dynamic(factory.GetPrototype(TestAllTypes::descriptor())->New());
      REQUIRE(dynamic->ParseFromString(original.SerializeAsString()));
      std::string from_dynamic;
      REQUIRE(grpcgw::MessageToJson(*dynamic, &from_dynamic, ours_options).ok());
      CHECK(from_dynamic == ours);
      grpcgw::JsonOptions unpopulated = ours_options;
      unpopulated.emit_unpopulated = true;
      std::string generated_all, dynamic_all;
      REQUIRE(grpcgw::MessageToJson(original, &generated_all, unpopulated).ok());
      REQUIRE(grpcgw::MessageToJson(*dynamic, &dynamic_all, unpopulated).ok());
      CHECK(generated_all == dynamic_all);
      TestAllTypes generated_parsed;
      std::unique_ptr<pb::Message> dynamic_parsed(dynamic->New());
      REQUIRE(grpcgw::JsonToMessage(generated_all, &generated_parsed).ok());
      REQUIRE(grpcgw::JsonToMessage(generated_all, dynamic_parsed.get()).ok());
      std::string differences;
      const bool same_parse = SameMessage(generated_parsed, *dynamic_parsed, &differences);
      INFO("generated and dynamic parses differ: " << differences);
      CHECK(same_parse);
    }
    std::string theirs;
    REQUIRE(pb::util::MessageToJsonString(original, &theirs, theirs_options).ok());
    INFO("theirs: " << theirs);

    // Our output, read by protobuf, is the original.
    TestAllTypes from_ours;
    REQUIRE(pb::util::JsonStringToMessage(ours, &from_ours).ok());
    TestAllTypes unsigned_zeros = original;
    ClearNegativeZeros(&unsigned_zeros);
    std::string diff;
    bool same = SameMessage(unsigned_zeros, from_ours, &diff);
    INFO("ours read by protobuf differs: " << diff);
    CHECK(same);

    // Protobuf's output, read by us, is the original.
    TestAllTypes from_theirs;
    status = grpcgw::JsonToMessage(theirs, &from_theirs);
    INFO("reading theirs: " << status.error_message());
    REQUIRE(status.ok());
    std::string diff_theirs;
    same = SameMessage(original, from_theirs, &diff_theirs);
    INFO("theirs read by us differs: " << diff_theirs);
    CHECK(same);

    // Our output, read by us, is the original.
    TestAllTypes round_trip;
    status = grpcgw::JsonToMessage(ours, &round_trip);
    INFO("reading ours: " << status.error_message());
    REQUIRE(status.ok());
    std::string diff_round_trip;
    same = SameMessage(original, round_trip, &diff_round_trip);
    INFO("ours read by us differs: " << diff_round_trip);
    CHECK(same);

    // Both texts hold the same JSON.
    rapidjson::Document ours_dom, theirs_dom;
    ours_dom.Parse(ours.c_str());
    theirs_dom.Parse(theirs.c_str());
    REQUIRE_FALSE(ours_dom.HasParseError());
    REQUIRE_FALSE(theirs_dom.HasParseError());
    CHECK(SameJson(ours_dom, theirs_dom));
    ++compared_texts;
  }
  CHECK(compared_texts == kMessages);
}

}  // namespace
