#include "gateway/stream_common.h"

#include <strings.h>

#include <cstdio>
#include <string_view>

#include <google/protobuf/descriptor.h>

#include "grpcgw/json.h"
#include "grpcgw/status.h"
#include "server/http1_parser.h"
#include "server/http_status.h"

namespace grpcgw {
namespace internal {

grpc::Status StartStream(RequestContext& ctx, bool send_request, std::shared_ptr<StreamCall>* call) {
  std::unique_ptr<grpc::ClientContext> context;
  grpc::Status s = MakeClientContext(ctx, &context);
  if (!s.ok()) return s;
  const MethodSpec& method = *ctx.binding.method;
  std::unique_ptr<google::protobuf::Message> request;
  if (method.kind == MethodKind::kServerStreaming) request.reset(ctx.request->New()), request->CopyFrom(*ctx.request);
  *call = method.stream(std::move(context), std::move(request), ctx.options.stream_limits);
  if (send_request && method.kind != MethodKind::kServerStreaming) {
    std::unique_ptr<google::protobuf::Message> copy(ctx.request->New());
    copy->CopyFrom(*ctx.request);
    (*call)->Write(std::move(copy));
    (*call)->WritesDone();
  }
  return grpc::Status::OK;
}

AsyncStream::AsyncStream(RequestContext& ctx, std::shared_ptr<StreamCall> call,
                         std::unique_ptr<StreamSlot> slot)
    : call_(std::move(call)),
      binding_(ctx.binding),
      options_(ctx.binding.gateway->options),
      request_(std::move(ctx.request)),
      extra_headers_(ctx.res.headers),
      slot_(std::move(slot)) {
  if (options_.error_handler) req_copy_ = std::make_unique<httplib::Request>(ctx.req);
  keep_alive_ = RequestKeepsAlive(ctx);
  trailers_ok_ = AcceptsTrailers(ctx.req);
}

std::string AsyncStream::ChunkedEnd() const {
  httplib::Headers trailers;
  if (trailers_ok_ && call_ && call_->Finished()) AddResponseMetadataHeaders(*call_->context(), true, &trailers);
  return LastChunk(trailers);
}

bool RequestKeepsAlive(const RequestContext& ctx) {
  if (ctx.req.version != "HTTP/1.1") return false;
  const RequestHead* head = ctx.conn.request_head();
  return head != nullptr ? head->keep_alive : ctx.req.get_header_value("Connection") != "close";
}

bool AcceptsTrailers(const httplib::Request& req) {
  auto range = req.headers.equal_range("TE");
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view v = it->second;
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      item = item.substr(0, item.find(';'));
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (item.size() == 8 && strncasecmp(item.data(), "trailers", 8) == 0) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

AsyncStream::~AsyncStream() {
  if (call_) {
    call_->SetListener(nullptr);
    call_->Cancel();
  }
}

void AsyncStream::OnStart(StreamIo& io) {
  io_ = &io;
  if (call_) call_->SetListener(io.Waker());
  Started();
}

void AsyncStream::OnClosed() {
  if (call_) call_->Cancel();
  io_ = nullptr;
}

httplib::Headers AsyncStream::HeadHeaders() const {
  httplib::Headers headers = extra_headers_;
  if (call_->HasInitialMetadata()) AddResponseMetadataHeaders(*call_->context(), false, &headers);
  return headers;
}

std::string AsyncStream::ErrorResponse(const grpc::Status& status, int http_status) {
  httplib::Response res;
  res.headers = extra_headers_;
  if (call_->Finished()) {
    AddResponseMetadataHeaders(*call_->context(), false, &res.headers);
    AddResponseMetadataHeaders(*call_->context(), true, &res.headers);
  }
  res.status = http_status != 0 ? http_status : HttpStatusFromCode(status.error_code());
  res.set_content(StatusToJson(status), "application/json");
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED && !res.has_header("WWW-Authenticate")) {
    res.set_header("WWW-Authenticate", "Bearer");
  }
  if (options_.error_handler && req_copy_) options_.error_handler(status, *req_copy_, res);
  return SerializeResponse(res, keep_alive_, false, trailers_ok_);
}

void AsyncStream::FailBeforeHead(const grpc::Status& status, int http_status) {
  io_->Write(ErrorResponse(status, http_status));
  io_->Finish(keep_alive_);
}

std::string FieldText(const google::protobuf::Message& message, const google::protobuf::FieldDescriptor* field) {
  using google::protobuf::FieldDescriptor;
  if (field == nullptr || field->is_repeated()) return {};
  const auto* r = message.GetReflection();
  if (field->has_presence() && !r->HasField(message, field)) return {};
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING: return r->GetString(message, field);
    case FieldDescriptor::CPPTYPE_INT32: return std::to_string(r->GetInt32(message, field));
    case FieldDescriptor::CPPTYPE_INT64: return std::to_string(r->GetInt64(message, field));
    case FieldDescriptor::CPPTYPE_UINT32: return std::to_string(r->GetUInt32(message, field));
    case FieldDescriptor::CPPTYPE_UINT64: return std::to_string(r->GetUInt64(message, field));
    case FieldDescriptor::CPPTYPE_BOOL: return r->GetBool(message, field) ? "true" : "false";
    case FieldDescriptor::CPPTYPE_ENUM: return r->GetEnum(message, field)->name();
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      std::string json;
      MessageToJson(r->GetMessage(message, field), &json);
      return json;
    }
    default: {
      std::string json;
      return json;
    }
  }
}

}  // namespace internal
}  // namespace grpcgw
