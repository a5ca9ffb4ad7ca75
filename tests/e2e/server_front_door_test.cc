// The server's front door over real sockets: what the event loop checks
// before any handler runs (request head and body limits, RFC 9112 framing,
// raw header bytes, slow clients) and how it sheds load, each asserted by
// status, JSON error body and whether the connection closes or stays
// usable. Requests are written byte for byte on raw connections; the user
// routes of UserRoutes() count what reached them, so a request smuggled
// inside another one is caught if it ever runs.
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "grpcgw/json.h"
#include "test_server.h"
#include "test_util.h"

namespace e2e_test {
namespace {

// What the user routes saw, shared between the handlers (server threads)
// and the test thread.
struct Probe {
  std::atomic<int> hello{0};
  std::atomic<int> smuggled{0};
  std::atomic<int> echo{0};
  std::atomic<int> big{0};

  // GET /block waits here until Open().
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;  // guarded by mu
  int entered = 0;    // guarded by mu

  void Open() {
    std::lock_guard<std::mutex> lock(mu);
    open = true;
    cv.notify_all();
  }
  bool WaitEntered(int n, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, timeout, [&] { return entered >= n; });
  }
};

// Opens the latch when the test leaves, so that a failed assertion does not
// leave a handler blocked while the server stops.
struct OpenOnExit {
  Probe& probe;
  ~OpenOnExit() { probe.Open(); }
};

constexpr size_t kUserBodyLimit = 1024;
constexpr size_t kBigRouteLimit = 256 * 1024;

// The e2e gateway plus user routes:
//   GET  /hello       "hello <target>"
//   GET  /smuggled    counts (must never run in these tests)
//   POST /smuggled    counts (idem)
//   POST /echo        the body back (limit kUserBodyLimit)
//   POST /big         the body's size (limit raised to kBigRouteLimit)
//   GET  /reflect     copies X-Probe into response headers
//   GET  /block       waits on the probe's latch
ServerConfig UserRoutes(Probe& probe) {
  ServerConfig config;
  config.http.max_request_body_bytes = kUserBodyLimit;
  config.setup = [&probe](grpcgw::HttpServer& http, grpc::Server&) {
    http.Get("/hello", [&probe](const httplib::Request& req, httplib::Response& res) {
      ++probe.hello;
      res.set_content("hello " + req.target, "text/plain");
    });
    auto smuggled = [&probe](const httplib::Request&, httplib::Response& res) {
      ++probe.smuggled;
      res.set_content("smuggled", "text/plain");
    };
    http.Get("/smuggled", smuggled);
    http.Post("/smuggled", smuggled);
    http.Post("/echo", [&probe](const httplib::Request& req, httplib::Response& res) {
      ++probe.echo;
      res.set_content("echo:" + req.body, "text/plain");
    });
    http.Post("/big", [&probe](const httplib::Request& req, httplib::Response& res) {
      ++probe.big;
      res.set_content(std::to_string(req.body.size()), "text/plain");
    });
    http.set_request_body_limit("/big", kBigRouteLimit);
    http.Get("/reflect", [](const httplib::Request& req, httplib::Response& res) {
      // Careless on purpose: a request header copied into response headers.
      const std::string v = req.get_header_value("X-Probe");
      res.headers.emplace("X-Direct", v);
      res.set_header("X-Set", v);
      res.set_content("reflected", "text/plain");
    });
    http.Get("/block", [&probe](const httplib::Request&, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(probe.mu);
      ++probe.entered;
      probe.cv.notify_all();
      probe.cv.wait(lock, [&] { return probe.open; });
      res.set_content("unblocked", "text/plain");
    });
  };
  return config;
}

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

std::string Post(const std::string& target, const std::string& body, const std::string& extra = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n" + extra + "\r\n" + body;
}

std::string ChunkedPost(const std::string& target, const std::string& chunks, const std::string& extra = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n" + extra + "\r\n" + chunks;
}

RawResponse ReadOne(RawConnection& conn) {
  RawResponse res;
  INFO("reading a response");
  REQUIRE(conn.ReadResponse(&res, 5s));
  return res;
}

// A front-door answer: `status`, the JSON error body with gRPC `code`, a
// message holding `fragment`.
void RequireJsonError(const RawResponse& res, int status, int code, const std::string& fragment) {
  INFO("status " << res.status << ", body " << res.body);
  CHECK(res.status == status);
  CHECK(res.header("Content-Type").find("application/json") == 0);
  ErrorBody e = ParseErrorBody(res.body);
  CHECK(e.valid);
  CHECK(e.code == code);
  CHECK(e.details == "[]");
  CHECK(e.message.find(fragment) != std::string::npos);
}

// The response said it closes, and the server closed after it, sending
// nothing more.
void RequireClosedAfter(const RawResponse& res, RawConnection& conn) {
  CHECK(Lowercase(res.header("Connection")) == "close");
  bool saw_close = false;
  std::string rest = conn.ReadToClose(5s, &saw_close);
  CHECK(saw_close);
  CHECK(rest.empty());
}

// The response kept the connection, and it serves the next request.
void RequireKeptAfter(const RawResponse& res, RawConnection& conn) {
  CHECK(Lowercase(res.header("Connection")) != "close");
  REQUIRE(conn.Send(Get("/hello?next")));
  RawResponse next = ReadOne(conn);
  CHECK(next.status == 200);
  CHECK(next.body == "hello /hello?next");
}

// A new connection is still served.
void RequireServing(const TestServer& server) {
  RawConnection conn(server.port());
  REQUIRE(conn.connected());
  REQUIRE(conn.Send(Get("/hello?alive")));
  RawResponse res = ReadOne(conn);
  CHECK(res.status == 200);
  CHECK(res.body == "hello /hello?alive");
}

// Sends `head` and then `filler` bytes, up to `total` bytes in all, 4 KiB at
// a time, stopping as soon as an answer can be read (or the server stops
// taking bytes). Returns the bytes sent.
size_t SendUntilAnswered(RawConnection& conn, const std::string& head, char filler, size_t total) {
  size_t sent = 0;
  if (!conn.Send(head)) return sent;
  sent += head.size();
  const std::string piece(4096, filler);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (sent < total && std::chrono::steady_clock::now() < deadline) {
    if (conn.DataReady(1)) break;
    size_t n = std::min(piece.size(), total - sent);
    if (conn.tls()) {
      // Records, written whole (bounded by the socket's send timeout).
      if (!conn.Send(std::string_view(piece).substr(0, n))) break;
      sent += n;
      continue;
    }
    ssize_t w = ::send(conn.fd(), piece.data(), n, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w > 0) {
      sent += static_cast<size_t>(w);
    } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
      pollfd p{conn.fd(), POLLOUT | POLLIN, 0};
      ::poll(&p, 1, 50);
    } else {
      break;  // the server closed
    }
  }
  return sent;
}

