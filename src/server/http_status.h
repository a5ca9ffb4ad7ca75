// The reason phrase of an HTTP status (RFC 9110 section 15), for the status
// lines and error messages grpcgw writes itself. Clients ignore the phrase,
// so statuses outside the table get a generic one.
#ifndef GRPCGW_SERVER_HTTP_STATUS_H_
#define GRPCGW_SERVER_HTTP_STATUS_H_

namespace grpcgw {
namespace internal {

const char* ReasonPhrase(int status);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_SERVER_HTTP_STATUS_H_
