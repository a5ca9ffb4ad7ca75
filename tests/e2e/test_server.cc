#include "test_server.h"

#include <cstdlib>

#include <algorithm>
#include <stdexcept>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "google/rpc/status.pb.h"
#include "test_util.h"

namespace e2e_test {

using google::protobuf::util::TimeUtil;

// ---------------------------------------------------------------- EventLog

void EventLog::Record(std::string event) {
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back(std::move(event));
  cv_.notify_all();
}

bool EventLog::WaitFor(const std::string& event, std::chrono::milliseconds timeout, size_t times) const {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    return static_cast<size_t>(std::count(events_.begin(), events_.end(), event)) >= times;
  });
}

size_t EventLog::Count(const std::string& event) const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<size_t>(std::count(events_.begin(), events_.end(), event));
}

std::vector<std::string> EventLog::WithPrefix(const std::string& prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& e : events_) {
    if (e.compare(0, prefix.size(), prefix) == 0) out.push_back(e);
  }
  return out;
}

void EventLog::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  events_.clear();
}

// ------------------------------------------------------------------- Timer

Timer::Timer() : thread_([this] { Run(); }) {}

Timer::~Timer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  thread_.join();
}

void Timer::After(std::chrono::milliseconds delay, std::function<void()> callback) {
  std::lock_guard<std::mutex> lock(mu_);
  due_.emplace(std::chrono::steady_clock::now() + delay, std::move(callback));
  cv_.notify_all();
}

void Timer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    if (due_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto first = due_.begin();
    if (first->first > std::chrono::steady_clock::now()) {
      cv_.wait_until(lock, first->first);
      continue;
    }
    std::function<void()> callback = std::move(first->second);
    due_.erase(first);
    lock.unlock();
    callback();
    lock.lock();
  }
  due_.clear();
}

namespace {

std::string MetadataValue(const grpc::CallbackServerContext* context, const std::string& key) {
  auto it = context->client_metadata().find(key);
  return it == context->client_metadata().end() ? std::string() : std::string(it->second.data(), it->second.size());
}

// ------------------------------------------------------------ Sleep reactor

// Runs until cancelled, or until the request's duration has passed. The
// reactor keeps itself alive (self_) until OnDone; a timer callback holds a
// reference of its own, so a late timer finds a live object that has
// already finished.
class SleepReactor final : public grpc::ServerUnaryReactor, public std::enable_shared_from_this<SleepReactor> {
 public:
  SleepReactor(TestService* service, grpc::CallbackServerContext* context, const e2e::SleepRequest* request,
               e2e::SleepResponse* response)
      : service_(service), context_(context), request_(request), response_(response) {}

  static grpc::ServerUnaryReactor* Start(TestService* service, grpc::CallbackServerContext* context,
                                         const e2e::SleepRequest* request, e2e::SleepResponse* response) {
    auto reactor = std::make_shared<SleepReactor>(service, context, request, response);
    reactor->self_ = reactor;
    reactor->Begin();
    return reactor.get();
  }

  void OnCancel() override {
    service_->events().Record("sleep:cancelled:" + token_);
    TryFinish(grpc::Status::CANCELLED, "");
  }
  void OnDone() override { auto last_reference = std::move(self_); }

 private:
  void Begin() {
    token_ = request_->token();
    response_->set_token(token_);
    auto deadline = context_->deadline();
    if (deadline != std::chrono::system_clock::time_point::max()) {
      response_->set_had_deadline(true);
      auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::system_clock::now());
      *response_->mutable_deadline_remaining() = TimeUtil::MillisecondsToDuration(remaining.count());
    }
    service_->RecordMetadata("Sleep", context_);
    service_->events().Record("sleep:started:" + token_);
    if (request_->has_duration()) {
      auto delay = std::chrono::milliseconds(TimeUtil::DurationToMilliseconds(request_->duration()));
      service_->timer().After(delay, [self = shared_from_this()] {
        self->TryFinish(grpc::Status::OK, "sleep:finished:" + self->token_);
      });
    }
  }

  void TryFinish(const grpc::Status& status, const std::string& event) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    if (!event.empty()) service_->events().Record(event);
    Finish(status);
  }

  TestService* const service_;
  grpc::CallbackServerContext* const context_;
  const e2e::SleepRequest* const request_;
  e2e::SleepResponse* const response_;
  std::string token_;
  std::shared_ptr<SleepReactor> self_;
  std::mutex mu_;
  bool finished_ = false;  // guarded by mu_: Finish was called
};