// ------------------------------------------------------------ request heads

TEST_CASE("a header line that never ends is answered 431 at the head limit and closed", "[server][limits]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  const size_t limit = server.http().options().max_head_bytes;
  REQUIRE(limit == 65536);  // the documented default

  RawConnection conn(server.port());
  size_t sent = SendUntilAnswered(conn, "GET /hello HTTP/1.1\r\nHost: x\r\nX-Endless: ", 'a', 1 << 20);
  INFO("sent " << sent << " bytes before the answer");
  CHECK(sent < (1u << 20));
  RawResponse res = ReadOne(conn);
  RequireJsonError(res, 431, 8, "request head larger than 65536 bytes");
  // The server reads (and drops) what the client still sends, then closes.
  std::string more(64 * 1024, 'a');
  for (int i = 0; i < 4 && conn.Send(more); ++i) {
  }
  RequireClosedAfter(res, conn);
  conn.Close();
  CHECK(probe.hello == 0);
  CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
  RequireServing(server);
}

TEST_CASE("a request line that never ends is answered 414 at its limit and closed", "[server][limits]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  REQUIRE(server.http().options().max_request_line_bytes == 8192);

  RawConnection conn(server.port());
  size_t sent = SendUntilAnswered(conn, "GET /", 'a', 1 << 20);
  INFO("sent " << sent << " bytes before the answer");
  CHECK(sent < (1u << 20));
  RawResponse res = ReadOne(conn);
  RequireJsonError(res, 414, 8, "request line longer than 8192 bytes");
  RequireClosedAfter(res, conn);
  CHECK(probe.hello == 0);
  RequireServing(server);
}

