// TLS in HttpServer, end to end: https:// and wss:// for every transport
// through cpp-httplib's SSL client and raw TLS sockets, ALPN, the handshake
// on the event loop (a stalled one cut by the head timeout, and not holding
// up anyone else), plaintext to a TLS port, certificate errors at bind time,
// and reloading certificates while serving. Certificates are made by the
// test (tests/e2e/tls_test_util.h).
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <openssl/ssl.h>

#include "test_server.h"
#include "test_util.h"
#include "tls_test_util.h"
#include "websocket_test_util.h"

namespace e2e_test {
namespace {

ServerConfig TlsConfig(const TestCert& cert = TestCertificate()) {
  ServerConfig config;
  config.http.tls.cert_chain_file = cert.cert_file;
  config.http.tls.private_key_file = cert.key_file;
  return config;
}

std::string Alpn(SSL* ssl) {
  const unsigned char* p = nullptr;
  unsigned int len = 0;
  SSL_get0_alpn_selected(ssl, &p, &len);
  return p == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(p), len);
}

// Connects with TLS using `ctx`; the SSL (or null when the handshake
// failed) and its socket.
struct TlsClient {
  TlsClient(int port, SSL_CTX* ctx) : conn(port, /*tls=*/false) {
    if (!conn.connected()) return;
    timeval tv{5, 0};
    ::setsockopt(conn.fd(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, conn.fd());
    if (SSL_connect(ssl) != 1) {
      SSL_free(ssl);
      ssl = nullptr;
    }
  }
  ~TlsClient() {
    if (ssl) SSL_free(ssl);
  }
  RawConnection conn;
  SSL* ssl = nullptr;
};

TEST_CASE("https unary, SSE, chunked and wss WebSocket through the TLS server", "[server][tls]") {
  ServerConfig config = TlsConfig();
  config.setup = [](grpcgw::HttpServer& http, grpc::Server&) {
    // What a handler sees of the connection's TLS.
    http.Get("/alpn", [](const httplib::Request&, httplib::Response& res) {
      grpcgw::Connection* c = grpcgw::Connection::Current();
      res.set_content(c != nullptr ? std::string(c->protocol()) : "none", "text/plain");
    });
    http.Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(3 << 20, 'b'), "text/plain");
    });
  };
  TestServer server(config);
  REQUIRE(server.tls());
  httplib::Client client = server.Client();
  client.set_keep_alive(true);

  SECTION("unary") {
    auto res = client.Get("/v1/shelves/s1/books/b1");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(ParseJson(res->body)["name"].GetString() == std::string("shelves/s1/books/b1"));
    // Keep-alive: the next request goes over the same TLS connection.
    auto again = client.Get("/v1/shelves/s1/books/b2");
    REQUIRE(again);
    CHECK(again->status == 200);
    CHECK(server.http().tls_counters().handshakes == 1);
    // cpp-httplib offers no ALPN: none agreed.
    auto alpn = client.Get("/alpn");
    REQUIRE(alpn);
    CHECK(alpn->body == "");
    // A client offering http/1.1 gets it, and the handler sees it.
    RawConnection conn(server.port(), /*tls=*/true);
    REQUIRE(conn.Send("GET /alpn HTTP/1.1\r\nHost: x\r\n\r\n"));
    RawResponse raw;
    REQUIRE(conn.ReadResponse(&raw, 5s));
    CHECK(raw.body == "http/1.1");
  }
  SECTION("SSE") {
    auto res = client.Get("/v1/watch/t?count=3", {{"Accept", "text/event-stream"}});
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/event-stream");
    CHECK(res->body.find("\"seq\":\"2\"") != std::string::npos);
    CHECK(res->body.find("event: EOS") != std::string::npos);
  }
  SECTION("chunked NDJSON") {
    auto res = client.Get("/v1/watch/t?count=3", {{"Accept", "application/x-ndjson"}});
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/x-ndjson");
    CHECK(std::count(res->body.begin(), res->body.end(), '\n') == 3);
  }
  SECTION("wss WebSocket over a raw TLS connection") {
    WsClient ws(server.port(), /*tls=*/true);
    REQUIRE(ws.conn().tls());
    CHECK(Alpn(ws.conn().ssl()) == "http/1.1");
    REQUIRE(ws.Open("/v1/rooms/r:echo"));
    for (int i = 0; i < 3; ++i) {
      REQUIRE(ws.SendText("{\"text\":\"hi" + std::to_string(i) + "\"}"));
      std::string reply;
      REQUIRE(ws.ReadText(&reply));
      CHECK(ParseJson(reply)["text"].GetString() == "hi" + std::to_string(i));
    }
    REQUIRE(ws.SendClose(1000, "bye"));
    WsClose close = ws.ReadClose();
    CHECK(close.received);
    CHECK(close.code == 1000);
    CHECK(close.eof);
  }
  SECTION("a large response goes out whole through partial TLS writes") {
    // 3 MiB in one response: the socket takes it in pieces.
    auto res = client.Get("/big");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->body == std::string(3 << 20, 'b'));
  }
}

