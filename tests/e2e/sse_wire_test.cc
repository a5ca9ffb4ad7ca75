// Server-Sent Events through the gateway, end to end: raw sockets and
// httplib::Client -> grpcgw::HttpServer -> Gateway -> in-process channel ->
// e2e.Svc on a real grpc::Server. The expected bytes come from DESIGN.md
// section 4, the SSE specification (WHATWG HTML, "Server-sent events") and
// the proto3 JSON mapping (int64 as a string, lowerCamelCase names), not
// from the gateway's output.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "grpcgw/sse_writer.h"
#include "sse_test_util.h"
#include "test_server.h"
#include "test_util.h"

namespace e2e_test {
namespace {

// A WatchEvent as the gateway's default JSON options print it (unpopulated
// fields included), in field-number order.
std::string WatchJson(int64_t seq, const std::string& kind, const std::string& topic,
                      const std::string& text = "", const std::string& last_event_id = "") {
  return "{\"seq\":\"" + std::to_string(seq) + "\",\"kind\":\"" + kind + "\",\"topic\":\"" + topic +
         "\",\"text\":\"" + text + "\",\"lastEventId\":\"" + last_event_id + "\"}";
}

const std::string kDefaultEos = "id: EOS\nevent: EOS\ndata:\n\n";

// ------------------------------------------------- a service of our own

// e2e.Svc with only Watch, shaped by the topic, for what TestService does
// not do:
//   "meta":   initial metadata x-stream-id: s-1 and x-raw-bin, one event, OK;
//   "meta-fail": the same initial metadata, then NOT_FOUND with no event;
//   "silent": initial metadata only, then nothing until cancelled;
//   "mute":   nothing at all until cancelled.
class ShapedWatchService final : public e2e::Svc::CallbackService {
 public:
  EventLog& events() { return events_; }

  grpc::ServerWriteReactor<e2e::WatchEvent>* Watch(grpc::CallbackServerContext* context,
                                                   const e2e::WatchRequest* request) override {
    return new Reactor(this, context, request->topic());
  }

 private:
  class Reactor final : public grpc::ServerWriteReactor<e2e::WatchEvent> {
   public:
    Reactor(ShapedWatchService* service, grpc::CallbackServerContext* context, const std::string& topic)
        : service_(service), topic_(topic) {
      service_->events_.Record("started:" + topic_);
      if (topic_ == "meta" || topic_ == "meta-fail" || topic_ == "silent") {
        context->AddInitialMetadata("x-stream-id", "s-1");
        context->AddInitialMetadata("x-raw-bin", std::string("\x01\x02\xff", 3));
      }
      if (topic_ == "meta") {
        event_.set_seq(7);
        event_.set_topic(topic_);
        StartWriteAndFinish(&event_, grpc::WriteOptions(), grpc::Status::OK);
      } else if (topic_ == "meta-fail") {
        Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no such topic"));
      } else if (topic_ == "silent") {
        StartSendInitialMetadata();
      }
    }
    void OnCancel() override {
      service_->events_.Record("cancelled:" + topic_);
      if (topic_ == "silent" || topic_ == "mute") Finish(grpc::Status::CANCELLED);
    }
    void OnDone() override {
      service_->events_.Record("done:" + topic_);
      delete this;
    }

   private:
    ShapedWatchService* const service_;
    const std::string topic_;
    e2e::WatchEvent event_;
  };

  EventLog events_;
};

// ShapedWatchService behind a gateway on its own HttpServer.
class ShapedServer {
 public:
  explicit ShapedServer(grpcgw::GatewayOptions options = {}) {
    grpc::ServerBuilder builder;
    builder.RegisterService(&service_);
    grpc_ = builder.BuildAndStart();
    gateway_ = std::make_unique<grpcgw::Gateway<e2e::Svc>>(*grpc_, options);
    gateway_->mount(http_);
    port_ = http_.bind_to_any_port("127.0.0.1");
    listener_ = std::thread([this] { http_.listen_after_bind(); });
    WaitUntil([this] { return http_.is_running(); }, 10s);
  }
  ~ShapedServer() {
    grpc_->Shutdown(std::chrono::system_clock::now() + 200ms);
    http_.stop();
    listener_.join();
    grpc_->Wait();
  }
  int port() const { return port_; }
  ShapedWatchService& service() { return service_; }