TEST_CASE("an HTTP version the server does not implement is 505 with code UNIMPLEMENTED and closed",
          "[server][version]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  for (const char* version : {"2.5", "1.2", "0.9"}) {
    DYNAMIC_SECTION("HTTP/" << version) {
      RawConnection conn(server.port());
      REQUIRE(conn.Send(std::string("GET /hello HTTP/") + version + "\r\nHost: x\r\n\r\n"));
      RawResponse res = ReadOne(conn);
      RequireJsonError(res, 505, 12, std::string("HTTP version ") + version + " is not supported");
      RequireClosedAfter(res, conn);
    }
  }
  CHECK(probe.hello == 0);
  RequireServing(server);
}

TEST_CASE("101 header fields are 431, 100 are served", "[server][limits]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  REQUIRE(server.http().options().max_headers == 100);
  auto headers = [](int n) {  // n fields besides Host
    std::string out;
    for (int i = 0; i < n; ++i) out += "X-H" + std::to_string(i) + ": v\r\n";
    return out;
  };
  {
    RawConnection conn(server.port());
    REQUIRE(conn.Send(Get("/hello?99", headers(99))));  // 100 with Host
    RawResponse res = ReadOne(conn);
    CHECK(res.status == 200);
    CHECK(res.body == "hello /hello?99");
  }
  RawConnection conn(server.port());
  REQUIRE(conn.Send(Get("/hello?100", headers(100))));
  RawResponse res = ReadOne(conn);
  RequireJsonError(res, 431, 8, "more than 100 header fields");
  RequireClosedAfter(res, conn);
  CHECK(probe.hello == 1);
}

