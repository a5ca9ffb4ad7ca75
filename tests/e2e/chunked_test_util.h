// Helpers of the chunked-transfer end-to-end tests: request heads with a
// chunked body, chunk framing, a reader of NDJSON lines off a streaming
// response, and the open file descriptors of this process (leak checks).
//
//   RawConnection conn(server.port());
//   conn.Send(ChunkedHead("POST", "/v1/rooms/r1:echo") + Chunk("{\"text\":\"a\"}\n"));
//   NdjsonReader lines(conn);
//   REQUIRE(lines.ReadHead(&head, 5s));
//   REQUIRE(lines.Next(&line, 5s));   // one line, without its '\n'
#ifndef GRPCGW_TESTS_E2E_CHUNKED_TEST_UTIL_H_
#define GRPCGW_TESTS_E2E_CHUNKED_TEST_UTIL_H_

#include <dirent.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "test_util.h"

namespace chunked_test {

using namespace std::chrono_literals;
using e2e_test::RawConnection;
using e2e_test::RawResponse;

// The head of a request whose body is chunked.
inline std::string ChunkedHead(std::string_view method, std::string_view target, std::string_view extra = "") {
  std::string head(method);
  head += " ";
  head += target;
  head += " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n";
  head += extra;
  head += "\r\n";
  return head;
}

// One chunk carrying `data` (RFC 9112 section 7.1: hex size, CRLF, data, CRLF).
inline std::string Chunk(std::string_view data) {
  char size[24];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

inline const std::string kLastChunk = "0\r\n\r\n";

// Reads a chunked NDJSON response line by line, whatever its chunking.
class NdjsonReader {
 public:
  explicit NdjsonReader(RawConnection& conn) : conn_(conn) {}

  bool ReadHead(RawResponse* head, std::chrono::milliseconds timeout) { return conn_.ReadHead(head, timeout); }

  // The next line without its '\n'. False at timeout, on a framing error,
  // or at the end of the body (then ended() is true).
  bool Next(std::string* line, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      size_t nl = pending_.find('\n');
      if (nl != std::string::npos) {
        *line = pending_.substr(0, nl);
        pending_.erase(0, nl + 1);
        return true;
      }
      if (ended_) return false;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      std::string chunk;
      bool last = false;
      if (!conn_.ReadChunk(&chunk, left, &last)) {
        ended_ = last;
        if (!last) return false;
        continue;
      }
      pending_ += chunk;
    }
  }

  // True once the last chunk was read.
  bool ended() const { return ended_; }
  // Bytes after the last complete line (a line without '\n').
  const std::string& rest() const { return pending_; }

 private:
  RawConnection& conn_;
  std::string pending_;
  bool ended_ = false;
};

// Number of open file descriptors of this process.
inline size_t OpenFdCount() {
  size_t n = 0;
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n - 1;  // the directory stream's own descriptor
}

}  // namespace chunked_test

#endif  // GRPCGW_TESTS_E2E_CHUNKED_TEST_UTIL_H_