// ------------------------------------------------------------ Watch reactor

// Sends request.count events, one at a time; optionally waits for
// TestService::Signal(topic) before each event after the first, and fails
// after fail_after events when fail_code is set.
class WatchReactor final : public grpc::ServerWriteReactor<e2e::WatchEvent>,
                           public std::enable_shared_from_this<WatchReactor> {
 public:
  WatchReactor(TestService* service, grpc::CallbackServerContext* context, const e2e::WatchRequest* request)
      : service_(service), context_(context), request_(*request) {
    last_event_id_ = MetadataValue(context, "last-event-id");
  }

  static grpc::ServerWriteReactor<e2e::WatchEvent>* Start(TestService* service, grpc::CallbackServerContext* context,
                                                          const e2e::WatchRequest* request, const char* method) {
    service->RecordMetadata(method, context);
    auto reactor = std::make_shared<WatchReactor>(service, context, request);
    reactor->self_ = reactor;
    service->events().Record("watch:started:" + request->topic());
    reactor->Next(/*signalled=*/false);
    return reactor.get();
  }

  void OnWriteDone(bool ok) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      write_in_flight_ = false;
      if (!ok) {
        if (finished_) return;
        finished_ = true;
      } else {
        service_->events().Record("watch:sent:" + request_.topic() + ":" + std::to_string(sent_));
        ++sent_;
      }
    }
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    Next(false);
  }

  void OnCancel() override {
    service_->events().Record("watch:cancelled:" + request_.topic());
    uint64_t wait_id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      wait_id = wait_id_;
      wait_id_ = 0;
      if (finished_ || write_in_flight_) return;  // OnWriteDone(false) finishes
      finished_ = true;
    }
    if (wait_id != 0) service_->CancelWait(wait_id);
    Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    service_->events().Record("watch:done:" + request_.topic());
    auto last_reference = std::move(self_);
  }

 private:
  void Next(bool signalled) {
    std::unique_lock<std::mutex> lock(mu_);
    if (finished_) return;
    if (signalled) {
      waiting_ = false;
      wait_id_ = 0;
    }
    if (request_.fail_code() != 0 && sent_ == request_.fail_after()) {
      finished_ = true;
      lock.unlock();
      Finish(grpc::Status(static_cast<grpc::StatusCode>(request_.fail_code()), request_.fail_message()));
      return;
    }
    if (sent_ >= request_.count()) {
      finished_ = true;
      lock.unlock();
      // Trailing metadata, for the tests of HTTP trailers.
      context_->AddTrailingMetadata("watch-sent", std::to_string(request_.count()));
      Finish(grpc::Status::OK);
      return;
    }
    if (sent_ > 0 && request_.wait_for_signal() && !signalled) {
      service_->events().Record("watch:waiting:" + request_.topic() + ":" + std::to_string(sent_));
      waiting_ = true;
      uint64_t wait_seq = ++wait_seq_;
      lock.unlock();
      uint64_t id = service_->WaitForSignal(request_.topic(), [self = shared_from_this()] { self->Next(true); });
      lock.lock();
      // The signal may already have resumed this wait; only a wait that is
      // still open is left for OnCancel to withdraw.
      if (waiting_ && wait_seq_ == wait_seq) wait_id_ = id;
      return;
    }
    event_.Clear();
    event_.set_seq(sent_);
    event_.set_kind(sent_ + 1 == request_.count() ? "last" : "tick");
    event_.set_topic(request_.topic());
    event_.set_text(request_.text());
    event_.set_last_event_id(last_event_id_);
    write_in_flight_ = true;
    lock.unlock();
    StartWrite(&event_);
  }

  TestService* const service_;
  grpc::CallbackServerContext* const context_;
  const e2e::WatchRequest request_;
  std::string last_event_id_;
  std::shared_ptr<WatchReactor> self_;
  e2e::WatchEvent event_;  // the write in flight
  std::mutex mu_;
  // All below guarded by mu_.
  int64_t sent_ = 0;
  bool write_in_flight_ = false;
  bool finished_ = false;
  bool waiting_ = false;  // waiting for a signal
  uint64_t wait_seq_ = 0;
  uint64_t wait_id_ = 0;  // the open WaitForSignal, once registered
};

// ------------------------------------------------------------- Echo reactor

