// The server of bench/unary_bench.sh: one gateway route (GET /v1/items/{id},
// a unary gRPC call through the in-process channel) and one bare
// cpp-httplib handler (GET /bare/items/42) answering the same JSON, on the
// same grpcgw::HttpServer, so the difference is the gateway's own cost.
// With --grpc-port the gRPC server also listens on 127.0.0.1 (0 picks a
// port), for bench/peer/peer_bench.sh to put grpc-gateway in front of the
// same service.
//
//   unary_bench_server [--port N] [--grpc-port N] [--unary-on-workers] [--event-loops N]
//                      [--tls CERT_PEM KEY_PEM]
//       prints "grpc listening on <port>" (with --grpc-port), then
//       "listening on <port>"; runs until SIGINT/SIGTERM;
//       --unary-on-workers hands gateway unary requests to a worker thread
//       (HttpServerOptions::unary_on_loop = false) instead of running them
//       on the event loop; with --tls the port speaks TLS (ALPN h2 and
//       http/1.1)
#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include <grpcgw/grpcgw.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "unary_bench.grpcgw.h"

namespace {

class ItemsService final : public bench::Items::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetItem(grpc::CallbackServerContext* context, const bench::GetItemRequest* request,
                                    bench::Item* response) override {
    response->set_id(request->id());
    response->set_name("widget");
    response->set_price(9.5);
    response->add_tags("blue");
    response->add_tags("small");
    response->set_stock(12);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// What the gateway prints for GET /v1/items/42 (default options).
constexpr char kBareJson[] = R"({"id":"42","name":"widget","price":9.5,"tags":["blue","small"],"stock":12})";

}  // namespace

int main(int argc, char** argv) {
  int port = 0;
  grpcgw::HttpServerOptions options;
  int grpc_port = -1;  // no TCP listener unless asked
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0 && i + 1 < argc) port = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--grpc-port") == 0 && i + 1 < argc) grpc_port = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--unary-on-workers") == 0) options.unary_on_loop = false;
    else if (std::strcmp(argv[i], "--event-loops") == 0 && i + 1 < argc) options.event_loops = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--tls") == 0 && i + 2 < argc) {
      options.tls.cert_chain_file = argv[++i];
      options.tls.private_key_file = argv[++i];
    }
  }
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  ItemsService service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  int selected_grpc_port = 0;
  if (grpc_port >= 0) {
    builder.AddListeningPort("127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureServerCredentials(),
                             &selected_grpc_port);
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || (grpc_port >= 0 && selected_grpc_port == 0)) {
    std::fprintf(stderr, "cannot start the gRPC server\n");
    return 1;
  }
  if (grpc_port >= 0) std::printf("grpc listening on %d\n", selected_grpc_port);

  grpcgw::HttpServer http(options);
  grpcgw::Gateway<bench::Items> gateway(*server);
  gateway.mount(http);
  http.Get("/bare/items/42", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kBareJson, sizeof(kBareJson) - 1, "application/json");
  });
  if (port == 0) {
    port = http.bind_to_any_port("127.0.0.1");
  } else if (!http.bind_to_port("127.0.0.1", port)) {
    port = -1;
  }
  if (port <= 0) {
    std::fprintf(stderr, "cannot listen: %s\n", http.last_error().c_str());
    return 1;
  }
  std::printf("listening on %d\n", port);
  std::fflush(stdout);

  std::atomic<bool> stopping{false};
  std::thread stopper([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    stopping = true;
    http.stop();
  });
  http.listen_after_bind();
  if (!stopping) pthread_kill(stopper.native_handle(), SIGTERM);  // stopped by itself
  stopper.join();
  server->Shutdown();
  return 0;
}
