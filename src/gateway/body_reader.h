// BodyReader: the request body of a gateway request, read straight from the
// connection as it arrives, with limits.
//
// httplib has not read the body when the gateway sees a request, so the
// gateway reads it itself: a Content-Length body or a chunked one (whose
// chunk framing is removed here), never more than `max_bytes` in all
// (httplib's own payload limit does not cover chunked bodies), never
// waiting longer than `idle_timeout` for the next bytes.
//
//   BodyReader body(conn, req, limits);
//   std::string all;
//   HttpError error;
//   if (!body.ReadAll(&all, &error)) { ...error.http_status, error.message... }
//
// Not thread-safe: one reader per request, used by one thread at a time.
#ifndef GRPCGW_GATEWAY_BODY_READER_H_
#define GRPCGW_GATEWAY_BODY_READER_H_

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <string>

#include "grpcgw/http_server.h"

namespace grpcgw {
namespace internal {

// An error the gateway answers itself, with the HTTP status to use.
struct HttpError {
  int http_status = 0;
  int grpc_code = 0;
  std::string message;
};

class BodyReader {
 public:
  BodyReader(Connection& conn, const httplib::Request& req, size_t max_bytes,
             std::chrono::milliseconds idle_timeout);

  // False when the request declares no body (no Content-Length, or 0, and
  // not chunked). A request whose framing headers are malformed has one (that
  // cannot be read).
  bool has_body() const { return chunked_ || remaining_ > 0 || !framing_error_.empty(); }

  // Reads up to `n` body bytes. Returns the count; 0 at the end of the body;
  // -1 on error (*error is set: 400 malformed framing, an unsupported
  // Transfer-Encoding or a malformed Content-Length, 408 idle timeout, 413
  // over the limit, at once for a Content-Length over it, 499 client gone).
  // Returns data as soon as some arrived. After a failure the connection
  // cannot serve another request.
  long Read(char* data, size_t n, HttpError* error);

  // Reads the rest of the body into `*out` (appending).
  bool ReadAll(std::string* out, HttpError* error);

  // Reads and drops the rest of the body. False if that failed, in which case
  // the connection cannot serve another request.
  bool Drain();

  bool finished() const { return finished_; }
  size_t total() const { return total_; }

 private:
  bool ReadChunkHeader(HttpError* error);
  bool ReadChunkEnd(HttpError* error);
  bool ReadLine(std::string* line, HttpError* error);
  long ReadRaw(char* data, size_t n, HttpError* error);

  Connection& conn_;
  const size_t max_bytes_;
  const std::chrono::milliseconds idle_timeout_;
  bool chunked_ = false;
  size_t remaining_ = 0;   // in the current chunk, or of the Content-Length body
  size_t total_ = 0;
  bool finished_ = false;
  bool chunk_end_pending_ = false;  // the CRLF after a chunk's data is unread
  std::string framing_error_;       // malformed framing headers: every Read fails
};

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_GATEWAY_BODY_READER_H_