 private:
  ShapedWatchService service_;
  std::unique_ptr<grpc::Server> grpc_;
  grpcgw::HttpServer http_{WithTestTls()};
  std::unique_ptr<grpcgw::Gateway<e2e::Svc>> gateway_;
  std::thread listener_;
  int port_ = -1;
};

// ------------------------------------------------------------ headers

TEST_CASE("an SSE GET answers 200 with the event-stream headers, uncompressed", "[sse]") {
  TestServer server;
  struct Row {
    const char* name;
    std::string extra_headers;
  };
  const Row rows[] = {
      {"plain", ""},
      {"client accepts gzip and br", "Accept-Encoding: gzip, deflate, br\r\n"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      SseStream s(server.port());
      REQUIRE(s.Open("/v1/watch/h?count=1", row.extra_headers));
      CHECK(s.head.status == 200);
      CHECK(s.head.header("Content-Type") == "text/event-stream");
      CHECK(s.head.header("Cache-Control") == "no-cache");
      CHECK(s.head.header("X-Accel-Buffering") == "no");
      CHECK_FALSE(s.head.has_header("Content-Encoding"));
      CHECK_FALSE(s.head.has_header("Content-Length"));
      bool closed = false;
      CHECK(s.Rest(5s, &closed) == EventBytes(WatchJson(0, "last", "h")) + kDefaultEos);
      CHECK(closed);
    }
  }
}

TEST_CASE("CORS headers and the request hook's headers are on the stream head and on early errors",
          "[sse][cors]") {
  ServerConfig config;
  config.gateway.cors.allowed_origins = {"https://app.example"};
  config.gateway.request_hook = [](const httplib::Request&, httplib::Response& res) {
    res.set_header("X-Request-Id", "sse-1");
    return grpcgw::HookResult::kContinue;
  };
  TestServer server(config);
  SECTION("the stream") {
    SseStream s(server.port());
    REQUIRE(s.Open("/v1/watch/c?count=1", "Origin: https://app.example\r\n"));
    CHECK(s.head.status == 200);
    CHECK(s.head.header("Content-Type") == "text/event-stream");
    CHECK(s.head.header("Access-Control-Allow-Origin") == "https://app.example");
    CHECK(s.head.header("X-Request-Id") == "sse-1");
    bool closed = false;
    CHECK(s.Rest(5s, &closed) == EventBytes(WatchJson(0, "last", "c")) + kDefaultEos);
  }
  SECTION("a failure before the first event") {
    SseStream s(server.port());
    REQUIRE(s.Open("/v1/watch/c?count=2&fail_after=0&fail_code=5&fail_message=gone",
                   "Origin: https://app.example\r\n"));
    CHECK(s.head.status == 404);
    CHECK(s.head.header("Access-Control-Allow-Origin") == "https://app.example");
    CHECK(s.head.header("X-Request-Id") == "sse-1");
  }
}

TEST_CASE("an Accept header listing text/event-stream among others picks SSE", "[sse]") {
  TestServer server;
  RawConnection conn(server.port());
  REQUIRE(conn.Send("GET /v1/watch/a?count=1 HTTP/1.1\r\nHost: x\r\n"
                    "Accept: application/json;q=0.5, text/event-stream\r\n\r\n"));
  RawResponse res;
  REQUIRE(conn.ReadResponse(&res, 5s));
  CHECK(res.status == 200);
  CHECK(res.header("Content-Type") == "text/event-stream");
  CHECK(res.body == EventBytes(WatchJson(0, "last", "a")) + kDefaultEos);
}

TEST_CASE("only a GET to a streaming method with SSE enabled is served as SSE", "[sse]") {
  struct Row {
    const char* name;
    std::string request_line;
    int status;
    std::string content_type;
  };
  // DESIGN.md section 4: SSE needs GET; a binding can switch SSE off, and a
  // request that no remaining transport serves gets 501.
  const Row rows[] = {
      {"GET", "GET /v1/watch/k?count=1", 200, "text/event-stream"},
      {"POST goes to chunked transfer", "POST /v1/watch/k", 200, "application/x-ndjson"},
      {"SSE switched off by (grpcgw.method)", "GET /v1/ws-only/k?count=1", 501, "application/json"},
  };
  TestServer server;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawConnection conn(server.port());
      std::string body = row.request_line.compare(0, 4, "POST") == 0 ? "{\"count\":1}" : "";
      REQUIRE(conn.Send(row.request_line + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" +
                        (body.empty() ? "" : "Content-Type: application/json\r\nContent-Length: " +
                                                 std::to_string(body.size()) + "\r\n") +
                        "\r\n" + body));
      RawResponse res;
      REQUIRE(conn.ReadResponse(&res, 5s));
      CHECK(res.status == row.status);
      CHECK(res.header("Content-Type").compare(0, row.content_type.size(), row.content_type) == 0);
      if (row.status == 501) CHECK(ParseErrorBody(res.body).code == 12);
    }
  }
}

