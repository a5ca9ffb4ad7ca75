// Converts the same messages with grpcgw's codec and with protobuf's
// google::protobuf::util JSON functions, in one run, and prints the time per
// conversion of each and the ratio (protobuf time / our time) both ways.
//
//   json_bench [seconds per measurement, default 1] [ours]
//
// With "ours", only our codec runs, with "ours-print" only our printer, with
// "ours-parse" only our parser (for profiling).
//
// The messages are shop orders (json_bench.proto): a small one of about 1 KB
// of JSON and a large one of about 50 KB with repeated nested messages, maps,
// Struct, Timestamps and wrappers.
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "grpcgw/json.h"
#include "json_bench.pb.h"

namespace {

using grpcgw_bench::LineItem;
using grpcgw_bench::Order;

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
    for (int i = 0; i < 16; ++i) op();
    calls += 16;
    now = ThreadSeconds();
  } while (now - start < seconds);
  return (now - start) * 1e6 / static_cast<double>(calls);
}

void Fail(const char* what) {
  std::fprintf(stderr, "json_bench: %s\n", what);
  std::exit(1);
}

void Run(const char* name, const Order& order, double seconds, bool only_ours, bool print_only,
         bool parse_only) {
  std::string ours_json, theirs_json;
  if (!grpcgw::MessageToJson(order, &ours_json).ok()) Fail("our print failed");
  if (!google::protobuf::util::MessageToJsonString(order, &theirs_json).ok()) Fail("protobuf print failed");
  // Both read both texts back to the same message, or the timing is moot.
  Order check;
  using google::protobuf::util::MessageDifferencer;
  if (!grpcgw::JsonToMessage(theirs_json, &check).ok() || !MessageDifferencer::Equals(check, order))
    Fail("our parse of protobuf's text differs");
  if (!google::protobuf::util::JsonStringToMessage(ours_json, &check).ok() ||
      !MessageDifferencer::Equals(check, order))
    Fail("protobuf's parse of our text differs");

  std::string out;
  const double ours_print = parse_only ? 0 : Measure(seconds, [&] {
    if (!grpcgw::MessageToJson(order, &out).ok()) Fail("print");
  });
  const double theirs_print = only_ours ? 0 : Measure(seconds, [&] {
    out.clear();
    if (!google::protobuf::util::MessageToJsonString(order, &out).ok()) Fail("print");
  });
  Order parsed;
  const double ours_parse = print_only ? 0 : Measure(seconds, [&] {
    if (!grpcgw::JsonToMessage(theirs_json, &parsed).ok()) Fail("parse");
  });
  const double theirs_parse = only_ours ? 0 : Measure(seconds, [&] {
    parsed.Clear();
    if (!google::protobuf::util::JsonStringToMessage(theirs_json, &parsed).ok()) Fail("parse");
  });

  const double mb = static_cast<double>(ours_json.size()) / 1e6;
  std::printf("%s message (%zu bytes of JSON, %d items)\n", name, ours_json.size(), order.items_size());
  std::printf("  message -> JSON: grpcgw %9.2f us (%6.1f MB/s)  protobuf %9.2f us (%6.1f MB/s)  ratio %.2fx\n",
              ours_print, mb / (ours_print / 1e6), theirs_print, mb / (theirs_print / 1e6),
              theirs_print / ours_print);
  std::printf("  JSON -> message: grpcgw %9.2f us (%6.1f MB/s)  protobuf %9.2f us (%6.1f MB/s)  ratio %.2fx\n",
              ours_parse, mb / (ours_parse / 1e6), theirs_parse, mb / (theirs_parse / 1e6),
              theirs_parse / ours_parse);
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  const std::string mode = argc > 2 ? argv[2] : "";
  const bool only_ours = mode == "ours" || mode == "ours-print" || mode == "ours-parse";
  const bool print_only = mode == "ours-print";
  const bool parse_only = mode == "ours-parse";
  Run("small", MakeOrder(1), seconds, only_ours, print_only, parse_only);
  Run("large", MakeOrder(120), seconds, only_ours, print_only, parse_only);
  return 0;
}
