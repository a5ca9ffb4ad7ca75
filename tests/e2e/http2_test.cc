// HTTP/2 (h2c with prior knowledge): every transport over one connection
// with nghttp2's client session, the answers compared with HTTP/1.1's for
// the same requests; flow control reaching the gRPC call; streamed
// uploads; WebSocket over extended CONNECT (RFC 8441); the protocol's
// limits with hand-built frames; shutdown.
#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "http2_test_util.h"
#include "server/http2_session.h"
#include "test_server.h"
#include "test_util.h"

namespace {

using namespace std::chrono_literals;
using e2e_test::ServerConfig;
using e2e_test::TestServer;
using h2_test::Frame;
using h2_test::H2Client;
using h2_test::Headers;
using h2_test::Hpack;
using h2_test::RawFrame;
using h2_test::ReadFrames;

bool Closed(H2Client& c, int32_t id) { return c.stream(id).closed; }

// Sends `frame` over and over without reading anything, until the server
// closes the connection (true) or `timeout` passes.
bool FloodUntilClosed(h2_test::Wire& wire, const std::string& first, const std::string& frame,
                      std::chrono::milliseconds timeout) {
  if (!wire.Send(first)) return true;
  std::string batch;
  for (int i = 0; i < 1000; ++i) batch += frame;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t off = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t w = wire.SendSome(std::string_view(batch).substr(off));
    if (w < 0) return true;
    if (w == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    off = (off + static_cast<size_t>(w)) % batch.size();
  }
  return false;
}

ServerConfig WithUserRoutes() {
  ServerConfig config;
  config.setup = [](grpcgw::HttpServer& http, grpc::Server&) {
    http.Get("/hello", [](const httplib::Request& req, httplib::Response& res) {
      grpcgw::Connection* c = grpcgw::Connection::Current();
      res.set_header("X-Over", c != nullptr && c->http2() ? "h2" : "http/1.1");
      res.set_content("hello " + req.get_param_value("who") + " from " + req.remote_addr, "text/plain");
    });
    http.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "application/octet-stream");
    });
  };
  config.http.max_request_body_bytes = 1000;
  return config;
}

TEST_CASE("h2c: gateway and user routes answer as over HTTP/1.1", "[http2]") {
  TestServer server(WithUserRoutes());
  struct Case {
    std::string method, path, body, content_type;
  };
  const std::vector<Case> cases = {
      {"GET", "/v1/shelves/s1/books/b1", "", ""},
      {"PUT", "/v1/shelves/s1/books/b1", R"({"title":"T","author":"A"})", "application/json"},
      {"POST", "/v1/shelves/s1/books", R"({"title":"new"})", "application/json"},
      {"GET", "/v1/status/5", "", ""},                         // a gRPC error as JSON
      {"POST", "/v1/shelves/s1/books", "{bad json", "application/json"},  // 400
      {"GET", "/v1/nothing/here", "", ""},                     // httplib's 404, JSON body
      {"POST", "/echo", std::string(1001, 'x'), "text/plain"},  // over the route's limit: 413
      {"POST", "/echo", "abc", "text/plain"},
      {"DELETE", "/v1/shelves/s1/books/b1", "", ""},
  };
  H2Client h2(server.port());
  REQUIRE(h2.connected());
  auto h1 = server.Client();
  for (const Case& c : cases) {
    INFO(c.method << " " << c.path);
    Headers extra;
    if (!c.content_type.empty()) extra.push_back({"content-type", c.content_type});
    if (!c.body.empty()) extra.push_back({"content-length", std::to_string(c.body.size())});
    int32_t id = h2.Request(c.method, c.path, extra, c.body.empty() ? nullptr : &c.body);
    REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
    httplib::Headers hh;
    httplib::Result r = c.method == "GET"      ? h1.Get(c.path)
                        : c.method == "PUT"    ? h1.Put(c.path, c.body, c.content_type)
                        : c.method == "POST"   ? h1.Post(c.path, c.body, c.content_type)
                                               : h1.Delete(c.path);
    REQUIRE(r);
    const H2Client::Stream& s = h2.stream(id);
    CHECK(s.error == 0);
    CHECK(s.status == r->status);
    CHECK(s.body == r->body);
    CHECK(s.Header("content-type") == r->get_header_value("Content-Type"));
    // Connection-specific fields are not HTTP/2's.
    CHECK(s.Header("connection").empty());
    CHECK(s.Header("transfer-encoding").empty());
  }
  // The user route sees the client's address and knows the version.
  int32_t id = h2.Request("GET", "/hello?who=h2");
  REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
  CHECK(h2.stream(id).status == 200);
  CHECK(h2.stream(id).body == "hello h2 from 127.0.0.1");
  CHECK(h2.stream(id).Header("x-over") == "h2");
  CHECK(server.http().http2_counters().connections == 1);
  // HEAD: the length without the body.
  id = h2.Request("HEAD", "/hello?who=x");
  REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
  CHECK(h2.stream(id).status == 200);
  CHECK(h2.stream(id).body.empty());
}