TEST_CASE("the service's initial metadata arrives as Grpc-Metadata headers of the stream", "[sse]") {
  ShapedServer server;
  SseStream s(server.port());
  REQUIRE(s.Open("/v1/watch/meta"));
  CHECK(s.head.status == 200);
  CHECK(s.head.header("Grpc-Metadata-x-stream-id") == "s-1");
  CHECK(s.head.header("Grpc-Metadata-x-raw-bin") == Base64(std::string("\x01\x02\xff", 3)));
  bool closed = false;
  CHECK(s.Rest(5s, &closed) == EventBytes(WatchJson(7, "", "meta")) + kDefaultEos);
  CHECK(closed);
}

// ------------------------------------------------------ event by event

TEST_CASE("each event reaches the client before the service sends the next one", "[sse]") {
  TestServer server;
  auto& events = server.service().events();
  SseStream s(server.port());
  REQUIRE(s.Open("/v1/watch/step?count=3&wait_for_signal=true&text=hi"));
  REQUIRE(s.head.status == 200);
  for (int i = 0; i < 3; ++i) {
    INFO("event " << i);
    CHECK(s.NextEvent() == EventBytes(WatchJson(i, i == 2 ? "last" : "tick", "step", "hi")));
    if (i < 2) {
      // The service has not written the next message: it waits for us.
      REQUIRE(events.WaitFor("watch:waiting:step:" + std::to_string(i + 1), 5s));
      CHECK(events.Count("watch:sent:step:" + std::to_string(i + 1)) == 0);
      server.service().Signal("step");
    }
  }
  CHECK(s.NextEvent() == kDefaultEos);
  bool closed = false;
  CHECK(s.Rest(5s, &closed).empty());
  CHECK(closed);
  CHECK(events.WaitFor("watch:done:step", 5s));
}

TEST_CASE("cpp-httplib's client receives each event as the service sends it", "[sse]") {
  TestServer server;
  auto& events = server.service().events();
  httplib::Client client = server.Client();
  std::string buffer;
  std::vector<std::string> received;
  bool service_waited_each_time = true;
  auto res = client.Get("/v1/watch/lib?count=4&wait_for_signal=true", {{"Accept", "text/event-stream"}},
                        [&](const char* data, size_t n) {
                          buffer.append(data, n);
                          size_t end;
                          while ((end = buffer.find("\n\n")) != std::string::npos) {
                            received.push_back(buffer.substr(0, end + 2));
                            buffer.erase(0, end + 2);
                            if (received.size() < 4 && DataOf(received.back()) != "") {
                              std::string next = std::to_string(received.size());
                              service_waited_each_time =
                                  service_waited_each_time && events.WaitFor("watch:waiting:lib:" + next, 5s) &&
                                  events.Count("watch:sent:lib:" + next) == 0;
                              server.service().Signal("lib");
                            }
                          }
                          return true;
                        });
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "text/event-stream");
  CHECK(service_waited_each_time);
  std::vector<std::string> expected;
  for (int i = 0; i < 4; ++i) expected.push_back(EventBytes(WatchJson(i, i == 3 ? "last" : "tick", "lib")));
  expected.push_back(kDefaultEos);
  CHECK(received == expected);
  CHECK(buffer.empty());
}