TEST_CASE("head limits come from HttpServerOptions", "[server][limits]") {
  Probe probe;
  ServerConfig config = UserRoutes(probe);
  config.http.max_request_line_bytes = 100;
  config.http.max_head_bytes = 400;
  config.http.max_headers = 4;
  TestServer server(config);

  // "GET " + target + " HTTP/1.1" is 100 bytes with a 87-byte target.
  const std::string target_87 = "/hello?" + std::string(80, 'q');
  SECTION("request line at and over its limit") {
    RawConnection ok(server.port());
    REQUIRE(ok.Send(Get(target_87)));
    CHECK(ReadOne(ok).status == 200);
    RawConnection conn(server.port());
    REQUIRE(conn.Send(Get(target_87 + "q")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 414, 8, "longer than 100 bytes");
    RequireClosedAfter(res, conn);
  }
  SECTION("head over its limit") {
    RawConnection ok(server.port());
    REQUIRE(ok.Send(Get("/hello", "X-Pad: " + std::string(300, 'p') + "\r\n")));
    CHECK(ReadOne(ok).status == 200);
    RawConnection conn(server.port());
    REQUIRE(conn.Send(Get("/hello", "X-Pad: " + std::string(400, 'p') + "\r\n")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 431, 8, "larger than 400 bytes");
    RequireClosedAfter(res, conn);
  }
  SECTION("header count over its limit") {
    RawConnection ok(server.port());
    REQUIRE(ok.Send(Get("/hello", "A: 1\r\nB: 2\r\nC: 3\r\n")));
    CHECK(ReadOne(ok).status == 200);
    RawConnection conn(server.port());
    REQUIRE(conn.Send(Get("/hello", "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 431, 8, "more than 4 header fields");
    RequireClosedAfter(res, conn);
  }
}

// ----------------------------------------------------------- request bodies

TEST_CASE("bodies over the limit of a user route are refused up front with 413", "[server][limits]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  int echoed = 0;

  SECTION("a Content-Length over the limit, before any body byte") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000000\r\n\r\n"));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 413, 8, "over the limit of 1024");
    RequireClosedAfter(res, conn);
  }
  SECTION("one byte over the limit") {
    REQUIRE(conn.Send(Post("/echo", std::string(kUserBodyLimit + 1, 'b'))));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 413, 8, "over the limit of 1024");
    RequireClosedAfter(res, conn);
  }
  SECTION("a chunk size over the limit, before any of its data") {
    REQUIRE(conn.Send(ChunkedPost("/echo", "401\r\n")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 413, 8, "too large");
    RequireClosedAfter(res, conn);
  }
  SECTION("a huge chunk size") {
    REQUIRE(conn.Send(ChunkedPost("/echo", "7fffffffffffffff\r\n")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 413, 8, "too large");
    RequireClosedAfter(res, conn);
  }
  SECTION("chunks that add up to more than the limit") {
    REQUIRE(conn.Send(ChunkedPost("/echo", "200\r\n" + std::string(512, 'c') + "\r\n201\r\n")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 413, 8, "too large");
    RequireClosedAfter(res, conn);
  }
  SECTION("a body at the limit is served, and the connection kept") {
    REQUIRE(conn.Send(Post("/echo", std::string(kUserBodyLimit, 'b'))));
    RawResponse res = ReadOne(conn);
    CHECK(res.status == 200);
    CHECK(res.body == "echo:" + std::string(kUserBodyLimit, 'b'));
    RequireKeptAfter(res, conn);
    echoed = 1;
  }
  CHECK(probe.echo == echoed);
  RequireServing(server);
}

TEST_CASE("set_request_body_limit raises the limit of one route", "[server][limits]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  const std::string body(200 * 1024, 'z');
  {
    RawConnection conn(server.port());
    REQUIRE(conn.Send(Post("/big", body)));
    RawResponse res = ReadOne(conn);
    CHECK(res.status == 200);
    CHECK(res.body == std::to_string(body.size()));
    RequireKeptAfter(res, conn);
  }
  {
    RawConnection conn(server.port());
    REQUIRE(conn.Send("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(kBigRouteLimit + 1) +
                      "\r\n\r\n"));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 413, 8, "over the limit of " + std::to_string(kBigRouteLimit));
    RequireClosedAfter(res, conn);
  }
  {
    // The other routes keep theirs.
    RawConnection conn(server.port());
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n"));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 413, 8, "over the limit of 1024");
    RequireClosedAfter(res, conn);
  }
  CHECK(probe.big == 1);
  CHECK(probe.echo == 0);
}

TEST_CASE("a request no route serves gets its 404 without its large body being read", "[server][limits]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  SECTION("a large declared body: 404 at once, and closed") {
    REQUIRE(conn.Send("POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n"));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 404, 5, "no route for POST /nowhere");
    RequireClosedAfter(res, conn);
  }
  SECTION("a large chunked body: 404 at once, and closed") {
    REQUIRE(conn.Send(ChunkedPost("/nowhere", "fffffff\r\n")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 404, 5, "no route for POST /nowhere");
    RequireClosedAfter(res, conn);
  }
  SECTION("a small body is read and skipped, and the connection kept") {
    REQUIRE(conn.Send(Post("/nowhere", Get("/smuggled"))));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 404, 5, "no route for POST /nowhere");
    RequireKeptAfter(res, conn);
  }
  CHECK(probe.smuggled == 0);
}

// ----------------------------------------------------------------- shedding

TEST_CASE("requests beyond the workers and their queue get 503, and the server keeps serving", "[server][load]") {
  Probe probe;
  ServerConfig config = UserRoutes(probe);
  config.http.min_threads = 1;
  config.http.max_threads = 1;
  config.http.max_queued_requests = 1;
  TestServer server(config);
  OpenOnExit open_on_exit{probe};  // destroyed before the server stops

  RawConnection first(server.port());
  REQUIRE(first.Send(Get("/block")));
  REQUIRE(probe.WaitEntered(1, 5s));  // the only worker is busy

  // One more request fits the queue, the next one does not; which of the
  // two arrives first is up to the scheduler.
  RawConnection a(server.port());
  RawConnection b(server.port());
  REQUIRE(a.Send(Get("/block")));
  REQUIRE(b.Send(Get("/block")));
  RawConnection* refused = nullptr;
  RawConnection* queued = nullptr;
  REQUIRE(WaitUntil([&] { return a.DataReady(0) || b.DataReady(0); }, 5s));
  if (a.DataReady(0)) {
    refused = &a;
    queued = &b;
  } else {
    refused = &b;
    queued = &a;
  }
  RawResponse res = ReadOne(*refused);
  RequireJsonError(res, 503, 14, "overloaded");
  RequireClosedAfter(res, *refused);
  CHECK_FALSE(queued->DataReady(0));  // still waiting, not refused

  probe.Open();
  RawResponse r1 = ReadOne(first);
  CHECK(r1.status == 200);
  CHECK(r1.body == "unblocked");
  RawResponse r2 = ReadOne(*queued);
  CHECK(r2.status == 200);
  CHECK(r2.body == "unblocked");
  RequireKeptAfter(r2, *queued);
  RequireServing(server);
}

TEST_CASE("connections beyond max_connections get 503 and are closed", "[server][load]") {
  TLS_SKIP("a TLS port closes connections beyond max_connections without a plaintext 503 (server_tls_test.cc)");
  Probe probe;
  ServerConfig config = UserRoutes(probe);
  config.http.max_connections = 1;
  TestServer server(config);

  auto first = std::make_unique<RawConnection>(server.port());
  REQUIRE(first->Send(Get("/hello?first")));
  CHECK(ReadOne(*first).status == 200);  // accepted and open

  RawConnection second(server.port());
  RawResponse res;
  REQUIRE(second.ReadResponse(&res, 5s));  // answered without asking
  RequireJsonError(res, 503, 14, "too many open connections");
  RequireClosedAfter(res, second);

  // The first connection is unaffected; once it is gone there is room again.
  REQUIRE(first->Send(Get("/hello?again")));
  CHECK(ReadOne(*first).body == "hello /hello?again");
  first.reset();
  REQUIRE(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
  RequireServing(server);
}

// ------------------------------------------- framing (RFC 9112 section 6)

TEST_CASE("ambiguous framing is 400 and closes the connection", "[server][framing]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  const std::string smuggle = Get("/smuggled");
  std::string fragment;
  SECTION("two different Content-Lengths") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: " +
                      std::to_string(5 + smuggle.size()) + "\r\n\r\nhello" + smuggle));
    fragment = "conflicting Content-Length";
  }
  SECTION("two Content-Lengths in one field") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5, " +
                      std::to_string(5 + smuggle.size()) + "\r\n\r\nhello" + smuggle));
    fragment = "conflicting Content-Length";
  }
  SECTION("Transfer-Encoding chunked, then identity") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Transfer-Encoding: identity\r\nContent-Length: 0\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
                      smuggle));
    fragment = "Transfer-Encoding";
  }
  SECTION("Transfer-Encoding chunked, identity, without Content-Length") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                      "Transfer-Encoding: identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
                      smuggle));
    fragment = "Transfer-Encoding must end in chunked";
  }
  SECTION("Content-Length and Transfer-Encoding") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "0\r\n\r\n" + smuggle));
    fragment = "both Transfer-Encoding and Content-Length";
  }
  SECTION("a chunk size written 0x5") {
    REQUIRE(conn.Send(ChunkedPost("/echo", "0x5\r\nhello\r\n0\r\n\r\n" + smuggle)));
    fragment = "invalid chunk size";
  }
  SECTION("a chunk size with a leading space") {
    REQUIRE(conn.Send(ChunkedPost("/echo", " 5\r\nhello\r\n0\r\n\r\n" + smuggle)));
    fragment = "invalid chunk size";
  }
  SECTION("garbage after a chunk's data") {
    REQUIRE(conn.Send(ChunkedPost("/echo", "5\r\nhelloXX\r\n0\r\n\r\n" + smuggle)));
    fragment = "chunk data not followed by CRLF";
  }
  RawResponse res = ReadOne(conn);
  RequireJsonError(res, 400, 3, fragment);
  RequireClosedAfter(res, conn);
  CHECK(probe.echo == 0);
  CHECK(probe.smuggled == 0);
  RequireServing(server);
}

