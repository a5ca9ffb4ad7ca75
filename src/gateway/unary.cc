// Unary calls: the body (if the binding takes one) into the request, one
// callback-API call through the channel, the response as one JSON body.
//
// The handler (on the event loop, or on a worker) binds the request and
// starts the call, then hands the connection to its event loop, so a call
// in flight holds no thread. The completion sends the response itself when
// it can (a plain socket with nothing queued) and otherwise wakes the loop
// to write it. A client that goes away cancels the call (the service sees
// CANCELLED).
#include <functional>
#include <memory>
#include <vector>
#include <mutex>

#include <google/protobuf/descriptor.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "gateway/gateway_state.h"
#include "gateway/request_body.h"
#include "gateway/stream_common.h"
#include "grpcgw/json.h"

namespace grpcgw {
namespace internal {
namespace {

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

namespace {

// A copy of what a response needs of its request once the handler's
// httplib::Request is gone: Accept-Encoding (for compression); all of it
// when the gateway has an error handler, which sees the request.
std::unique_ptr<httplib::Request> CopyForResponse(const httplib::Request& req, bool whole) {
  if (whole) return std::make_unique<httplib::Request>(req);
  auto copy = std::make_unique<httplib::Request>();
  copy->method = req.method;
  copy->version = req.version;
  auto accept = req.headers.equal_range("Accept-Encoding");
  copy->headers.insert(accept.first, accept.second);
  return copy;
}

// One unary call after the handler started it: the connection waits on its
// event loop (no thread) and the response is written when the call
// completes. On a plain socket with nothing queued, the completion's own
// thread (gRPC's) prints and sends the response at once, and the loop only
// finishes the exchange the next time it runs (it is not woken for that);
// otherwise the completion wakes the loop, which writes the response.
class UnaryExchange final : public StreamHandler {
 public:
  struct Call {
    std::unique_ptr<grpc::ClientContext> context;
    std::unique_ptr<google::protobuf::Message> request;
    std::unique_ptr<google::protobuf::Message> response;
    std::mutex mu;  // also keeps the exchange's loop callbacks and an answer from the completion apart
    bool done = false;                   // guarded by mu
    grpc::Status status;                 // guarded by mu until done
    std::function<void()> waker;         // guarded by mu
    std::function<void()> lazy_waker;    // guarded by mu
    UnaryExchange* answerer = nullptr;   // guarded by mu: may answer from the completion's thread
  };

  UnaryExchange(RequestContext& ctx, std::shared_ptr<Call> call)
      : call_(std::move(call)),
        conn_(ctx.conn),
        binding_(ctx.binding),
        options_(ctx.options),
        req_(CopyForResponse(ctx.req, static_cast<bool>(ctx.options.error_handler))),
        headers_(ctx.res.headers),
        keep_alive_(RequestKeepsAlive(ctx)),
        head_only_(ctx.req.method == "HEAD"),
        trailers_(AcceptsTrailers(ctx.req)) {}

  ~UnaryExchange() override {
    bool responded;
    {
      std::lock_guard<std::mutex> lock(call_->mu);
      if (call_->answerer == this) call_->answerer = nullptr;
      responded = built_;
    }
    if (!responded) call_->context->TryCancel();
  }

  void OnStart(StreamIo& io) override {
    // A pipelined request stays in the connection's buffer until this one
    // is answered; reading stops, and a hang-up still ends the exchange.
    io.PauseReading(true);
    bool done;
    {
      std::lock_guard<std::mutex> lock(call_->mu);
      io_ = &io;
      done = call_->done;
      if (!done) {
        call_->waker = io.Waker();
        if (io.CanSendNow()) {
          call_->lazy_waker = io.LazyWaker();
          call_->answerer = this;
        }
      }
    }
    if (done) AnswerOnLoop();
  }
  void OnData(StreamIo& /*io*/, std::string_view /*data*/) override {}
  void OnWake(StreamIo& /*io*/) override { AnswerOnLoop(); }
  void OnTimer(StreamIo& /*io*/) override {}
  // A unary call runs to its end within the grace period; the server
  // closes the connection (OnClosed cancels the call) when it runs out.
  void OnShutdown(StreamIo& /*io*/) override {
    std::lock_guard<std::mutex> lock(call_->mu);
    keep_alive_ = false;
  }
  void OnClosed() override {
    bool responded;
    {
      std::lock_guard<std::mutex> lock(call_->mu);
      io_ = nullptr;
      call_->answerer = nullptr;
      responded = built_;
    }
    if (!responded) call_->context->TryCancel();
  }