// ------------------------------------------------------ ids and names

TEST_CASE("the id and event fields come from the method option or the gateway setting", "[sse]") {
  struct Row {
    const char* name;
    std::string target;
    std::string gateway_id_field;
    std::string gateway_event_field;
    bool ids;  // id: seq and event: kind expected
  };
  const Row rows[] = {
      {"method option (grpcgw.method)", "/v1/events/o?count=2", "", "", true},
      {"gateway setting", "/v1/watch/o?count=2", "seq", "kind", true},
      {"method option wins over the gateway setting", "/v1/events/o?count=2", "topic", "text", true},
      {"neither: data only", "/v1/watch/o?count=2", "", "", false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      ServerConfig config;
      config.gateway.sse.id_field = row.gateway_id_field;
      config.gateway.sse.event_field = row.gateway_event_field;
      TestServer server(config);
      SseStream s(server.port());
      REQUIRE(s.Open(row.target));
      REQUIRE(s.head.status == 200);
      for (int i = 0; i < 2; ++i) {
        std::string kind = i == 1 ? "last" : "tick";
        INFO("event " << i);
        CHECK(s.NextEvent() ==
              EventBytes(WatchJson(i, kind, "o"), row.ids ? kind : "", row.ids ? std::to_string(i) : ""));
      }
      CHECK(s.NextEvent() == kDefaultEos);
    }
  }
}

TEST_CASE("Last-Event-ID reaches the service as last-event-id metadata", "[sse]") {
  TestServer server;
  SseStream s(server.port());
  REQUIRE(s.Open("/v1/events/r?count=1", "Last-Event-ID: 41\r\n"));
  REQUIRE(s.head.status == 200);
  CHECK(s.NextEvent() == EventBytes(WatchJson(0, "last", "r", "", "41"), "last", "0"));
  auto md = server.service().LastMetadata("WatchEvents");
  int found = 0;
  for (const auto& [k, v] : md) {
    if (k == "last-event-id") {
      ++found;
      CHECK(v == "41");
    }
  }
  CHECK(found == 1);
}

TEST_CASE("a Last-Event-ID that metadata cannot carry gets 400, not a crash", "[sse]") {
  struct Row {
    const char* name;
    std::string header;
  };
  // gRPC metadata values (not -bin) are printable ASCII; gRPC aborts the
  // process when handed anything else.
  const Row rows[] = {
      {"UTF-8 id", "Last-Event-ID: caf\xc3\xa9"},
      {"control character", std::string("Last-Event-ID: a\x01" "b")},
      {"UTF-8 Authorization", "Authorization: Bearer caf\xc3\xa9"},
      {"UTF-8 X-Forwarded-For", "X-Forwarded-For: caf\xc3\xa9"},
  };
  TestServer server;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      RawConnection conn(server.port());
      REQUIRE(conn.Send("GET /v1/events/bad?count=1 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" +
                        row.header + "\r\n\r\n"));
      RawResponse res;
      REQUIRE(conn.ReadResponse(&res, 5s));
      CHECK(res.status == 400);
      ErrorBody e = ParseErrorBody(res.body);
      CHECK(e.code == 3);
      CHECK(e.message.find(row.header.substr(0, row.header.find(':'))) != std::string::npos);
      CHECK(server.service().events().Count("watch:started:bad") == 0);
    }
  }
  // Still serving.
  SseStream s(server.port());
  REQUIRE(s.Open("/v1/events/fine?count=1", "Last-Event-ID: 9\r\n"));
  CHECK(s.NextEvent() == EventBytes(WatchJson(0, "last", "fine", "", "9"), "last", "0"));
}

TEST_CASE("retry: opens the stream when configured", "[sse]") {
  struct Row {
    const char* name;
    std::chrono::milliseconds retry;
    std::string first;
  };
  const Row rows[] = {
      {"configured", 2500ms, "retry: 2500\n\n"},
      {"default: none", 0ms, EventBytes(WatchJson(0, "last", "rt"))},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      ServerConfig config;
      config.gateway.sse.retry = row.retry;
      TestServer server(config);
      SseStream s(server.port());
      REQUIRE(s.Open("/v1/watch/rt?count=1"));
      CHECK(s.NextEvent() == row.first);
    }
  }
}

