// Real WebSocket clients against the gateway: Node's built-in WebSocket
// (Node 20, --experimental-websocket) and Python's `websockets` (Debian's
// python3-websockets under /usr/bin/python3). Each script runs its cases
// (tests/interop/websocket_client.{js,py}) against a server on loopback and
// prints "ok <case>" or "FAIL <case>: <why>" per case; every line becomes
// a check here. A missing interpreter skips with a warning.
#include <catch2/catch.hpp>

#include <stdio.h>
#include <sys/wait.h>

#include <sstream>
#include <string>
#include <vector>

#include "test_server.h"
#include "test_util.h"

namespace e2e_test {
namespace {

// The directory of this source file: the scripts are found from it.
std::string TestsDir() {
  std::string file = __FILE__;
  size_t slash = file.rfind('/');
  std::string e2e = slash == std::string::npos ? "." : file.substr(0, slash);
  return e2e + "/..";
}

struct Run {
  int exit_code = -1;
  std::string output;
};

// Runs a shell command, collecting stdout and stderr.
Run RunCommand(const std::string& command) {
  Run run;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) run.output.append(buf, n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// Each "ok"/"FAIL" line of a script's output as a check.
void CheckCases(const Run& run, size_t expected_cases) {
  INFO("output:\n" << run.output);
  std::istringstream lines(run.output);
  std::string line;
  size_t cases = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("ok ", 0) == 0) {
      ++cases;
      SUCCEED(line);
    } else if (line.rfind("FAIL ", 0) == 0) {
      ++cases;
      FAIL_CHECK(line);
    }
  }
  CHECK(cases == expected_cases);
  CHECK(run.exit_code == 0);
}

ServerConfig InteropConfig() {
  ServerConfig config;
  config.gateway.websocket.subprotocols = {"grpcgw.json"};
  return config;
}

TEST_CASE("Node's built-in WebSocket client talks to the gateway", "[websocket][interop][node]") {
  Run version = RunCommand("node --version");
  if (version.exit_code != 0 || version.output.rfind("v", 0) != 0 || std::atoi(version.output.c_str() + 1) < 20) {
    WARN("skipped: Node 20 or later is not available (`node --version`: " << version.output << ")");
    return;
  }
  TestServer server(InteropConfig());
  // Over TLS (GRPCGW_TEST_TLS) the script uses wss:// and accepts the
  // test's self-signed certificate.
  Run run = RunCommand(std::string(server.tls() ? "NODE_TLS_REJECT_UNAUTHORIZED=0 " : "") +
                       "node --no-warnings --experimental-websocket " + TestsDir() + "/interop/websocket_client.js " +
                       std::to_string(server.port()));
  CheckCases(run, 8);
  // Every call ended with its session.
  CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
}

TEST_CASE("Python's websockets client talks to the gateway", "[websocket][interop][python]") {
  Run check = RunCommand("/usr/bin/python3 -c 'import websockets; print(websockets.__version__)'");
  if (check.exit_code != 0) {
    WARN("skipped: /usr/bin/python3 with the websockets package is not available: " << check.output);
    return;
  }
  TestServer server(InteropConfig());
  Run run = RunCommand("/usr/bin/python3 " + TestsDir() + "/interop/websocket_client.py " +
                       std::to_string(server.port()));
  CheckCases(run, 8);
  CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
}

}  // namespace
}  // namespace e2e_test
