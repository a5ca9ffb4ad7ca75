// Helpers of the WebSocket end-to-end tests (tests/e2e/websocket_*test.cc):
// a WebSocket client on a raw socket that can send anything (unmasked
// frames, reserved bits, broken UTF-8, fragments cut anywhere) and reads
// the server's frames one by one, checking that they are well formed.
//
//   WsClient ws(server.port());
//   REQUIRE(ws.Open("/v1/rooms/r1:echo"));          // 101
//   ws.SendText(R"({"text":"hi"})");
//   std::string reply;
//   REQUIRE(ws.ReadText(&reply));
//   ws.SendText("");                                // half-close
//   WsClose close = ws.ReadClose();                 // the server's close frame
//   CHECK(close.code == 1000);
//
// Not thread-safe: one thread uses one WsClient.
#ifndef GRPCGW_TESTS_E2E_WEBSOCKET_TEST_UTIL_H_
#define GRPCGW_TESTS_E2E_WEBSOCKET_TEST_UTIL_H_

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/server_builder.h>

#include "e2e.grpc.pb.h"
#include "test_util.h"

namespace e2e_test {

// Opcodes by number (the tests send reserved ones too).
inline constexpr uint8_t kOpContinuation = 0x0;
inline constexpr uint8_t kOpText = 0x1;
inline constexpr uint8_t kOpBinary = 0x2;
inline constexpr uint8_t kOpClose = 0x8;
inline constexpr uint8_t kOpPing = 0x9;
inline constexpr uint8_t kOpPong = 0xA;

// The key of RFC 6455 section 1.3 and its accept value.
inline constexpr char kSampleKey[] = "dGhlIHNhbXBsZSBub25jZQ==";
inline constexpr char kSampleAccept[] = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

// A frame as the client builds it: every field settable.
struct RawFrame {
  bool fin = true;
  uint8_t rsv = 0;  // bits 0x4, 0x2, 0x1 = RSV1..RSV3
  uint8_t opcode = kOpText;
  bool masked = true;
  std::string payload;
  // Encode a length that fits 7 bits with 16 bits anyway (non-minimal).
  bool long_length = false;

  std::string Encode() const {
    std::string out;
    out += static_cast<char>((fin ? 0x80 : 0) | (rsv << 4) | (opcode & 0x0F));
    const uint8_t mask_bit = masked ? 0x80 : 0;
    const size_t n = payload.size();
    if (n < 126 && !long_length) {
      out += static_cast<char>(mask_bit | n);
    } else if (n <= 0xFFFF) {
      out += static_cast<char>(mask_bit | 126);
      out += static_cast<char>((n >> 8) & 0xFF);
      out += static_cast<char>(n & 0xFF);
    } else {
      out += static_cast<char>(mask_bit | 127);
      for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((uint64_t{n} >> shift) & 0xFF);
    }
    const std::array<uint8_t, 4> mask{0x37, 0xFA, 0x21, 0x3D};
    if (masked) {
      for (uint8_t b : mask) out += static_cast<char>(b);
      for (size_t i = 0; i < n; ++i) out += static_cast<char>(payload[i] ^ mask[i & 3]);
    } else {
      out += payload;
    }
    return out;
  }
};

inline std::string Frame(uint8_t opcode, std::string_view payload, bool fin = true) {
  RawFrame f;
  f.opcode = opcode;
  f.payload = std::string(payload);
  f.fin = fin;
  return f.Encode();
}

inline std::string ClosePayload(uint16_t code, std::string_view reason = {}) {
  std::string p;
  p += static_cast<char>(code >> 8);
  p += static_cast<char>(code & 0xFF);
  p += reason;
  return p;
}

// A frame the server sent.
struct WsFrame {
  bool fin = true;
  uint8_t rsv = 0;
  uint8_t opcode = 0;
  bool masked = false;
  std::string payload;
};

// The server's close frame, and what followed it.
struct WsClose {
  bool received = false;  // a close frame arrived
  int code = 0;           // 0: the close frame had no code
  std::string reason;
  bool eof = false;                // the server closed the TCP connection after it
  std::vector<std::string> texts;  // text messages received before the close
};

class WsClient {
 public:
  explicit WsClient(int port, bool tls = TlsMode()) : conn_(port, tls) {}

  // Sends an upgrade request for `target` with `extra_headers` (lines ending
  // in \r\n; they may replace the defaults: pass `replace_defaults`) and
  // reads the response head into `head`. True on 101.
  bool Open(const std::string& target, const std::string& extra_headers = "",
            std::chrono::milliseconds timeout = std::chrono::seconds(5), bool replace_defaults = false) {
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!replace_defaults) {
      request += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";
      request += std::string("Sec-WebSocket-Key: ") + kSampleKey + "\r\n";
    }
    request += extra_headers + "\r\n";
    if (!conn_.connected() || !conn_.Send(request) || !conn_.ReadHead(&head, timeout)) return false;
    return head.status == 101;
  }

