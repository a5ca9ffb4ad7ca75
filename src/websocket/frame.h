// RFC 6455 framing (section 5): an incremental, IO-free frame decoder, a
// frame collector on top of it, and frame encoders.
//
//   FrameParser parser;                         // server side: frames must be masked
//   parser.Consume(bytes, n);                   // any split of the input
//   Frame frame;
//   while (parser.Next(&frame)) { ... }
//   if (parser.failed()) {
//     Send(EncodeClose(parser.status().close_code, parser.status().message));
//   }
//
//   std::string wire = EncodeFrame(Opcode::kText, "{}");   // unmasked, FIN set
//
// What it does not do: sockets, timers, message assembly (see
// message_reader.h), or extensions (permessage-deflate); an RSV bit without
// a negotiated extension is a protocol error.
//
// Threading: none of these objects is thread-safe; use each from one thread
// at a time. The free functions are pure.
#ifndef GRPCGW_SRC_WEBSOCKET_FRAME_H_
#define GRPCGW_SRC_WEBSOCKET_FRAME_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <utility>

namespace grpcgw::internal {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close, ping and pong: at most 125 payload bytes, never fragmented.
inline bool IsControlOpcode(Opcode opcode) {
  return (static_cast<uint8_t>(opcode) & 0x8) != 0;
}

// Close codes, RFC 6455 section 7.4.1. The gateway also sends
// 4000 + grpc::StatusCode when a call fails.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseUnsupportedData = 1003;
// Reported for a close frame without a code; never sent on the wire.
inline constexpr uint16_t kCloseNoStatus = 1005;
// Meaning "the connection dropped without a close frame"; never sent.
inline constexpr uint16_t kCloseAbnormal = 1006;
inline constexpr uint16_t kCloseInvalidPayload = 1007;
inline constexpr uint16_t kClosePolicyViolation = 1008;
inline constexpr uint16_t kCloseMessageTooBig = 1009;
inline constexpr uint16_t kCloseMandatoryExtension = 1010;
inline constexpr uint16_t kCloseInternalError = 1011;

// Codes that may appear in a close frame: 1000-1003, 1007-1014 (assigned by
// RFC 6455 and the IANA registry), 3000-3999 (registered) and 4000-4999
// (private use).
bool IsValidCloseCode(uint16_t code);

// At most this many payload bytes in a control frame (section 5.5), and so
// at most 123 bytes of close reason after the 2-byte code.
inline constexpr size_t kMaxControlPayload = 125;
inline constexpr size_t kMaxCloseReason = kMaxControlPayload - 2;

// Which end of the connection decodes: a server requires masked frames, a
// client requires unmasked ones (section 5.1).
enum class Role { kServer, kClient };

// The outcome of decoding: ok, or the close code to send and why.
struct DecodeStatus {
  uint16_t close_code = 0;  // 0 while ok
  std::string message;      // for logs; short enough to send as close reason

  bool ok() const { return close_code == 0; }
  static DecodeStatus Error(uint16_t code, std::string message) {
    return DecodeStatus{code, std::move(message)};
  }
};

struct FrameHeader {
  bool fin = true;
  uint8_t rsv = 0;  // RSV1..RSV3 as bits 0x4, 0x2, 0x1
  Opcode opcode = Opcode::kText;
  bool masked = false;
  uint64_t payload_length = 0;
  std::array<uint8_t, 4> mask{};
};

// Push decoder: validates each frame header as soon as its bytes arrive and
// streams the unmasked payload to a Handler, holding at most one header
// (14 bytes) of the input itself.
//
// Checks, each failing the decoder with the close code in brackets:
//   RSV bits not in Options::allowed_rsv [1002]; opcodes 3-7 and 0xB-0xF
//   [1002]; a control frame with FIN clear or more than 125 payload bytes
//   [1002]; a server receiving an unmasked frame, or a client a masked one
//   [1002]; a 16- or 64-bit length that fits a shorter encoding, or a 64-bit
//   length with its top bit set [1002]; a payload length above
//   Options::max_frame_size [1009], checked before any payload is read.
// Message-level rules (fragmentation, UTF-8, close payloads) belong to the
// Handler; see MessageReader.
class FrameDecoder {
 public:
  struct Options {
    Role role = Role::kServer;
    // Largest accepted payload of a single frame.
    uint64_t max_frame_size = uint64_t{16} << 20;
    // RSV bits an extension negotiated; none are supported yet.
    uint8_t allowed_rsv = 0;
  };

  // Receives the frames, in input order. A non-ok status from any method
  // fails the decoder with that status.
  class Handler {
   public:
    virtual ~Handler() = default;
    // The header passed the frame-level checks; no payload has been read.
    virtual DecodeStatus OnFrameHeader(const FrameHeader& header) = 0;
    // The next piece (n > 0) of the unmasked payload of the current frame.
    virtual DecodeStatus OnFramePayload(const char* data, size_t n) = 0;
    // The current frame is complete.
    virtual DecodeStatus OnFrameEnd() = 0;
  };