// ------------------------------------------------------ end of stream

TEST_CASE("the end of stream event is configurable per gateway", "[sse]") {
  struct Row {
    const char* name;
    std::optional<grpcgw::SseEvent> eos;
    std::string expected_tail;
  };
  const Row rows[] = {
      {"default", grpcgw::SseEvent{"EOS", "EOS", ""}, kDefaultEos},
      {"custom id, event and data", grpcgw::SseEvent{"end", "bye", "{\"done\":true}"},
       "id: end\nevent: bye\ndata: {\"done\":true}\n\n"},
      {"event only", grpcgw::SseEvent{"", "closing", ""}, "event: closing\ndata:\n\n"},
      {"none", std::nullopt, ""},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      ServerConfig config;
      config.gateway.sse.end_of_stream = row.eos;
      TestServer server(config);
      SseStream s(server.port());
      REQUIRE(s.Open("/v1/watch/e?count=2"));
      REQUIRE(s.head.status == 200);
      bool closed = false;
      CHECK(s.Rest(5s, &closed) ==
            EventBytes(WatchJson(0, "tick", "e")) + EventBytes(WatchJson(1, "last", "e")) + row.expected_tail);
      CHECK(closed);
    }
  }
}

// ------------------------------------------------------------ failures

TEST_CASE("a failure after the first event is an event: failure with the status, then the end", "[sse]") {
  struct Row {
    const char* name;
    int after;
    int code;
    std::string message;
  };
  const Row rows[] = {
      {"after one event", 1, 9, "boom"},
      {"after three events", 3, 14, "backend went away"},
      {"message needing JSON escapes", 2, 13, "a \"quoted\"\nline"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      TestServer server;
      SseStream s(server.port());
      REQUIRE(s.Open("/v1/watch/f?count=10&fail_after=" + std::to_string(row.after) +
                     "&fail_code=" + std::to_string(row.code) + "&fail_message=" + UrlEncode(row.message)));
      REQUIRE(s.head.status == 200);
      for (int i = 0; i < row.after; ++i) CHECK(s.NextEvent() == EventBytes(WatchJson(i, "tick", "f")));
      std::string failure = s.NextEvent();
      INFO("failure block: " << failure);
      REQUIRE(failure.compare(0, 21, "event: failure\ndata: ") == 0);
      CHECK(failure.find('\n', 21) == failure.size() - 2);  // the status is one line
      ErrorBody e = ParseErrorBody(DataOf(failure));
      CHECK(e.valid);
      CHECK(e.code == row.code);
      CHECK(e.message == row.message);
      CHECK(e.details == "[]");
      bool closed = false;
      CHECK(s.Rest(5s, &closed).empty());
      CHECK(closed);
    }
  }
}

TEST_CASE("a failure before the first event is a plain HTTP error with the JSON body", "[sse]") {
  struct Row {
    const char* name;
    int code;
    int http;
  };
  // DESIGN.md section 4.
  const Row rows[] = {
      {"NOT_FOUND", 5, 404},
      {"PERMISSION_DENIED", 7, 403},
      {"INVALID_ARGUMENT", 3, 400},
      {"UNAVAILABLE", 14, 503},
      {"RESOURCE_EXHAUSTED", 8, 429},
  };
  TestServer server;
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      // Many times over: the status must not race the response head.
      for (int attempt = 0; attempt < 20; ++attempt) {
        INFO("attempt " << attempt);
        RawConnection conn(server.port());
        REQUIRE(conn.Send("GET /v1/watch/pre?count=3&fail_after=0&fail_code=" + std::to_string(row.code) +
                          "&fail_message=nope HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
        RawResponse res;
        REQUIRE(conn.ReadResponse(&res, 5s));
        CHECK(res.status == row.http);
        CHECK(res.header("Content-Type") == "application/json");
        ErrorBody e = ParseErrorBody(res.body);
        CHECK(e.valid);
        CHECK(e.code == row.code);
        CHECK(e.message == "nope");
      }
    }
  }
}

