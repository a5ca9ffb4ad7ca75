#include "gateway/stream_common.h"

#include <google/protobuf/descriptor.h>

#include "grpcgw/json.h"

namespace grpcgw {
namespace internal {
namespace {

constexpr auto kPeerCheck = std::chrono::milliseconds(250);

}  // namespace

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

bool AwaitStreamStart(RequestContext& ctx, StreamCall& call) {
  while (!call.WaitForInitialMetadata(kPeerCheck)) {
    if (ctx.conn.PeerClosed()) {
      call.Cancel();
      return false;
    }
  }
  return true;
}

bool PumpResponses(RequestContext& ctx, StreamCall& call,
                   const std::function<bool(const google::protobuf::Message&)>& on_message,
                   std::chrono::milliseconds idle, const std::function<bool()>& on_idle) {
  using Clock = std::chrono::steady_clock;
  auto last_write = Clock::now();
  auto last_check = Clock::now();
  std::unique_ptr<google::protobuf::Message> response;
  for (;;) {
    auto now = Clock::now();
    auto wait = kPeerCheck;
    if (on_idle && idle.count() > 0) {
      auto until_idle = std::chrono::duration_cast<std::chrono::milliseconds>(last_write + idle - now);
      if (until_idle < wait) wait = std::max(until_idle, std::chrono::milliseconds(0));
    }
    StreamCall::Next next = call.Read(&response, wait);
    now = Clock::now();
    if (next == StreamCall::Next::kFinished) return true;
    if (next == StreamCall::Next::kMessage) {
      if (!on_message(*response)) {
        call.Cancel();
        return false;
      }
      last_write = now;
    } else if (on_idle && idle.count() > 0 && now - last_write >= idle) {
      if (!on_idle()) {
        call.Cancel();
        return false;
      }
      last_write = now;
    }
    if (now - last_check >= kPeerCheck || next == StreamCall::Next::kTimeout) {
      last_check = now;
      if (ctx.conn.PeerClosed()) {
        call.Cancel();
        return false;
      }
    }
  }
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