  // `handler` is not owned and must outlive the decoder.
  FrameDecoder(const Options& options, Handler* handler);

  // Decodes the next `n` bytes of the stream, calling the handler for what
  // they complete. Returns false once the decoder has failed (now or
  // earlier); the failure is permanent and later input is ignored.
  bool Consume(const char* data, size_t n);

  bool failed() const { return !status_.ok(); }
  const DecodeStatus& status() const { return status_; }

  // True when no partial frame is pending: the input so far ended exactly
  // at a frame boundary.
  bool AtFrameBoundary() const;

 private:
  enum class State { kHeader, kPayload, kFailed };

  bool CheckFirstTwoBytes();
  bool CheckLength();
  bool FinishHeader();
  bool EndFrame();
  bool Fail(DecodeStatus status);

  const Options options_;
  Handler* const handler_;
  DecodeStatus status_;
  State state_ = State::kHeader;
  uint8_t header_bytes_[14];
  size_t header_have_ = 0;  // bytes of header_bytes_ filled
  size_t header_need_ = 2;  // total header size, known after 2 bytes
  FrameHeader header_;
  uint64_t payload_read_ = 0;  // payload bytes of the current frame passed on
};

// One complete frame.
struct Frame {
  bool fin = true;
  uint8_t rsv = 0;
  Opcode opcode = Opcode::kText;
  std::string payload;  // unmasked
};

// Collects complete frames from a byte stream: a FrameDecoder whose frames
// queue up for Next(). Frames completed before a failure are still
// returned. Useful to clients and tests; the server uses MessageReader.
class FrameParser {
 public:
  FrameParser() : FrameParser(FrameDecoder::Options()) {}
  explicit FrameParser(const FrameDecoder::Options& options);

  FrameParser(const FrameParser&) = delete;
  FrameParser& operator=(const FrameParser&) = delete;

  // See FrameDecoder::Consume().
  bool Consume(const char* data, size_t n) { return decoder_.Consume(data, n); }
  bool Consume(std::string_view data) { return Consume(data.data(), data.size()); }

  // Moves the oldest complete frame into *frame; false when none is queued.
  bool Next(Frame* frame);

  bool failed() const { return decoder_.failed(); }
  const DecodeStatus& status() const { return decoder_.status(); }

 private:
  class Collector : public FrameDecoder::Handler {
   public:
    DecodeStatus OnFrameHeader(const FrameHeader& header) override;
    DecodeStatus OnFramePayload(const char* data, size_t n) override;
    DecodeStatus OnFrameEnd() override;

    Frame current;
    std::deque<Frame> frames;
  };

  Collector collector_;
  FrameDecoder decoder_;
};

// Largest frame header: 2 bytes, 8 bytes of length, 4 bytes of mask.
inline constexpr size_t kMaxFrameHeaderSize = 14;

// Writes a frame header to `out` (at least kMaxFrameHeaderSize bytes) and
// returns its size. `mask` is null for an unmasked (server) frame. Lets a
// writer send header and payload without copying the payload.
size_t EncodeFrameHeader(Opcode opcode, uint64_t payload_length, bool fin,
                         const std::array<uint8_t, 4>* mask, char* out);

// Appends an unmasked frame (what a server sends) to *out.
void AppendFrame(std::string* out, Opcode opcode, std::string_view payload,
                 bool fin = true);

// An unmasked frame, as a server sends it.
std::string EncodeFrame(Opcode opcode, std::string_view payload, bool fin = true);

// A masked frame, as a client sends it (tests and clients).
std::string EncodeMaskedFrame(Opcode opcode, std::string_view payload,
                              const std::array<uint8_t, 4>& mask, bool fin = true);

// The payload of a close frame: the 2-byte code and the longest prefix of
// `reason` that is valid UTF-8, ends at a code point boundary and is at most
// 123 bytes (kMaxCloseReason). kCloseNoStatus gives an empty payload (a close
// frame without a code). `code` should satisfy IsValidCloseCode().
std::string EncodeClosePayload(uint16_t code, std::string_view reason);

// An unmasked close frame with EncodeClosePayload(code, reason).
std::string EncodeClose(uint16_t code, std::string_view reason = {});

// Parses a received close payload (section 5.5.1): empty gives
// kCloseNoStatus and an empty reason; otherwise a valid 2-byte code and a
// UTF-8 reason. A 1-byte payload or an invalid code gives 1002, a reason
// that is not UTF-8 gives 1007.
DecodeStatus ParseClosePayload(std::string_view payload, uint16_t* code,
                               std::string* reason);

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_WEBSOCKET_FRAME_H_
