// A real browser-style client: Node 20's built-in EventSource
// (tests/interop/sse_eventsource.js) against two gateways on loopback, one
// with the default End-of-stream event and one without (so that the stream
// ending makes the source reconnect), plus a user route on SseWriter that
// drops its connection.
//
// Needs `node` (20 or later) on PATH; set GRPCGW_NO_NODE=1 to skip.
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include <sys/wait.h>

#include "grpcgw/sse_writer.h"
#include "test_server.h"
#include "test_util.h"

namespace e2e_test {
namespace {

std::string InteropScript(const char* name) {
  std::string here = __FILE__;  // .../tests/e2e/sse_eventsource_test.cc
  return here.substr(0, here.rfind('/')) + "/../interop/" + name;
}

// Runs `command` with a shell, returning its exit code and output.
int Run(const std::string& command, std::string* output) {
  FILE* p = ::popen((command + " 2>&1").c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) output->append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_CASE("Node's EventSource gets named events and EOS, and reconnects with Last-Event-ID", "[sse][node]") {
  if (const char* skip = std::getenv("GRPCGW_NO_NODE"); skip != nullptr && std::string(skip) == "1") {
    WARN("GRPCGW_NO_NODE=1: skipped");
    return;
  }
  std::string version;
  REQUIRE(Run("node --version", &version) == 0);
  INFO("node " << version);
  REQUIRE(std::atoi(version.c_str() + (version[0] == 'v' ? 1 : 0)) >= 20);

  TestServer with_eos;

  std::mutex mu;
  std::vector<std::string> drop_requests;  // Last-Event-ID of each GET /drop, guarded by mu
  ServerConfig config;
  config.gateway.sse.end_of_stream = std::nullopt;
  config.gateway.sse.retry = 100ms;
  config.setup = [&](grpcgw::HttpServer& http, grpc::Server&) {
    http.Get("/drop", [&](const httplib::Request& req, httplib::Response& res) {
      std::string last = req.get_header_value("Last-Event-ID");
      {
        std::lock_guard<std::mutex> lock(mu);
        drop_requests.push_back(last);
      }
      auto sse = grpcgw::SseWriter::Start(req);
      if (!sse) {
        res.status = 500;
        return;
      }
      sse->Retry(100ms);
      if (last.empty()) {
        sse->Send("first", "", "a1");
      } else {
        sse->Send("resumed after " + last, "", "a2");
      }
      // Returning drops the connection.
    });
  };
  TestServer without_eos(config);

  std::string output;
  // Over TLS (GRPCGW_TEST_TLS), https:// and the test's self-signed
  // certificate accepted.
  const std::string origin = with_eos.tls() ? " https://127.0.0.1:" : " http://127.0.0.1:";
  int code = Run(std::string(with_eos.tls() ? "NODE_TLS_REJECT_UNAUTHORIZED=0 " : "") +
                     "timeout 40 node --no-warnings --experimental-eventsource " + InteropScript("sse_eventsource.js") +
                     origin + std::to_string(with_eos.port()) + origin + std::to_string(without_eos.port()),
                 &output);
  INFO(output);
  CHECK(code == 0);
  CHECK(output.find("ok eventsThenEos") != std::string::npos);
  CHECK(output.find("ok reconnectThroughGateway") != std::string::npos);
  CHECK(output.find("ok reconnectThroughUserRoute") != std::string::npos);

  // What the servers saw: the EOS stream was opened once (the page closed
  // the source at EOS), the ended one twice, the second time resuming.
  auto& eos_events = with_eos.service().events();
  CHECK(eos_events.Count("watch:started:js") == 1);
  CHECK(eos_events.WaitFor("watch:done:js", 5s));
  auto& rc_events = without_eos.service().events();
  CHECK(rc_events.Count("watch:started:rc") >= 2);
  std::lock_guard<std::mutex> lock(mu);
  REQUIRE(drop_requests.size() >= 2);
  CHECK(drop_requests[0] == "");
  CHECK(drop_requests[1] == "a1");
}

}  // namespace
}  // namespace e2e_test
