#include "fixture.h"

#include <chrono>
#include <stdexcept>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "admin.grpcgw.h"
#include "everything.grpcgw.h"
#include "library.grpcgw.h"

namespace openapi_fixture {

grpc::Status ThingsService::Echo(grpc::ServerContext*, const openapi_test::Everything* req,
                                 openapi_test::Everything* resp) {
  if (req->name() == "shelves/fail") return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "asked to fail");
  *resp = *req;
  return grpc::Status::OK;
}

grpc::Status ThingsService::GetThing(grpc::ServerContext* ctx, const openapi_test::Everything* req,
                                     openapi_test::Everything* resp) {
  return Echo(ctx, req, resp);
}

grpc::Status ThingsService::Anonymous(grpc::ServerContext* ctx, const openapi_test::Everything* req,
                                      openapi_test::Everything* resp) {
  return Echo(ctx, req, resp);
}

grpc::Status ThingsService::Custom(grpc::ServerContext* ctx, const openapi_test::Everything* req,
                                   openapi_test::Everything* resp) {
  return Echo(ctx, req, resp);
}

grpc::Status ThingsService::Old(grpc::ServerContext*, const google::protobuf::Empty*, google::protobuf::Empty*) {
  return grpc::Status::OK;
}

grpc::Status ThingsService::Raw(grpc::ServerContext*, const google::api::HttpBody* req, google::api::HttpBody* resp) {
  *resp = *req;
  return grpc::Status::OK;
}

grpc::Status ThingsService::Watch(grpc::ServerContext*, const openapi_test::WatchRequest* req,
                                  grpc::ServerWriter<openapi_test::Event>* writer) {
  for (int i = 1; i <= req->count(); ++i) {
    openapi_test::Event event;
    event.set_seq(i);
    event.set_type(i % 2 == 1 ? "odd" : "even");
    event.mutable_thing()->set_name("shelves/s" + std::to_string(i));
    event.mutable_thing()->set_kind(req->kind());
    event.mutable_thing()->mutable_at()->set_seconds(1700000000 + i);
    if (!writer->Write(event)) break;
  }
  return grpc::Status::OK;
}

grpc::Status ThingsService::Upload(grpc::ServerContext*, grpc::ServerReader<openapi_test::Everything>* reader,
                                   openapi_test::Summary* resp) {
  openapi_test::Everything thing;
  while (reader->Read(&thing)) {
    resp->set_received(resp->received() + 1);
    resp->add_names(thing.name());
  }
  return grpc::Status::OK;
}

grpc::Status ThingsService::Chat(
    grpc::ServerContext*, grpc::ServerReaderWriter<openapi_test::Everything, openapi_test::Everything>* stream) {
  openapi_test::Everything thing;
  while (stream->Read(&thing)) {
    if (!stream->Write(thing)) break;
  }
  return grpc::Status::OK;
}

grpc::Status LibraryService::GetBook(grpc::ServerContext*, const library::GetBookRequest* req, library::Book* resp) {
  std::lock_guard<std::mutex> lock(mu_);
  auto found = books_.find(req->name());
  if (found == books_.end()) return grpc::Status(grpc::StatusCode::NOT_FOUND, "no book " + req->name());
  *resp = found->second;
  return grpc::Status::OK;
}

grpc::Status LibraryService::ListBooks(grpc::ServerContext*, const library::ListBooksRequest* req,
                                       library::ListBooksResponse* resp) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& entry : books_) {
    if (entry.first.rfind(req->shelf() + "/", 0) != 0) continue;
    if (req->page_size() > 0 && resp->books_size() >= req->page_size()) break;
    *resp->add_books() = entry.second;
  }
  return grpc::Status::OK;
}

grpc::Status LibraryService::CreateBook(grpc::ServerContext*, const library::CreateBookRequest* req,
                                        library::Book* resp) {
  if (req->book().title().empty()) return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "a book needs a title");
  std::lock_guard<std::mutex> lock(mu_);
  library::Book book = req->book();
  std::string id;
  for (char c : book.title()) id += (c == ' ') ? '-' : c;
  book.set_name(req->shelf() + "/books/" + id);
  books_[book.name()] = book;
  *resp = book;
  return grpc::Status::OK;
}

grpc::Status LibraryService::WatchBooks(grpc::ServerContext* ctx, const library::ListBooksRequest* req,
                                        grpc::ServerWriter<library::Book>* writer) {
  library::ListBooksResponse list;
  grpc::Status s = ListBooks(ctx, req, &list);
  if (!s.ok()) return s;
  for (const library::Book& book : list.books()) {
    if (!writer->Write(book)) break;
  }
  return grpc::Status::OK;
}

size_t LibraryService::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return books_.size();
}

grpc::Status AdminService::Reset(grpc::ServerContext*, const library::admin::ResetRequest*,
                                 library::admin::ResetResponse* resp) {
  resp->set_removed(static_cast<int>(library_.size()));
  return grpc::Status::OK;
}

grpc::Status AdminService::Status(grpc::ServerContext*, const library::admin::StatusRequest*,
                                  library::admin::StatusResponse* resp) {
  resp->set_books(static_cast<int>(library_.size()));
  return grpc::Status::OK;
}

grpcgw::GatewayOptions ServingOptions() {
  grpcgw::GatewayOptions options;
  options.openapi.serve = true;
  return options;
}

Servers::Servers(grpcgw::GatewayOptions things_options) {
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port);
  builder.RegisterService(&things_);
  builder.RegisterService(&library_);
  builder.RegisterService(&admin_);
  server_ = builder.BuildAndStart();
  if (!server_) throw std::runtime_error("cannot start the gRPC server");

  grpcgw::Gateway<openapi_test::Things> things(*server_, std::move(things_options));
  things.mount(http_);
  grpcgw::GatewayOptions library_options;
  library_options.openapi.serve = true;
  library_options.openapi.path = "/library/openapi.json";
  grpcgw::Gateway<library::Library> library(*server_, library_options);
  library.mount(http_);
  grpcgw::Gateway<library::admin::Admin> admin(*server_);
  admin.mount(http_);

  port_ = http_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind the HTTP server");
  http_thread_ = std::thread([this] { http_.listen_after_bind(); });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!http_.is_running() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Servers::~Servers() {
  http_.stop();
  if (http_thread_.joinable()) http_thread_.join();
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
}

}  // namespace openapi_fixture
