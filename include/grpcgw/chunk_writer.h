// grpcgw/chunk_writer.h: a chunked-transfer response written as it goes.
//
// The gateway streams NDJSON with it; a user's own route can too:
//
//   http.Get("/export", [](const httplib::Request& req, httplib::Response& res) {
//     auto out = grpcgw::ChunkWriter::Start(req, 200, "application/x-ndjson");
//     if (!out) { res.status = 500; return; }
//     out->Write("{\"n\":1}\n");
//     out->Finish();
//   });
//
// Start() takes the socket over (so it may write while the request body is
// still arriving) and writes the head with `Transfer-Encoding: chunked`;
// each Write is one chunk, flushed at once (never compressed, never
// buffered); Finish() writes the last chunk. Without Finish() (the handler
// returned early, the client left) the connection is closed, which a client
// sees as a truncated body. Not thread-safe: one thread writes, on the
// handler's thread, before the handler returns. Not provided: trailers,
// HTTP/1.0 clients (they cannot read chunked bodies).
#ifndef GRPCGW_CHUNK_WRITER_H_
#define GRPCGW_CHUNK_WRITER_H_

#include <httplib.h>

#include <memory>
#include <string>
#include <string_view>

namespace grpcgw {

class Connection;

class ChunkWriter {
 public:
  // From a handler of an HttpServer route; null elsewhere. After Finish()
  // the connection serves the client's next request (httplib had read the
  // request body before the handler ran).
  static std::unique_ptr<ChunkWriter> Start(const httplib::Request& req, int status,
                                            std::string_view content_type,
                                            const httplib::Headers& headers = {});
  // On a connection whose request body the caller reads itself; the caller
  // decides whether the connection may serve another request
  // (Connection::ReleaseAfterHandler).
  static std::unique_ptr<ChunkWriter> Start(Connection& conn, int status, std::string_view content_type,
                                            const httplib::Headers& headers = {});

  // One chunk (nothing for empty data). False once the client is gone.
  bool Write(std::string_view data);
  // The last chunk. False if the client is gone or it was already written.
  bool Finish();
  bool finished() const { return finished_; }
  bool ClientGone() const;

  // The bytes of one chunk.
  static std::string FormatChunk(std::string_view data);

 private:
  explicit ChunkWriter(Connection& conn) : conn_(conn) {}
  Connection& conn_;
  bool failed_ = false;
  bool finished_ = false;
  bool release_on_finish_ = false;  // keep the connection alive after Finish()
};

}  // namespace grpcgw

#endif  // GRPCGW_CHUNK_WRITER_H_