TEST_CASE("ALPN picks the server's protocol the client offers, or none", "[server][tls]") {
  ServerConfig config = TlsConfig();
  config.http.tls.alpn_protocols = {"h2", "http/1.1"};
  TestServer server(config);
  struct Row {
    const char* offer;
    const char* agreed;
  };
  const Row rows[] = {{"http/1.1", "http/1.1"}, {"http/1.1,h2", "h2"}, {"spdy/3", ""}, {"", ""}};
  for (const Row& row : rows) {
    DYNAMIC_SECTION("client offers '" << row.offer << "'") {
      SSL_CTX* ctx = NewTestClientContext(row.offer);
      {
        TlsClient c(server.port(), ctx);
        REQUIRE(c.ssl != nullptr);
        CHECK(Alpn(c.ssl) == row.agreed);
      }
      SSL_CTX_free(ctx);
    }
  }
}

TEST_CASE("TLS below 1.2 is refused", "[server][tls]") {
  TestServer server(TlsConfig());
  SSL_CTX* ctx = NewTestClientContext();
  SSL_CTX_set_security_level(ctx, 0);  // so that the client offers TLS 1.1 at all
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
  {
    TlsClient c(server.port(), ctx);
    CHECK(c.ssl == nullptr);
  }
  SSL_CTX_free(ctx);
  CHECK(WaitUntil([&] { return server.http().tls_counters().handshake_failures >= 1; }, 5s));
  // A TLS 1.2 client is served.
  ctx = NewTestClientContext();
  SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
  {
    TlsClient c(server.port(), ctx);
    REQUIRE(c.ssl != nullptr);
    CHECK(SSL_version(c.ssl) == TLS1_2_VERSION);
  }
  SSL_CTX_free(ctx);
}

TEST_CASE("a stalled TLS handshake is cut by the head timeout and holds up no one", "[server][tls]") {
  ServerConfig config = TlsConfig();
  config.http.head_timeout = std::chrono::milliseconds(1500);
  config.http.event_loops = 1;  // every connection on the one loop
  TestServer server(config);
  // Connections that never send a byte, and connections stuck inside a
  // ClientHello (a record header promising more than comes).
  std::vector<std::unique_ptr<RawConnection>> stalled;
  for (int i = 0; i < 20; ++i) {
    stalled.push_back(std::make_unique<RawConnection>(server.port(), /*tls=*/false));
    REQUIRE(stalled.back()->connected());
    if (i % 2 == 1) stalled.back()->Send(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11));
  }
  // Meanwhile, https requests are answered: before any stalled handshake
  // ran out of time.
  httplib::Client client = server.Client(std::chrono::seconds(5));
  for (int i = 0; i < 5; ++i) {
    auto res = client.Get("/v1/shelves/s1/books/b" + std::to_string(i));
    REQUIRE(res);
    CHECK(res->status == 200);
  }
  CHECK(server.http().tls_counters().handshake_timeouts == 0);
  // Then the stalled ones are closed, without a word.
  for (auto& c : stalled) {
    bool closed = false;
    CHECK(c->ReadToClose(5s, &closed).empty());
    CHECK(closed);
  }
  CHECK(server.http().tls_counters().handshake_timeouts == 20);
  CHECK(WaitUntil([&] { return server.http().open_connections() <= 1; }, 5s));
}

