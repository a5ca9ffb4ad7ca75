// SHA-1 (FIPS 180-4, section 6.1), used only to derive the
// Sec-WebSocket-Accept key of the RFC 6455 opening handshake.
//
//   Sha1 hash;
//   hash.Update("abc");
//   std::string digest = hash.Finish();   // 20 raw bytes
//
// SHA-1 is not collision resistant: do not use it for anything that needs a
// secure hash. Not thread-safe; one object per computation.
#ifndef GRPCGW_SRC_WEBSOCKET_SHA1_H_
#define GRPCGW_SRC_WEBSOCKET_SHA1_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace grpcgw::internal {

class Sha1 {
 public:
  static constexpr size_t kDigestSize = 20;

  Sha1();

  // Appends bytes to the message. Must not be called after Finish().
  void Update(std::string_view data);

  // Pads the message and returns the 20-byte digest. The object is spent
  // afterwards: call Reset() before hashing another message.
  std::string Finish();

  void Reset();

 private:
  void ProcessBlock(const uint8_t* block);

  uint32_t h_[5];
  uint8_t block_[64];
  size_t block_size_ = 0;      // bytes buffered in block_
  uint64_t message_bytes_ = 0;  // total bytes passed to Update()
};

// Convenience: the 20-byte SHA-1 digest of `data`.
std::string Sha1Digest(std::string_view data);

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_WEBSOCKET_SHA1_H_
