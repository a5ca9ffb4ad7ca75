// Query strings and their binding to a request message: the parser and
// percent-decoding of src/routing/query.h, then BindingPlan (src/gateway/
// binding.h) binding path variables and query parameters into the test
// message with every field kind. Properties: keys and values are valid
// UTF-8 and no longer than the input; decoding never grows the text;
// binding fails only with INVALID_ARGUMENT and a reason.
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "gateway/binding.h"
#include "grpcgw/json.h"
#include "json_test.pb.h"
#include "routing/path_template.h"
#include "routing/query.h"
#include "text/utf8.h"

namespace {

using grpcgw::internal::BindingPlan;
using grpcgw::internal::PathTemplate;

struct Plans {
  PathTemplate tmpl;
  BindingPlan no_body;
  BindingPlan field_body;
  BindingPlan whole_body;

  Plans() {
    std::string error;
    FUZZ_CHECK(PathTemplate::Parse("/v1/{optional_string}/{optional_nested_message.a}", &tmpl,
                                   &error), error);
    const auto* type = grpcgw_test::TestAllTypes::descriptor();
    FUZZ_CHECK(BindingPlan::Compile(type, tmpl, "", &no_body).ok(), "plan");
    FUZZ_CHECK(BindingPlan::Compile(type, tmpl, "optional_foreign_message", &field_body).ok(),
               "plan");
    FUZZ_CHECK(BindingPlan::Compile(type, tmpl, "*", &whole_body).ok(), "plan");
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  using grpcgw::internal::PercentDecodeMode;
  static const Plans plans;
  const std::string_view input = AsText(data, size);
  Choices choices(input);

  for (PercentDecodeMode mode : {PercentDecodeMode::kAll, PercentDecodeMode::kKeepReserved}) {
    std::string decoded;
    if (grpcgw::internal::PercentDecode(input, mode, choices.Flip(), &decoded)) {
      FUZZ_CHECK(decoded.size() <= input.size(), "decoding grew the text");
    }
  }

  std::vector<std::pair<std::string, std::string>> params;
  std::string error;
  if (!grpcgw::internal::ParseQueryString(input, &params, &error)) {
    FUZZ_CHECK(!error.empty(), "refused without a reason");
    return 0;
  }
  for (const auto& [key, value] : params) {
    FUZZ_CHECK(grpcgw::internal::IsValidUtf8(key) && grpcgw::internal::IsValidUtf8(value),
               "parameter is not UTF-8");
    FUZZ_CHECK(key.size() + value.size() <= input.size(), "parameter longer than the query");
  }

  const BindingPlan* plan = &plans.no_body;
  switch (choices.Below(3)) {
    case 1: plan = &plans.field_body; break;
    case 2: plan = &plans.whole_body; break;
    default: break;
  }
  grpcgw_test::TestAllTypes request;
  // The path variables take the first parameters' values, when there are any.
  BindingPlan::PathVariables variables;
  for (size_t i = 0; i < plans.tmpl.variables.size(); ++i) {
    variables.emplace_back(&plans.tmpl.variables[i].field_path,
                           i < params.size() ? params[i].second : std::string("v"));
  }
  grpc::Status status = plan->BindPathVariables(variables, &request);
  if (!status.ok()) {
    FUZZ_CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT, status.error_message());
    return 0;
  }
  grpcgw::JsonOptions options;
  options.ignore_unknown_fields = choices.Flip();
  status = plan->BindQueryParameters(params, choices.Flip(), options, &request);
  if (!status.ok()) {
    FUZZ_CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT, status.error_message());
    FUZZ_CHECK(!status.error_message().empty(), "refused without a reason");
    return 0;
  }
  // Printed, but not required to print: binding stores FieldMask paths from
  // a query parameter without checking them, and a path like "a_\x01" has no
  // JSON form.
  std::string json;
  (void)grpcgw::MessageToJson(request, &json);
  return 0;
}
