// HTTP/1.1 responses grpcgw writes itself (not through httplib's writer):
// an httplib::Response as one string, and the end of a chunked body.
#ifndef GRPCGW_SERVER_HTTP_RESPONSE_H_
#define GRPCGW_SERVER_HTTP_RESPONSE_H_

#include <string>

#include <httplib.h>

namespace grpcgw {
namespace internal {

// A whole HTTP/1.1 response for `res` (its body, or the data of a
// content provider of known length), with Content-Length; without the body
// for a HEAD request (`head_only`). "Connection: close" when not
// `keep_alive`. Header fields that cannot be sent (a name or value with CR,
// LF or NUL, a name with a colon) are left out.
//
// With `trailers` (the client sent `TE: trailers`), the response's
// Grpc-Trailer-* headers go out as real trailers instead: the body is
// chunked, and they follow its last chunk.
std::string SerializeResponse(httplib::Response& res, bool keep_alive, bool head_only = false,
                              bool trailers = false);

// The end of a chunked body: the last chunk and `trailers` as its trailer
// section (fields that cannot be sent are left out).
std::string LastChunk(const httplib::Headers& trailers = {});

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_HTTP_RESPONSE_H_
