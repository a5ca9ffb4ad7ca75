// grpcgw/status.h: how a gRPC status looks over HTTP.
//
//   int http = grpcgw::HttpStatusFromCode(grpc::StatusCode::NOT_FOUND);    // 404
//   std::string body = grpcgw::StatusToJson(status);  // {"code":5,"message":"...","details":[]}
//
// One table maps every gRPC code to an HTTP status (DESIGN.md, section 4);
// the body is google.rpc.Status in JSON, with the details of the call's
// error (grpc::Status::error_details(), a serialized google.rpc.Status)
// printed as Any JSON. It does not write responses.
#ifndef GRPCGW_STATUS_H_
#define GRPCGW_STATUS_H_

#include <string>

#include <grpcpp/support/status.h>

#include "grpcgw/json.h"

namespace grpcgw {

// The HTTP status for a gRPC code; 500 for codes outside the table.
int HttpStatusFromCode(grpc::StatusCode code);

// {"code":<code>,"message":<message>,"details":[<Any JSON>...]}. Details that
// cannot be printed (an unknown Any type) are left out, and the message says so.
// The details are printed with `options` (the gateway passes its json_output).
std::string StatusToJson(const grpc::Status& status, const JsonOptions& options = {});

}  // namespace grpcgw

#endif  // GRPCGW_STATUS_H_