// Reads a message, writes it back with its index in `seq`, reads the next;
// ends OK at the client's half-close, or with a message's fail_code.
class EchoReactor final : public grpc::ServerBidiReactor<e2e::EchoMessage, e2e::EchoMessage> {
 public:
  EchoReactor(TestService* service, grpc::CallbackServerContext* context) : service_(service) {
    service_->RecordMetadata("Echo", context);
    service_->events().Record("echo:started:");
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      service_->events().Record("echo:half-closed:" + room_);
      Finish(grpc::Status::OK);
      return;
    }
    if (seq_ == 0) room_ = in_.room();
    service_->events().Record("echo:received:" + room_ + ":" + in_.text());
    if (in_.fail_code() != 0) {
      Finish(grpc::Status(static_cast<grpc::StatusCode>(in_.fail_code()), in_.text()));
      return;
    }
    out_ = in_;
    out_.set_seq(seq_++);
    StartWrite(&out_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
      return;
    }
    StartRead(&in_);
  }

  void OnCancel() override { service_->events().Record("echo:cancelled:" + room_); }

  void OnDone() override {
    service_->events().Record("echo:done:" + room_);
    delete this;
  }

 private:
  TestService* const service_;
  e2e::EchoMessage in_;
  e2e::EchoMessage out_;
  int64_t seq_ = 0;
  std::string room_;
};

// ---------------------------------------------------------- Collect reactor

class CollectReactor final : public grpc::ServerReadReactor<e2e::CollectRequest> {
 public:
  CollectReactor(TestService* service, grpc::CallbackServerContext* context, e2e::CollectResponse* response)
      : service_(service), response_(response) {
    service_->RecordMetadata("Collect", context);
    service_->events().Record("collect:started");
    StartRead(&in_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    service_->events().Record("collect:received:" + in_.text());
    if (in_.fail_code() != 0) {
      Finish(grpc::Status(static_cast<grpc::StatusCode>(in_.fail_code()), in_.text()));
      return;
    }
    response_->set_text(response_->text() + in_.text());
    response_->set_sum(response_->sum() + in_.value());
    response_->set_count(response_->count() + 1);
    StartRead(&in_);
  }

  void OnCancel() override { service_->events().Record("collect:cancelled"); }

  void OnDone() override {
    service_->events().Record("collect:done");
    delete this;
  }

 private:
  TestService* const service_;
  e2e::CollectResponse* const response_;
  e2e::CollectRequest in_;
};

grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context, const grpc::Status& status = grpc::Status::OK) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace

// ------------------------------------------------------------- TestService

TestService::TestService() = default;
TestService::~TestService() = default;

void TestService::Signal(const std::string& topic) {
  std::function<void()> resume;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.topic == topic; });
    if (it == waiters_.end()) {
      ++pending_signals_[topic];
      return;
    }
    resume = std::move(it->resume);
    waiters_.erase(it);
  }
  resume();
}

uint64_t TestService::WaitForSignal(const std::string& topic, std::function<void()> resume) {
  std::unique_lock<std::mutex> lock(mu_);
  auto pending = pending_signals_.find(topic);
  if (pending != pending_signals_.end() && pending->second > 0) {
    --pending->second;
    lock.unlock();
    resume();
    return 0;
  }
  uint64_t id = next_waiter_id_++;
  waiters_.push_back(Waiter{id, topic, std::move(resume)});
  return id;
}

void TestService::CancelWait(uint64_t id) {
  std::function<void()> dropped;  // destroyed outside the lock
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find_if(waiters_.begin(), waiters_.end(), [&](const Waiter& w) { return w.id == id; });
  if (it != waiters_.end()) {
    dropped = std::move(it->resume);
    waiters_.erase(it);
  }
}

void TestService::RecordMetadata(const std::string& method, const grpc::CallbackServerContext* context) {
  std::vector<std::pair<std::string, std::string>> md;
  for (const auto& [k, v] : context->client_metadata()) {
    md.emplace_back(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
  }
  std::lock_guard<std::mutex> lock(mu_);
  last_metadata_[method] = std::move(md);
}

std::vector<std::pair<std::string, std::string>> TestService::LastMetadata(const std::string& method) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = last_metadata_.find(method);
  return it == last_metadata_.end() ? std::vector<std::pair<std::string, std::string>>() : it->second;
}

