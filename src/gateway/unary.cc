// Unary calls: the body (if the binding takes one) into the request, one
// callback-API call through the channel, the response as one JSON body.
//
// The worker waits for the call. While it waits it watches the socket, so a
// client that goes away cancels the call (the service sees CANCELLED).
#include <condition_variable>
#include <memory>
#include <vector>
#include <mutex>

#include <google/protobuf/descriptor.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/gateway_state.h"
#include "gateway/request_body.h"
#include "grpcgw/json.h"

namespace grpcgw {
namespace internal {
namespace {

constexpr auto kPeerCheckInterval = std::chrono::milliseconds(50);

struct Completion {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;  // guarded by mu
  grpc::Status status;
};

// Prints the value of one response field (response_body) as JSON.
grpc::Status FieldJson(const google::protobuf::Message& response,
                       const google::protobuf::FieldDescriptor* field, const JsonOptions& options,
                       std::string* out) {
  if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated()) {
    const auto& sub = response.GetReflection()->GetMessage(response, field);
    out->clear();
    return AppendMessageJson(sub, out, options);
  }
  // Scalars, repeated fields and maps: print a message holding only that
  // field, with the gateway's options, and take the field's value out. A
  // field at its default is printed again with emit_unpopulated, which then
  // touches nothing but that field.
  std::unique_ptr<google::protobuf::Message> only(response.New());
  const auto* reflection = response.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> set_fields;
  reflection->ListFields(response, &set_fields);
  only->CopyFrom(response);
  for (const auto* f : set_fields) {
    if (f != field) reflection->ClearField(only.get(), f);
  }
  const std::string& key = options.use_proto_names ? field->name() : field->json_name();
  rapidjson::Document doc;
  for (bool emit_unpopulated : {options.emit_unpopulated, true}) {
    JsonOptions o = options;
    o.emit_unpopulated = emit_unpopulated;
    std::string whole;
    grpc::Status s = MessageToJson(*only, &whole, o);
    if (!s.ok()) return s;
    doc.Parse(whole.data(), whole.size());
    if (!doc.HasParseError() && doc.HasMember(key.c_str())) break;
  }
  auto it = doc.FindMember(key.c_str());
  if (doc.HasParseError() || it == doc.MemberEnd()) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "response_body field \"" + field->name() + "\" not printed");
  }
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  it->value.Accept(writer);
  out->assign(buffer.GetString(), buffer.GetSize());
  return grpc::Status::OK;
}

}  // namespace

// Writes a successful unary response (shared with client-streaming calls).
void WriteUnaryResponse(RequestContext& ctx, const google::protobuf::Message& response,
                        const grpc::ClientContext& context) {
  httplib::Headers headers;
  AddResponseMetadataHeaders(context, /*trailers=*/false, &headers);
  AddResponseMetadataHeaders(context, /*trailers=*/true, &headers);
  for (auto& h : headers) ctx.res.headers.insert(h);

  const google::protobuf::Message* body = &response;
  if (ctx.binding.response_body_field != nullptr && ctx.binding.raw_response_body) {
    body = &response.GetReflection()->GetMessage(response, ctx.binding.response_body_field);
  }
  if (ctx.binding.raw_response_body) {
    std::string content_type, data;
    RawBodyOf(*body, &content_type, &data);
    ctx.res.status = 200;
    ctx.res.set_content(data, content_type.empty() ? "application/octet-stream" : content_type);
    return;
  }
  std::string json;
  grpc::Status s = ctx.binding.response_body_field != nullptr
                       ? FieldJson(response, ctx.binding.response_body_field, ctx.options.json_output, &json)
                       : MessageToJson(response, &json, ctx.options.json_output);
  if (!s.ok()) {
    WriteError(ctx, grpc::Status(grpc::StatusCode::INTERNAL, "response has no JSON form: " + s.error_message()));
    return;
  }
  ctx.res.status = 200;
  // set_content, without copying the body.
  ctx.res.body = std::move(json);
  auto content_types = ctx.res.headers.equal_range("Content-Type");
  ctx.res.headers.erase(content_types.first, content_types.second);
  ctx.res.set_header("Content-Type", "application/json");
}

void ServeUnary(RequestContext& ctx) {
  HttpError http_error;
  grpc::Status s = ReadRequestBody(ctx, &http_error);
  if (http_error.http_status != 0) return WriteHttpError(ctx, http_error);
  if (!s.ok()) return WriteError(ctx, s);

  std::unique_ptr<grpc::ClientContext> context;
  s = MakeClientContext(ctx, &context);
  if (!s.ok()) return WriteError(ctx, s);

  const MethodSpec& method = *ctx.binding.method;
  std::unique_ptr<google::protobuf::Message> response(method.response_prototype->New());
  auto completion = std::make_shared<Completion>();
  method.unary(context.get(), *ctx.request, response.get(), [completion](grpc::Status status) {
    {
      std::lock_guard<std::mutex> lock(completion->mu);
      completion->status = std::move(status);
      completion->done = true;
    }
    // After the unlock, so that the woken worker does not block on mu.
    completion->cv.notify_one();
  });

  {
    std::unique_lock<std::mutex> lock(completion->mu);
    bool cancelled = false;
    while (!completion->cv.wait_for(lock, kPeerCheckInterval, [&] { return completion->done; })) {
      if (!cancelled && ctx.conn.PeerClosed()) {
        context->TryCancel();
        cancelled = true;
      }
    }
  }
  if (!completion->status.ok()) {
    httplib::Headers headers;
    AddResponseMetadataHeaders(*context, false, &headers);
    AddResponseMetadataHeaders(*context, true, &headers);
    for (auto& h : headers) ctx.res.headers.insert(h);
    return WriteError(ctx, completion->status);
  }
  WriteUnaryResponse(ctx, *response, *context);
}

}  // namespace internal
}  // namespace grpcgw
