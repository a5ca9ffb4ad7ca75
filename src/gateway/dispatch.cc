// GatewayDispatch: the routing table every gateway mounted on one HttpServer
// shares, and the pre-routing hook that serves gateway requests before
// httplib's own routes are tried.
#include "gateway/dispatch.h"

#include <strings.h>

#include <stdexcept>

#include "gateway/cors.h"
#include "gateway/openapi_route.h"
#include "gateway/request_body.h"
#include "grpcgw/gateway.h"
#include "routing/query.h"

namespace grpcgw {
namespace internal {
namespace {

using google::protobuf::FieldDescriptor;

const FieldDescriptor* TopLevelField(const google::protobuf::Descriptor* d, const std::string& name) {
  return name.empty() ? nullptr : d->FindFieldByName(name);
}

bool HeaderHasToken(const httplib::Request& req, const char* header, const char* token) {
  std::string v = req.get_header_value(header);
  size_t start = 0;
  while (start <= v.size()) {
    size_t end = v.find(',', start);
    if (end == std::string::npos) end = v.size();
    std::string t = v.substr(start, end - start);
    size_t b = t.find_first_not_of(" \t");
    size_t e = t.find_last_not_of(" \t");
    if (b != std::string::npos) {
      t = t.substr(b, e - b + 1);
      if (strcasecmp(t.c_str(), token) == 0) return true;
    }
    start = end + 1;
  }
  return false;
}

bool IsWebSocketUpgrade(const httplib::Request& req) {
  return HeaderHasToken(req, "Upgrade", "websocket") && HeaderHasToken(req, "Connection", "upgrade");
}


bool AcceptsEventStream(const httplib::Request& req) {
  return req.get_header_value("Accept").find("text/event-stream") != std::string::npos;
}

// The match Classify found for the request the loop then hands to Handle on
// the same thread (a gateway unary request served on the loop): Handle
// takes it instead of looking the path up again. The routing table does not
// change while the server runs, so method and path decide the match.
struct ClassifiedMatch {
  const GatewayDispatch* dispatch = nullptr;  // null: empty
  std::string method;
  std::string path;
  Router::Match match;
};
thread_local ClassifiedMatch classified;

}  // namespace

GatewayDispatch::GatewayDispatch() = default;
GatewayDispatch::~GatewayDispatch() = default;

void GatewayDispatch::Mount(const std::shared_ptr<GatewayState>& gateway) {
  // Compile everything first, so that a failure adds nothing.
  std::vector<std::unique_ptr<CompiledBinding>> compiled;
  std::string errors;
  for (const MethodSpec& method : gateway->methods) {
    const auto* request_type = method.request_prototype->GetDescriptor();
    const auto* response_type = method.response_prototype->GetDescriptor();
    for (const HttpBinding& binding : method.bindings) {
      auto c = std::make_unique<CompiledBinding>();
      c->method = &method;
      c->gateway = gateway.get();
      c->binding = binding;
      std::string where = method.grpc_path + " (" + binding.http_method + " " + binding.path_template + ")";
      std::string error;
      if (!PathTemplate::Parse(binding.path_template, &c->path_template, &error)) {
        errors += where + ": " + error + "\n";
        continue;
      }
      grpc::Status s = BindingPlan::Compile(request_type, c->path_template, binding.body, &c->plan);
      if (!s.ok()) {
        errors += where + ": " + s.error_message() + "\n";
        continue;
      }
      const FieldDescriptor* body_field = c->plan.body_field();
      c->raw_request_body = (binding.body == "*" && IsHttpBody(request_type)) ||
                            (body_field != nullptr && IsHttpBody(body_field->message_type()));
      if (!binding.response_body.empty()) {
        c->response_body_field = TopLevelField(response_type, binding.response_body);
        if (c->response_body_field == nullptr) {
          errors += where + ": response_body \"" + binding.response_body + "\" is not a field of " +
                    response_type->full_name() + "\n";
          continue;
        }
        c->raw_response_body = IsHttpBody(c->response_body_field->message_type());
      } else {
        c->raw_response_body = IsHttpBody(response_type);
      }
      const std::string& id_field = !method.transports.sse_id_field.empty()
                                        ? method.transports.sse_id_field
                                        : gateway->options.sse.id_field;
      const std::string& event_field = !method.transports.sse_event_field.empty()
                                           ? method.transports.sse_event_field
                                           : gateway->options.sse.event_field;
      c->sse_id_field = TopLevelField(response_type, id_field);
      c->sse_event_field = TopLevelField(response_type, event_field);
      if (!method.transports.sse_id_field.empty() && c->sse_id_field == nullptr) {
        errors += where + ": sse_id_field \"" + id_field + "\" is not a field of " + response_type->full_name() + "\n";
        continue;
      }
      if (!method.transports.sse_event_field.empty() && c->sse_event_field == nullptr) {
        errors += where + ": sse_event_field \"" + event_field + "\" is not a field of " +
                  response_type->full_name() + "\n";
        continue;
      }
      compiled.push_back(std::move(c));
    }
  }
  if (!errors.empty()) throw std::invalid_argument("grpcgw: cannot mount:\n" + errors);

  // Check every route against the table before changing it.
  Router trial;
  for (size_t i = 0; i < bindings_.size(); ++i) {
    std::string ignored;
    trial.Add(bindings_[i]->binding.http_method, bindings_[i]->path_template, i, &ignored);
  }
  for (size_t i = 0; i < compiled.size(); ++i) {
    std::string error;
    if (!trial.Add(compiled[i]->binding.http_method, compiled[i]->path_template, bindings_.size() + i, &error)) {
      errors += compiled[i]->method->grpc_path + ": " + error + "\n";
    }
  }
  if (!errors.empty()) throw std::invalid_argument("grpcgw: cannot mount:\n" + errors);

  for (auto& c : compiled) {
    std::string error;
    router_.Add(c->binding.http_method, c->path_template, bindings_.size(), &error);
    bindings_.push_back(std::move(c));
  }
  gateways_.push_back(gateway);
}

bool GatewayDispatch::Classify(const RequestHead& head, BodyPlan* plan) const {
  if (router_.size() == 0) return false;
  std::string_view target = head.target;
  std::string_view path = target.substr(0, target.find('?'));
  Router::Match match;
  std::vector<std::string> allowed;
  std::string error;
  Router::Outcome outcome = router_.Lookup(head.method, path, &match, &allowed, &error);
  if (outcome == Router::Outcome::kNotFound) return false;
  if (outcome != Router::Outcome::kMatch) {
    // Answered without reading the body: a small one is read (and
    // skipped) so that the connection stays usable.
    plan->max_bytes = 64 << 10;
    return true;
  }
  const CompiledBinding& binding = *bindings_[match.target];
  const MethodKind kind = binding.method->kind;
  classified.dispatch = this;
  classified.method = head.method;
  classified.path.assign(path.data(), path.size());
  classified.match = std::move(match);
  plan->max_bytes = binding.gateway->options.max_request_body_bytes;
  // Binding and starting a unary call never blocks (the response is
  // written when the call completes).
  plan->quick = kind == MethodKind::kUnary && !head.HasToken("Upgrade", "websocket");
  const bool streams_requests = kind == MethodKind::kClientStreaming || kind == MethodKind::kBidiStreaming;
  if (streams_requests && !head.HasToken("Upgrade", "websocket")) {
    // Uploads are read as they arrive, one message at a time.
    plan->streamed = true;
    const size_t total = binding.gateway->options.max_stream_upload_bytes;
    plan->max_bytes = total != 0 ? total : UINT64_MAX;
  }
  return true;
}

httplib::Server::HandlerResponse GatewayDispatch::Handle(const httplib::Request& req,
                                                         httplib::Response& res) {
  Connection* conn = Connection::Current();
  if (conn == nullptr || router_.size() == 0) return httplib::Server::HandlerResponse::Unhandled;

  std::string_view target = req.target;
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  std::string_view query = q == std::string_view::npos ? std::string_view() : target.substr(q + 1);

  Router::Match match;
  std::vector<std::string> allowed;
  std::string error;
  Router::Outcome outcome;
  if (classified.dispatch == this && classified.method == req.method && classified.path == path) {
    outcome = Router::Outcome::kMatch;
    match = std::move(classified.match);
    classified.dispatch = nullptr;
  } else {
    outcome = router_.Lookup(req.method, path, &match, &allowed, &error);
  }
  if (outcome == Router::Outcome::kNotFound) return httplib::Server::HandlerResponse::Unhandled;
  // httplib applies the request's Range to the response it writes next
  // (slicing the body, 206, Content-Range); a gateway response is always
  // whole. `req` is process_request's own (non-const) Request, whose ranges
  // it reads after this handler.
  const_cast<httplib::Request&>(req).ranges.clear();
  if (outcome == Router::Outcome::kMethodNotAllowed && req.method == "GET" && IsWebSocketUpgrade(req)) {
    outcome = RouteWebSocketUpgrade(path, allowed, &match);
  }

  // 405 answers have no binding: the options (CORS, hook, error handler)
  // are those of the gateway one of the path's bindings belongs to. A path
  // that cannot be decoded (400) belongs to no gateway.
  static const GatewayOptions kDefaultOptions;
  const CompiledBinding* binding = outcome == Router::Outcome::kMatch ? bindings_[match.target].get() : nullptr;
  const CompiledBinding* any_binding = binding;
  if (any_binding == nullptr && outcome == Router::Outcome::kMethodNotAllowed) {
    any_binding = BindingForPath(path, allowed);
  }
  RequestContext ctx{req, res, *conn, binding ? *binding : *bindings_.front(),
                     any_binding ? any_binding->gateway->options : kDefaultOptions, nullptr};
  try {
    const CorsOptions& cors = ctx.options.cors;
    if (cors.enabled() && IsPreflight(req)) {
      // Answered before any hook or route: a preflight carries no
      // credentials.
      std::vector<std::string> methods = allowed;
      if (outcome == Router::Outcome::kMatch) methods = MethodsOnPath(path);
      if (!ctx.conn.body_buffered()) ctx.conn.CloseAfterResponse();  // not read
      AnswerPreflight(cors, req, methods, res);
    } else {
      AddCorsHeaders(cors, req, res);
      if (ctx.options.request_hook && ctx.options.request_hook(req, res) == HookResult::kAnswered) {
        if (!ctx.conn.body_buffered()) ctx.conn.CloseAfterResponse();  // not read
        if (res.status == -1) res.status = 200;
      } else if (outcome == Router::Outcome::kMethodNotAllowed) {
        std::string allow;
        for (const auto& m : allowed) allow += (allow.empty() ? "" : ", ") + m;
        res.set_header("Allow", allow);
        // The server read the body (if any) before the handler ran, and skips it.
        WriteError(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                                     "method " + req.method + " not allowed for " + std::string(path) +
                                         " (allowed: " + allow + ")"),
                   405);
      } else if (outcome == Router::Outcome::kBadRequest) {
        WriteError(ctx, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, error), 400);
      } else {
        Serve(ctx, match, query);
      }
    }
  } catch (const std::exception& e) {
    ctx.conn.CloseAfterResponse();
    if (!ctx.conn.taken_over()) {
      WriteError(ctx, grpc::Status(grpc::StatusCode::INTERNAL, std::string("gateway fault: ") + e.what()), 500);
    }
  }
  if (!ctx.conn.taken_over()) FinishResponseBody(ctx);
  return httplib::Server::HandlerResponse::Handled;
}