TEST_CASE("h2c: with te: trailers, gRPC trailing metadata comes back as HTTP/2 trailers", "[http2]") {
  TestServer server;
  H2Client h2(server.port());
  REQUIRE(h2.connected());
  const std::string body = R"({"trailers":[{"key":"trailer-key","value":"dHY="}]})";  // "tv"
  auto find = [](const Headers& fields, const std::string& name) {
    for (auto& [k, v] : fields) {
      if (k == name) return v;
    }
    return std::string();
  };
  for (bool te : {true, false}) {
    INFO("te: trailers " << te);
    Headers extra = {{"content-type", "application/json"}, {"content-length", std::to_string(body.size())}};
    if (te) extra.push_back({"te", "trailers"});
    int32_t id = h2.Request("POST", "/v1/metadata", extra, &body);
    REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
    const H2Client::Stream& s = h2.stream(id);
    CHECK(s.error == 0);
    CHECK(s.status == 200);
    if (te) {
      CHECK(find(s.trailers, "grpc-trailer-trailer-key") == "tv");
      CHECK(s.Header("grpc-trailer-trailer-key").empty());
    } else {
      CHECK(s.trailers.empty());
      CHECK(s.Header("grpc-trailer-trailer-key") == "tv");
    }
  }
}

TEST_CASE("h2c: the connection advertises its settings", "[http2]") {
  ServerConfig config;
  config.http.http2_max_concurrent_streams = 7;
  TestServer server(config);
  H2Client h2(server.port());
  int32_t id = h2.Request("GET", "/v1/shelves/s1/books/b1");
  REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
  CHECK(h2.remote_setting(NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS) == 7);
  CHECK(h2.remote_setting(NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) == 1);
  CHECK(h2.remote_setting(NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE) == config.http.max_head_bytes);
}

TEST_CASE("h2c: hundreds of streams multiplexed on one connection", "[http2]") {
  TestServer server;
  H2Client h2(server.port());
  std::vector<int32_t> ids;
  // SSE streams and unary calls mixed: more than the stream limit, so the
  // client queues what it may not open yet.
  for (int i = 0; i < 150; ++i) {
    if (i % 2 == 0) {
      ids.push_back(h2.Request("GET", "/v1/watch/m" + std::to_string(i) + "?count=3",
                               {{"accept", "text/event-stream"}}));
    } else {
      ids.push_back(h2.Request("GET", "/v1/shelves/s1/books/b" + std::to_string(i)));
    }
  }
  REQUIRE(h2.RunUntil(
      [&] {
        for (int32_t id : ids) {
          if (!Closed(h2, id)) return false;
        }
        return true;
      },
      20s));
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& s = h2.stream(ids[i]);
    INFO("stream " << i);
    CHECK(s.status == 200);
    CHECK(s.error == 0);
    if (i % 2 == 0) {
      CHECK(s.Header("content-type") == "text/event-stream");
      CHECK(s.body.find("\"seq\":\"2\"") != std::string::npos);
    } else {
      CHECK(s.body.find("\"name\":\"shelves/s1/books/b" + std::to_string(i) + "\"") != std::string::npos);
    }
  }
  CHECK(server.http().http2_counters().connections == 1);
  CHECK(server.http().http2_counters().streams == 150);
}