TEST_CASE("a user route's body is the one the front door framed", "[server][framing]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  std::string echoed;
  SECTION("a POST without Content-Length has no body") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/hello?next")));
  }
  SECTION("Transfer-Encoding with an empty list member") {
    REQUIRE(conn.Send(
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked,\r\n\r\n5\r\nhello\r\n0\r\n\r\n" +
        Get("/hello?next")));
    echoed = "hello";
  }
  SECTION("an empty Transfer-Encoding field before the chunked one") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\nTransfer-Encoding: CHUNKED\r\n\r\n"
                      "5\r\nhello\r\n0\r\n\r\n" + Get("/hello?next")));
    echoed = "hello";
  }
  RawResponse res = ReadOne(conn);
  CHECK(res.status == 200);
  CHECK(res.body == "echo:" + echoed);
  CHECK(Lowercase(res.header("Connection")) != "close");
  RawResponse next = ReadOne(conn);  // not swallowed as part of the body
  CHECK(next.status == 200);
  CHECK(next.body == "hello /hello?next");
}

TEST_CASE("a GET's body is skipped, not read as the next request", "[server][framing]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  const std::string body = Get("/smuggled");
  REQUIRE(conn.Send(Get("/hello?with-body", "Content-Length: " + std::to_string(body.size()) + "\r\n") + body +
                    Get("/hello?second")));
  RawResponse first = ReadOne(conn);
  CHECK(first.status == 200);
  CHECK(first.body == "hello /hello?with-body");
  RawResponse second = ReadOne(conn);
  CHECK(second.status == 200);
  CHECK(second.body == "hello /hello?second");
  CHECK(probe.smuggled == 0);
  CHECK(probe.hello == 2);
}