// Some binding matching `path` under one of `methods`, or null.
const CompiledBinding* GatewayDispatch::BindingForPath(std::string_view path,
                                                       const std::vector<std::string>& methods) const {
  for (const std::string& verb : methods) {
    Router::Match m;
    std::vector<std::string> ignored_methods;
    std::string ignored_error;
    if (router_.Lookup(verb, path, &m, &ignored_methods, &ignored_error) == Router::Outcome::kMatch) {
      return bindings_[m.target].get();
    }
  }
  return nullptr;
}

// Every method bound on `path`: the router never matches the empty method
// (it refuses to add one), so a lookup for it lists them all.
std::vector<std::string> GatewayDispatch::MethodsOnPath(std::string_view path) const {
  Router::Match ignored_match;
  std::vector<std::string> methods;
  std::string ignored_error;
  if (router_.Lookup("", path, &ignored_match, &methods, &ignored_error) != Router::Outcome::kMethodNotAllowed) {
    methods.clear();
  }
  return methods;
}

// A browser opens a WebSocket with GET only, while bidi and client-streaming
// methods are usually bound with POST. A GET upgrade on a path that no GET
// binding claims goes to the streaming method (with WebSocket enabled) bound
// there under another verb, if exactly one is; otherwise it stays a 405.
Router::Outcome GatewayDispatch::RouteWebSocketUpgrade(std::string_view path,
                                                       const std::vector<std::string>& methods,
                                                       Router::Match* match) const {
  const MethodSpec* chosen = nullptr;
  Router::Match chosen_match;
  for (const std::string& verb : methods) {
    Router::Match m;
    std::vector<std::string> ignored_methods;
    std::string ignored_error;
    if (router_.Lookup(verb, path, &m, &ignored_methods, &ignored_error) != Router::Outcome::kMatch) continue;
    const MethodSpec* method = bindings_[m.target]->method;
    if (method->kind == MethodKind::kUnary || !method->transports.websocket) continue;
    if (chosen != nullptr && chosen != method) return Router::Outcome::kMethodNotAllowed;  // ambiguous
    if (chosen == nullptr) {
      chosen = method;
      chosen_match = std::move(m);
    }
  }
  if (chosen == nullptr) return Router::Outcome::kMethodNotAllowed;
  *match = std::move(chosen_match);
  return Router::Outcome::kMatch;
}

