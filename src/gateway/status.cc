#include "grpcgw/status.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "google/rpc/status.pb.h"
#include "grpcgw/json.h"

namespace grpcgw {

int HttpStatusFromCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK: return 200;
    // Not an IANA status: the de-facto "client closed request", as
    // grpc-gateway answers it.
    case grpc::StatusCode::CANCELLED: return 499;
    case grpc::StatusCode::UNKNOWN: return 500;
    case grpc::StatusCode::INVALID_ARGUMENT: return 400;
    case grpc::StatusCode::DEADLINE_EXCEEDED: return 504;
    case grpc::StatusCode::NOT_FOUND: return 404;
    case grpc::StatusCode::ALREADY_EXISTS: return 409;
    case grpc::StatusCode::PERMISSION_DENIED: return 403;
    case grpc::StatusCode::RESOURCE_EXHAUSTED: return 429;
    // 400 rather than 412: the request cannot be served as it is, and no
    // HTTP precondition header was involved.
    case grpc::StatusCode::FAILED_PRECONDITION: return 400;
    case grpc::StatusCode::ABORTED: return 409;
    case grpc::StatusCode::OUT_OF_RANGE: return 400;
    case grpc::StatusCode::UNIMPLEMENTED: return 501;
    case grpc::StatusCode::INTERNAL: return 500;
    case grpc::StatusCode::UNAVAILABLE: return 503;
    case grpc::StatusCode::DATA_LOSS: return 500;
    case grpc::StatusCode::UNAUTHENTICATED: return 401;
    default: return 500;
  }
}

std::string StatusToJson(const grpc::Status& status, const JsonOptions& options) {
  std::string message = status.error_message();
  std::string details = "[";
  if (!status.error_details().empty()) {
    google::rpc::Status rpc;
    if (rpc.ParseFromString(status.error_details())) {
      bool first = true;
      size_t skipped = 0;
      for (const auto& any : rpc.details()) {
        std::string json;
        if (!MessageToJson(any, &json, options).ok()) {
          ++skipped;
          continue;
        }
        if (!first) details += ',';
        details += json;
        first = false;
      }
      if (skipped > 0) {
        message += " (" + std::to_string(skipped) + " error detail(s) of unknown type left out)";
      }
    }
  }
  details += ']';

  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.StartObject();
  writer.Key("code");
  writer.Int(static_cast<int>(status.error_code()));
  writer.Key("message");
  writer.String(message.data(), static_cast<rapidjson::SizeType>(message.size()));
  writer.Key("details");
  writer.RawValue(details.data(), details.size(), rapidjson::kArrayType);
  writer.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace grpcgw