  // For a refused upgrade: the rest of the response (JSON body).
  bool ReadRefusalBody(std::string* body, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    if (!head.has_header("Content-Length")) return false;
    return conn_.ReadExactly(std::strtoul(head.header("Content-Length").c_str(), nullptr, 10), body, timeout);
  }

  bool Send(std::string_view bytes) { return conn_.Send(bytes); }
  bool SendFrame(const RawFrame& f) { return conn_.Send(f.Encode()); }
  bool SendText(std::string_view text) { return conn_.Send(Frame(kOpText, text)); }
  bool SendClose(uint16_t code, std::string_view reason = {}) {
    return conn_.Send(Frame(kOpClose, ClosePayload(code, reason)));
  }

  // Reads the next frame; false on timeout, end of stream or a malformed
  // frame (malformed() tells).
  bool ReadFrame(WsFrame* frame, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::string head;
    if (!conn_.ReadExactly(2, &head, timeout)) return false;
    frame->fin = (head[0] & 0x80) != 0;
    frame->rsv = (static_cast<uint8_t>(head[0]) >> 4) & 0x7;
    frame->opcode = head[0] & 0x0F;
    frame->masked = (head[1] & 0x80) != 0;
    uint64_t length = head[1] & 0x7F;
    std::string ext;
    if (length == 126 || length == 127) {
      const size_t bytes = length == 126 ? 2 : 8;
      if (!conn_.ReadExactly(bytes, &ext, timeout)) return false;
      length = 0;
      for (char c : ext) length = (length << 8) | static_cast<uint8_t>(c);
    }
    if (frame->masked || frame->rsv != 0) {  // a server never masks, and we negotiated nothing
      malformed_ = true;
      return false;
    }
    frame->payload.clear();
    return length == 0 || conn_.ReadExactly(static_cast<size_t>(length), &frame->payload, timeout);
  }

  // The next text message (reassembled from fragments); pings are answered
  // and pongs skipped. False at a close frame (kept for ReadClose), a
  // binary message, timeout or end of stream.
  bool ReadText(std::string* text, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    text->clear();
    WsFrame f;
    for (;;) {
      if (!ReadFrame(&f, timeout)) return false;
      if (f.opcode == kOpPing) {
        ++pings_received_;
        if (answer_pings) conn_.Send(Frame(kOpPong, f.payload));
        continue;
      }
      if (f.opcode == kOpPong) {
        pongs_.push_back(f.payload);
        continue;
      }
      if (f.opcode == kOpClose) {
        pending_close_ = f;
        has_pending_close_ = true;
        return false;
      }
      if (f.opcode != kOpText && f.opcode != kOpContinuation) return false;
      *text += f.payload;
      if (f.fin) return true;
    }
  }

  // Reads until the server's close frame (collecting the text messages
  // before it), then until the server closes the connection.
  WsClose ReadClose(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    WsClose out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    auto left = [&] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    };
    while (!has_pending_close_) {
      std::string text;
      if (ReadText(&text, left())) {
        out.texts.push_back(text);
      } else if (!has_pending_close_) {
        out.eof = conn_.closed();
        return out;
      }
    }
    has_pending_close_ = false;
    out.received = true;
    if (pending_close_.payload.size() >= 2) {
      out.code = (static_cast<uint8_t>(pending_close_.payload[0]) << 8) | static_cast<uint8_t>(pending_close_.payload[1]);
      out.reason = pending_close_.payload.substr(2);
    }
    // Answer the close, as a client does, then expect the end of stream.
    if (answer_close) conn_.Send(Frame(kOpClose, pending_close_.payload.substr(0, 2)));
    bool saw_close = false;
    conn_.ReadToClose(left(), &saw_close);
    out.eof = saw_close;
    return out;
  }

  RawConnection& conn() { return conn_; }
  bool malformed() const { return malformed_; }
  int pings_received() const { return pings_received_; }
  const std::vector<std::string>& pongs() const { return pongs_; }

  RawResponse head;
  bool answer_pings = true;
  bool answer_close = true;

 private:
  RawConnection conn_;
  bool malformed_ = false;
  int pings_received_ = 0;
  std::vector<std::string> pongs_;
  WsFrame pending_close_;
  bool has_pending_close_ = false;
};

}  // namespace e2e_test

#endif  // GRPCGW_TESTS_E2E_WEBSOCKET_TEST_UTIL_H_