void GatewayDispatch::Serve(RequestContext& ctx, const Router::Match& match, std::string_view query) {
  const CompiledBinding& binding = ctx.binding;
  const MethodSpec& method = *binding.method;
  ctx.request.reset(method.request_prototype->New());

  grpc::Status s = binding.plan.BindPathVariables(match.variables, ctx.request.get());
  if (s.ok()) {
    std::vector<std::pair<std::string, std::string>> params;
    std::string error;
    if (!ParseQueryString(query, &params, &error)) {
      s = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "query string: " + error);
    } else {
      s = binding.plan.BindQueryParameters(params, ctx.options.reject_unknown_query_parameters,
                                           ctx.options.json_input, ctx.request.get());
    }
  }
  if (!s.ok()) {
    if (!ctx.conn.body_buffered()) ctx.conn.CloseAfterResponse();  // a streamed upload, unread
    return WriteError(ctx, s);
  }

  if (method.kind == MethodKind::kUnary) return ServeUnary(ctx);

  const TransportOptions& t = method.transports;
  const httplib::Request& req = ctx.req;
  bool is_get = req.method == "GET";
  if (t.websocket && is_get && IsWebSocketUpgrade(req)) {
    // An origin CORS allows may open WebSockets too.
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && ctx.options.cors.enabled() && OriginAllowed(ctx.options.cors, origin)) {
      GatewayOptions options = ctx.options;
      options.websocket.allowed_origins.push_back(origin);
      RequestContext ws_ctx{ctx.req, ctx.res, ctx.conn, ctx.binding, options, std::move(ctx.request)};
      return ServeWebSocket(ws_ctx);
    }
    return ServeWebSocket(ctx);
  }
  bool streams_responses = method.kind == MethodKind::kServerStreaming || method.kind == MethodKind::kBidiStreaming;
  if (t.sse && is_get && streams_responses && AcceptsEventStream(req)) return ServeSse(ctx);
  if (t.chunked) {
    // A streamed upload is refused by its media type before its call starts,
    // as a unary body is.
    HttpError media_error;
    if ((method.kind == MethodKind::kClientStreaming || method.kind == MethodKind::kBidiStreaming) &&
        !CheckStreamedUploadMedia(ctx, &media_error)) {
      if (!ctx.conn.body_buffered()) ctx.conn.CloseAfterResponse();  // the body was not read
      return WriteHttpError(ctx, media_error);
    }
    return ServeChunked(ctx);
  }
  if (!ctx.conn.body_buffered()) ctx.conn.CloseAfterResponse();
  WriteError(ctx, grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                               "no transport of " + method.grpc_path +
                                   " serves this request (WebSocket needs a GET upgrade, SSE a GET "
                                   "accepting text/event-stream)"),
             501);
}

}  // namespace internal

