// The end-to-end fixture: the e2e.Svc service (tests/protos/e2e/e2e.proto)
// on a real grpc::Server, served over HTTP by grpcgw on 127.0.0.1 at a free
// port.
//
//   e2e_test::TestServer server;                     // or TestServer(config)
//   httplib::Client client = server.Client();
//   auto res = client.Get("/v1/shelves/s1/books/b1");
//   REQUIRE(server.service().events().WaitFor("sleep:cancelled:t1", 5s));
//
// The service records what it observes (calls started, cancellations,
// metadata) in thread-safe members that tests wait on with a timeout.
//
// Event names recorded by TestService (`<key>` is the request's token,
// topic or room):
//   sleep:started:<token>   sleep:cancelled:<token>   sleep:finished:<token>
//   watch:started:<topic>   watch:sent:<topic>:<seq>  watch:waiting:<topic>:<seq>
//   watch:cancelled:<topic> watch:done:<topic>
//   echo:started:<room>     echo:received:<room>:<text>  echo:half-closed:<room>
//   echo:cancelled:<room>   echo:done:<room>
//   collect:started  collect:received:<text>  collect:cancelled  collect:done
// (<room> for Echo is the room of the call's first message, or "" before one.)
//
// TLS: with HttpServerOptions::tls in the config, or for every server when
// GRPCGW_TEST_TLS=1 (tests/e2e/tls_test_util.h). Not provided: a gRPC port
// (the gateway uses the in-process channel).
#ifndef GRPCGW_TESTS_E2E_TEST_SERVER_H_
#define GRPCGW_TESTS_E2E_TEST_SERVER_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <grpcgw/grpcgw.h>
#include <grpcpp/server.h>

#include "e2e.grpc.pb.h"
#include "e2e.grpcgw.h"

namespace e2e_test {

// An append-only list of events with bounded waits. Thread-safe.
class EventLog {
 public:
  void Record(std::string event);
  // True once `event` has been recorded `times` times (waiting up to `timeout`).
  bool WaitFor(const std::string& event, std::chrono::milliseconds timeout, size_t times = 1) const;
  size_t Count(const std::string& event) const;
  // Events starting with `prefix`, in order.
  std::vector<std::string> WithPrefix(const std::string& prefix) const;
  void Clear();

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> events_;  // guarded by mu_
};

// Runs callbacks at given times on one thread of its own. Thread-safe.
class Timer {
 public:
  Timer();
  ~Timer();  // drops the callbacks that have not run
  void After(std::chrono::milliseconds delay, std::function<void()> callback);

 private:
  void Run();
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> due_;  // guarded by mu_
  bool stopping_ = false;                                                          // guarded by mu_
  std::thread thread_;
};

// e2e.Svc on the callback API; see e2e.proto for what each method does.
class TestService final : public e2e::Svc::CallbackService {
 public:
  TestService();
  ~TestService() override;

  EventLog& events() { return events_; }

  // Lets a Watch waiting on `topic` send its next message. A signal that no
  // Watch waits for is kept for the next one that does.
  void Signal(const std::string& topic);

  // The client metadata of the most recent call of `method` ("Watch",
  // "Echo", ...), as key/value pairs; empty if there was none.
  std::vector<std::pair<std::string, std::string>> LastMetadata(const std::string& method) const;

  // Used by the stream reactors (public for them; not for tests).
  // Runs `resume` at the next Signal(topic), at once if one is pending.
  // Returns an id for CancelWait.
  uint64_t WaitForSignal(const std::string& topic, std::function<void()> resume);
  void CancelWait(uint64_t id);
  void RecordMetadata(const std::string& method, const grpc::CallbackServerContext* context);
  Timer& timer() { return timer_; }