TEST_CASE("Connection: close is read as a token list on SSE streams, in any case", "[sse]") {
  TestServer server;
  for (const char* value : {"Close", "close, TE", "keep-alive, CLOSE"}) {
    DYNAMIC_SECTION(value) {
      // A failure answered before the stream starts, and a stream that ends.
      for (const char* target : {"/v1/watch/pre?count=3&fail_after=0&fail_code=5&fail_message=nope",
                                 "/v1/watch/done?count=2"}) {
        RawConnection conn(server.port());
        REQUIRE(conn.connected());
        REQUIRE(conn.Send(std::string("GET ") + target + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n" +
                          "Connection: " + value + "\r\n\r\n"));
        RawResponse res;
        REQUIRE(conn.ReadResponse(&res, 5s));
        INFO(target << " -> " << res.status);
        CHECK(res.header("Connection") == "close");
        bool saw_close = false;
        conn.ReadToClose(5s, &saw_close);
        CHECK(saw_close);
      }
    }
  }
}

TEST_CASE("a failure before the first event keeps the service's metadata as headers", "[sse]") {
  ShapedServer server;
  RawConnection conn(server.port());
  REQUIRE(conn.Send("GET /v1/watch/meta-fail HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
  RawResponse res;
  REQUIRE(conn.ReadResponse(&res, 5s));
  CHECK(res.status == 404);
  CHECK(res.header("Grpc-Metadata-x-stream-id") == "s-1");
  ErrorBody e = ParseErrorBody(res.body);
  CHECK(e.code == 5);
  CHECK(e.message == "no such topic");
}

// ------------------------------------------------------------ heartbeat

TEST_CASE("an idle stream gets a keep-alive comment every heartbeat interval", "[sse]") {
  ServerConfig config;
  config.gateway.sse.heartbeat = 200ms;
  TestServer server(config);
  SseStream s(server.port());
  REQUIRE(s.Open("/v1/watch/hb?count=2&wait_for_signal=true"));
  CHECK(s.NextEvent() == EventBytes(WatchJson(0, "tick", "hb")));
  auto last = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    INFO("heartbeat " << i);
    CHECK(s.NextEvent(2s) == ": keep-alive\n\n");
    auto now = std::chrono::steady_clock::now();
    CHECK(now - last >= 150ms);  // not sooner than the interval (less a little scheduling slack)
    last = now;
  }
  server.service().Signal("hb");
  CHECK(s.NextEvent() == EventBytes(WatchJson(1, "last", "hb")));
  CHECK(s.NextEvent() == kDefaultEos);
}

TEST_CASE("a service that sends only its metadata gets the stream started by the first heartbeat", "[sse]") {
  grpcgw::GatewayOptions options;
  options.sse.heartbeat = 200ms;
  ShapedServer server(options);
  SseStream s(server.port());
  REQUIRE(s.Open("/v1/watch/silent", "", 3s));
  CHECK(s.head.status == 200);
  CHECK(s.head.header("Grpc-Metadata-x-stream-id") == "s-1");
  CHECK(s.NextEvent(2s) == ": keep-alive\n\n");
  s.conn().Close();
  CHECK(server.service().events().WaitFor("cancelled:silent", 2s));
  CHECK(server.service().events().WaitFor("done:silent", 2s));
}

TEST_CASE("a quiet stream sends its head after the open grace, long before the first heartbeat", "[sse]") {
  grpcgw::GatewayOptions options;  // heartbeat 15 s, open_grace 50 ms
  ShapedServer server(options);
  SseStream s(server.port());
  // EventSource.onopen fires on the head: it must not wait for an event or
  // a heartbeat.
  REQUIRE(s.Open("/v1/watch/silent", "", 3s));
  CHECK(s.head.status == 200);
  CHECK(s.head.header("Content-Type") == "text/event-stream");
  s.conn().Close();
  CHECK(server.service().events().WaitFor("cancelled:silent", 5s));
}

// ------------------------------------------------------------ departures

TEST_CASE("the client going away cancels the call within the heartbeat interval", "[sse]") {
  struct Row {
    const char* name;
    std::string topic;
    bool reset;
    bool after_first_event;
  };
  const Row rows[] = {
      {"close mid-stream", "gone-fin", false, true},
      {"reset mid-stream", "gone-rst", true, true},
      {"close before the first event", "mute", false, false},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      ServerConfig config;
      config.gateway.sse.heartbeat = 1s;
      grpcgw::GatewayOptions options;
      options.sse.heartbeat = 1s;
      if (row.after_first_event) {
        TestServer server(config);
        auto& events = server.service().events();
        SseStream s(server.port());
        REQUIRE(s.Open("/v1/watch/" + row.topic + "?count=5&wait_for_signal=true"));
        REQUIRE(s.NextEvent() == EventBytes(WatchJson(0, "tick", row.topic)));
        auto closed_at = std::chrono::steady_clock::now();
        s.conn().Close(row.reset);
        REQUIRE(events.WaitFor("watch:cancelled:" + row.topic, 3s));
        CHECK(std::chrono::steady_clock::now() - closed_at <= 1s + 200ms);
        CHECK(events.WaitFor("watch:done:" + row.topic, 3s));
        CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 3s));
      } else {
        ShapedServer server(options);
        SseStream s(server.port());
        REQUIRE(s.Send("/v1/watch/mute"));
        REQUIRE(server.service().events().WaitFor("started:mute", 3s));
        auto closed_at = std::chrono::steady_clock::now();
        s.conn().Close();
        REQUIRE(server.service().events().WaitFor("cancelled:mute", 3s));
        CHECK(std::chrono::steady_clock::now() - closed_at <= 1s + 200ms);
        CHECK(server.service().events().WaitFor("done:mute", 3s));
      }
    }
  }
}

