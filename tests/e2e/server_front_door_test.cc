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

bool Readable(int fd, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
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
    if (Readable(conn.fd(), 1)) break;
    size_t n = std::min(piece.size(), total - sent);
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

}  // namespace
}  // namespace e2e_test