// ------------------------------------------------------------ header bytes

TEST_CASE("header values are judged by their raw bytes", "[server][headers]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());

  SECTION("Transfer-Encoding: %63hunked is not chunked") {
    REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: %63hunked\r\n\r\n"
                      "5\r\nhello\r\n0\r\n\r\n" + Get("/smuggled")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 400, 3, "Transfer-Encoding must end in chunked");
    RequireClosedAfter(res, conn);
  }
  SECTION("a raw CR in a value is 400 naming the header") {
    REQUIRE(conn.Send(Get("/hello", "X-Split: a\rInjected: yes\r\n")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 400, 3, "X-Split");
    RequireClosedAfter(res, conn);
  }
  SECTION("a NUL in a value is 400 naming the header") {
    REQUIRE(conn.Send(Get("/hello", std::string("X-Nul: a\0b\r\n", 12))));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 400, 3, "X-Nul");
    RequireClosedAfter(res, conn);
  }
  SECTION("a raw LF inside a value ends the field: what follows is a field of its own") {
    // RFC 9112 allows a bare LF as a line end: the request line that
    // follows it is read as a header line of the same head (and refused),
    // never as a request.
    REQUIRE(conn.Send(Get("/hello?lf", "X-Lf: a\nGET /smuggled HTTP/1.1\r\n")));
    RawResponse res = ReadOne(conn);
    RequireJsonError(res, 400, 3, "header");
    RequireClosedAfter(res, conn);
  }
  CHECK(probe.echo == 0);
  CHECK(probe.hello == 0);
  CHECK(probe.smuggled == 0);
  RequireServing(server);
}

TEST_CASE("no route can split its response with a header value", "[server][headers]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  // httplib hands the route this value percent-decoded, with CR LF in it.
  REQUIRE(conn.Send(Get("/reflect", "X-Probe: a%0D%0AInjected: yes%0D%0A%0D%0AHTTP/1.1 200 OK\r\n") +
                    Get("/hello?next")));
  RawResponse res = ReadOne(conn);
  CHECK(res.status == 200);
  CHECK(res.body == "reflected");
  CHECK_FALSE(res.has_header("Injected"));
  CHECK_FALSE(res.has_header("X-Direct"));
  CHECK_FALSE(res.has_header("X-Set"));
  RawResponse next = ReadOne(conn);
  CHECK(next.status == 200);
  CHECK(next.body == "hello /hello?next");
}

