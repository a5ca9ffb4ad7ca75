// Chunked transfer, request side (DESIGN.md section 4): a body of JSON
// messages, chunked or with a length, reaches a client-streaming service
// message by message, whatever the chunking and the whitespace; malformed
// or oversized elements, oversized bodies and stalled uploads end the call
// with the right error.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "chunked_test_util.h"
#include "test_server.h"

namespace {

using namespace std::chrono_literals;
using chunked_test::Chunk;
using chunked_test::ChunkedHead;
using chunked_test::kLastChunk;
using e2e_test::ErrorBody;
using e2e_test::ParseErrorBody;
using e2e_test::RawConnection;
using e2e_test::RawResponse;
using e2e_test::ServerConfig;
using e2e_test::TestServer;

std::string CollectJson(const std::string& text, int64_t sum, int count) {
  return "{\"text\":\"" + text + "\",\"sum\":\"" + std::to_string(sum) + "\",\"count\":" + std::to_string(count) + "}";
}

// Sends `request` and reads the response on `conn`.
RawResponse Exchange(RawConnection& conn, const std::string& request) {
  RawResponse res;
  if (!conn.Send(request) || !conn.ReadResponse(&res, 5s)) res.status = -1;
  return res;
}

TEST_CASE("chunked request delivers every message intact and in order at every chunk boundary",
          "[chunked][e2e]") {
  TestServer server;
  // Three messages, each with the characters a splitter could trip on.
  const std::string body =
      "{\"text\":\"a}\",\"value\":\"1\"}\n"
      "{\"text\":\"b\\\"{\",\"value\":2}\r\n"
      "  {\"value\":3,\"text\":\"c]\"}";
  const std::string expected = CollectJson("a}b\\\"{c]", 6, 3);
  // One keep-alive connection for all of them: each request leaves it
  // ready for the next.
  RawConnection conn(server.port());
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    INFO("chunked, cut at " << cut);
    std::string request = ChunkedHead("POST", "/v1/collect");
    if (cut > 0) request += Chunk(body.substr(0, cut));
    REQUIRE(conn.Send(request));
    std::this_thread::sleep_for(1ms);  // the two halves arrive apart
    std::string rest;
    if (cut < body.size()) rest += Chunk(body.substr(cut));
    RawResponse res = Exchange(conn, rest + kLastChunk);
    REQUIRE(res.status == 200);
    REQUIRE(res.body == expected);
  }
  for (size_t cut = 0; cut <= body.size(); ++cut) {
    INFO("Content-Length, cut at " << cut);
    REQUIRE(conn.Send("POST /v1/collect HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
                      "\r\n\r\n" + body.substr(0, cut)));
    std::this_thread::sleep_for(1ms);
    RawResponse res = Exchange(conn, body.substr(cut));
    REQUIRE(res.status == 200);
    REQUIRE(res.body == expected);
  }
}

TEST_CASE("chunked request accepts whitespace and framing variants", "[chunked][e2e]") {
  TestServer server;
  struct Row {
    const char* name;
    std::string chunks;  // after the head
  };
  const std::string a = "{\"text\":\"a\",\"value\":1}";
  const std::string b = "{\"text\":\"b\",\"value\":2}";
  std::vector<Row> rows = {
      {"LF separated", Chunk(a + "\n" + b + "\n") + kLastChunk},
      {"CRLF separated", Chunk(a + "\r\n" + b + "\r\n") + kLastChunk},
      {"spaces and tabs on one line", Chunk(" \t" + a + " \t " + b + "\t ") + kLastChunk},
      {"no separator", Chunk(a + b) + kLastChunk},
      {"blank lines around", Chunk("\n\r\n\n" + a + "\n\n\n" + b + "\n\r\n") + kLastChunk},
      {"one message per chunk", Chunk(a) + Chunk(b) + kLastChunk},
      {"one byte per chunk",
       [&] {
         std::string s;
         for (char c : a + "\n" + b) s += Chunk(std::string(1, c));
         return s + kLastChunk;
       }()},
      {"pretty-printed", Chunk("{\n  \"text\": \"a\",\n  \"value\": 1\n}\n{\n  \"text\": \"b\",\n  \"value\": 2\n}\n") +
                             kLastChunk},
      {"chunk extensions and trailers",
       "6;name=value\r\n" + a.substr(0, 6) + "\r\n" + Chunk(a.substr(6) + "\n" + b) + "0\r\nX-Trailer: t\r\n\r\n"},
      {"upper-case hex sizes", [&] {
         std::string ab = a + b;  // 44 bytes: 2C
         return "2C\r\n" + ab + "\r\n" + kLastChunk;
       }()},
  };
  RawConnection conn(server.port());
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawResponse res = Exchange(conn, ChunkedHead("POST", "/v1/collect") + row.chunks);
      CHECK(res.status == 200);
      CHECK(res.body == CollectJson("ab", 3, 2));
    }
  }
}