internal::GatewayDispatch& HttpServer::dispatch() {
  if (!dispatch_) {
    dispatch_ = std::make_shared<internal::GatewayDispatch>();
    internal::GatewayDispatch* d = dispatch_.get();
    gateway_hook_ = [d](const httplib::Request& req, httplib::Response& res) { return d->Handle(req, res); };
    gateway_classifier_ = [d](const internal::RequestHead& head, internal::BodyPlan* plan) {
      return d->Classify(head, plan);
    };
  }
  return *dispatch_;
}

GatewayBase::GatewayBase(std::shared_ptr<grpc::Channel> channel, std::vector<MethodSpec> methods,
                         GatewayOptions options, const OpenApiSource* openapi)
    : state_(std::make_shared<internal::GatewayState>(std::move(channel), std::move(methods),
                                                      std::move(options))) {
  state_->openapi = openapi;
}

GatewayBase::~GatewayBase() = default;

void GatewayBase::mount(HttpServer& http) {
  auto document = internal::OpenApiDocument(*state_);  // throws before anything is mounted
  http.dispatch().Mount(state_);
  if (document) internal::ServeOpenApiDocument(http, state_->options.openapi.path, std::move(document));
}

const std::vector<MethodSpec>& GatewayBase::methods() const { return state_->methods; }
const GatewayOptions& GatewayBase::options() const { return state_->options; }

}  // namespace grpcgw