// The metadata a Metadata call received, as key -> value.
std::multimap<std::string, std::string> ReceivedMetadata(const std::string& body) {
  e2e::MetadataResponse response;
  grpc::Status s = grpcgw::JsonToMessage(body, &response);
  INFO(body);
  REQUIRE(s.ok());
  std::multimap<std::string, std::string> out;
  for (const auto& e : response.received()) out.emplace(e.key(), e.value());
  return out;
}

TEST_CASE("percent sequences in header values reach metadata as sent, never decoded", "[server][headers]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  REQUIRE(conn.Send(Post("/v1/metadata", "{}",
                         "Content-Type: application/json\r\n"
                         "Grpc-Metadata-Split: a%0D%0AInjected: yes\r\n"
                         "Grpc-Metadata-Plus: a%2Bb%20c%00\r\n")));
  RawResponse res = ReadOne(conn);
  INFO(res.body);
  REQUIRE(res.status == 200);
  auto md = ReceivedMetadata(res.body);
  auto split = md.find("split");
  REQUIRE(split != md.end());
  CHECK(split->second == "a%0D%0AInjected: yes");
  auto plus = md.find("plus");
  REQUIRE(plus != md.end());
  CHECK(plus->second == "a%2Bb%20c%00");
  CHECK(md.count("injected") == 0);
  for (const auto& [k, v] : md) {
    INFO(k);
    CHECK(v.find_first_of(std::string("\r\n\0", 3)) == std::string::npos);
  }
  RequireKeptAfter(res, conn);
}

// ------------------------------------------------------------- slow clients

TEST_CASE("a head dripped slowly is cut with 408 at head_timeout", "[server][timeouts]") {
  Probe probe;
  ServerConfig config = UserRoutes(probe);
  config.http.head_timeout = 300ms;
  TestServer server(config);
  RawConnection conn(server.port());
  REQUIRE(conn.Send("GET /hello HTTP/1.1\r\nHost: x\r\n"));
  // A byte every 50 ms keeps the connection busy, never idle; only the
  // head's own deadline ends it. Drip for at most 5 s.
  auto start = std::chrono::steady_clock::now();
  bool answered = false;
  while (std::chrono::steady_clock::now() - start < 5s) {
    if (conn.DataReady(50)) {
      answered = true;
      break;
    }
    if (!conn.Send("X")) break;
  }
  CHECK(answered);
  RawResponse res = ReadOne(conn);
  RequireJsonError(res, 408, 4, "request head not received in time");
  RequireClosedAfter(res, conn);
  CHECK(probe.hello == 0);
  RequireServing(server);
}