  grpc::ServerUnaryReactor* EchoTypes(grpc::CallbackServerContext* context, const e2e::AllTypes* request,
                                      e2e::AllTypes* response) override;
  grpc::ServerUnaryReactor* GetBook(grpc::CallbackServerContext* context, const e2e::Book* request,
                                    e2e::Book* response) override;
  grpc::ServerUnaryReactor* CreateBook(grpc::CallbackServerContext* context, const e2e::CreateBookRequest* request,
                                       e2e::Book* response) override;
  grpc::ServerUnaryReactor* PutBook(grpc::CallbackServerContext* context, const e2e::Book* request,
                                    e2e::Book* response) override;
  grpc::ServerUnaryReactor* UpdateBook(grpc::CallbackServerContext* context, const e2e::UpdateBookRequest* request,
                                       e2e::UpdateBookRequest* response) override;
  grpc::ServerUnaryReactor* DeleteBook(grpc::CallbackServerContext* context, const e2e::Book* request,
                                       e2e::Book* response) override;
  grpc::ServerUnaryReactor* PublishBook(grpc::CallbackServerContext* context, const e2e::Book* request,
                                        e2e::Book* response) override;
  grpc::ServerUnaryReactor* DescribeShelf(grpc::CallbackServerContext* context,
                                          const e2e::ListBooksRequest* request,
                                          e2e::ListBooksResponse* response) override;
  grpc::ServerUnaryReactor* ListBooks(grpc::CallbackServerContext* context, const e2e::ListBooksRequest* request,
                                      e2e::ListBooksResponse* response) override;
  grpc::ServerUnaryReactor* GetFile(grpc::CallbackServerContext* context, const e2e::FileRequest* request,
                                    e2e::FileRequest* response) override;
  grpc::ServerUnaryReactor* Upload(grpc::CallbackServerContext* context, const e2e::UploadRequest* request,
                                   google::api::HttpBody* response) override;
  grpc::ServerUnaryReactor* Download(grpc::CallbackServerContext* context, const e2e::DownloadRequest* request,
                                     google::api::HttpBody* response) override;
  grpc::ServerUnaryReactor* RawEcho(grpc::CallbackServerContext* context, const google::api::HttpBody* request,
                                    google::api::HttpBody* response) override;
  grpc::ServerUnaryReactor* Fail(grpc::CallbackServerContext* context, const e2e::StatusRequest* request,
                                 google::protobuf::Empty* response) override;
  grpc::ServerUnaryReactor* Metadata(grpc::CallbackServerContext* context, const e2e::MetadataRequest* request,
                                     e2e::MetadataResponse* response) override;
  grpc::ServerUnaryReactor* Sleep(grpc::CallbackServerContext* context, const e2e::SleepRequest* request,
                                  e2e::SleepResponse* response) override;
  grpc::ServerUnaryReactor* Plain(grpc::CallbackServerContext* context, const e2e::Book* request,
                                  e2e::Book* response) override;
  grpc::ServerWriteReactor<e2e::WatchEvent>* Watch(grpc::CallbackServerContext* context,
                                                   const e2e::WatchRequest* request) override;
  grpc::ServerWriteReactor<e2e::WatchEvent>* WatchEvents(grpc::CallbackServerContext* context,
                                                         const e2e::WatchRequest* request) override;
  grpc::ServerWriteReactor<e2e::WatchEvent>* WatchWebSocketOnly(grpc::CallbackServerContext* context,
                                                                const e2e::WatchRequest* request) override;
  grpc::ServerBidiReactor<e2e::EchoMessage, e2e::EchoMessage>* Echo(grpc::CallbackServerContext* context) override;
  grpc::ServerReadReactor<e2e::CollectRequest>* Collect(grpc::CallbackServerContext* context,
                                                        e2e::CollectResponse* response) override;

 private:
  EventLog events_;
  Timer timer_;

  mutable std::mutex mu_;
  // All below guarded by mu_.
  std::map<std::string, int> pending_signals_;  // topic -> signals nobody waited for yet
  struct Waiter {
    uint64_t id;
    std::string topic;
    std::function<void()> resume;
  };
  std::vector<Waiter> waiters_;
  uint64_t next_waiter_id_ = 1;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> last_metadata_;
};

struct ServerConfig {
  grpcgw::GatewayOptions gateway;
  grpcgw::HttpServerOptions http;
  // Runs after the gateway is mounted and before the server listens (user
  // routes, more gateways).
  std::function<void(grpcgw::HttpServer& http, grpc::Server& grpc_server)> setup;
};

// Starts in the constructor (the HTTP server is listening when it returns),
// stops in Stop() or the destructor. Not copyable.
class TestServer {
 public:
  explicit TestServer(ServerConfig config = {});
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // Shuts down the gRPC server (calls still running are cancelled after a
  // short grace period) and the HTTP server, and waits for both. Idempotent.
  void Stop();

  int port() const { return port_; }
  // Whether the server speaks TLS (its config asked for it, or the suites'
  // GRPCGW_TEST_TLS switch is on).
  bool tls() const { return tls_; }
  TestService& service() { return service_; }
  grpcgw::HttpServer& http() { return *http_; }
  grpc::Server& grpc_server() { return *grpc_server_; }

  // A client of this server with bounded timeouts, sending paths as given
  // (no percent-encoding added); HTTPS when tls().
  httplib::Client Client(std::chrono::seconds timeout = std::chrono::seconds(10)) const;

 private:
  TestService service_;
  std::unique_ptr<grpc::Server> grpc_server_;
  std::unique_ptr<grpcgw::HttpServer> http_;
  std::unique_ptr<grpcgw::Gateway<e2e::Svc>> gateway_;
  std::thread listener_;
  int port_ = -1;
  bool tls_ = false;
  bool stopped_ = false;
};

}  // namespace e2e_test

#endif  // GRPCGW_TESTS_E2E_TEST_SERVER_H_
