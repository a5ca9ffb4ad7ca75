#include "tls_test_util.h"

#include <stdlib.h>

#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace e2e_test {
namespace {

std::string WriteFile(const std::string& dir, const std::string& name, const std::string& text) {
  std::string path = dir + "/" + name;
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
  return path;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

}  // namespace

TestCert MakeTestCertificate(const std::string& common_name) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("OpenSSL: cannot make a key");
  X509_set_version(cert.get(), 2);
  static int serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 7L * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  if (san == nullptr) throw std::runtime_error("OpenSSL: cannot make the subjectAltName");
  X509_add_ext(cert.get(), san, -1);
  X509_EXTENSION_free(san);
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) throw std::runtime_error("OpenSSL: cannot sign");

  TestCert out;
  std::unique_ptr<BIO, decltype(&BIO_free)> cert_bio(BIO_new(BIO_s_mem()), BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> key_bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(cert_bio.get(), cert.get());
  PEM_write_bio_PrivateKey(key_bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  out.cert_pem = BioText(cert_bio.get());
  out.key_pem = BioText(key_bio.get());

  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/grpcgw-tls-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) throw std::runtime_error("cannot make a directory for the certificate");
  out.cert_file = WriteFile(dir, "cert.pem", out.cert_pem);
  out.key_file = WriteFile(dir, "key.pem", out.key_pem);
  return out;
}

const TestCert& TestCertificate() {
  static const TestCert cert = MakeTestCertificate("grpcgw test");
  return cert;
}

grpcgw::HttpServerOptions WithTestTls(grpcgw::HttpServerOptions options) {
  if (TlsMode() && !options.tls.enabled()) {
    options.tls.cert_chain_file = TestCertificate().cert_file;
    options.tls.private_key_file = TestCertificate().key_file;
  }
  return options;
}

SSL_CTX* NewTestClientContext(const std::string& alpn) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  if (!alpn.empty()) {
    std::string wire;
    size_t pos = 0;
    while (pos <= alpn.size()) {
      size_t end = alpn.find(',', pos);
      if (end == std::string::npos) end = alpn.size();
      std::string p = alpn.substr(pos, end - pos);
      wire += static_cast<char>(p.size());
      wire += p;
      pos = end + 1;
    }
    SSL_CTX_set_alpn_protos(ctx, reinterpret_cast<const unsigned char*>(wire.data()),
                            static_cast<unsigned int>(wire.size()));
  }
  return ctx;
}

std::string PeerCommonName(SSL* ssl) {
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return "";
  char cn[256] = {0};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  X509_free(cert);
  return cn;
}

}  // namespace e2e_test