// ------------------------------------------------------------ bidi

TEST_CASE("a bidi method over SSE takes its one request from path and query, then half-closes", "[sse]") {
  TestServer server;
  auto& events = server.service().events();
  SseStream s(server.port());
  REQUIRE(s.Open("/v1/rooms/r1:echo?text=hello"));
  REQUIRE(s.head.status == 200);
  CHECK(s.NextEvent() == EventBytes("{\"room\":\"r1\",\"text\":\"hello\",\"seq\":\"0\",\"failCode\":0}"));
  CHECK(s.NextEvent() == kDefaultEos);
  CHECK(events.WaitFor("echo:received:r1:hello", 3s));
  CHECK(events.WaitFor("echo:half-closed:r1", 3s));
  CHECK(events.Count("echo:received:r1:hello") == 1);
}

TEST_CASE("a bidi method over SSE that fails on its request answers a plain HTTP error", "[sse]") {
  TestServer server;
  RawConnection conn(server.port());
  REQUIRE(conn.Send("GET /v1/rooms/r2:echo?text=bad&fail_code=3 HTTP/1.1\r\nHost: x\r\n"
                    "Accept: text/event-stream\r\n\r\n"));
  RawResponse res;
  REQUIRE(conn.ReadResponse(&res, 5s));
  CHECK(res.status == 400);
  ErrorBody e = ParseErrorBody(res.body);
  CHECK(e.code == 3);
  CHECK(e.message == "bad");
}

// --------------------------------------------------- concurrency limit