TEST_CASE("h2c: SSE and NDJSON streams deliver as they come", "[http2]") {
  TestServer server;
  H2Client h2(server.port());
  int32_t sse = h2.Request("GET", "/v1/watch/s?count=3&wait_for_signal=true", {{"accept", "text/event-stream"}});
  int32_t nd = h2.Request("GET", "/v1/watch/n?count=3&wait_for_signal=true", {{"accept", "application/x-ndjson"}});
  // The first message of each arrives before the stream ends.
  REQUIRE(h2.RunUntil(
      [&] {
        return h2.stream(sse).body.find("\"seq\":\"0\"") != std::string::npos &&
               h2.stream(nd).body.find("\"seq\":\"0\"") != std::string::npos;
      },
      5s));
  CHECK(!Closed(h2, sse));
  CHECK(!Closed(h2, nd));
  CHECK(h2.stream(nd).Header("content-type") == "application/x-ndjson");
  for (int i = 0; i < 2; ++i) {
    server.service().Signal("s");
    server.service().Signal("n");
  }
  REQUIRE(h2.RunUntil([&] { return Closed(h2, sse) && Closed(h2, nd); }, 5s));
  CHECK(h2.stream(sse).error == 0);
  CHECK(h2.stream(sse).body.find("\"seq\":\"2\"") != std::string::npos);
  CHECK(h2.stream(nd).body.find("{\"result\":{\"seq\":\"2\"") != std::string::npos);
  // The client leaving a stream cancels its call.
  int32_t gone = h2.Request("GET", "/v1/watch/gone?count=5&wait_for_signal=true", {{"accept", "text/event-stream"}});
  REQUIRE(h2.RunUntil([&] { return !h2.stream(gone).body.empty(); }, 5s));
  h2.Reset(gone);
  h2.RunUntil([] { return false; }, 100ms);
  CHECK(server.service().events().WaitFor("watch:cancelled:gone", 5s));
}

TEST_CASE("h2c: a stream whose window is closed stops its call; the others go on", "[http2]") {
  TestServer server;
  H2Client h2(server.port(), /*auto_window=*/false);
  const std::string text(4000, 'x');
  int32_t slow = h2.Request("GET", "/v1/watch/slow?count=2000&text=" + text, {{"accept", "text/event-stream"}});
  auto& events = server.service().events();
  auto sent = [&] { return events.WithPrefix("watch:sent:slow:").size(); };
  REQUIRE(h2.RunUntil([&] { return h2.stream(slow).body.size() >= 65535; }, 5s));
  // The window (65,535 bytes) is spent: the service stops being read a
  // little later (the buffers between fill), far from the 2,000 messages.
  h2.RunUntil([] { return false; }, 500ms);
  size_t stalled = sent();
  h2.RunUntil([] { return false; }, 500ms);
  CHECK(sent() == stalled);
  CHECK(stalled < 400);
  CHECK(!Closed(h2, slow));
  // Another stream on the same connection is not held up.
  int32_t other = h2.Request("GET", "/v1/shelves/s1/books/b2");
  REQUIRE(h2.RunUntil([&] { return Closed(h2, other); }, 5s));
  CHECK(h2.stream(other).status == 200);
  int32_t sse = h2.Request("GET", "/v1/watch/fast?count=3", {{"accept", "text/event-stream"}});
  REQUIRE(h2.RunUntil([&] { return Closed(h2, sse); }, 5s));
  CHECK(h2.stream(sse).body.find("\"seq\":\"2\"") != std::string::npos);
  // Reading the slow stream lets its call go on to its end.
  size_t given = 0;
  REQUIRE(h2.RunUntil(
      [&] {
        size_t have = h2.stream(slow).body.size();
        if (have > given) {
          nghttp2_session_consume_stream(h2.session(), slow, have - given);
          given = have;
        }
        return Closed(h2, slow);
      },
      20s));
  CHECK(sent() == 2000);
  CHECK(h2.stream(slow).body.find("\"seq\":\"1999\"") != std::string::npos);
}

