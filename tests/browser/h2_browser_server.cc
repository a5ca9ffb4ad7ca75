// The server the HTTP/2 browser test drives (http2_browser_test.cjs): the
// e2e service (tests/protos/e2e) behind grpcgw over TLS with the test
// certificate (ALPN h2 and http/1.1), a blank page at /, and /h2stats with
// the server's HTTP/2 counters. Prints "listening on <port>"; stops when
// its standard input closes.
#include <cstdio>
#include <iostream>
#include <string>

#include "test_server.h"
#include "tls_test_util.h"

int main() {
  e2e_test::ServerConfig config;
  config.http.tls.cert_chain_file = e2e_test::TestCertificate().cert_file;
  config.http.tls.private_key_file = e2e_test::TestCertificate().key_file;
  config.setup = [](grpcgw::HttpServer& http, grpc::Server&) {
    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("<!doctype html><title>h2</title><p>h2</p>", "text/html");
    });
    http.Get("/h2stats", [&http](const httplib::Request&, httplib::Response& res) {
      auto c = http.http2_counters();
      grpcgw::Connection* conn = grpcgw::Connection::Current();
      res.set_content("{\"connections\":" + std::to_string(c.connections) + ",\"streams\":" +
                          std::to_string(c.streams) + ",\"extendedConnects\":" + std::to_string(c.extended_connects) +
                          ",\"thisRequestHttp2\":" + (conn != nullptr && conn->http2() ? "true" : "false") + "}",
                      "application/json");
    });
  };
  e2e_test::TestServer server(config);
  std::printf("listening on %d\n", server.port());
  std::fflush(stdout);
  std::string line;
  while (std::getline(std::cin, line)) {
  }
  server.Stop();
  return 0;
}