TEST_CASE("streams beyond max_concurrent_streams get 503 with the JSON body", "[sse]") {
  ServerConfig config;
  config.gateway.max_concurrent_streams = 2;
  TestServer server(config);
  auto& events = server.service().events();
  auto open = [&](const std::string& topic) {
    auto s = std::make_unique<SseStream>(server.port());
    REQUIRE(s->Open("/v1/watch/" + topic + "?count=3&wait_for_signal=true"));
    return s;
  };
  auto a = open("l1");
  auto b = open("l2");
  CHECK(a->head.status == 200);
  CHECK(b->head.status == 200);
  REQUIRE(events.WaitFor("watch:waiting:l2:1", 3s));

  RawConnection third(server.port());
  REQUIRE(third.Send("GET /v1/watch/l3?count=1 HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
  RawResponse res;
  REQUIRE(third.ReadResponse(&res, 5s));
  CHECK(res.status == 503);
  ErrorBody e = ParseErrorBody(res.body);
  CHECK(e.valid);
  CHECK(e.code == 14);
  CHECK(events.Count("watch:started:l3") == 0);

  // Unary calls are not streams: they still answer.
  auto unary = server.Client().Get("/v1/books/x");
  REQUIRE(unary);
  CHECK(unary->status == 200);

  // A slot frees when a stream ends.
  a->conn().Close();
  REQUIRE(events.WaitFor("watch:done:l1", 3s));
  bool reopened = WaitUntil(
      [&] {
        SseStream s(server.port());
        return s.Open("/v1/watch/l4?count=1") && s.head.status == 200;
      },
      3s);
  CHECK(reopened);
}

// ------------------------------------------------- SseWriter on a user route

TEST_CASE("SseWriter streams events from a user route", "[sse]") {
  ServerConfig config;
  config.setup = [](grpcgw::HttpServer& http, grpc::Server&) {
    http.Get("/ticks", [](const httplib::Request& req, httplib::Response& res) {
      auto sse = grpcgw::SseWriter::Start(
          req, {{"X-Ticks", "3"}, {"X-Split", "a\r\nInjected: yes"}, {"Bad\r\nName", "v"}});
      if (!sse) {
        res.status = 500;
        return;
      }
      sse->Retry(1500ms);
      sse->Comment("hello");
      sse->Comment("two\nlines");
      sse->Send("{\"n\":1}", "tick", "1");
      sse->Send("two\nlines", "multi");
      sse->Send("", "", "id\rwith\nbreaks");
      sse->Send("last");
    });
  };
  TestServer server(config);
  RawConnection conn(server.port());
  REQUIRE(conn.Send("GET /ticks HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n"));
  RawResponse res;
  REQUIRE(conn.ReadResponse(&res, 5s));
  CHECK(res.status == 200);
  CHECK(res.header("Content-Type") == "text/event-stream");
  CHECK(res.header("Cache-Control") == "no-cache");
  CHECK(res.header("X-Accel-Buffering") == "no");
  CHECK(res.header("X-Ticks") == "3");
  CHECK_FALSE(res.has_header("X-Split"));
  CHECK_FALSE(res.has_header("Injected"));
  CHECK_FALSE(res.has_header("Name"));
  CHECK_FALSE(res.has_header("Content-Encoding"));
  CHECK(res.body ==
        "retry: 1500\n\n"
        ": hello\n\n"
        ": two\n: lines\n\n"
        "id: 1\nevent: tick\ndata: {\"n\":1}\n\n"
        "event: multi\ndata: two\ndata: lines\n\n"
        "id: id with breaks\ndata:\n\n"
        "data: last\n\n");
}

TEST_CASE("SseWriter::FormatEvent frames data line by line", "[sse]") {
  struct Row {
    const char* name;
    std::string data, event, id;
    std::string expected;
  };
  // WHATWG HTML 9.2: lines end in LF, CR or CRLF; each data line is its own
  // field; an event ends at a blank line.
  const Row rows[] = {
      {"one line", "x", "", "", "data: x\n\n"},
      {"empty data", "", "", "", "data:\n\n"},
      {"LF", "a\nb", "", "", "data: a\ndata: b\n\n"},
      {"CRLF", "a\r\nb", "", "", "data: a\ndata: b\n\n"},
      {"lone CR", "a\rb", "", "", "data: a\ndata: b\n\n"},
      {"trailing LF", "a\n", "", "", "data: a\ndata:\n\n"},
      {"blank line inside", "a\n\nb", "", "", "data: a\ndata:\ndata: b\n\n"},
      {"id and event", "d", "ev", "7", "id: 7\nevent: ev\ndata: d\n\n"},
      {"breaks in event and id", "d", "e\nv", "1\r2", "id: 1 2\nevent: e v\ndata: d\n\n"},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) { CHECK(grpcgw::SseWriter::FormatEvent(row.data, row.event, row.id) == row.expected); }
  }
}

TEST_CASE("SseWriter::Start gives null outside an HttpServer handler", "[sse]") {
  httplib::Request req;
  CHECK(grpcgw::SseWriter::Start(req) == nullptr);
}

}  // namespace
}  // namespace e2e_test