TEST_CASE("h2c: a streamed upload reaches a client-streaming call as it is sent", "[http2]") {
  TestServer server;
  H2Client h2(server.port());
  // No content-length: the body is open-ended, as from fetch with a
  // ReadableStream body.
  int32_t id = h2.Request("POST", "/v1/collect", {{"content-type", "application/json"}}, nullptr, /*more=*/true);
  h2.Send(id, R"({"text":"a","value":1})", false);
  REQUIRE(h2.RunUntil([&] { return server.service().events().Count("collect:received:a") == 1; }, 5s));
  CHECK(!Closed(h2, id));
  h2.Send(id, "\n" R"({"text":"b","value":2})", false);
  REQUIRE(h2.RunUntil([&] { return server.service().events().Count("collect:received:b") == 1; }, 5s));
  h2.Send(id, "\n" R"({"text":"c","value":3})", true);
  REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
  CHECK(h2.stream(id).status == 200);
  CHECK(h2.stream(id).body == R"({"text":"abc","sum":"6","count":3})");
  // A declared length works the same.
  std::string body = R"({"text":"z","value":9})";
  id = h2.Request("POST", "/v1/collect", {{"content-type", "application/json"},
                                            {"content-length", std::to_string(body.size())}}, &body);
  REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
  CHECK(h2.stream(id).body == R"({"text":"z","sum":"9","count":1})");
}

// A masked client WebSocket frame.
std::string WsFrame(uint8_t opcode, const std::string& payload) {
  std::string f;
  f += static_cast<char>(0x80 | opcode);
  const unsigned char mask[4] = {1, 2, 3, 4};
  if (payload.size() < 126) {
    f += static_cast<char>(0x80 | payload.size());
  } else {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xff);
  }
  f.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < payload.size(); ++i) f += static_cast<char>(payload[i] ^ mask[i % 4]);
  return f;
}

TEST_CASE("h2c: WebSocket over extended CONNECT runs the gateway's WebSocket session", "[http2]") {
  TestServer server;
  H2Client h2(server.port());
  REQUIRE(h2.RunUntil([&] { return h2.remote_setting(NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL) == 1; }, 5s));
  int32_t id = h2.Request("CONNECT", "/v1/rooms/r1:echo",
                          {{":protocol", "websocket"}, {"sec-websocket-version", "13"}}, nullptr, /*more=*/true);
  REQUIRE(h2.RunUntil([&] { return h2.stream(id).status != 0; }, 5s));
  REQUIRE(h2.stream(id).status == 200);
  CHECK(h2.stream(id).Header("sec-websocket-accept").empty());
  CHECK(server.http().http2_counters().extended_connects == 1);
  h2.Send(id, WsFrame(1, R"({"room":"r1","text":"hi"})"), false);
  REQUIRE(h2.RunUntil([&] { return h2.stream(id).body.find("\"hi\"") != std::string::npos; }, 5s));
  // A server frame: unmasked text.
  const std::string& got = h2.stream(id).body;
  REQUIRE(got.size() > 2);
  CHECK(static_cast<unsigned char>(got[0]) == 0x81);
  CHECK((static_cast<unsigned char>(got[1]) & 0x80) == 0);
  CHECK(server.service().events().WaitFor("echo:received:r1:hi", 5s));
  // Closing: 1000, the server answers with its close and ends the stream.
  h2.Send(id, WsFrame(8, std::string("\x03\xe8", 2)), true);
  REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
  CHECK(h2.stream(id).body.find(std::string("\x88", 1)) != std::string::npos);
  CHECK(server.service().events().WaitFor("echo:done:r1", 5s));
  // A refused upgrade is an ordinary error response.
  int32_t bad = h2.Request("CONNECT", "/v1/no/such/path",
                           {{":protocol", "websocket"}, {"sec-websocket-version", "13"}}, nullptr, true);
  REQUIRE(h2.RunUntil([&] { return Closed(h2, bad); }, 5s));
  CHECK(h2.stream(bad).status == 404);
  CHECK(h2.stream(bad).body.find("\"code\":5") != std::string::npos);
}

