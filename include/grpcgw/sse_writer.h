// grpcgw/sse_writer.h: Server-Sent Events on a connection of an HttpServer.
//
// The gateway streams gRPC responses with it; a user can push events from
// their own routes the same way:
//
//   http.Get("/ticks", [](const httplib::Request& req, httplib::Response& res) {
//     auto sse = grpcgw::SseWriter::Start(req);
//     if (!sse) { res.status = 500; return; }   // not on an HttpServer worker
//     for (int i = 0; i < 10 && sse->Send(std::to_string(i), "tick", std::to_string(i)); ++i) {}
//   });                                             // the stream ends when the handler returns
//
// Start() takes the socket over and writes `200`, `Content-Type:
// text/event-stream`, `Cache-Control: no-cache`, `X-Accel-Buffering: no`
// (never compressed); the body is delimited by closing the connection.
// Every Send is written and flushed at once. Not thread-safe: one thread
// writes a stream. It does not reconnect or buffer: a false return means the
// client is gone.
#ifndef GRPCGW_SSE_WRITER_H_
#define GRPCGW_SSE_WRITER_H_

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace grpcgw {

class Connection;

class SseWriter {
 public:
  // On the current HttpServer worker's connection; null elsewhere.
  // `headers` are added to the response head (a header whose name or value
  // holds a line break is dropped).
  static std::unique_ptr<SseWriter> Start(const httplib::Request& req,
                                          const httplib::Headers& headers = {});
  // On a given connection (the gateway's own use).
  static std::unique_ptr<SseWriter> Start(Connection& conn, const httplib::Headers& headers = {});

  // Writes one event. `data` may hold newlines (each line becomes a data:
  // line); CR/LF in `event` and `id` are replaced by spaces. False once the
  // client is gone.
  bool Send(std::string_view data, std::string_view event = {}, std::string_view id = {});
  // `: <text>` comment (a heartbeat); each line of `text` is its own
  // comment line.
  bool Comment(std::string_view text = "keep-alive");
  // `retry: <ms>`, the client's reconnection delay.
  bool Retry(std::chrono::milliseconds delay);
  // Writes pre-framed bytes as they are.
  bool WriteRaw(std::string_view bytes);

  // True once the client has closed the connection (checked without blocking).
  bool ClientGone() const;

  // The response head Start writes (headers with a line break are left out).
  static std::string FormatHead(const httplib::Headers& headers = {});

  // The bytes of one event, as Send writes them.
  static std::string FormatEvent(std::string_view data, std::string_view event = {},
                                 std::string_view id = {});

 private:
  explicit SseWriter(Connection& conn) : conn_(conn) {}
  Connection& conn_;
  bool failed_ = false;
};

}  // namespace grpcgw

#endif  // GRPCGW_SSE_WRITER_H_