TEST_CASE("chunked request forwards a message as soon as its last byte arrives", "[chunked][e2e]") {
  TestServer server;
  auto& events = server.service().events();
  RawConnection conn(server.port());
  REQUIRE(conn.Send(ChunkedHead("POST", "/v1/collect") + Chunk("{\"text\":\"first\"}")));
  CHECK(events.WaitFor("collect:received:first", 5s));
  // A message split across chunks: not before its end...
  REQUIRE(conn.Send(Chunk("\n{\"text\":")));
  std::this_thread::sleep_for(100ms);
  CHECK(events.WithPrefix("collect:received:").size() == 1);
  // ...and at once after it, while the body is still open.
  REQUIRE(conn.Send(Chunk("\"second\"}")));
  CHECK(events.WaitFor("collect:received:second", 5s));
  // A chunk whose closing CRLF has not arrived yet.
  const std::string third = Chunk("{\"text\":\"third\"}");
  REQUIRE(conn.Send(third.substr(0, third.size() - 2)));
  CHECK(events.WaitFor("collect:received:third", 5s));
  RawResponse res = Exchange(conn, "\r\n" + kLastChunk);
  CHECK(res.status == 200);
  CHECK(res.body == CollectJson("firstsecondthird", 0, 3));
}

TEST_CASE("client-streaming methods answer once after the body ends", "[chunked][e2e]") {
  TestServer server;
  struct Row {
    const char* name;
    std::string request;
    std::string body;
  };
  std::vector<Row> rows = {
      {"GET binding without a body", "GET /v1/collect HTTP/1.1\r\nHost: x\r\n\r\n", CollectJson("", 0, 0)},
      {"empty chunked body", ChunkedHead("POST", "/v1/collect") + kLastChunk, CollectJson("", 0, 0)},
      {"whitespace-only body", ChunkedHead("POST", "/v1/collect") + Chunk(" \r\n\n") + kLastChunk,
       CollectJson("", 0, 0)},
      {"one message with a length", "POST /v1/collect HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n{\"value\":42}",
       CollectJson("", 42, 1)},
  };
  RawConnection conn(server.port());
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawResponse res = Exchange(conn, row.request);
      CHECK(res.status == 200);
      CHECK(res.header("Content-Type") == "application/json");
      CHECK(res.body == row.body);
    }
  }
}

struct ErrorRow {
  const char* name;
  std::string chunks;
  int http_status;
  int code;
  std::vector<std::string> message_parts;  // each must appear in the message
};

TEST_CASE("chunked request rejects a bad element with its index and reason", "[chunked][e2e]") {
  ServerConfig config;
  config.gateway.max_message_bytes = 1024;
  config.gateway.max_request_body_bytes = 8192;
  config.gateway.max_stream_upload_bytes = 8192;  // streamed uploads are bounded per message otherwise
  TestServer server(config);
  const std::string good = "{\"text\":\"ok\"}\n";
  const std::string big = "{\"text\":\"" + std::string(2000, 'x') + "\"}\n";
  std::vector<ErrorRow> rows = {
      {"malformed JSON in the middle", Chunk(good + good + "{\"text\":}\n" + good) + kLastChunk, 400, 3,
       {"element 2", "request stream"}},
      {"wrong type in the middle", Chunk(good + "{\"value\":\"abc\"}\n" + good) + kLastChunk, 400, 3,
       {"element 1", "value"}},
      {"not an object", Chunk(good + "[1,2]\n") + kLastChunk, 400, 3, {"element 1"}},
      {"stray closing brace", Chunk(good + "}\n") + kLastChunk, 400, 3, {"element 1"}},
      {"element cut off by the end of the body", Chunk(good + "{\"text\":\"abc") + kLastChunk, 400, 3,
       {"element 1", "cut off"}},
      {"message over max_message_bytes", Chunk(good) + Chunk(big.substr(0, 1000)) + Chunk(big.substr(1000)) + kLastChunk,
       413, 8, {"element 1", "1024"}},
      {"upload over max_stream_upload_bytes",
       [&] {
         std::string s;
         for (int i = 0; i < 12; ++i) s += Chunk(std::string(1000, ' ') + good);
         return s + kLastChunk;
       }(),
       413, 8, {"8192"}},
      {"malformed chunk size", Chunk(good) + "zz\r\nabc\r\n" + kLastChunk, 400, 3, {"chunk"}},
  };
  for (const ErrorRow& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawConnection conn(server.port());
      RawResponse res = Exchange(conn, ChunkedHead("POST", "/v1/collect") + row.chunks);
      CHECK(res.status == row.http_status);
      ErrorBody error = ParseErrorBody(res.body);
      CHECK(error.valid);
      CHECK(error.code == row.code);
      for (const std::string& part : row.message_parts) {
        INFO("message: " << error.message);
        CHECK(error.message.find(part) != std::string::npos);
      }
      // The call was cancelled, not completed with half of the stream.
      CHECK(server.service().events().WaitFor("collect:done", 5s));
    }
    server.service().events().Clear();
  }
}