TEST_CASE("h2c: limits answer with the protocol's errors", "[http2]") {
  ServerConfig config;
  config.http.max_head_bytes = 4096;
  config.http.http2_max_concurrent_streams = 10;
  TestServer server(config);

  SECTION("a header list over max_head_bytes is a 431 with the JSON error") {
    H2Client h2(server.port());
    int32_t id = h2.Request("GET", "/v1/shelves/s1/books/b1", {{"x-big", std::string(5000, 'a')}});
    REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
    CHECK(h2.stream(id).status == 431);
    CHECK(h2.stream(id).body.find("\"code\":8") != std::string::npos);
    // The connection goes on.
    id = h2.Request("GET", "/v1/shelves/s1/books/b1");
    REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
    CHECK(h2.stream(id).status == 200);
  }

  SECTION("streams over SETTINGS_MAX_CONCURRENT_STREAMS are refused") {
    h2_test::Wire wire(server.port(), server.tls(), "http/1.1");  // over TLS: h2 by its preface
    Hpack hpack;
    std::string out(grpcgw::internal::kHttp2Preface);
    out += Frame(4, 0, 0, "");  // SETTINGS; the server's is never acknowledged
    for (uint32_t i = 0; i < 11; ++i) {
      // Uploads left open: each stream stays open.
      out += Frame(1, 0x4, 1 + 2 * i,
                   hpack.Encode({{":method", "POST"}, {":scheme", "http"}, {":authority", "x"},
                                 {":path", "/v1/collect"}, {"content-type", "application/json"}}));
    }
    REQUIRE(wire.Send(out));
    bool eof = false;
    auto frames = ReadFrames(wire, 5s, [](const RawFrame& f) { return f.type == 3; }, &eof);
    REQUIRE(!frames.empty());
    CHECK(frames.back().type == 3);  // RST_STREAM
    CHECK(frames.back().stream == 21);
    CHECK(frames.back().Code() == NGHTTP2_REFUSED_STREAM);
  }

  SECTION("rapid reset is answered with GOAWAY ENHANCE_YOUR_CALM") {
    h2_test::Wire wire(server.port(), server.tls(), "http/1.1");  // over TLS: h2 by its preface
    Hpack hpack;
    std::string out(grpcgw::internal::kHttp2Preface);
    out += Frame(4, 0, 0, "");
    for (uint32_t i = 0; i < 400; ++i) {
      out += Frame(1, 0x4 | 0x1, 1 + 2 * i,
                   hpack.Encode({{":method", "GET"}, {":scheme", "http"}, {":authority", "x"},
                                 {":path", "/v1/watch/r?count=1000"}, {"accept", "text/event-stream"}}));
      out += Frame(3, 0, 1 + 2 * i, std::string("\0\0\0\x08", 4));  // RST_STREAM CANCEL
    }
    REQUIRE(wire.Send(out));
    bool eof = false;
    auto frames = ReadFrames(wire, 5s, [](const RawFrame& f) { return f.type == 7; }, &eof);
    REQUIRE(!frames.empty());
    CHECK(frames.back().type == 7);  // GOAWAY
    CHECK(frames.back().Code() == NGHTTP2_ENHANCE_YOUR_CALM);
    CHECK(server.http().http2_counters().calm_goaways >= 1);
  }

  SECTION("PING and SETTINGS floods close the connection") {
    for (int type : {6, 4}) {
      INFO("frame type " << type);
      h2_test::Wire wire(server.port(), server.tls(), "http/1.1");
      REQUIRE(wire.connected());
      std::string first(grpcgw::internal::kHttp2Preface);
      first += Frame(4, 0, 0, "");
      // Each asks for an acknowledgement the client never reads.
      std::string frame = type == 6 ? Frame(6, 0, 0, std::string(8, 'p')) : Frame(4, 0, 0, "");
      CHECK(FloodUntilClosed(wire, first, frame, 10s));
      }
  }

  SECTION("a CONTINUATION flood is answered with GOAWAY") {
    h2_test::Wire wire(server.port(), server.tls(), "http/1.1");  // over TLS: h2 by its preface
    Hpack hpack;
    std::string out(grpcgw::internal::kHttp2Preface);
    out += Frame(4, 0, 0, "");
    out += Frame(1, 0x1, 1,
                 hpack.Encode({{":method", "GET"}, {":scheme", "http"}, {":authority", "x"}, {":path", "/"}}));
    // Header blocks that never end.
    std::string piece = hpack.Encode({{"x-a", std::string(100, 'a')}});
    for (int i = 0; i < 1000; ++i) out += Frame(9, 0, 1, piece);
    wire.Send(out);  // the server may close before it took all
    bool eof = false;
    auto frames = ReadFrames(wire, 5s, [](const RawFrame& f) { return f.type == 7; }, &eof);
    REQUIRE(!frames.empty());
    CHECK(frames.back().type == 7);
  }

  // Whatever came before, the server still serves.
  H2Client h2(server.port());
  int32_t id = h2.Request("GET", "/v1/shelves/s1/books/b1");
  REQUIRE(h2.RunUntil([&] { return Closed(h2, id); }, 5s));
  CHECK(h2.stream(id).status == 200);
}