grpc::ServerUnaryReactor* TestService::EchoTypes(grpc::CallbackServerContext* context, const e2e::AllTypes* request,
                                                 e2e::AllTypes* response) {
  *response = *request;
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::GetBook(grpc::CallbackServerContext* context, const e2e::Book* request,
                                               e2e::Book* response) {
  *response = *request;
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::CreateBook(grpc::CallbackServerContext* context,
                                                  const e2e::CreateBookRequest* request, e2e::Book* response) {
  *response = request->book();
  response->set_name(request->parent() + "/books/" + request->book_id());
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::PutBook(grpc::CallbackServerContext* context, const e2e::Book* request,
                                               e2e::Book* response) {
  *response = *request;
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::UpdateBook(grpc::CallbackServerContext* context,
                                                  const e2e::UpdateBookRequest* request,
                                                  e2e::UpdateBookRequest* response) {
  *response = *request;
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::DeleteBook(grpc::CallbackServerContext* context, const e2e::Book* request,
                                                  e2e::Book* response) {
  *response = *request;
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::PublishBook(grpc::CallbackServerContext* context, const e2e::Book* request,
                                                   e2e::Book* response) {
  *response = *request;
  response->set_title("published: " + request->title());
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::DescribeShelf(grpc::CallbackServerContext* context,
                                                     const e2e::ListBooksRequest* request,
                                                     e2e::ListBooksResponse* response) {
  response->add_books()->set_name(request->parent() + "/books/described");
  response->set_total_size(1);
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::ListBooks(grpc::CallbackServerContext* context,
                                                 const e2e::ListBooksRequest* request,
                                                 e2e::ListBooksResponse* response) {
  int n = request->page_size() > 0 ? request->page_size() : 2;
  for (int i = 0; i < n; ++i) {
    e2e::Book* book = response->add_books();
    book->set_name(request->parent() + "/books/b" + std::to_string(i));
    book->set_pages(i);
    book->set_edition_number(i + 1);
  }
  response->set_total_size(n);
  response->set_next_page_token("next");
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::GetFile(grpc::CallbackServerContext* context, const e2e::FileRequest* request,
                                               e2e::FileRequest* response) {
  *response = *request;
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::Upload(grpc::CallbackServerContext* context, const e2e::UploadRequest* request,
                                              google::api::HttpBody* response) {
  response->set_content_type(request->content().content_type());
  response->set_data(request->name() + ":" + request->content().data());
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::Download(grpc::CallbackServerContext* context,
                                                const e2e::DownloadRequest* request,
                                                google::api::HttpBody* response) {
  response->set_content_type(request->content_type().empty() ? "text/plain" : request->content_type());
  response->set_data("contents of " + request->name() + std::string("\0\xff", 2));
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::RawEcho(grpc::CallbackServerContext* context,
                                               const google::api::HttpBody* request,
                                               google::api::HttpBody* response) {
  response->set_content_type("text/plain");
  response->set_data("type=" + request->content_type() + ";" + request->data());
  return Done(context);
}

grpc::ServerUnaryReactor* TestService::Fail(grpc::CallbackServerContext* context, const e2e::StatusRequest* request,
                                            google::protobuf::Empty*) {
  auto code = static_cast<grpc::StatusCode>(request->code());
  if (code == grpc::StatusCode::OK) return Done(context);
  if (!request->with_details()) return Done(context, grpc::Status(code, request->message()));
  google::rpc::Status rpc;
  rpc.set_code(request->code());
  rpc.set_message(request->message());
  e2e::ErrorDetail detail;
  detail.set_reason("requested");
  detail.set_retry_after_ms(1500);
  rpc.add_details()->PackFrom(detail);
  return Done(context, grpc::Status(code, request->message(), rpc.SerializeAsString()));
}

grpc::ServerUnaryReactor* TestService::Metadata(grpc::CallbackServerContext* context,
                                                const e2e::MetadataRequest* request,
                                                e2e::MetadataResponse* response) {
  RecordMetadata("Metadata", context);
  for (const auto& [k, v] : context->client_metadata()) {
    e2e::MetadataEntry* e = response->add_received();
    e->set_key(std::string(k.data(), k.size()));
    e->set_value(std::string(v.data(), v.size()));
  }
  response->set_peer(context->peer());
  for (const auto& e : request->initial()) context->AddInitialMetadata(e.key(), e.value());
  for (const auto& e : request->trailers()) context->AddTrailingMetadata(e.key(), e.value());
  return Done(context, grpc::Status(static_cast<grpc::StatusCode>(request->code()), request->message()));
}

grpc::ServerUnaryReactor* TestService::Sleep(grpc::CallbackServerContext* context, const e2e::SleepRequest* request,
                                             e2e::SleepResponse* response) {
  return SleepReactor::Start(this, context, request, response);
}

grpc::ServerUnaryReactor* TestService::Plain(grpc::CallbackServerContext* context, const e2e::Book* request,
                                             e2e::Book* response) {
  *response = *request;
  response->set_title("plain: " + request->title());
  return Done(context);
}

grpc::ServerWriteReactor<e2e::WatchEvent>* TestService::Watch(grpc::CallbackServerContext* context,
                                                              const e2e::WatchRequest* request) {
  return WatchReactor::Start(this, context, request, "Watch");
}

grpc::ServerWriteReactor<e2e::WatchEvent>* TestService::WatchEvents(grpc::CallbackServerContext* context,
                                                                    const e2e::WatchRequest* request) {
  return WatchReactor::Start(this, context, request, "WatchEvents");
}

grpc::ServerWriteReactor<e2e::WatchEvent>* TestService::WatchWebSocketOnly(grpc::CallbackServerContext* context,
                                                                           const e2e::WatchRequest* request) {
  return WatchReactor::Start(this, context, request, "WatchWebSocketOnly");
}

grpc::ServerBidiReactor<e2e::EchoMessage, e2e::EchoMessage>* TestService::Echo(grpc::CallbackServerContext* context) {
  return new EchoReactor(this, context);
}

grpc::ServerReadReactor<e2e::CollectRequest>* TestService::Collect(grpc::CallbackServerContext* context,
                                                                   e2e::CollectResponse* response) {
  return new CollectReactor(this, context, response);
}

// -------------------------------------------------------------- TestServer

namespace {

// Each TestServer's callback service takes a reference on gRPC's shared
// callback completion queue, which is shut down when the last reference goes
// and made again by the next server. In gRPC 1.51 that cycle can abort the
// queue's thread ("prior > 0" in grpc_cq_internal_unref) when test cases
// follow each other quickly; a callback server that lives as long as the
// test binary keeps the queue up.
void KeepCallbackQueue() {
  // Held in static storage (never destroyed, and reachable, so leak checkers
  // do not count it).
  static e2e::Svc::CallbackService* const service = new e2e::Svc::CallbackService();
  static grpc::Server* const server = [] {
    grpc::ServerBuilder builder;
    builder.RegisterService(service);
    return builder.BuildAndStart().release();
  }();
  (void)server;
}

}  // namespace

TestServer::TestServer(ServerConfig config) {
  KeepCallbackQueue();
  grpc::ServerBuilder builder;
  builder.RegisterService(&service_);
  grpc_server_ = builder.BuildAndStart();
  if (!grpc_server_) throw std::runtime_error("gRPC server did not start");

  // GRPCGW_TEST_UNARY_ON_WORKERS=1 (a second ctest run of the unary suite):
  // gateway unary requests go through the worker pool rather than the loop.
  if (const char* v = std::getenv("GRPCGW_TEST_UNARY_ON_WORKERS"); v != nullptr && std::string(v) == "1") {
    config.http.unary_on_loop = false;
  }
  config.http = WithTestTls(config.http);  // the suites' TLS run (tests/e2e/tls_test_util.h)
  tls_ = config.http.tls.enabled();
  http_ = std::make_unique<grpcgw::HttpServer>(config.http);
  gateway_ = std::make_unique<grpcgw::Gateway<e2e::Svc>>(*grpc_server_, config.gateway);
  gateway_->mount(*http_);
  if (config.setup) config.setup(*http_, *grpc_server_);

  port_ = http_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("HTTP server could not bind");
  listener_ = std::thread([this] { http_->listen_after_bind(); });
  if (!WaitUntil([this] { return http_->is_running(); }, std::chrono::seconds(10))) {
    Stop();
    throw std::runtime_error("HTTP server did not start listening");
  }
}

TestServer::~TestServer() { Stop(); }

void TestServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  // HTTP first: stopping it wakes every stream and unary wait, which cancel
  // their calls; no new call can then reach a gRPC server that is shutting
  // down (gRPC 1.51 crashes creating a call on a shut-down in-process
  // channel). Calls still running then get a short grace period.
  http_->stop();
  if (listener_.joinable()) listener_.join();
  grpc_server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  grpc_server_->Wait();
}

httplib::Client TestServer::Client(std::chrono::seconds timeout) const {
  httplib::Client client((tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_));
  if (tls_) client.enable_server_certificate_verification(false);  // the test's self-signed certificate
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_url_encode(false);  // tests send paths and queries exactly as written
  return client;
}

}  // namespace e2e_test