TEST_CASE("a body arriving below min_body_rate is cut with 408", "[server][timeouts]") {
  Probe probe;
  ServerConfig config = UserRoutes(probe);
  config.http.min_body_rate = 1000;
  config.http.body_rate_window = 200ms;
  TestServer server(config);
  RawConnection conn(server.port());
  REQUIRE(conn.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n"));
  // One byte every 50 ms: 20 bytes a second, far below 1000.
  auto start = std::chrono::steady_clock::now();
  bool answered = false;
  while (std::chrono::steady_clock::now() - start < 5s) {
    if (conn.DataReady(50)) {
      answered = true;
      break;
    }
    if (!conn.Send("b")) break;
  }
  CHECK(answered);
  RawResponse res = ReadOne(conn);
  RequireJsonError(res, 408, 4, "slower than 1000 bytes per second");
  RequireClosedAfter(res, conn);
  CHECK(probe.echo == 0);
  RequireServing(server);
}

TEST_CASE("an idle keep-alive connection holds no worker and is closed after keep_alive_timeout",
          "[server][timeouts]") {
  Probe probe;
  ServerConfig config = UserRoutes(probe);
  config.http.min_threads = 1;
  config.http.max_threads = 1;
  config.http.keep_alive_timeout = std::chrono::seconds(1);
  TestServer server(config);

  RawConnection idle(server.port());
  REQUIRE(idle.Send(Get("/hello?idle")));
  RawResponse res = ReadOne(idle);
  CHECK(res.status == 200);
  CHECK(Lowercase(res.header("Connection")) != "close");

  // The only worker is free for another connection while the first idles.
  RawConnection other(server.port());
  REQUIRE(other.Send(Get("/hello?other")));
  CHECK(ReadOne(other).body == "hello /hello?other");
  CHECK_FALSE(idle.DataReady(0));  // still open

  bool saw_close = false;
  std::string rest = idle.ReadToClose(5s, &saw_close);
  CHECK(saw_close);
  CHECK(rest.empty());
}

// ------------------------------------ early answers keep requests in step

TEST_CASE("a body refused with 415 is not read as the next request", "[server][desync]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  // curl -H 'Content-Type: text/plain' --data-binary $'GET ...' URL1 --next URL2
  const std::string smuggled = Get("/v1/sleep/smuggled?duration=0.01s");
  REQUIRE(conn.Send(Post("/v1/shelves/s1/books", smuggled, "Content-Type: text/plain\r\n") +
                    Get("/v1/shelves/s1/books/b1")));
  RawResponse first = ReadOne(conn);
  RequireJsonError(first, 415, 3, "");
  // Either the connection closes after saying so, or the next request is
  // answered; here the body was read, so the connection is kept.
  CHECK(Lowercase(first.header("Connection")) != "close");
  RawResponse second = ReadOne(conn);
  INFO(second.body);
  CHECK(second.status == 200);
  CHECK(second.body.find("\"name\":\"shelves/s1/books/b1\"") != std::string::npos);
  CHECK(server.service().events().Count("sleep:started:smuggled") == 0);
}

TEST_CASE("keep-alive holds after 405 and after 400 for a bad path or query value", "[server][desync]") {
  Probe probe;
  TestServer server(UserRoutes(probe));
  RawConnection conn(server.port());
  int status = 0;
  int code = 0;
  SECTION("405, without a body") {
    REQUIRE(conn.Send("DELETE /v1/types HTTP/1.1\r\nHost: x\r\n\r\n" + Get("/hello?next")));
    status = 405;
    code = 12;
  }
  SECTION("405, with a body") {
    REQUIRE(conn.Send("PUT /v1/types HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}" + Get("/hello?next")));
    status = 405;
    code = 12;
  }
  SECTION("400 for a bad query value") {
    REQUIRE(conn.Send(Get("/v1/types?f_int32=many") + Get("/hello?next")));
    status = 400;
    code = 3;
  }
  SECTION("400 for a bad path value") {
    REQUIRE(conn.Send(Get("/v1/types/many/nested/x") + Get("/hello?next")));
    status = 400;
    code = 3;
  }
  RawResponse res = ReadOne(conn);
  RequireJsonError(res, status, code, "");
  CHECK(Lowercase(res.header("Connection")) != "close");
  RawResponse next = ReadOne(conn);  // sent before the answer came
  CHECK(next.status == 200);
  CHECK(next.body == "hello /hello?next");
  RequireKeptAfter(next, conn);
}

// ------------------------------------------------------------ binding a port

TEST_CASE("a second server cannot bind a port in use, unless both ask for reuse_port", "[server][bind]") {
  SECTION("by default the second bind fails and says why") {
    grpcgw::HttpServer first;
    int port = first.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    grpcgw::HttpServer second;
    CHECK_FALSE(second.bind_to_port("127.0.0.1", port));
    INFO(second.last_error());
    CHECK(second.last_error().find("Address already in use") != std::string::npos);
    CHECK(second.last_error().find(std::to_string(port)) != std::string::npos);
    CHECK_FALSE(second.listen_after_bind());
  }
  SECTION("reuse_port on one side only is not enough") {
    grpcgw::HttpServer first;
    int port = first.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    grpcgw::HttpServerOptions options;
    options.reuse_port = true;
    grpcgw::HttpServer second(options);
    CHECK_FALSE(second.bind_to_port("127.0.0.1", port));
  }
  SECTION("with reuse_port both bind") {
    grpcgw::HttpServerOptions options;
    options.reuse_port = true;
    grpcgw::HttpServer first(options);
    int port = first.bind_to_any_port("127.0.0.1");
    REQUIRE(port > 0);
    grpcgw::HttpServer second(options);
    CHECK(second.bind_to_port("127.0.0.1", port));
    CHECK(second.last_error().empty());
  }
}

}  // namespace
}  // namespace e2e_test
