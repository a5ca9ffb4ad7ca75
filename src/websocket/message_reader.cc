#include "websocket/message_reader.h"

#include <algorithm>
#include <utility>

namespace grpcgw::internal {
namespace {

// Failure messages; they may be sent as the close reason.

// A continuation frame arrived while no fragmented message was open.
constexpr char kErrStrayContinuation[] = "continuation frame without a message to continue";
// A text or binary frame arrived while a fragmented message was still open.
constexpr char kErrNestedMessage[] = "new data frame inside a fragmented message";
// A text message contains a byte that cannot be part of valid UTF-8.
constexpr char kErrTextUtf8[] = "text message is not valid UTF-8";
// A text message ended in the middle of a UTF-8 sequence.
constexpr char kErrTextTruncatedUtf8[] = "text message ends inside a UTF-8 sequence";
// The data message would exceed Options::max_message_size.
constexpr char kErrMessageTooBig[] = "message exceeds the size limit";

}  // namespace

MessageReader::MessageReader(const Options& options)
    : options_(options),
      assembler_(this),
      decoder_(FrameDecoder::Options{options.role, options.max_message_size, 0},
               &assembler_) {}

bool MessageReader::Consume(const char* data, size_t n) {
  if (failed()) return false;
  if (close_received_) return true;
  if (!decoder_.Consume(data, n) && !close_received_) {
    // The decoder's status is the first failure, whether its own or ours.
    status_ = decoder_.status();
  }
  return !failed();
}

bool MessageReader::Next(Message* message) {
  if (ready_.empty()) return false;
  *message = std::move(ready_.front());
  ready_.pop_front();
  return true;
}

DecodeStatus MessageReader::OnFrameHeader(const FrameHeader& header) {
  if (close_received_) return {};
  frame_fin_ = header.fin;
  frame_is_control_ = IsControlOpcode(header.opcode);
  if (frame_is_control_) {
    // FrameDecoder already enforced FIN and the 125-byte limit.
    control_type_ = header.opcode;
    control_payload_.clear();
    return {};
  }
  if (header.opcode == Opcode::kContinuation) {
    if (!in_message_) {
      return DecodeStatus::Error(kCloseProtocolError, kErrStrayContinuation);
    }
  } else {
    if (in_message_) {
      return DecodeStatus::Error(kCloseProtocolError, kErrNestedMessage);
    }
    in_message_ = true;
    message_ = Message();
    message_.type = header.opcode;
    utf8_.Reset();
  }
  // Both sides are at most max_message_size (FrameDecoder checked the
  // frame), so the sum cannot overflow.
  if (message_.data.size() + header.payload_length > options_.max_message_size) {
    return DecodeStatus::Error(kCloseMessageTooBig, kErrMessageTooBig);
  }
  message_.data.reserve(static_cast<size_t>(std::min<uint64_t>(
      message_.data.size() + header.payload_length,
      message_.data.size() + 64 * 1024)));
  return {};
}

DecodeStatus MessageReader::OnFramePayload(const char* data, size_t n) {
  if (close_received_) return {};
  if (frame_is_control_) {
    control_payload_.append(data, n);
    return {};
  }
  if (message_.type == Opcode::kText && !utf8_.Feed(std::string_view(data, n))) {
    return DecodeStatus::Error(kCloseInvalidPayload, kErrTextUtf8);
  }
  message_.data.append(data, n);
  return {};
}

DecodeStatus MessageReader::OnFrameEnd() {
  if (close_received_) return {};
  if (frame_is_control_) {
    Message control;
    control.type = control_type_;
    if (control_type_ == Opcode::kClose) {
      DecodeStatus s = ParseClosePayload(control_payload_, &control.close_code,
                                         &control.data);
      if (!s.ok()) return s;
      close_received_ = true;
    } else {
      control.data = std::move(control_payload_);
    }
    control_payload_.clear();
    ready_.push_back(std::move(control));
    return {};
  }
  if (!frame_fin_) return {};
  if (message_.type == Opcode::kText && !utf8_.AtCodePointBoundary()) {
    return DecodeStatus::Error(kCloseInvalidPayload, kErrTextTruncatedUtf8);
  }
  in_message_ = false;
  ready_.push_back(std::move(message_));
  message_ = Message();
  return {};
}

DecodeStatus MessageReader::Assembler::OnFrameHeader(const FrameHeader& header) {
  return reader_->OnFrameHeader(header);
}

DecodeStatus MessageReader::Assembler::OnFramePayload(const char* data, size_t n) {
  return reader_->OnFramePayload(data, n);
}

DecodeStatus MessageReader::Assembler::OnFrameEnd() { return reader_->OnFrameEnd(); }

}  // namespace grpcgw::internal