TEST_CASE("request body framing that cannot be trusted is refused", "[chunked][e2e]") {
  ServerConfig config;
  config.gateway.max_request_body_bytes = 8192;
  config.gateway.max_stream_upload_bytes = 8192;  // streamed uploads are bounded per message otherwise
  TestServer server(config);
  struct Row {
    const char* name;
    std::string request;
    int status;
    std::string message_part;
    bool reaches_service = false;  // the body's framing looked right until its end
  };
  const std::string body = "{\"text\":\"a\"}";
  std::vector<Row> rows = {
      {"a transfer coding other than chunked",
       "POST /v1/collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n" + body, 400, "Transfer-Encoding"},
      {"chunked not last", "POST /v1/collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" + body,
       400, "Transfer-Encoding"},
      {"both Transfer-Encoding and Content-Length",
       "POST /v1/collect HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" +
           Chunk(body) + kLastChunk,
       400, "Content-Length"},
      {"malformed Content-Length", "POST /v1/collect HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n" + body, 400,
       "Content-Length"},
      {"negative Content-Length", "POST /v1/collect HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n" + body, 400,
       "Content-Length"},
      // Answered at once, without waiting for a body that never comes.
      {"Content-Length over the limit", "POST /v1/collect HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n", 413,
       "8192"},
      {"endless trailer section",
       ChunkedHead("POST", "/v1/collect") + Chunk(body) + "0\r\n" +
           [] {
             std::string s;
             for (int i = 0; i < 40; ++i) s += "X-T" + std::to_string(i) + ": " + std::string(1000, 'v') + "\r\n";
             return s;
           }(),
       400, "trailer", true},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawConnection conn(server.port());
      RawResponse res = Exchange(conn, row.request);
      CHECK(res.status == row.status);
      ErrorBody error = ParseErrorBody(res.body);
      INFO("message: " << error.message);
      CHECK(error.message.find(row.message_part) != std::string::npos);
      // Nothing of a body that cannot be delimited reached the service.
      if (!row.reaches_service) CHECK(server.service().events().Count("collect:received:a") == 0);
    }
  }
}

TEST_CASE("streamed uploads follow the unary media rules: 415 before the call starts", "[chunked][e2e]") {
  TestServer server;
  const std::string body = Chunk("{\"text\":\"a\"}\n") + kLastChunk;
  struct Row {
    const char* name;
    std::string headers;
    std::string message_part;
  };
  const std::vector<Row> refused = {
      {"text/plain", "Content-Type: text/plain\r\n", "Content-Type"},
      {"form-urlencoded", "Content-Type: application/x-www-form-urlencoded\r\n", "Content-Type"},
      {"Content-Encoding br", "Content-Type: application/json\r\nContent-Encoding: br\r\n", "Content-Encoding"},
      {"Content-Encoding gzip", "Content-Encoding: gzip\r\n", "Content-Encoding"},
  };
  for (const char* target : {"/v1/collect", "/v1/rooms/r1:echo"}) {
    for (const Row& row : refused) {
      DYNAMIC_SECTION(target << " " << row.name) {
        RawConnection conn(server.port());
        RawResponse res = Exchange(conn, ChunkedHead("POST", target, row.headers) + body);
        CHECK(res.status == 415);
        ErrorBody error = ParseErrorBody(res.body);
        CHECK(error.valid);
        CHECK(error.code == 3);
        INFO("message: " << error.message);
        CHECK(error.message.find(row.message_part) != std::string::npos);
        // Refused before the call started.
        CHECK(server.service().events().WithPrefix("collect:").empty());
        CHECK(server.service().events().WithPrefix("echo:").empty());
      }
    }
  }
  SECTION("JSON and NDJSON are accepted") {
    for (const char* type : {"application/json", "application/x-ndjson", "application/json; charset=utf-8"}) {
      INFO(type);
      RawConnection conn(server.port());
      RawResponse res =
          Exchange(conn, ChunkedHead("POST", "/v1/collect", std::string("Content-Type: ") + type + "\r\n") + body);
      CHECK(res.status == 200);
      CHECK(res.body == CollectJson("a", 0, 1));
    }
  }
}

