// Converts the same messages with grpcgw's codec and with protobuf's
// google::protobuf::util JSON functions (MessageToJsonString and
// JsonStringToMessage), in one run, and prints a table: for each message
// shape the time per conversion of each side and the ratio (protobuf time /
// our time), message -> JSON (encode) and JSON -> message (decode).
//
//   json_bench [seconds per measurement, default 1] [mode] [shape]
//
// Modes: "all" (the default), "ours" (only our codec), "ours-print" (only our
// printer), "ours-parse" (only our parser); the last three are for
// profiling. With a shape name, only that shape runs.
//
// Shapes:
//   small-order  a shop order of about 1 KB (json_bench.proto)
//   large-order  the same with 120 line items, about 50 KB
//   wide-sparse  TestAllTypes (json_test.proto, about 170 fields) with 450
//                each of repeated int32, int64, double and string, 450 repeated NestedMessage
//                entries each holding a `corecursive` TestAllTypes with one
//                field set, and 450-entry string and int32 maps (about 55 KB)
//   big-maps     five maps of 1,000 entries (string, int32, int64, bool and
//                message values)
//   long-repeated  20,000 int32, 10,000 int64 and double, 2,000 strings
//   wkt-heavy    Timestamps, Durations, wrappers, a Struct of Structs and
//                lists, Any holding messages and Timestamps, Values
//   deep         TestAllTypes nested 64 levels through recursive_message, a
//                few fields on each level
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <google/protobuf/any.pb.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "grpcgw/json.h"
#include "json_bench.pb.h"
#include "json_test.pb.h"