TEST_CASE("plaintext HTTP to a TLS port is closed", "[server][tls]") {
  TestServer server(TlsConfig());
  RawConnection conn(server.port(), /*tls=*/false);
  REQUIRE(conn.Send("GET /v1/shelves/s1/books/b1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  std::string got = conn.ReadToClose(5s, &closed);
  CHECK(closed);
  CHECK(got.find("HTTP/1.1") == std::string::npos);
  CHECK(WaitUntil([&] { return server.http().tls_counters().handshake_failures == 1; }, 5s));
  // The server goes on serving.
  auto res = server.Client().Get("/v1/shelves/s1/books/b1");
  REQUIRE(res);
  CHECK(res->status == 200);
}

TEST_CASE("on a TLS port, connections beyond max_connections are closed without a plaintext 503",
          "[server][tls]") {
  ServerConfig config = TlsConfig();
  config.http.max_connections = 1;
  TestServer server(config);
  auto first = std::make_unique<RawConnection>(server.port(), /*tls=*/true);
  REQUIRE(first->tls());
  REQUIRE(first->Send("GET /v1/shelves/s1/books/b1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  RawResponse res;
  REQUIRE(first->ReadResponse(&res, 5s));
  CHECK(res.status == 200);
  {
    RawConnection second(server.port(), /*tls=*/false);
    bool closed = false;
    CHECK(second.ReadToClose(5s, &closed).empty());  // no bytes a TLS client could not read
    CHECK(closed);
  }
  first.reset();
  CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
  RawConnection third(server.port(), /*tls=*/true);
  REQUIRE(third.tls());
  REQUIRE(third.Send("GET /v1/shelves/s1/books/b3 HTTP/1.1\r\nHost: x\r\n\r\n"));
  REQUIRE(third.ReadResponse(&res, 5s));
  CHECK(res.status == 200);
}

TEST_CASE("pipelined requests in one TLS record, and a body split over many, are all served", "[server][tls]") {
  TestServer server(TlsConfig());
  RawConnection conn(server.port(), /*tls=*/true);
  REQUIRE(conn.tls());
  std::string requests;
  for (int i = 0; i < 10; ++i) requests += "GET /v1/shelves/s1/books/p" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(conn.Send(requests));  // one SSL_write: one record
  for (int i = 0; i < 10; ++i) {
    RawResponse res;
    REQUIRE(conn.ReadResponse(&res, 5s));
    CHECK(res.status == 200);
    CHECK(res.body.find("shelves/s1/books/p" + std::to_string(i)) != std::string::npos);
  }
  // A 100 KiB body in 1 KiB records.
  std::string book = "{\"name\":\"shelves/s1/books/big\",\"title\":\"" + std::string(100 << 10, 't') + "\"}";
  REQUIRE(conn.Send("PUT /v1/shelves/s1/books/big HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    "Content-Length: " + std::to_string(book.size()) + "\r\n\r\n"));
  for (size_t at = 0; at < book.size(); at += 1024) REQUIRE(conn.Send(book.substr(at, 1024)));
  RawResponse res;
  REQUIRE(conn.ReadResponse(&res, 5s));
  CHECK(res.status == 200);
  CHECK(res.body.size() > (100u << 10));
}

TEST_CASE("certificate errors make bind fail with the reason", "[server][tls]") {
  const TestCert& cert = TestCertificate();
  const TestCert other = MakeTestCertificate("other");
  struct Row {
    const char* name;
    std::string cert_file, key_file, expect;
  };
  const Row rows[] = {
      {"missing certificate file", "/nonexistent/cert.pem", cert.key_file, "/nonexistent/cert.pem"},
      {"missing key file", cert.cert_file, "/nonexistent/key.pem", "/nonexistent/key.pem"},
      {"key of another certificate", cert.cert_file, other.key_file, "does not match"},
      {"a key where the certificate goes", cert.key_file, cert.key_file, "certificate chain"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      grpcgw::HttpServerOptions options;
      options.tls.cert_chain_file = row.cert_file;
      options.tls.private_key_file = row.key_file;
      grpcgw::HttpServer http(options);
      CHECK(http.bind_to_any_port("127.0.0.1") == -1);
      CHECK(http.last_error().find(row.expect) != std::string::npos);
      INFO(http.last_error());
    }
  }
}

TEST_CASE("certificates reload without a restart, and open connections keep theirs", "[server][tls]") {
  TestCert first = MakeTestCertificate("first");
  ServerConfig config = TlsConfig(first);
  TestServer server(config);
  SSL_CTX* ctx = NewTestClientContext();

  TlsClient before(server.port(), ctx);
  REQUIRE(before.ssl != nullptr);
  CHECK(PeerCommonName(before.ssl) == "first");

  // New files in place of the old, then a reload.
  TestCert second = MakeTestCertificate("second");
  std::ofstream(first.cert_file, std::ios::trunc) << second.cert_pem;
  std::ofstream(first.key_file, std::ios::trunc) << second.key_pem;
  REQUIRE(server.http().ReloadCertificates());
  {
    TlsClient after(server.port(), ctx);
    REQUIRE(after.ssl != nullptr);
    CHECK(PeerCommonName(after.ssl) == "second");
  }
  // The connection made before still works.
  std::string request = "GET /v1/shelves/s1/books/b1 HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(SSL_write(before.ssl, request.data(), static_cast<int>(request.size())) > 0);
  char buf[512];
  int n = SSL_read(before.ssl, buf, sizeof buf);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<size_t>(n)).rfind("HTTP/1.1 200", 0) == 0);

  // A broken file: the reload fails, says why, and the last good
  // certificate stays.
  std::ofstream(first.cert_file, std::ios::trunc) << "not a certificate";
  CHECK_FALSE(server.http().ReloadCertificates());
  CHECK(server.http().last_error().find(first.cert_file) != std::string::npos);
  {
    TlsClient after(server.port(), ctx);
    REQUIRE(after.ssl != nullptr);
    CHECK(PeerCommonName(after.ssl) == "second");
  }

  // A caller's SSL_CTX in place of the files.
  TestCert third = MakeTestCertificate("third");
  SSL_CTX* own = SSL_CTX_new(TLS_server_method());
  REQUIRE(SSL_CTX_use_certificate_chain_file(own, third.cert_file.c_str()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey_file(own, third.key_file.c_str(), SSL_FILETYPE_PEM) == 1);
  REQUIRE(server.http().ReloadCertificates(own));
  SSL_CTX_free(own);  // the server holds its own reference
  {
    TlsClient after(server.port(), ctx);
    REQUIRE(after.ssl != nullptr);
    CHECK(PeerCommonName(after.ssl) == "third");
    CHECK(Alpn(after.ssl) == "http/1.1");
  }
  SSL_CTX_free(ctx);
}

TEST_CASE("certificate reloads from several threads leave last_error() whole", "[server][tls]") {
  // Two threads fail reloads with messages of different lengths while a
  // third copies last_error(): every copy is one of the two messages.
  TestCert cert = MakeTestCertificate("reload-race");
  TestServer server(TlsConfig(cert));
  std::ofstream(cert.cert_file, std::ios::trunc) << "not a certificate";
  const std::string null_ctx = "TLS: null SSL_CTX";
  std::atomic<bool> done{false};
  std::thread files([&] {
    for (int i = 0; i < 2000; ++i) server.http().ReloadCertificates();
  });
  std::thread null([&] {
    for (int i = 0; i < 2000; ++i) server.http().ReloadCertificates(nullptr);
  });
  std::thread stop([&] {
    files.join();
    null.join();
    done.store(true);
  });
  long copies = 0, whole = 0;
  while (!done.load()) {
    std::string e = server.http().last_error();
    ++copies;
    if (e.empty() || e == null_ctx || e.find(cert.cert_file) != std::string::npos) ++whole;
  }
  stop.join();
  CHECK(copies > 0);
  CHECK(whole == copies);
  CHECK_FALSE(server.http().ReloadCertificates(nullptr));
  CHECK(server.http().last_error() == null_ctx);
}

TEST_CASE("a caller's SSL_CTX serves, with SNI through its servername callback", "[server][tls]") {
  // Two certificates on one context: the callback picks by server name.
  static TestCert a = MakeTestCertificate("a.test");
  static TestCert b = MakeTestCertificate("b.test");
  SSL_CTX* ctx_a = SSL_CTX_new(TLS_server_method());
  SSL_CTX* ctx_b = SSL_CTX_new(TLS_server_method());
  REQUIRE(SSL_CTX_use_certificate_chain_file(ctx_a, a.cert_file.c_str()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_a, a.key_file.c_str(), SSL_FILETYPE_PEM) == 1);
  REQUIRE(SSL_CTX_use_certificate_chain_file(ctx_b, b.cert_file.c_str()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_b, b.key_file.c_str(), SSL_FILETYPE_PEM) == 1);
  REQUIRE(grpcgw::ConfigureTlsContext(ctx_b, {"http/1.1"}));
  SSL_CTX_set_tlsext_servername_arg(ctx_a, ctx_b);
  SSL_CTX_set_tlsext_servername_callback(ctx_a, +[](SSL* ssl, int*, void* arg) -> int {
    const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    if (name != nullptr && std::string(name) == "b.test") SSL_set_SSL_CTX(ssl, static_cast<SSL_CTX*>(arg));
    return SSL_TLSEXT_ERR_OK;
  });
  ServerConfig config;
  config.http.tls.ssl_ctx = ctx_a;
  TestServer server(config);
  SSL_CTX_free(ctx_a);

  SSL_CTX* client = NewTestClientContext();
  for (const char* name : {"a.test", "b.test"}) {
    RawConnection conn(server.port(), false);
    SSL* ssl = SSL_new(client);
    SSL_set_fd(ssl, conn.fd());
    SSL_set_tlsext_host_name(ssl, name);
    REQUIRE(SSL_connect(ssl) == 1);
    CHECK(PeerCommonName(ssl) == name);
    CHECK(Alpn(ssl) == "http/1.1");
    SSL_free(ssl);
  }
  SSL_CTX_free(client);
  SSL_CTX_free(ctx_b);
}

}  // namespace
}  // namespace e2e_test