TEST_CASE("h2 over TLS: ALPN agrees on h2 and every transport runs on it", "[http2][tls]") {
  ServerConfig config;
  config.http.tls.cert_chain_file = e2e_test::TestCertificate().cert_file;
  config.http.tls.private_key_file = e2e_test::TestCertificate().key_file;
  TestServer server(config);
  H2Client h2(server.port(), true, /*tls=*/true);
  REQUIRE(h2.connected());
  CHECK(h2.alpn() == "h2");
  int32_t unary = h2.Request("GET", "/v1/shelves/s1/books/b1");
  int32_t sse = h2.Request("GET", "/v1/watch/t?count=2", {{"accept", "text/event-stream"}});
  int32_t nd = h2.Request("GET", "/v1/watch/u?count=2", {{"accept", "application/x-ndjson"}});
  int32_t ws = h2.Request("CONNECT", "/v1/rooms/tls:echo", {{":protocol", "websocket"}, {"sec-websocket-version", "13"}},
                          nullptr, true);
  h2.Send(ws, WsFrame(1, R"({"room":"tls","text":"hi"})"), false);
  REQUIRE(h2.RunUntil(
      [&] {
        return Closed(h2, unary) && Closed(h2, sse) && Closed(h2, nd) &&
               h2.stream(ws).body.find("\"hi\"") != std::string::npos;
      },
      10s));
  CHECK(h2.stream(unary).status == 200);
  CHECK(h2.stream(sse).body.find("\"seq\":\"1\"") != std::string::npos);
  CHECK(h2.stream(nd).body.find("{\"result\":{\"seq\":\"1\"") != std::string::npos);
  CHECK(h2.stream(ws).status == 200);
  CHECK(server.http().http2_counters().extended_connects == 1);
  // A client offering only http/1.1 is served HTTP/1.1 on the same port.
  h2_test::Wire h1(server.port(), true, "http/1.1");
  CHECK(h1.alpn() == "http/1.1");
  REQUIRE(h1.Send("GET /v1/shelves/s1/books/b1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  char buf[4096];
  ssize_t got = h1.Recv(buf, sizeof buf, 5000);
  REQUIRE(got > 0);
  CHECK(std::string(buf, static_cast<size_t>(got)).rfind("HTTP/1.1 200", 0) == 0);
}

TEST_CASE("h2c: stop() sends GOAWAY and ends streams by the shutdown rules", "[http2]") {
  ServerConfig config;
  config.http.shutdown_grace = 3000ms;
  TestServer server(config);
  H2Client h2(server.port());
  int32_t sse = h2.Request("GET", "/v1/watch/stop?count=5&wait_for_signal=true", {{"accept", "text/event-stream"}});
  REQUIRE(h2.RunUntil([&] { return !h2.stream(sse).body.empty(); }, 5s));
  std::thread stopper([&] { server.http().stop(); });
  bool ended = h2.RunUntil([&] { return Closed(h2, sse) && h2.goaway(); }, 5s);
  stopper.join();
  REQUIRE(ended);
  CHECK(h2.goaway_code() == NGHTTP2_NO_ERROR);
  CHECK(h2.stream(sse).error == 0);
  // SSE's shutdown event ends the stream.
  CHECK(h2.stream(sse).body.find("event: ") != std::string::npos);
  CHECK(server.http().open_connections() == 0);
}

}  // namespace
