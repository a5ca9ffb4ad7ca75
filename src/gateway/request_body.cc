#include "gateway/request_body.h"

#include <strings.h>

#include <memory>

#include <google/protobuf/descriptor.h>

#include "gateway/compression.h"
#include "grpcgw/json.h"

namespace grpcgw {
namespace internal {

bool IsHttpBody(const google::protobuf::Descriptor* descriptor) {
  return descriptor != nullptr && descriptor->full_name() == "google.api.HttpBody";
}

void RawBodyOf(const google::protobuf::Message& http_body, std::string* content_type, std::string* data) {
  const auto* d = http_body.GetDescriptor();
  const auto* r = http_body.GetReflection();
  *content_type = r->GetString(http_body, d->FindFieldByName("content_type"));
  *data = r->GetString(http_body, d->FindFieldByName("data"));
}

void SetRawBody(google::protobuf::Message* http_body, const std::string& content_type, std::string data) {
  const auto* d = http_body->GetDescriptor();
  const auto* r = http_body->GetReflection();
  r->SetString(http_body, d->FindFieldByName("content_type"), content_type);
  r->SetString(http_body, d->FindFieldByName("data"), std::move(data));
}

bool IsJsonContentType(const std::string& content_type) {
  if (content_type.empty()) return true;
  std::string media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.pop_back();
  if (strcasecmp(media.c_str(), "application/json") == 0) return true;
  return media.size() > 17 && strncasecmp(media.c_str(), "application/", 12) == 0 &&
         strcasecmp(media.c_str() + media.size() - 5, "+json") == 0;
}

bool CheckStreamedUploadMedia(const RequestContext& ctx, HttpError* http_error) {
  const std::string encoding = ctx.req.get_header_value("Content-Encoding");
  if (ParseContentEncoding(encoding) != BodyEncoding::kIdentity) {
    *http_error = HttpError{415, 3, "Content-Encoding \"" + encoding +
                                        "\" is not supported for a streamed upload: send identity"};
    return false;
  }
  if (ctx.binding.raw_request_body) return true;
  const std::string content_type = ctx.req.get_header_value("Content-Type");
  std::string media = content_type.substr(0, content_type.find(';'));
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.pop_back();
  if (IsJsonContentType(content_type) || strcasecmp(media.c_str(), "application/x-ndjson") == 0) return true;
  *http_error = HttpError{415, 3, "Content-Type \"" + content_type +
                                      "\" is not supported: send application/json or application/x-ndjson"};
  return false;
}

grpc::Status MergeBodyElement(const CompiledBinding& binding, const GatewayOptions& options,
                              std::string_view json, google::protobuf::Message* request) {
  // The body goes into a fresh message, and what the path bound is merged
  // over it: a path value wins over the same field in the body, as with
  // grpc-gateway. (Query parameters cannot name body fields.)
  std::unique_ptr<google::protobuf::Message> merged(request->New());
  grpc::Status s;
  const google::protobuf::FieldDescriptor* field = binding.plan.body_field();
  if (field == nullptr) {
    s = MergeJsonToMessage(json, merged.get(), options.json_input);
  } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
    s = MergeJsonToMessage(json, merged->GetReflection()->MutableMessage(merged.get(), field), options.json_input);
  } else {
    s = MergeJsonValueToField(json, merged.get(), field, field->name(), options.json_input);
  }
  if (!s.ok()) return s;
  merged->MergeFrom(*request);
  request->GetReflection()->Swap(request, merged.get());
  return grpc::Status::OK;
}

namespace {

// Reads a gzip body and inflates it as it arrives; the inflated size is
// bounded like a plain body's.
bool ReadGzipBody(BodyReader& reader, size_t max_bytes, std::string* body, HttpError* http_error) {
  GzipInflater inflater(max_bytes);
  char buf[16384];
  std::string error;
  GzipInflater::Result r = GzipInflater::Result::kOk;
  for (;;) {
    long got = reader.Read(buf, sizeof buf, http_error);
    if (got < 0) return false;
    if (got == 0) {
      r = inflater.Finish(&error);
      break;
    }
    r = inflater.Feed(buf, static_cast<size_t>(got), body, &error);
    if (r != GzipInflater::Result::kOk) break;
  }
  if (r == GzipInflater::Result::kTooLarge) {
    *http_error = HttpError{413, 8, error + " (max_request_body_bytes)"};
    return false;
  }
  if (r == GzipInflater::Result::kCorrupt) {
    *http_error = HttpError{400, 3, error};
    return false;
  }
  return true;
}

}  // namespace

grpc::Status ReadRequestBody(RequestContext& ctx, HttpError* http_error) {
  BodyReader reader(ctx.conn, ctx.req, ctx.options.max_request_body_bytes,
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        ctx.conn.shutting_down() ? std::chrono::milliseconds(0) : ctx.options.chunked.idle_timeout));
  if (!ctx.binding.plan.has_body()) {
    if (!reader.Drain()) ctx.conn.CloseAfterResponse();
    return grpc::Status::OK;
  }
  const std::string content_type = ctx.req.get_header_value("Content-Type");
  const BodyEncoding encoding = ParseContentEncoding(ctx.req.get_header_value("Content-Encoding"));
  if (encoding == BodyEncoding::kUnsupported) {
    *http_error = HttpError{415, 3, "Content-Encoding \"" + ctx.req.get_header_value("Content-Encoding") +
                                        "\" is not supported: send identity or gzip"};
    return grpc::Status::OK;
  }
  if (!ctx.binding.raw_request_body && !IsJsonContentType(content_type)) {
    *http_error = HttpError{415, 3, "Content-Type \"" + content_type +
                                        "\" is not supported: send application/json"};
    return grpc::Status::OK;
  }
  std::string body;
  if (encoding == BodyEncoding::kGzip) {
    if (!ReadGzipBody(reader, ctx.options.max_request_body_bytes, &body, http_error)) return grpc::Status::OK;
  } else if (!reader.ReadAll(&body, http_error)) {
    return grpc::Status::OK;
  }

  google::protobuf::Message* request = ctx.request.get();
  if (ctx.binding.raw_request_body) {
    const auto* field = ctx.binding.plan.body_field();
    google::protobuf::Message* target =
        field == nullptr ? request : request->GetReflection()->MutableMessage(request, field);
    SetRawBody(target, content_type, std::move(body));
    return grpc::Status::OK;
  }
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return grpc::Status::OK;  // empty message
  grpc::Status s = MergeBodyElement(ctx.binding, ctx.options, body, request);
  if (!s.ok()) return s;
  if (ctx.req.method == "PATCH" && ctx.binding.plan.body_field() != nullptr) {
    return FillUpdateMaskFromBody(body, ctx.binding.plan.body_field(), request);
  }
  return grpc::Status::OK;
}

}  // namespace internal
}  // namespace grpcgw
