// The services of the OpenAPI and HTTP-rules tests (tests/protos/openapi,
// tests/protos/yaml) on a real gRPC server, served by real gateways on an
// HttpServer bound to 127.0.0.1 port 0.
//
//   openapi_fixture::Servers servers;          // Things serves /openapi.json
//   httplib::Client client("127.0.0.1", servers.port());
//
// Things echoes what it gets (Echo fails with INVALID_ARGUMENT for the name
// "shelves/fail"); its streams send `count` events. Library keeps books in
// memory; Admin counts them.
#ifndef GRPCGW_TESTS_OPENAPI_FIXTURE_H_
#define GRPCGW_TESTS_OPENAPI_FIXTURE_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <grpcgw/grpcgw.h>
#include <grpcpp/server.h>

#include "admin.grpc.pb.h"
#include "everything.grpc.pb.h"
#include "library.grpc.pb.h"

namespace openapi_fixture {

class ThingsService final : public openapi_test::Things::Service {
 public:
  grpc::Status Echo(grpc::ServerContext*, const openapi_test::Everything* req, openapi_test::Everything* resp) override;
  grpc::Status GetThing(grpc::ServerContext*, const openapi_test::Everything* req,
                        openapi_test::Everything* resp) override;
  grpc::Status Anonymous(grpc::ServerContext*, const openapi_test::Everything* req,
                         openapi_test::Everything* resp) override;
  grpc::Status Custom(grpc::ServerContext*, const openapi_test::Everything* req,
                      openapi_test::Everything* resp) override;
  grpc::Status Old(grpc::ServerContext*, const google::protobuf::Empty*, google::protobuf::Empty*) override;
  grpc::Status Raw(grpc::ServerContext*, const google::api::HttpBody* req, google::api::HttpBody* resp) override;
  grpc::Status Watch(grpc::ServerContext*, const openapi_test::WatchRequest* req,
                     grpc::ServerWriter<openapi_test::Event>* writer) override;
  grpc::Status Upload(grpc::ServerContext*, grpc::ServerReader<openapi_test::Everything>* reader,
                      openapi_test::Summary* resp) override;
  grpc::Status Chat(grpc::ServerContext*,
                    grpc::ServerReaderWriter<openapi_test::Everything, openapi_test::Everything>* stream) override;
  grpc::Status SocketOnly(grpc::ServerContext* ctx, const openapi_test::WatchRequest* req,
                          grpc::ServerWriter<openapi_test::Event>* writer) override {
    return Watch(ctx, req, writer);
  }
  grpc::Status NoSse(grpc::ServerContext* ctx, const openapi_test::WatchRequest* req,
                     grpc::ServerWriter<openapi_test::Event>* writer) override {
    return Watch(ctx, req, writer);
  }
  grpc::Status Nowhere(grpc::ServerContext* ctx, const openapi_test::WatchRequest* req,
                       grpc::ServerWriter<openapi_test::Event>* writer) override {
    return Watch(ctx, req, writer);
  }
  grpc::Status Unbound(grpc::ServerContext*, const openapi_test::Summary*, google::protobuf::Empty*) override {
    return grpc::Status::OK;
  }
};

class LibraryService final : public library::Library::Service {
 public:
  grpc::Status GetBook(grpc::ServerContext*, const library::GetBookRequest* req, library::Book* resp) override;
  grpc::Status ListBooks(grpc::ServerContext*, const library::ListBooksRequest* req,
                         library::ListBooksResponse* resp) override;
  grpc::Status CreateBook(grpc::ServerContext*, const library::CreateBookRequest* req, library::Book* resp) override;
  grpc::Status WatchBooks(grpc::ServerContext*, const library::ListBooksRequest* req,
                          grpc::ServerWriter<library::Book>* writer) override;
  grpc::Status Ping(grpc::ServerContext*, const google::protobuf::Empty*, google::protobuf::Empty*) override {
    return grpc::Status::OK;
  }
  size_t size();

 private:
  std::mutex mu_;
  std::map<std::string, library::Book> books_;  // by name
};

class AdminService final : public library::admin::Admin::Service {
 public:
  explicit AdminService(LibraryService& library) : library_(library) {}
  grpc::Status Reset(grpc::ServerContext*, const library::admin::ResetRequest*,
                     library::admin::ResetResponse* resp) override;
  grpc::Status Status(grpc::ServerContext*, const library::admin::StatusRequest*,
                      library::admin::StatusResponse* resp) override;

 private:
  LibraryService& library_;
};

// Options for the Things gateway that serve its document at /openapi.json.
grpcgw::GatewayOptions ServingOptions();

class Servers {
 public:
  explicit Servers(grpcgw::GatewayOptions things_options = ServingOptions());
  ~Servers();
  Servers(const Servers&) = delete;
  Servers& operator=(const Servers&) = delete;

  int port() const { return port_; }
  grpc::Server& grpc_server() { return *server_; }

 private:
  ThingsService things_;
  LibraryService library_;
  AdminService admin_{library_};
  std::unique_ptr<grpc::Server> server_;
  grpcgw::HttpServer http_;
  std::thread http_thread_;
  int port_ = 0;
};

}  // namespace openapi_fixture

#endif  // GRPCGW_TESTS_OPENAPI_FIXTURE_H_
