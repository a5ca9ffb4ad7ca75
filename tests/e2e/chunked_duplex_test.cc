// Chunked transfer, bidi and departures (DESIGN.md section 4): full-duplex
// ping-pong on one HTTP/1.1 request (raw socket and curl), failures in the
// middle of a bidi stream as the last NDJSON line, and clients that go away
// mid-upload or mid-download cancelling their calls without leaks.
#define CATCH_CONFIG_EXTERNAL_INTERFACES  // the listener below
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include <grpcpp/server_builder.h>

#include "chunked_test_util.h"
#include "test_server.h"

extern char** environ;

namespace {

using namespace std::chrono_literals;
using chunked_test::Chunk;
using chunked_test::ChunkedHead;
using chunked_test::kLastChunk;
using chunked_test::NdjsonReader;
using chunked_test::OpenFdCount;
using e2e_test::ParseErrorBody;
using e2e_test::RawConnection;
using e2e_test::RawResponse;
using e2e_test::ServerConfig;
using e2e_test::TestServer;
using e2e_test::WaitUntil;

// An EchoMessage as the gateway prints it (int64 seq as a string,
// unpopulated fields printed).
std::string EchoJson(const std::string& room, const std::string& text, int seq) {
  return "{\"room\":\"" + room + "\",\"text\":\"" + text + "\",\"seq\":\"" + std::to_string(seq) +
         "\",\"failCode\":0}";
}

std::string Result(const std::string& json) { return "{\"result\":" + json + "}"; }

// curl as a child process, its stdin and stdout on pipes.
class CurlProcess {
 public:
  explicit CurlProcess(const std::vector<std::string>& args) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0) return;
    if (::pipe2(out, O_CLOEXEC) != 0) {
      ::close(in[0]);
      ::close(in[1]);
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
  }
  ~CurlProcess() {
    CloseStdin();
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (stdout_ >= 0) ::close(stdout_);
  }

  bool started() const { return pid_ > 0; }