TEST_CASE("chunked request with a huge message over the limit is refused without reading it all",
          "[chunked][e2e]") {
  ServerConfig config;
  config.gateway.max_message_bytes = 64 * 1024;
  TestServer server(config);
  RawConnection conn(server.port());
  REQUIRE(conn.Send(ChunkedHead("POST", "/v1/collect") + Chunk("{\"text\":\"")));
  // Keep sending until the gateway answers; it must not wait for the end.
  const std::string piece = Chunk(std::string(16 * 1024, 'x'));
  RawResponse res;
  bool answered = false;
  for (int i = 0; i < 64 && !answered; ++i) {
    if (!conn.Send(piece)) break;
    answered = conn.ReadHead(&res, 50ms) || conn.closed();
  }
  if (!answered) answered = conn.ReadHead(&res, 5s);
  REQUIRE(answered);
  CHECK(res.status == 413);
  CHECK(server.service().events().WaitFor("collect:cancelled", 5s));
}

TEST_CASE("service failure during a chunked upload is the HTTP error of its code", "[chunked][e2e]") {
  TestServer server;
  RawConnection conn(server.port());
  RawResponse res = Exchange(conn, ChunkedHead("POST", "/v1/collect") +
                                       Chunk("{\"text\":\"a\"}\n{\"text\":\"stop\",\"failCode\":9}\n{\"text\":\"c\"}\n") +
                                       kLastChunk);
  CHECK(res.status == 400);
  ErrorBody error = ParseErrorBody(res.body);
  CHECK(error.code == 9);
  CHECK(error.message == "stop");
}

TEST_CASE("chunked upload that stalls mid-body is timed out and its call cancelled", "[chunked][e2e]") {
  ServerConfig config;
  config.gateway.chunked.idle_timeout = 300ms;
  TestServer server(config);
  struct Row {
    const char* name;
    std::string sent;
  };
  std::vector<Row> rows = {
      {"between chunks", ChunkedHead("POST", "/v1/collect") + Chunk("{\"text\":\"a\"}\n")},
      {"inside a chunk", ChunkedHead("POST", "/v1/collect") + Chunk("{\"text\":\"a\"}\n").substr(0, 8)},
      {"inside a message", ChunkedHead("POST", "/v1/collect") + Chunk("{\"text\":\"a\"}\n{\"te")},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      server.service().events().Clear();
      RawConnection conn(server.port());
      auto start = std::chrono::steady_clock::now();
      REQUIRE(conn.Send(row.sent));
      RawResponse res;
      REQUIRE(conn.ReadResponse(&res, 5s));
      auto waited = std::chrono::steady_clock::now() - start;
      CHECK(res.status == 408);
      CHECK(ParseErrorBody(res.body).code == 4);
      CHECK(waited >= 300ms);
      CHECK(waited < 3s);
      CHECK(server.service().events().WaitFor("collect:cancelled", 5s));
    }
  }
}

}  // namespace

TEST_CASE("a streamed upload is bounded per message, not by max_request_body_bytes in total", "[chunked][limits]") {
  ServerConfig config;
  config.gateway.max_request_body_bytes = 8192;
  config.gateway.max_message_bytes = 1024;
  TestServer server(config);
  // 40 messages of about 1 KB each: five times the body limit.
  std::string chunks;
  std::string texts;
  for (int i = 0; i < 40; ++i) {
    chunks += Chunk(std::string(900, ' ') + "{\"text\":\"m\",\"value\":1}\n");
    texts += "m";
  }
  RawConnection conn(server.port());
  RawResponse res = Exchange(conn, ChunkedHead("POST", "/v1/collect") + chunks + kLastChunk);
  CHECK(res.status == 200);
  CHECK(res.body == CollectJson(texts, 40, 40));
}
