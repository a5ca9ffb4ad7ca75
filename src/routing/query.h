// query.h: URI percent-decoding, UTF-8 checking and the query-string parser
// used by the router and the request binding.
//
//   std::vector<std::pair<std::string, std::string>> params;
//   std::string error;
//   if (!ParseQueryString("a=1&b=x+y&c=%C3%A9", &params, &error)) { /* 400 */ }
//   // params: {"a","1"}, {"b","x y"}, {"c","é"}
//
// It does not interpret keys (dotted field names, `map[key]`): see binding.h.
#ifndef GRPCGW_ROUTING_QUERY_H_
#define GRPCGW_ROUTING_QUERY_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/utf8.h"  // IsValidUtf8

namespace grpcgw {
namespace internal {

enum class PercentDecodeMode {
  kAll,           // every %XX escape is decoded
  kKeepReserved,  // escapes of RFC 3986 reserved characters (gen-delims and
                  // sub-delims, e.g. %2F) stay as written; others are decoded
                  // (RFC 6570 reserved expansion)
};

// Decodes %XX escapes of `in` into *out (replacing its contents); with
// `plus_as_space`, '+' becomes ' '. Returns false if an escape is malformed
// ('%' not followed by two hex digits); *out is then unspecified. Does not
// check UTF-8.
bool PercentDecode(std::string_view in, PercentDecodeMode mode, bool plus_as_space,
                   std::string* out);

// Splits a query string (without the leading '?') on '&' into key/value
// pairs, in order, each split at its first '=' (a key without '=' gets the
// value ""); empty pieces are skipped. Keys and values are decoded with '+'
// as space. Returns false and sets *error (naming the offending key) on a
// malformed escape or a key or value that is not valid UTF-8; *out then holds
// the pairs before it. Appends to *out.
bool ParseQueryString(std::string_view query,
                      std::vector<std::pair<std::string, std::string>>* out,
                      std::string* error);

}  // namespace internal
}  // namespace grpcgw

#endif  // GRPCGW_ROUTING_QUERY_H_