  bool Write(const std::string& data) {
    return stdin_ >= 0 && ::write(stdin_, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  }
  void CloseStdin() {
    if (stdin_ >= 0) ::close(stdin_);
    stdin_ = -1;
  }

  // The next line of curl's output, without '\n'; false at timeout or EOF.
  bool ReadLine(std::string* line, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        *line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{stdout_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char data[4096];
      ssize_t n = ::read(stdout_, data, sizeof data);
      if (n <= 0) return false;
      buffer_.append(data, static_cast<size_t>(n));
    }
  }

  // Waits for curl to exit; its exit code, or -1 (killed) after `timeout`.
  int Wait(std::chrono::milliseconds timeout) {
    int status = 0;
    bool done = WaitUntil([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, timeout);
    if (!done) return -1;
    exited_ = true;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  const std::string& unread() const { return buffer_; }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  bool exited_ = false;
  std::string buffer_;
};

std::string Scheme(const TestServer& server) { return server.tls() ? "https" : "http"; }

TEST_CASE("chunked bidi is full duplex: each answer arrives before the next message is sent", "[chunked][e2e]") {
  TestServer server;
  for (const char* method : {"POST", "GET"}) {
    DYNAMIC_SECTION(method) {
      RawConnection conn(server.port());
      REQUIRE(conn.Send(ChunkedHead(method, "/v1/rooms/r1:echo")));
      NdjsonReader lines(conn);
      std::string line;
      for (int i = 0; i < 5; ++i) {
        INFO("message " << i);
        std::string text = "m" + std::to_string(i);
        REQUIRE(conn.Send(Chunk("{\"text\":\"" + text + "\"}\n")));
        if (i == 0) {
          RawResponse head;
          REQUIRE(lines.ReadHead(&head, 5s));
          CHECK(head.status == 200);
          CHECK(head.header("Content-Type") == "application/x-ndjson");
          CHECK(head.header("Transfer-Encoding") == "chunked");
        }
        REQUIRE(lines.Next(&line, 5s));
        // The path's room fills the first message only.
        CHECK(line == Result(EchoJson(i == 0 ? "r1" : "", text, i)));
      }
      REQUIRE(conn.Send(kLastChunk));
      CHECK_FALSE(lines.Next(&line, 5s));
      CHECK(lines.ended());
      CHECK(server.service().events().WaitFor("echo:half-closed:r1", 5s));
      // The body was read to its end: the connection serves another request.
      REQUIRE(conn.Send("GET /v1/watch/after?count=1 HTTP/1.1\r\nHost: x\r\n\r\n"));
      RawResponse next;
      REQUIRE(conn.ReadResponse(&next, 5s));
      CHECK(next.status == 200);
    }
    server.service().events().Clear();
  }
}

TEST_CASE("chunked bidi ping-pong works with curl uploading stdin", "[chunked][e2e]") {
  ::signal(SIGPIPE, SIG_IGN);  // curl may exit while its stdin is written
  TestServer server;
  const std::string url = Scheme(server) + "://127.0.0.1:" + std::to_string(server.port()) + "/v1/rooms/c1:echo";
  // `-T .` reads stdin without blocking, so curl reads responses while the
  // upload waits for input (with `-T -` it blocks in the read of stdin and
  // prints nothing until stdin ends: see the next test).
  // -k: the test's self-signed certificate when the server speaks TLS.
  CurlProcess curl({"curl", "-sS", "-k", "--no-progress-meter", "-N", "-T", ".", "-X", "POST", url});
  REQUIRE(curl.started());
  std::string line;
  for (int i = 0; i < 4; ++i) {
    INFO("message " << i);
    std::string text = "curl" + std::to_string(i);
    REQUIRE(curl.Write("{\"text\":\"" + text + "\"}\n"));
    REQUIRE(curl.ReadLine(&line, 5s));
    CHECK(line == Result(EchoJson(i == 0 ? "c1" : "", text, i)));
  }
  curl.CloseStdin();  // curl sends the last chunk
  CHECK(curl.Wait(5s) == 0);
  CHECK(curl.unread().empty());
  CHECK(server.service().events().WaitFor("echo:half-closed:c1", 5s));
}

TEST_CASE("chunked bidi answers curl uploading a blocking stdin", "[chunked][e2e]") {
  ::signal(SIGPIPE, SIG_IGN);
  TestServer server;
  const std::string url = Scheme(server) + "://127.0.0.1:" + std::to_string(server.port()) + "/v1/rooms/c2:echo";
  // -k: the test's self-signed certificate when the server speaks TLS.
  CurlProcess curl({"curl", "-sS", "-k", "--no-progress-meter", "-N", "-T", ".", "-X", "POST", url});
  REQUIRE(curl.started());
  REQUIRE(curl.Write("{\"text\":\"x\"}\n{\"text\":\"y\"}\n"));
  // The service has both messages while the upload is still open.
  CHECK(server.service().events().WaitFor("echo:received:c2:y", 5s));
  CHECK(server.service().events().Count("echo:half-closed:c2") == 0);
  curl.CloseStdin();
  std::string line;
  REQUIRE(curl.ReadLine(&line, 5s));
  CHECK(line == Result(EchoJson("c2", "x", 0)));
  REQUIRE(curl.ReadLine(&line, 5s));
  CHECK(line == Result(EchoJson("", "y", 1)));
  CHECK(curl.Wait(5s) == 0);
  CHECK(curl.unread().empty());
}

struct BidiFailureRow {
  const char* name;
  std::string second;  // the message after one that was answered
  int code;
  std::string message_part;
};

TEST_CASE("chunked bidi failure after data is the last line, in both framings", "[chunked][e2e]") {
  std::vector<BidiFailureRow> rows = {
      {"service fails", "{\"text\":\"halt\",\"failCode\":10}\n", 10, "halt"},
      {"malformed element", "{\"text\":\"x\",}\n", 3, "element 1"},
      {"element over max_message_bytes", "{\"text\":\"" + std::string(3000, 'y') + "\"}\n", 8, "element 1"},
  };
  for (bool bare : {false, true}) {
    ServerConfig config;
    config.gateway.chunked.bare_lines = bare;
    config.gateway.max_message_bytes = 1024;
    TestServer server(config);
    for (const BidiFailureRow& row : rows) {
      DYNAMIC_SECTION((bare ? "bare lines: " : "envelope: ") << row.name) {
        RawConnection conn(server.port());
        REQUIRE(conn.Send(ChunkedHead("POST", "/v1/rooms/f1:echo") + Chunk("{\"text\":\"one\"}\n")));
        NdjsonReader lines(conn);
        RawResponse head;
        REQUIRE(lines.ReadHead(&head, 5s));
        REQUIRE(head.status == 200);
        std::string line;
        REQUIRE(lines.Next(&line, 5s));
        CHECK(line == (bare ? EchoJson("f1", "one", 0) : Result(EchoJson("f1", "one", 0))));
        // The body stays open: the failure must not wait for its end.
        REQUIRE(conn.Send(Chunk(row.second)));
        REQUIRE(lines.Next(&line, 5s));
        std::string status_json = line;
        if (!bare) {
          const std::string prefix = "{\"error\":";
          REQUIRE(line.compare(0, prefix.size(), prefix) == 0);
          REQUIRE(line.back() == '}');
          status_json = line.substr(prefix.size(), line.size() - prefix.size() - 1);
        }
        auto error = ParseErrorBody(status_json);
        CHECK(error.valid);
        CHECK(error.code == row.code);
        INFO("message: " << error.message);
        CHECK(error.message.find(row.message_part) != std::string::npos);
        // That was the last line.
        CHECK_FALSE(lines.Next(&line, 5s));
        CHECK(lines.ended());
        CHECK(server.service().events().WaitFor("echo:done:f1", 5s));
      }
      server.service().events().Clear();
    }
  }
}

TEST_CASE("chunked bidi failure before any response is an ordinary HTTP error", "[chunked][e2e]") {
  ServerConfig config;
  config.gateway.max_message_bytes = 1024;
  TestServer server(config);
  struct Row {
    const char* name;
    std::string chunks;
    int status;
    int code;
  };
  std::vector<Row> rows = {
      {"service fails on the first message", Chunk("{\"text\":\"no\",\"failCode\":7}\n"), 403, 7},
      {"malformed first element", Chunk("{\"text\":\n\"a\"]\n"), 400, 3},
      {"first element over the limit", Chunk("{\"text\":\"" + std::string(2000, 'z') + "\"}\n"), 413, 8},
  };
  for (const Row& row : rows) {
    DYNAMIC_SECTION(row.name) {
      for (int attempt = 0; attempt < 10; ++attempt) {
        INFO("attempt " << attempt);
        RawConnection conn(server.port());
        REQUIRE(conn.Send(ChunkedHead("POST", "/v1/rooms/e1:echo") + row.chunks));
        RawResponse res;
        REQUIRE(conn.ReadResponse(&res, 5s));
        CHECK(res.status == row.status);
        CHECK(ParseErrorBody(res.body).code == row.code);
      }
    }
  }
}

TEST_CASE("chunked bidi upload that stalls is timed out after the idle timeout", "[chunked][e2e]") {
  ServerConfig config;
  config.gateway.chunked.idle_timeout = 300ms;
  TestServer server(config);
  RawConnection conn(server.port());
  REQUIRE(conn.Send(ChunkedHead("POST", "/v1/rooms/s1:echo") + Chunk("{\"text\":\"one\"}\n{\"te")));
  NdjsonReader lines(conn);
  RawResponse head;
  REQUIRE(lines.ReadHead(&head, 5s));
  std::string line;
  REQUIRE(lines.Next(&line, 5s));
  auto stalled_at = std::chrono::steady_clock::now();
  REQUIRE(lines.Next(&line, 5s));
  auto waited = std::chrono::steady_clock::now() - stalled_at;
  CHECK(waited >= 250ms);
  CHECK(waited < 3s);
  CHECK(line.compare(0, 9, "{\"error\":") == 0);
  CHECK(line.find("\"code\":4") != std::string::npos);
  CHECK(server.service().events().WaitFor("echo:cancelled:s1", 5s));
  CHECK(server.service().events().WaitFor("echo:done:s1", 5s));
}

TEST_CASE("chunked clients that go away cancel their calls and leave nothing behind", "[chunked][e2e]") {
  TestServer server;
  auto& events = server.service().events();
  {
    // Warm up: the first call opens what the gRPC channel keeps open.
    auto res = server.Client().Get("/v1/watch/warm?count=1");
    REQUIRE(res);
  }
  REQUIRE(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
  const size_t fds_before = OpenFdCount();

  struct Row {
    const char* name;
    std::string request;
    std::string wait_event;  // the call is under way once this is recorded
    bool read_a_line;        // read one response line before leaving
    std::vector<std::string> after;  // what the service must observe
  };
  std::vector<Row> rows = {
      {"client-streaming, mid-upload", ChunkedHead("POST", "/v1/collect") + Chunk("{\"text\":\"u1\"}\n"),
       "collect:received:u1", false, {"collect:cancelled", "collect:done"}},
      {"bidi, mid-upload before any answer", ChunkedHead("POST", "/v1/rooms/d1:echo") + Chunk("{\"te"),
       "echo:started:", false, {"echo:cancelled:", "echo:done:"}},
      {"bidi, after an answer", ChunkedHead("POST", "/v1/rooms/d2:echo") + Chunk("{\"text\":\"x\"}\n"),
       "echo:received:d2:x", true, {"echo:cancelled:d2", "echo:done:d2"}},
      {"server-streaming, mid-download", "GET /v1/watch/d3?count=10&wait_for_signal=true HTTP/1.1\r\nHost: x\r\n\r\n",
       "watch:waiting:d3:1", true, {"watch:cancelled:d3", "watch:done:d3"}},
  };
  for (bool reset : {false, true}) {
    for (const Row& row : rows) {
      DYNAMIC_SECTION(row.name << (reset ? ", reset" : ", closed")) {
        events.Clear();
        {
          RawConnection conn(server.port());
          REQUIRE(conn.Send(row.request));
          REQUIRE(events.WaitFor(row.wait_event, 5s));
          if (row.read_a_line) {
            NdjsonReader lines(conn);
            RawResponse head;
            std::string line;
            REQUIRE(lines.ReadHead(&head, 5s));
            REQUIRE(lines.Next(&line, 5s));
          }
          conn.Close(reset);
        }
        for (const std::string& event : row.after) CHECK(events.WaitFor(event, 5s));
        CHECK(WaitUntil([&] { return server.http().open_connections() == 0; }, 5s));
        CHECK(WaitUntil([&] { return OpenFdCount() <= fds_before; }, 5s));
      }
    }
  }
}

}  // namespace
