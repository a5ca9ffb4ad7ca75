// The chat example: one gRPC service, served over gRPC and, through grpcgw,
// over HTTP/JSON with Server-Sent Events, plus a page at "/" that uses both.
//
//   example_server [--host 127.0.0.1] [--port 8080] [--grpc-port 9090]
//                  [--tls-cert chain.pem --tls-key key.pem]
//
// With --tls-cert and --tls-key the HTTP port speaks TLS (https://, wss://);
// SIGHUP then reloads the certificate files without a restart.
// The ports can also come from CHAT_HTTP_PORT and CHAT_GRPC_PORT; port 0
// picks a free one (the first line printed names the ports in use).
// Ctrl-C or SIGTERM stops the server.
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

#include "chat.grpcgw.h"
#include "chat_index_html.h"
#include "chat_service.h"

namespace {

struct Flags {
  std::string host = "127.0.0.1";
  int http_port = 8080;
  int grpc_port = 9090;
  std::string tls_cert;  // PEM certificate chain
  std::string tls_key;   // PEM private key
};

int PortFrom(const char* text, const char* what) {
  char* end = nullptr;
  long port = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || port < 0 || port > 65535) {
    std::fprintf(stderr, "%s: not a port number: %s\n", what, text);
    std::exit(2);
  }
  return static_cast<int>(port);
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  if (const char* env = std::getenv("CHAT_HTTP_PORT")) flags.http_port = PortFrom(env, "CHAT_HTTP_PORT");
  if (const char* env = std::getenv("CHAT_GRPC_PORT")) flags.grpc_port = PortFrom(env, "CHAT_GRPC_PORT");
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--host") {
      flags.host = value();
    } else if (arg == "--port") {
      flags.http_port = PortFrom(value(), "--port");
    } else if (arg == "--grpc-port") {
      flags.grpc_port = PortFrom(value(), "--grpc-port");
    } else if (arg == "--tls-cert") {
      flags.tls_cert = value();
    } else if (arg == "--tls-key") {
      flags.tls_key = value();
    } else {
      std::fprintf(stderr,
                   "usage: %s [--host H] [--port HTTP_PORT] [--grpc-port GRPC_PORT] [--tls-cert CHAIN.pem "
                   "--tls-key KEY.pem]\n",
                   argv[0]);
      std::exit(arg == "--help" || arg == "-h" ? 0 : 2);
    }
  }
  if (flags.tls_cert.empty() != flags.tls_key.empty()) {
    std::fprintf(stderr, "--tls-cert and --tls-key go together\n");
    std::exit(2);
  }
  return flags;
}

void PrintTryLines(const std::string& base, int grpc_port) {
  std::printf(
      "chat example: HTTP on %s, gRPC on port %d\n"
      "\n"
      "Open %s/ in a browser, or try:\n"
      "  curl -s -X POST %s/v1/rooms/lobby/messages -H 'Content-Type: application/json' \\\n"
      "       -d '{\"author\":\"ada\",\"text\":\"hello\"}'\n"
      "  curl -s %s/v1/rooms/lobby/messages\n"
      "  curl -s %s/v1/rooms\n"
      "  curl -sN -H 'Accept: text/event-stream' %s/v1/rooms/lobby/messages:watch\n"
      "  curl -sN %s/v1/rooms/lobby/messages:watch        # chunked NDJSON\n"
      "  curl -s -i %s/v1/rooms/nowhere/messages          # 404 with a JSON status\n"
      "  curl -s %s/openapi.json                          # the OpenAPI 3.1 document\n"
      "\n",
      base.c_str(), grpc_port, base.c_str(), base.c_str(), base.c_str(), base.c_str(), base.c_str(), base.c_str(),
      base.c_str(), base.c_str());
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);

  // Ctrl-C and SIGTERM are taken by a thread of their own (below), not by
  // a handler interrupting whatever runs.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGHUP);  // reloads the TLS certificate
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  chat_example::ChatService service;
  grpc::ServerBuilder builder;
  int grpc_port = 0;
  builder.AddListeningPort(flags.host + ":" + std::to_string(flags.grpc_port), grpc::InsecureServerCredentials(),
                           &grpc_port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || grpc_port == 0) {
    std::fprintf(stderr, "cannot serve gRPC on %s:%d\n", flags.host.c_str(), flags.grpc_port);
    return 1;
  }

  grpcgw::HttpServerOptions http_options;
  http_options.tls.cert_chain_file = flags.tls_cert;  // TLS when given
  http_options.tls.private_key_file = flags.tls_key;
  grpcgw::HttpServer http(http_options);
  grpcgw::GatewayOptions options;
  options.openapi.serve = true;                           // GET /openapi.json
  grpcgw::Gateway<chat::Chat> gateway(*server, options);  // calls go through server->InProcessChannel()
  gateway.mount(http);                           // every google.api.http binding of the service
  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(kIndexHtml, "text/html; charset=utf-8");
  });

  int http_port = flags.http_port;
  if (http_port == 0) {
    http_port = http.bind_to_any_port(flags.host);
  } else if (!http.bind_to_port(flags.host, http_port)) {
    http_port = -1;
  }
  if (http_port <= 0) {
    std::fprintf(stderr, "cannot listen on %s:%d: %s\n", flags.host.c_str(), flags.http_port,
                 http.last_error().c_str());
    server->Shutdown();
    return 1;
  }
  std::string host = flags.host.find(':') != std::string::npos ? "[" + flags.host + "]" : flags.host;
  PrintTryLines((http.tls_enabled() ? "https://" : "http://") + host + ":" + std::to_string(http_port), grpc_port);

  std::atomic<bool> stopping{false};
  std::thread stopper([&] {
    int signal_number = 0;
    for (;;) {
      sigwait(&stop_signals, &signal_number);
      if (signal_number != SIGHUP) break;
      if (!http.tls_enabled()) continue;
      bool ok = http.ReloadCertificates();
      std::printf("%s\n", ok ? "TLS certificate reloaded" : ("TLS reload failed: " + http.last_error()).c_str());
      std::fflush(stdout);
    }
    stopping = true;
    std::printf("stopping (%s)\n", strsignal(signal_number));
    std::fflush(stdout);
    // HTTP first: it stops accepting and cancels the calls of open streams
    // and waiting requests, so nothing reaches gRPC after its shutdown.
    http.stop();
  });
  http.listen_after_bind();
  if (!stopping) pthread_kill(stopper.native_handle(), SIGTERM);  // the server stopped by itself
  stopper.join();
  // Then gRPC: calls still running get a second to finish.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  server->Wait();
  return 0;
}
