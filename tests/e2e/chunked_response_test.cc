// Chunked transfer, response side (DESIGN.md section 4): the exact bytes of
// the NDJSON framing for success, failure after data and failure before
// data, in both framings; no compression, no buffering; any HTTP method.
#include <catch2/catch.hpp>

#include <algorithm>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chunked_test_util.h"
#include "test_server.h"

namespace {

using namespace std::chrono_literals;
using chunked_test::Chunk;
using chunked_test::kLastChunk;
using chunked_test::NdjsonReader;
using e2e_test::ParseErrorBody;
using e2e_test::RawConnection;
using e2e_test::RawResponse;
using e2e_test::ServerConfig;
using e2e_test::TestServer;

// A WatchEvent as the gateway prints it by default (proto3 JSON, fields in
// field-number order, int64 as a string, unpopulated fields printed).
std::string WatchEventJson(const std::string& topic, int seq, bool last) {
  return "{\"seq\":\"" + std::to_string(seq) + "\",\"kind\":\"" + (last ? "last" : "tick") + "\",\"topic\":\"" +
         topic + "\",\"text\":\"\",\"lastEventId\":\"\"}";
}

std::string GetRequest(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

struct FramingRow {
  const char* name;
  std::string topic;
  std::string query;  // of GET /v1/watch/<topic>
  int status;
  // What follows the head: one chunk per line (the service sends each
  // message only after the previous one was read, so that no two lines
  // can share a chunk), or the error body.
  std::vector<std::string> envelope_lines;
  std::vector<std::string> bare_lines;
  std::string error_body;  // for a failure before data
};

TEST_CASE("CORS headers and the request hook's headers are on chunked stream heads", "[chunked][cors]") {
  ServerConfig config;
  config.gateway.cors.allowed_origins = {"https://app.example"};
  config.gateway.request_hook = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Request-Id", "chunked-1");
    return grpcgw::HookResult::kContinue;
  };
  TestServer server(config);
  const std::string origin = "Origin: https://app.example\r\n";
  SECTION("server-streaming") {
    RawConnection conn(server.port());
    REQUIRE(conn.Send(GetRequest("/v1/watch/c?count=2", origin)));
    RawResponse res;
    REQUIRE(conn.ReadResponse(&res, 5s));
    CHECK(res.status == 200);
    CHECK(res.header("Content-Type") == "application/x-ndjson");
    CHECK(res.header("Access-Control-Allow-Origin") == "https://app.example");
    CHECK(res.header("X-Request-Id") == "chunked-1");
  }
  SECTION("bidi, full duplex") {
    RawConnection conn(server.port());
    REQUIRE(conn.Send(chunked_test::ChunkedHead("POST", "/v1/rooms/r1:echo", origin) +
                      Chunk("{\"text\":\"a\"}\n") + kLastChunk));
    RawResponse res;
    REQUIRE(conn.ReadResponse(&res, 5s));
    CHECK(res.status == 200);
    CHECK(res.header("Access-Control-Allow-Origin") == "https://app.example");
    CHECK(res.header("X-Request-Id") == "chunked-1");
  }
  SECTION("client-streaming (one response)") {
    RawConnection conn(server.port());
    REQUIRE(conn.Send(chunked_test::ChunkedHead("POST", "/v1/collect", origin) + Chunk("{\"value\":1}") +
                      kLastChunk));
    RawResponse res;
    REQUIRE(conn.ReadResponse(&res, 5s));
    CHECK(res.status == 200);
    CHECK(res.header("Access-Control-Allow-Origin") == "https://app.example");
    CHECK(res.header("X-Request-Id") == "chunked-1");
  }
}

TEST_CASE("a chunked stream ends with the call's trailing metadata as trailers when the client sends TE: trailers",
          "[chunked][e2e]") {
  TestServer server;
  RawConnection conn(server.port());
  REQUIRE(conn.Send(GetRequest("/v1/watch/tr?count=2", "TE: trailers\r\n")));
  RawResponse res;
  REQUIRE(conn.ReadResponse(&res, 10s));
  CHECK(res.status == 200);
  CHECK(std::count(res.body.begin(), res.body.end(), '\n') == 2);
  REQUIRE(res.trailers.count("grpc-trailer-watch-sent") == 1);
  CHECK(res.trailers.find("grpc-trailer-watch-sent")->second == "2");
  // Without TE: trailers, the body ends with an empty trailer section.
  REQUIRE(conn.Send(GetRequest("/v1/watch/tr?count=1")));
  REQUIRE(conn.ReadResponse(&res, 10s));
  CHECK(res.status == 200);
  CHECK(res.trailers.empty());
}

TEST_CASE("chunked response framing is exact for success, failure after data and failure before data",
          "[chunked][e2e]") {
  const std::string status5 = "{\"code\":5,\"message\":\"gone away\",\"details\":[]}";
  std::vector<FramingRow> rows = {
      {"success",
       "ok",
       "count=2&wait_for_signal=true",
       200,
       {"{\"result\":" + WatchEventJson("ok", 0, false) + "}\n", "{\"result\":" + WatchEventJson("ok", 1, true) + "}\n"},
       {WatchEventJson("ok", 0, false) + "\n", WatchEventJson("ok", 1, true) + "\n"},
       ""},
      {"failure after data",
       "late",
       "count=3&fail_after=1&fail_code=5&fail_message=gone%20away",
       200,
       {"{\"result\":" + WatchEventJson("late", 0, false) + "}\n", "{\"error\":" + status5 + "}\n"},
       {WatchEventJson("late", 0, false) + "\n", status5 + "\n"},
       ""},
      {"failure before data", "early", "count=3&fail_after=0&fail_code=5&fail_message=gone%20away", 404, {}, {},
       status5},
      {"success without messages", "none", "count=0", 200, {}, {}, ""},
  };
  for (bool bare : {false, true}) {
    ServerConfig config;
    config.gateway.chunked.bare_lines = bare;
    TestServer server(config);
    for (const FramingRow& row : rows) {
      DYNAMIC_SECTION((bare ? "bare lines: " : "envelope: ") << row.name) {
        RawConnection conn(server.port());
        // A stream is never compressed, even for a client that accepts it.
        bool stream = row.status == 200;
        REQUIRE(conn.Send(GetRequest("/v1/watch/" + row.topic + "?" + row.query,
                                     stream ? "Accept-Encoding: gzip, deflate, br\r\n" : "")));
        RawResponse head;
        REQUIRE(conn.ReadHead(&head, 5s));
        CHECK(head.status == row.status);
        CHECK_FALSE(head.has_header("Content-Encoding"));
        if (!stream) {
          CHECK(head.header("Content-Type") == "application/json");
          std::string body;
          REQUIRE(conn.ReadExactly(std::stoul(head.header("Content-Length")), &body, 5s));
          CHECK(body == row.error_body);
          continue;
        }
        CHECK(head.header("Content-Type") == "application/x-ndjson");
        CHECK(head.header("Transfer-Encoding") == "chunked");
        CHECK_FALSE(head.has_header("Content-Length"));
        const auto& lines = bare ? row.bare_lines : row.envelope_lines;
        for (size_t i = 0; i < lines.size(); ++i) {
          INFO("line " << i);
          std::string expected = Chunk(lines[i]);
          std::string got;
          REQUIRE(conn.ReadExactly(expected.size(), &got, 5s));
          CHECK(got == expected);
          server.service().Signal(row.topic);
        }
        std::string end;
        REQUIRE(conn.ReadExactly(kLastChunk.size(), &end, 5s));
        CHECK(end == kLastChunk);
        // The connection serves the next request.
        REQUIRE(conn.Send(GetRequest("/v1/watch/next?count=1")));
        RawResponse next;
        REQUIRE(conn.ReadResponse(&next, 5s));
        CHECK(next.status == 200);
      }
    }
  }
}

TEST_CASE("chunked response lines of a burst are all there, in order, whatever their chunking",
          "[chunked][e2e]") {
  TestServer server;
  RawConnection conn(server.port());
  REQUIRE(conn.Send(GetRequest("/v1/watch/burst?count=200")));
  RawResponse res;
  REQUIRE(conn.ReadResponse(&res, 5s));
  REQUIRE(res.status == 200);
  std::string expected;
  for (int i = 0; i < 200; ++i) expected += "{\"result\":" + WatchEventJson("burst", i, i == 199) + "}\n";
  CHECK(res.body == expected);
}

TEST_CASE("chunked response answers a failure before the first message as an HTTP error every time",
          "[chunked][e2e]") {
  // The service fails at once; the gateway must not have sent a 200 head.
  TestServer server;
  auto client = server.Client();
  for (int i = 0; i < 40; ++i) {
    INFO("attempt " << i);
    auto res = client.Get("/v1/watch/early?count=3&fail_after=0&fail_code=9&fail_message=no");
    REQUIRE(res);
    CHECK(res->status == 400);
    auto error = ParseErrorBody(res->body);
    CHECK(error.valid);
    CHECK(error.code == 9);
  }
}

TEST_CASE("chunked response writes each message as it comes", "[chunked][e2e]") {
  TestServer server;
  RawConnection conn(server.port());
  REQUIRE(conn.Send(GetRequest("/v1/watch/live?count=3&wait_for_signal=true")));
  NdjsonReader lines(conn);
  RawResponse head;
  REQUIRE(lines.ReadHead(&head, 5s));
  REQUIRE(head.status == 200);
  std::string line;
  for (int seq = 0; seq < 3; ++seq) {
    INFO("message " << seq);
    if (seq > 0) {
      // Nothing more until the service sends it.
      REQUIRE(server.service().events().WaitFor("watch:waiting:live:" + std::to_string(seq), 5s));
      CHECK_FALSE(lines.Next(&line, 100ms));
      server.service().Signal("live");
    }
    REQUIRE(lines.Next(&line, 5s));
    CHECK(line == "{\"result\":" + WatchEventJson("live", seq, seq == 2) + "}");
  }
  CHECK_FALSE(lines.Next(&line, 5s));
  CHECK(lines.ended());
}

TEST_CASE("chunked response serves a streaming method bound to POST with a body", "[chunked][e2e]") {
  TestServer server;
  struct Row {
    const char* name;
    std::string request;
  };
  const std::string body = "{\"count\":2,\"text\":\"hi\"}";
  std::vector<Row> rows = {
      {"Content-Length body", "POST /v1/watch/p HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body},
      {"chunked body", chunked_test::ChunkedHead("POST", "/v1/watch/p") + Chunk(body.substr(0, 7)) +
                           Chunk(body.substr(7)) + kLastChunk},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawConnection conn(server.port());
      REQUIRE(conn.Send(row.request));
      RawResponse res;
      REQUIRE(conn.ReadResponse(&res, 5s));
      CHECK(res.status == 200);
      CHECK(res.header("Content-Type") == "application/x-ndjson");
      CHECK(res.body ==
            "{\"result\":{\"seq\":\"0\",\"kind\":\"tick\",\"topic\":\"p\",\"text\":\"hi\",\"lastEventId\":\"\"}}\n"
            "{\"result\":{\"seq\":\"1\",\"kind\":\"last\",\"topic\":\"p\",\"text\":\"hi\",\"lastEventId\":\"\"}}\n");
    }
  }
}

TEST_CASE("chunked response is refused for a method that switched chunked transfer off", "[chunked][e2e]") {
  TestServer server;
  auto res = server.Client().Get("/v1/ws-only/t?count=1");
  REQUIRE(res);
  CHECK(res->status == 501);
  CHECK(ParseErrorBody(res->body).code == 12);
}

TEST_CASE("ChunkWriter streams a user route's response and keeps the connection", "[chunked][e2e]") {
  // The handler runs on a server thread, where Catch2 must not assert: it
  // records what a second Finish() returned, and the test thread checks.
  struct Seen {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<bool> second_finish;  // one per request
  };
  auto seen = std::make_shared<Seen>();
  ServerConfig config;
  config.setup = [seen](grpcgw::HttpServer& http, grpc::Server&) {
    http.Post("/export", [seen](const httplib::Request& req, httplib::Response& res) {
      auto out = grpcgw::ChunkWriter::Start(req, 201, "application/x-ndjson", {{"X-Export", "yes"}});
      if (!out) {
        res.status = 500;
        return;
      }
      out->Write("{\"n\":1}\n");
      out->Write("");  // no chunk: an empty one would end the body
      out->Write(req.body + "\n");
      out->Finish();
      const bool again = out->Finish();
      {
        std::lock_guard<std::mutex> lock(seen->mu);
        seen->second_finish.push_back(again);
      }
      seen->cv.notify_all();
    });
  };
  TestServer server(config);
  RawConnection conn(server.port());
  for (int i = 0; i < 2; ++i) {
    INFO("request " << i);
    REQUIRE(conn.Send("POST /export HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\n\r\n{\"b\":2}"));
    std::string head = conn.ReadUntil("\r\n\r\n", 5s);
    CHECK(head.compare(0, 22, "HTTP/1.1 201 Created\r\n") == 0);
    CHECK(head.find("Content-Type: application/x-ndjson\r\n") != std::string::npos);
    CHECK(head.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
    CHECK(head.find("X-Export: yes\r\n") != std::string::npos);
    std::string body = conn.ReadUntil(kLastChunk, 5s);
    CHECK(body == Chunk("{\"n\":1}\n") + Chunk("{\"b\":2}\n") + kLastChunk);
  }
  // A second Finish() does nothing and says so.
  std::unique_lock<std::mutex> lock(seen->mu);
  REQUIRE(seen->cv.wait_for(lock, 5s, [&] { return seen->second_finish.size() == 2; }));
  CHECK(seen->second_finish == std::vector<bool>{false, false});
}

TEST_CASE("ChunkWriter outside a handler is refused", "[chunked]") {
  httplib::Request req;
  CHECK(grpcgw::ChunkWriter::Start(req, 200, "text/plain") == nullptr);
}

}  // namespace
