// TLS in the end-to-end tests: certificates made at run time (no private
// key is committed), client contexts, and the switch that runs the suites
// over HTTPS.
//
// With GRPCGW_TEST_TLS=1 in the environment, TestServer serves TLS with
// TestCertificate(), TestServer::Client() is an HTTPS client, and
// RawConnection (so WsClient and the SSE helpers too) speaks TLS: the same
// tests then run over HTTP/1.1 + TLS. The few tests that need plaintext
// bytes on the socket itself (TCP window games, many-socket load clients,
// external interop clients) say so and skip with TLS_SKIP.
#ifndef GRPCGW_TESTS_E2E_TLS_TEST_UTIL_H_
#define GRPCGW_TESTS_E2E_TLS_TEST_UTIL_H_

#include <cstdlib>
#include <cstring>
#include <string>

#include <openssl/ssl.h>

#include "grpcgw/http_server.h"

namespace e2e_test {

// True when the suites run over TLS (GRPCGW_TEST_TLS set and not "0").
inline bool TlsMode() {
  const char* v = std::getenv("GRPCGW_TEST_TLS");
  return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
}

// Skips the rest of a test case in TLS mode, saying why (Catch2 2 has no
// SKIP).
#define TLS_SKIP(reason)                                      \
  do {                                                        \
    if (::e2e_test::TlsMode()) {                              \
      WARN("not run over TLS (GRPCGW_TEST_TLS): " << reason); \
      return;                                                 \
    }                                                         \
  } while (0)

// A self-signed certificate for 127.0.0.1 and localhost (EC P-256), its
// PEM texts and the files they were written to (in a fresh directory
// under $TMPDIR or /tmp).
struct TestCert {
  std::string cert_pem;
  std::string key_pem;
  std::string cert_file;
  std::string key_file;
};
// A new certificate with subject CN `common_name`; throws on failure.
TestCert MakeTestCertificate(const std::string& common_name);
// One certificate per process, made on first use. Thread-safe.
const TestCert& TestCertificate();

// `options` with the test certificate when the suites run over TLS (and
// no TLS was asked for already): for servers a test makes itself.
grpcgw::HttpServerOptions WithTestTls(grpcgw::HttpServerOptions options = {});

// A client context that accepts any certificate (tests check the
// connection, not the PKI), offering `alpn` (comma-separated, may be "").
// Owned by the caller (SSL_CTX_free).
SSL_CTX* NewTestClientContext(const std::string& alpn = "http/1.1");
// The subject CN of the certificate the peer of `ssl` presented.
std::string PeerCommonName(SSL* ssl);

}  // namespace e2e_test

#endif  // GRPCGW_TESTS_E2E_TLS_TEST_UTIL_H_
