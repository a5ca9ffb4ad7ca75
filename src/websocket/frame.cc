#include "websocket/frame.h"

#include <algorithm>
#include <cstring>

#include "text/utf8.h"

namespace grpcgw::internal {
namespace {

// Failure messages. They may be sent to the peer as the close reason, so
// each stays under kMaxCloseReason bytes and names the rule broken.

// RSV1-3 set although no extension was negotiated.
constexpr char kErrReservedBits[] = "reserved bits set without a negotiated extension";
// Opcodes 0x3-0x7 and 0xB-0xF.
constexpr char kErrReservedOpcode[] = "reserved opcode";
// Control frames must have FIN set.
constexpr char kErrFragmentedControl[] = "fragmented control frame";
// Control frames carry at most 125 payload bytes.
constexpr char kErrControlTooLong[] = "control frame payload longer than 125 bytes";
// A client must mask every frame it sends.
constexpr char kErrUnmasked[] = "client frame is not masked";
// A server must not mask the frames it sends.
constexpr char kErrMasked[] = "server frame is masked";
// A length that fits a shorter encoding (section 5.2: minimal number of bytes).
constexpr char kErrNonMinimalLength[] = "payload length not minimally encoded";
// The most significant bit of a 64-bit length must be 0.
constexpr char kErrLengthTopBit[] = "64-bit payload length has its top bit set";
// The declared payload exceeds FrameDecoder::Options::max_frame_size.
constexpr char kErrFrameTooBig[] = "frame payload exceeds the size limit";
// A close payload of exactly one byte: half a code.
constexpr char kErrCloseOneByte[] = "close payload of 1 byte";
// A close code that is reserved, unassigned or out of range.
constexpr char kErrCloseCode[] = "invalid close code";
// The close reason is not valid UTF-8.
constexpr char kErrCloseReasonUtf8[] = "close reason is not valid UTF-8";

bool IsReservedOpcode(uint8_t opcode) {
  return (opcode >= 0x3 && opcode <= 0x7) || opcode >= 0xB;
}

// Unmasked payload is handed to the handler in pieces of this size.
constexpr size_t kUnmaskChunk = 4096;

}  // namespace

bool IsValidCloseCode(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
         (code >= 3000 && code <= 4999);
}

// ---------------------------------------------------------------------------
// FrameDecoder
//
// Header layout (section 5.2):
//   byte 0: FIN | RSV1 | RSV2 | RSV3 | opcode (4 bits)
//   byte 1: MASK | payload length (7 bits)
//   then 2 bytes of length if the 7 bits are 126, 8 bytes if 127
//   then 4 bytes of masking key if MASK is set

FrameDecoder::FrameDecoder(const Options& options, Handler* handler)
    : options_(options), handler_(handler) {}

bool FrameDecoder::AtFrameBoundary() const {
  return state_ == State::kHeader && header_have_ == 0;
}

bool FrameDecoder::Fail(DecodeStatus status) {
  status_ = std::move(status);
  state_ = State::kFailed;
  return false;
}

bool FrameDecoder::Consume(const char* data, size_t n) {
  size_t i = 0;
  while (state_ != State::kFailed && i < n) {
    if (state_ == State::kHeader) {
      header_bytes_[header_have_++] = static_cast<uint8_t>(data[i++]);
      if (header_have_ < 2) continue;
      if (header_have_ == 2 && !CheckFirstTwoBytes()) return false;
      // header_need_ is known from here on; the length precedes the mask.
      const size_t length_end = header_need_ - (header_.masked ? 4 : 0);
      if (header_have_ == length_end && !CheckLength()) return false;
      if (header_have_ == header_need_ && !FinishHeader()) return false;
      continue;
    }
    // Payload: unmask into a scratch buffer, piece by piece.
    const uint64_t left = header_.payload_length - payload_read_;
    const size_t take = static_cast<size_t>(
        std::min<uint64_t>({left, n - i, kUnmaskChunk}));
    const char* piece = data + i;
    char scratch[kUnmaskChunk];
    if (header_.masked) {
      // XOR eight bytes at a time with the key rotated to this offset.
      uint8_t rotated[8];
      for (size_t k = 0; k < 8; ++k) rotated[k] = header_.mask[(payload_read_ + k) & 3];
      uint64_t mask64;
      std::memcpy(&mask64, rotated, 8);
      size_t j = 0;
      for (; j + 8 <= take; j += 8) {
        uint64_t word;
        std::memcpy(&word, data + i + j, 8);
        word ^= mask64;
        std::memcpy(scratch + j, &word, 8);
      }
      for (; j < take; ++j) {
        scratch[j] = static_cast<char>(static_cast<uint8_t>(data[i + j]) ^ rotated[j & 7]);
      }
      piece = scratch;
    }
    i += take;
    payload_read_ += take;
    DecodeStatus s = handler_->OnFramePayload(piece, take);
    if (!s.ok()) return Fail(std::move(s));
    if (payload_read_ == header_.payload_length && !EndFrame()) return false;
  }
  return state_ != State::kFailed;
}

bool FrameDecoder::CheckFirstTwoBytes() {
  const uint8_t b0 = header_bytes_[0];
  const uint8_t b1 = header_bytes_[1];
  header_ = FrameHeader();
  header_.fin = (b0 & 0x80) != 0;
  header_.rsv = (b0 >> 4) & 0x7;
  header_.opcode = static_cast<Opcode>(b0 & 0x0F);
  header_.masked = (b1 & 0x80) != 0;
  const uint8_t length7 = b1 & 0x7F;

  if ((header_.rsv & ~options_.allowed_rsv) != 0) {
    return Fail(DecodeStatus::Error(kCloseProtocolError, kErrReservedBits));
  }
  if (IsReservedOpcode(b0 & 0x0F)) {
    return Fail(DecodeStatus::Error(kCloseProtocolError, kErrReservedOpcode));
  }
  if (IsControlOpcode(header_.opcode)) {
    if (!header_.fin) {
      return Fail(DecodeStatus::Error(kCloseProtocolError, kErrFragmentedControl));
    }
    if (length7 > kMaxControlPayload) {
      return Fail(DecodeStatus::Error(kCloseProtocolError, kErrControlTooLong));
    }
  }
  if (options_.role == Role::kServer && !header_.masked) {
    return Fail(DecodeStatus::Error(kCloseProtocolError, kErrUnmasked));
  }
  if (options_.role == Role::kClient && header_.masked) {
    return Fail(DecodeStatus::Error(kCloseProtocolError, kErrMasked));
  }
  const size_t length_bytes = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
  header_need_ = 2 + length_bytes + (header_.masked ? 4 : 0);
  return true;
}

bool FrameDecoder::CheckLength() {
  const uint8_t length7 = header_bytes_[1] & 0x7F;
  uint64_t length = length7;
  if (length7 == 126) {
    length = (uint64_t{header_bytes_[2]} << 8) | header_bytes_[3];
    if (length < 126) {
      return Fail(DecodeStatus::Error(kCloseProtocolError, kErrNonMinimalLength));
    }
  } else if (length7 == 127) {
    length = 0;
    for (int k = 0; k < 8; ++k) length = (length << 8) | header_bytes_[2 + k];
    if ((length >> 63) != 0) {
      return Fail(DecodeStatus::Error(kCloseProtocolError, kErrLengthTopBit));
    }
    if (length <= 0xFFFF) {
      return Fail(DecodeStatus::Error(kCloseProtocolError, kErrNonMinimalLength));
    }
  }
  if (length > options_.max_frame_size) {
    return Fail(DecodeStatus::Error(kCloseMessageTooBig, kErrFrameTooBig));
  }
  header_.payload_length = length;
  return true;
}

bool FrameDecoder::FinishHeader() {
  if (header_.masked) {
    std::memcpy(header_.mask.data(), header_bytes_ + header_need_ - 4, 4);
  }
  header_have_ = 0;
  header_need_ = 2;
  payload_read_ = 0;
  DecodeStatus s = handler_->OnFrameHeader(header_);
  if (!s.ok()) return Fail(std::move(s));
  if (header_.payload_length == 0) return EndFrame();
  state_ = State::kPayload;
  return true;
}

bool FrameDecoder::EndFrame() {
  state_ = State::kHeader;
  DecodeStatus s = handler_->OnFrameEnd();
  if (!s.ok()) return Fail(std::move(s));
  return true;
}

// ---------------------------------------------------------------------------
// FrameParser

FrameParser::FrameParser(const FrameDecoder::Options& options)
    : decoder_(options, &collector_) {}

bool FrameParser::Next(Frame* frame) {
  if (collector_.frames.empty()) return false;
  *frame = std::move(collector_.frames.front());
  collector_.frames.pop_front();
  return true;
}

DecodeStatus FrameParser::Collector::OnFrameHeader(const FrameHeader& header) {
  current = Frame();
  current.fin = header.fin;
  current.rsv = header.rsv;
  current.opcode = header.opcode;
  // The length is bounded by max_frame_size, but reserve no more than a
  // modest amount before the bytes actually arrive.
  current.payload.reserve(
      static_cast<size_t>(std::min<uint64_t>(header.payload_length, 64 * 1024)));
  return {};
}

DecodeStatus FrameParser::Collector::OnFramePayload(const char* data, size_t n) {
  current.payload.append(data, n);
  return {};
}

DecodeStatus FrameParser::Collector::OnFrameEnd() {
  frames.push_back(std::move(current));
  current = Frame();
  return {};
}

// ---------------------------------------------------------------------------
// Encoding

size_t EncodeFrameHeader(Opcode opcode, uint64_t payload_length, bool fin,
                         const std::array<uint8_t, 4>* mask, char* out) {
  size_t size = 0;
  out[size++] = static_cast<char>((fin ? 0x80 : 0x00) | static_cast<uint8_t>(opcode));
  const uint8_t mask_bit = mask != nullptr ? 0x80 : 0x00;
  if (payload_length <= 125) {
    out[size++] = static_cast<char>(mask_bit | payload_length);
  } else if (payload_length <= 0xFFFF) {
    out[size++] = static_cast<char>(mask_bit | 126);
    out[size++] = static_cast<char>(payload_length >> 8);
    out[size++] = static_cast<char>(payload_length);
  } else {
    out[size++] = static_cast<char>(mask_bit | 127);
    for (int k = 7; k >= 0; --k) {
      out[size++] = static_cast<char>(payload_length >> (8 * k));
    }
  }
  if (mask != nullptr) {
    std::memcpy(out + size, mask->data(), 4);
    size += 4;
  }
  return size;
}

void AppendFrame(std::string* out, Opcode opcode, std::string_view payload, bool fin) {
  char header[kMaxFrameHeaderSize];
  const size_t header_size = EncodeFrameHeader(opcode, payload.size(), fin, nullptr, header);
  out->reserve(out->size() + header_size + payload.size());
  out->append(header, header_size);
  out->append(payload.data(), payload.size());
}

std::string EncodeFrame(Opcode opcode, std::string_view payload, bool fin) {
  std::string out;
  AppendFrame(&out, opcode, payload, fin);
  return out;
}

std::string EncodeMaskedFrame(Opcode opcode, std::string_view payload,
                              const std::array<uint8_t, 4>& mask, bool fin) {
  char header[kMaxFrameHeaderSize];
  const size_t header_size = EncodeFrameHeader(opcode, payload.size(), fin, &mask, header);
  std::string out(header, header_size);
  out.resize(header_size + payload.size());
  for (size_t j = 0; j < payload.size(); ++j) {
    out[header_size + j] =
        static_cast<char>(static_cast<uint8_t>(payload[j]) ^ mask[j & 3]);
  }
  return out;
}

std::string EncodeClosePayload(uint16_t code, std::string_view reason) {
  if (code == kCloseNoStatus) return std::string();
  std::string payload;
  payload += static_cast<char>(code >> 8);
  payload += static_cast<char>(code & 0xFF);
  payload.append(reason.data(), ValidUtf8PrefixLength(reason, kMaxCloseReason));
  return payload;
}

std::string EncodeClose(uint16_t code, std::string_view reason) {
  return EncodeFrame(Opcode::kClose, EncodeClosePayload(code, reason));
}

DecodeStatus ParseClosePayload(std::string_view payload, uint16_t* code,
                               std::string* reason) {
  reason->clear();
  if (payload.empty()) {
    *code = kCloseNoStatus;
    return {};
  }
  if (payload.size() == 1) {
    return DecodeStatus::Error(kCloseProtocolError, kErrCloseOneByte);
  }
  const uint16_t c = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                           static_cast<uint8_t>(payload[1]));
  if (!IsValidCloseCode(c)) {
    return DecodeStatus::Error(kCloseProtocolError, kErrCloseCode);
  }
  std::string_view text = payload.substr(2);
  if (!IsValidUtf8(text)) {
    return DecodeStatus::Error(kCloseInvalidPayload, kErrCloseReasonUtf8);
  }
  *code = c;
  reason->assign(text.data(), text.size());
  return {};
}

}  // namespace grpcgw::internal