namespace {

namespace pb = google::protobuf;
using grpcgw_bench::LineItem;
using grpcgw_bench::Order;
using grpcgw_test::TestAllTypes;

void FillAddress(grpcgw_bench::Address* address, int i) {
  address->set_street(std::to_string(10 + i) + " Rue de la Gare, Bâtiment B");
  address->set_city(i % 2 ? "Zürich" : "Lyon");
  address->set_postal_code(std::to_string(8000 + i));
  address->set_country(i % 2 ? "CH" : "FR");
  address->set_latitude(45.764043 + i * 0.001);
  address->set_longitude(4.835659 - i * 0.002);
}

void FillItem(LineItem* item, int i) {
  item->set_sku("SKU-" + std::to_string(100000 + i * 7));
  item->set_title("Stainless steel water bottle, 750 ml, model " + std::to_string(i) + " \"Trail\"");
  item->set_quantity(static_cast<uint32_t>(1 + i % 5));
  item->mutable_unit_price()->set_currency_code("EUR");
  item->mutable_unit_price()->set_units(19 + i);
  item->mutable_unit_price()->set_nanos(990000000);
  item->set_status(static_cast<LineItem::Status>(i % 4));
  item->add_tags("outdoor");
  item->add_tags("kitchen");
  if (i % 3 == 0) item->add_tags("gift-idea");
  (*item->mutable_attributes())["color"] = i % 2 ? "blue" : "graphite";
  (*item->mutable_attributes())["size"] = "750ml";
  (*item->mutable_attributes())["material"] = "steel";
  item->mutable_shipped_at()->set_seconds(1700000000 + i * 3600);
  item->mutable_shipped_at()->set_nanos(i % 2 ? 0 : 250000000);
  if (i % 2 == 0) item->mutable_discount()->set_value(0.15f);
  item->set_thumbnail(std::string(48, static_cast<char>('A' + i % 26)));
  item->set_gift(i % 7 == 0);
}

Order MakeOrder(int items) {
  Order order;
  order.set_id("ord_7f3a9c2e-51b4-4d0c-9a8e-" + std::to_string(items));
  order.set_customer_id("cus_0042");
  order.mutable_created_at()->set_seconds(1700000000);
  order.mutable_created_at()->set_nanos(123000000);
  order.mutable_updated_at()->set_seconds(1700003600);
  FillAddress(order.mutable_shipping_address(), 1);
  FillAddress(order.mutable_billing_address(), 2);
  for (int i = 0; i < items; ++i) FillItem(order.add_items(), i);
  order.mutable_total()->set_currency_code("EUR");
  order.mutable_total()->set_units(1234567);
  (*order.mutable_counters())["views"] = 1024;
  (*order.mutable_counters())["edits"] = 3;
  auto& fields = *order.mutable_metadata()->mutable_fields();
  fields["channel"].set_string_value("web");
  fields["campaign"].set_string_value("spring-sale");
  fields["score"].set_number_value(0.875);
  fields["vip"].set_bool_value(items > 10);
  fields["referrer"].set_null_value(google::protobuf::NULL_VALUE);
  order.mutable_processing_time()->set_seconds(2);
  order.mutable_processing_time()->set_nanos(500000000);
  order.mutable_note()->set_value("Leave at the door, please.");
  for (int i = 0; i < 8; ++i) order.add_related_ids(9007199254740993ull + static_cast<uint64_t>(i));
  order.set_score(97.25);
  return order;
}

TestAllTypes MakeWideSparse() {
  constexpr int kCount = 450;
  TestAllTypes m;
  m.set_optional_int32(-42);
  m.set_optional_string("wide and sparse");
  for (int i = 0; i < kCount; ++i) {
    m.add_repeated_int32(i * 37 - 1000);
    m.add_repeated_int64(int64_t{i} * 1000000007);
    m.add_repeated_double(i * 0.125);
    m.add_repeated_string("value " + std::to_string(i));
    TestAllTypes::NestedMessage* nested = m.add_repeated_nested_message();
    nested->set_a(i);
    nested->mutable_corecursive()->set_optional_int32(i + 1);
    (*m.mutable_map_string_string())["key" + std::to_string(i)] = "v" + std::to_string(i * 3);
    (*m.mutable_map_int32_int32())[i * 11 - 2000] = i;
  }
  return m;
}

TestAllTypes MakeBigMaps() {
  constexpr int kCount = 1000;
  TestAllTypes m;
  for (int i = 0; i < kCount; ++i) {
    (*m.mutable_map_string_string())["user-" + std::to_string(i * 7919 % 100003)] =
        "display name " + std::to_string(i);
    (*m.mutable_map_int32_int32())[static_cast<int32_t>(int64_t{i} * 2654435 % 1000003) - 500000] = i * 3;
    (*m.mutable_map_int64_int64())[int64_t{i} * 1000000007] = -int64_t{i} * 31;
    (*m.mutable_map_string_nested_enum())["e" + std::to_string(i)] = static_cast<TestAllTypes::NestedEnum>(i % 3);
    (*m.mutable_map_string_foreign_message())["f" + std::to_string(i)].set_c(i);
  }
  return m;
}

TestAllTypes MakeLongRepeated() {
  TestAllTypes m;
  for (int i = 0; i < 20000; ++i) m.add_repeated_int32(i * 7919 - 50000000);
  for (int i = 0; i < 10000; ++i) {
    m.add_repeated_int64(int64_t{i} * 1234567891011 - 99);
    m.add_repeated_double(i * 0.001 + 1.0 / (i + 3));
  }
  for (int i = 0; i < 2000; ++i) m.add_repeated_string("item number " + std::to_string(i));
  for (int i = 0; i < 2000; ++i) m.add_repeated_bool(i % 3 == 0);
  return m;
}

TestAllTypes MakeWktHeavy() {
  TestAllTypes m;
  for (int i = 0; i < 200; ++i) {
    pb::Timestamp* t = m.add_repeated_timestamp();
    t->set_seconds(1700000000 + i * 86413);
    t->set_nanos(i % 3 == 0 ? 0 : i * 1000000);
    pb::Duration* d = m.add_repeated_duration();
    d->set_seconds(i * 60);
    d->set_nanos(i % 2 ? 500000000 : 0);
    m.add_repeated_int64_wrapper()->set_value(int64_t{i} * 1000000007);
    m.add_repeated_string_wrapper()->set_value("wrapped " + std::to_string(i));
    m.add_repeated_double_wrapper()->set_value(i / 7.0);
    m.add_repeated_bool_wrapper()->set_value(i % 2 == 0);
    (*m.mutable_map_string_timestamp())["t" + std::to_string(i)] = *t;
  }
  auto& fields = *m.mutable_optional_struct()->mutable_fields();
  for (int i = 0; i < 100; ++i) {
    pb::Struct* inner = fields["record" + std::to_string(i)].mutable_struct_value();
    auto& inner_fields = *inner->mutable_fields();
    inner_fields["name"].set_string_value("record " + std::to_string(i));
    inner_fields["score"].set_number_value(i * 1.5);
    inner_fields["active"].set_bool_value(i % 2 == 0);
    inner_fields["parent"].set_null_value(pb::NULL_VALUE);
    pb::ListValue* list = inner_fields["tags"].mutable_list_value();
    list->add_values()->set_string_value("alpha");
    list->add_values()->set_number_value(i);
  }
  for (int i = 0; i < 100; ++i) {
    pb::Timestamp t;
    t.set_seconds(1600000000 + i);
    m.add_repeated_any()->PackFrom(t);
    grpcgw_test::ForeignMessage f;
    f.set_c(i);
    m.add_repeated_any()->PackFrom(f);
    m.add_repeated_value()->set_number_value(i * 0.25);
    m.add_repeated_value()->set_string_value("v" + std::to_string(i));
  }
  m.mutable_optional_field_mask()->add_paths("optional_int32");
  m.mutable_optional_field_mask()->add_paths("repeated_nested_message.corecursive");
  return m;
}

TestAllTypes MakeDeep() {
  constexpr int kDepth = 64;
  TestAllTypes m;
  TestAllTypes* level = &m;
  for (int i = 0; i < kDepth; ++i) {
    level->set_optional_int32(i);
    level->set_optional_string("level " + std::to_string(i));
    level->mutable_optional_nested_message()->set_a(i * 2);
    level->add_repeated_int32(i);
    level = level->mutable_recursive_message();
  }
  level->set_optional_bool(true);
  return m;
}

// CPU time of this thread, in seconds: other processes on a busy machine do
// not count against either side.
double ThreadSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `op` repeatedly for about `seconds` of CPU time; returns microseconds
// per call.
template <typename Op>
double Measure(double seconds, Op op) {
  for (int i = 0; i < 3; ++i) op();  // warm up
  long calls = 0;
  const double start = ThreadSeconds();
  double now = start;
  do {
    for (int i = 0; i < 4; ++i) op();
    calls += 4;
    now = ThreadSeconds();
  } while (now - start < seconds);
  return (now - start) * 1e6 / static_cast<double>(calls);
}

void Fail(const std::string& shape, const char* what) {
  std::fprintf(stderr, "json_bench: %s: %s\n", shape.c_str(), what);
  std::exit(1);
}

struct Mode {
  bool theirs = true;
  bool ours_print = true;
  bool ours_parse = true;
};

struct Row {
  std::string shape;
  size_t bytes = 0;
  double ours_print = 0, theirs_print = 0, ours_parse = 0, theirs_parse = 0;
};

Row Run(const std::string& shape, const pb::Message& message, double seconds, const Mode& mode) {
  std::string ours_json, theirs_json;
  if (!grpcgw::MessageToJson(message, &ours_json).ok()) Fail(shape, "our print failed");
  if (!pb::util::MessageToJsonString(message, &theirs_json).ok()) Fail(shape, "protobuf print failed");
  // Both read both texts back to the same message, or the timing is moot.
  std::unique_ptr<pb::Message> check(message.New());
  using pb::util::MessageDifferencer;
  if (!grpcgw::JsonToMessage(theirs_json, check.get()).ok() || !MessageDifferencer::Equals(*check, message))
    Fail(shape, "our parse of protobuf's text differs");
  if (!pb::util::JsonStringToMessage(ours_json, check.get()).ok() || !MessageDifferencer::Equals(*check, message))
    Fail(shape, "protobuf's parse of our text differs");

  Row row;
  row.shape = shape;
  row.bytes = ours_json.size();
  std::string out;
  if (mode.ours_print) {
    row.ours_print = Measure(seconds, [&] {
      if (!grpcgw::MessageToJson(message, &out).ok()) Fail(shape, "print");
    });
  }
  if (mode.theirs) {
    row.theirs_print = Measure(seconds, [&] {
      out.clear();
      if (!pb::util::MessageToJsonString(message, &out).ok()) Fail(shape, "print");
    });
  }
  std::unique_ptr<pb::Message> parsed(message.New());
  if (mode.ours_parse) {
    row.ours_parse = Measure(seconds, [&] {
      if (!grpcgw::JsonToMessage(theirs_json, parsed.get()).ok()) Fail(shape, "parse");
    });
  }
  if (mode.theirs) {
    row.theirs_parse = Measure(seconds, [&] {
      parsed->Clear();
      if (!pb::util::JsonStringToMessage(theirs_json, parsed.get()).ok()) Fail(shape, "parse");
    });
  }
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const std::string mode_name = argc > 2 ? argv[2] : "all";
  const std::string only_shape = argc > 3 ? argv[3] : "";
  Mode mode;
  if (mode_name == "ours") {
    mode.theirs = false;
  } else if (mode_name == "ours-print") {
    mode = {false, true, false};
  } else if (mode_name == "ours-parse") {
    mode = {false, false, true};
  } else if (mode_name != "all") {
    std::fprintf(stderr, "usage: json_bench [seconds] [all|ours|ours-print|ours-parse] [shape]\n");
    return 2;
  }

  const std::vector<std::pair<std::string, std::function<std::unique_ptr<pb::Message>()>>> shapes = {
      {"small-order", [] { return std::make_unique<Order>(MakeOrder(1)); }},
      {"large-order", [] { return std::make_unique<Order>(MakeOrder(120)); }},
      {"wide-sparse", [] { return std::make_unique<TestAllTypes>(MakeWideSparse()); }},
      {"big-maps", [] { return std::make_unique<TestAllTypes>(MakeBigMaps()); }},
      {"long-repeated", [] { return std::make_unique<TestAllTypes>(MakeLongRepeated()); }},
      {"wkt-heavy", [] { return std::make_unique<TestAllTypes>(MakeWktHeavy()); }},
      {"deep", [] { return std::make_unique<TestAllTypes>(MakeDeep()); }},
  };
  std::vector<Row> rows;
  bool found = false;
  for (const auto& [name, make] : shapes) {
    if (!only_shape.empty() && name != only_shape) continue;
    found = true;
    rows.push_back(Run(name, *make(), seconds, mode));
  }
  if (!found) {
    std::fprintf(stderr, "json_bench: no shape named \"%s\"\n", only_shape.c_str());
    return 2;
  }

  // Ratio: protobuf's time over ours; above 1 means we are faster.
  auto ratio = [](double theirs, double ours) { return ours > 0 && theirs > 0 ? theirs / ours : 0.0; };
  std::printf("%-14s %8s | %10s %10s %7s | %10s %10s %7s\n", "shape", "JSON B", "enc us", "pb enc us",
              "enc x", "dec us", "pb dec us", "dec x");
  for (const Row& r : rows) {
    std::printf("%-14s %8zu | %10.2f %10.2f %6.2fx | %10.2f %10.2f %6.2fx\n", r.shape.c_str(), r.bytes,
                r.ours_print, r.theirs_print, ratio(r.theirs_print, r.ours_print), r.ours_parse, r.theirs_parse,
                ratio(r.theirs_parse, r.ours_parse));
  }
  return 0;
}
