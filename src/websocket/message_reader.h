// Assembles WebSocket messages (RFC 6455 sections 5.4-5.6) from a byte
// stream: fragmented data messages, control frames between fragments, UTF-8
// validation of text, close payload parsing, and a message size limit.
//
//   MessageReader reader;                        // server side defaults
//   reader.Consume(bytes, n);                    // any split of the input
//   Message message;
//   while (reader.Next(&message)) {
//     switch (message.type) {
//       case Opcode::kText:   ...; break;        // whole message, valid UTF-8
//       case Opcode::kBinary: ...; break;        // the session may refuse: 1003
//       case Opcode::kPing:   Send(EncodeFrame(Opcode::kPong, message.data)); break;
//       case Opcode::kPong:   ...; break;
//       case Opcode::kClose:  ...; break;        // close_code, data = reason
//       default: break;
//     }
//   }
//   if (reader.failed()) {
//     Send(EncodeClose(reader.status().close_code, reader.status().message));
//   }
//
// Failures, with the close code to send: every FrameDecoder check (1002,
// 1009 for a frame above max_message_size); a continuation frame without a
// message to continue, or a text/binary frame inside a fragmented message
// (1002); a text message with a byte that cannot be UTF-8, detected at that
// byte even in the middle of a frame (1007), or ending inside a code point
// (1007); a data message growing above max_message_size, checked from each
// frame's declared length before its payload is read (1009); a close
// payload of 1 byte or with an invalid code (1002) or a non-UTF-8 reason
// (1007).
//
// What it does not do: IO, timers, answering pings, or deciding what a
// binary message means. Not thread-safe.
#ifndef GRPCGW_SRC_WEBSOCKET_MESSAGE_READER_H_
#define GRPCGW_SRC_WEBSOCKET_MESSAGE_READER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "websocket/frame.h"
#include "text/utf8.h"

namespace grpcgw::internal {

// A complete message or control frame.
struct Message {
  // kText, kBinary, kPing, kPong or kClose; never kContinuation.
  Opcode type = Opcode::kText;
  // Text (valid UTF-8) or binary data, ping/pong payload, or close reason
  // (valid UTF-8).
  std::string data;
  // kClose only: the received code, or kCloseNoStatus for an empty payload.
  uint16_t close_code = 0;
};

class MessageReader {
 public:
  struct Options {
    // Server: frames must be masked. Client: they must not be.
    Role role = Role::kServer;
    // Largest data message, summed over its fragments, and so also the
    // largest frame. Control frames are limited to 125 bytes regardless.
    uint64_t max_message_size = uint64_t{4} << 20;
  };

  MessageReader() : MessageReader(Options()) {}
  explicit MessageReader(const Options& options);

  MessageReader(const MessageReader&) = delete;
  MessageReader& operator=(const MessageReader&) = delete;

  // Decodes the next `n` bytes of the stream; what they complete queues up
  // for Next(). Returns false once the peer broke the protocol (now or
  // earlier): the failure is permanent, status() says which close code to
  // send, and later input is ignored. Bytes after a close frame are ignored
  // too (close_received() tells).
  bool Consume(const char* data, size_t n);
  bool Consume(std::string_view data) { return Consume(data.data(), data.size()); }

  // Moves the oldest complete message into *message, in the order the
  // frames completed (a ping between fragments comes before the message it
  // interrupted). False when none is queued. Messages completed before a
  // failure are still returned.
  bool Next(Message* message);

  bool failed() const { return !status_.ok(); }
  const DecodeStatus& status() const { return status_; }

  // A close frame was received (and queued); nothing after it is decoded.
  bool close_received() const { return close_received_; }

  // A fragmented data message has started and not yet finished.
  bool in_message() const { return in_message_; }

 private:
  class Assembler : public FrameDecoder::Handler {
   public:
    explicit Assembler(MessageReader* reader) : reader_(reader) {}
    DecodeStatus OnFrameHeader(const FrameHeader& header) override;
    DecodeStatus OnFramePayload(const char* data, size_t n) override;
    DecodeStatus OnFrameEnd() override;

   private:
    MessageReader* reader_;
  };

  DecodeStatus OnFrameHeader(const FrameHeader& header);
  DecodeStatus OnFramePayload(const char* data, size_t n);
  DecodeStatus OnFrameEnd();

  const Options options_;
  Assembler assembler_;
  FrameDecoder decoder_;
  DecodeStatus status_;
  std::deque<Message> ready_;

  // The frame being decoded.
  bool frame_fin_ = true;
  bool frame_is_control_ = false;
  Opcode control_type_ = Opcode::kPing;
  std::string control_payload_;  // at most 125 bytes

  // The data message being assembled.
  bool in_message_ = false;
  Message message_;
  Utf8Validator utf8_;

  bool close_received_ = false;
};

}  // namespace grpcgw::internal

#endif  // GRPCGW_SRC_WEBSOCKET_MESSAGE_READER_H_
