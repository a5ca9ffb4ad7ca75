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
// sees as a truncated body. Not thread-safe: one thread writes.
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
  static std::unique_ptr<ChunkWriter> Start(const httplib::Request& req, int status,
                                            std::string_view content_type,
                                            const httplib::Headers& headers = {});
  static std::unique_ptr<ChunkWriter> Start(Connection& conn, int status, std::string_view content_type,
                                            const httplib::Headers& headers = {});

  // One chunk (nothing for empty data). False once the client is gone.
  bool Write(std::string_view data);
  // The last chunk; the connection may then serve the next request if the
  // request body was read to its end (ReleaseConnection).
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
};

}  // namespace grpcgw

#endif  // GRPCGW_CHUNK_WRITER_H_