  // The completion's thread, with call_->mu held: prints the response and
  // sends what the socket takes at once. True when all of it went out (the
  // loop only has to finish the exchange: lazy_waker); false when the loop
  // must write the rest (waker).
  bool AnswerFromCompletion() {
    if (built_ || io_ == nullptr) return false;
    Build();
    // A response that closes the connection wakes the loop to close it.
    if (!answer_keep_alive_ || !call_->lazy_waker) return false;
    // Marked before the bytes go out: the client's next request may reach
    // the loop before this thread returns, and must find the exchange
    // answered.
    call_->lazy_waker();
    size_t sent = 0;
    if (io_->SendNow(unsent_, &sent)) unsent_.erase(0, sent);
    return unsent_.empty();
  }

 private:
  // The response, with call_->mu held once the call completed.
  void Build() {
    built_ = true;
    httplib::Response res;
    res.headers = std::move(headers_);
    RequestContext ctx{*req_, res, conn_, binding_, options_, nullptr};
    const grpc::Status& status = call_->status;
    if (!status.ok()) {
      httplib::Headers headers;
      AddResponseMetadataHeaders(*call_->context, false, &headers);
      AddResponseMetadataHeaders(*call_->context, true, &headers);
      for (auto& h : headers) res.headers.insert(h);
      WriteError(ctx, status);
    } else {
      WriteUnaryResponse(ctx, *call_->response, *call_->context);
    }
    FinishResponseBody(ctx);
    answer_keep_alive_ = keep_alive_ && !io_->shutting_down();
    unsent_ = SerializeResponse(res, answer_keep_alive_, head_only_, trailers_);
  }

  // On the loop: writes what the completion did not send, and serves the
  // connection's next request.
  void AnswerOnLoop() {
    std::string bytes;
    bool keep_alive;
    {
      std::lock_guard<std::mutex> lock(call_->mu);
      if (!call_->done || finished_ || io_ == nullptr) return;
      finished_ = true;
      call_->answerer = nullptr;
      if (!built_) Build();
      bytes = std::move(unsent_);
      keep_alive = answer_keep_alive_ && keep_alive_;
    }
    StreamIo* io = io_;
    if (!bytes.empty()) io->Write(bytes);
    io->Finish(keep_alive);
  }

  std::shared_ptr<Call> call_;
  Connection& conn_;
  const CompiledBinding& binding_;
  const GatewayOptions& options_;
  std::unique_ptr<httplib::Request> req_;
  // Guarded by call_->mu from OnStart on.
  httplib::Headers headers_;
  bool keep_alive_;
  const bool head_only_;
  const bool trailers_;  // trailing metadata as HTTP trailers (TE: trailers)
  StreamIo* io_ = nullptr;
  bool built_ = false;     // the response is printed (from here on, never cancelled)
  bool finished_ = false;  // the loop finished the exchange
  bool answer_keep_alive_ = false;
  std::string unsent_;     // what is still to be written
};

}  // namespace

void ServeUnary(RequestContext& ctx) {
  HttpError http_error;
  grpc::Status s = ReadRequestBody(ctx, &http_error);
  if (http_error.http_status != 0) return WriteHttpError(ctx, http_error);
  if (!s.ok()) return WriteError(ctx, s);

  auto call = std::make_shared<UnaryExchange::Call>();
  s = MakeClientContext(ctx, &call->context);
  if (!s.ok()) return WriteError(ctx, s);

  const MethodSpec& method = *ctx.binding.method;
  call->request = std::move(ctx.request);
  call->response.reset(method.response_prototype->New());
  auto exchange = std::make_shared<UnaryExchange>(ctx, call);
  // The connection goes to its event loop when this handler returns; the
  // response is written there when the call completes.
  ctx.conn.Detach(exchange);
  method.unary(call->context.get(), *call->request, call->response.get(), [call](grpc::Status status) {
    std::function<void()> waker;
    {
      std::lock_guard<std::mutex> lock(call->mu);
      call->status = std::move(status);
      call->done = true;
      if (call->answerer == nullptr || !call->answerer->AnswerFromCompletion()) waker = std::move(call->waker);
    }
    if (waker) waker();
  });
}

}  // namespace internal
}  // namespace grpcgw
