// grpcgw/websocket.h: RFC 6455 WebSocket sessions on a connection of an
// HttpServer.
//
// The gateway serves streaming methods with it; a user can speak WebSocket
// on their own routes the same way:
//
//   http.Get("/chat", [](const httplib::Request& req, httplib::Response& res) {
//     grpcgw::WebSocket::Options options;
//     options.allowed_origins = {"https://app.example.com"};
//     auto ws = grpcgw::WebSocket::Accept(req, res, options);
//     if (!ws) return;                         // refused: res holds the HTTP error
//     std::string message;
//     while (ws->ReadMessage(&message)) ws->SendText("echo: " + message);
//     ws->Close(grpcgw::WebSocket::kCloseNormal, "bye");
//   });                                        // the connection closes when the handler returns
//
// Accept() checks the opening handshake (GET, HTTP/1.1, Upgrade/Connection,
// Sec-WebSocket-Version 13, a valid Sec-WebSocket-Key, the Origin) and
// either writes the 101 response and takes the socket over, or leaves a
// JSON error response in `res`: 400 (not a valid WebSocket request), 403
// (origin not allowed), 426 (unsupported version).
//
// ReadMessage() enforces the protocol on what the client sends: masking,
// RSV bits and reserved opcodes (close 1002), fragmentation with control
// frames between fragments, UTF-8 of text messages across fragments (1007),
// the message size limit (1009), binary messages when refused (1003), and
// close frames (valid codes, UTF-8 reasons). It answers pings, pings an
// idle peer every Options::ping_interval and drops one that stops answering
// (close 1011), and completes the closing handshake either way.
//
// Threads: one thread at a time reads (ReadMessage); any thread may send
// (SendText, SendBinary, Ping, Close) concurrently with it and with each
// other: frames are written whole, one at a time. Pings are answered and
// sent only while some thread is in ReadMessage (or Close), so a session
// that only sends should still read on some thread.
//
// What it does not do: extensions (permessage-deflate is declined),
// fragmenting what it sends (each message is one frame), buffering (a send
// blocks until the kernel took the frame, up to the server's write timeout),
// TLS, or HTTP/2 WebSockets (RFC 8441).
#ifndef GRPCGW_WEBSOCKET_H_
#define GRPCGW_WEBSOCKET_H_

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace grpcgw {

class Connection;

namespace internal {
class MessageReader;
}

class WebSocket {
 public:
  // Close codes (RFC 6455 section 7.4.1). The gateway closes a call that
  // failed with 4000 + its grpc::StatusCode.
  static constexpr uint16_t kCloseNormal = 1000;
  static constexpr uint16_t kCloseGoingAway = 1001;
  static constexpr uint16_t kCloseProtocolError = 1002;
  static constexpr uint16_t kCloseUnsupportedData = 1003;
  static constexpr uint16_t kCloseNoStatus = 1005;  // received close without a code
  static constexpr uint16_t kCloseAbnormal = 1006;  // connection lost without a close
  static constexpr uint16_t kCloseInvalidPayload = 1007;
  static constexpr uint16_t kClosePolicyViolation = 1008;
  static constexpr uint16_t kCloseMessageTooBig = 1009;
  static constexpr uint16_t kCloseInternalError = 1011;

  struct Options {
    // Origins accepted besides the request's own (Origin host[:port] equal
    // to Host's). An entry with "://" is compared to the whole Origin, one
    // without to its host[:port]; "*" accepts every origin. Requests
    // without an Origin (non-browser clients) are accepted.
    std::vector<std::string> allowed_origins;
    // Subprotocols spoken, most preferred first; the first one the client
    // offers is selected (see subprotocol()). None matching selects none.
    std::vector<std::string> subprotocols;
    // Largest message accepted from the client, summed over its fragments
    // (larger: close 1009).
    size_t max_message_bytes = 4 << 20;
    // Binary messages are returned by ReadMessage; when false they end the
    // session with close 1003.
    bool accept_binary = true;
    // A ping after this long without receiving anything; a peer that sends
    // nothing within another interval is closed (1011). 0 disables pings.
    std::chrono::milliseconds ping_interval{30000};
    // How long to wait for the peer's close frame (or its end of stream)
    // after sending ours.
    std::chrono::milliseconds close_timeout{3000};
  };

  // The decision on an upgrade request.
  struct Handshake {
    // 101 when accepted; otherwise 400, 403 or 426.
    int status = 101;
    // Why it was refused (safe to show the client); empty when accepted.
    std::string error;
    // Headers the refusal must carry (426: Sec-WebSocket-Version: 13).
    httplib::Headers headers;
    // When accepted: Sec-WebSocket-Accept and the selected subprotocol.
    std::string accept_key;
    std::string subprotocol;

    bool ok() const { return status == 101; }
  };

  enum class MessageType { kText, kBinary };

  // True when `req` asks to become a WebSocket (Upgrade: websocket and
  // Connection: upgrade); says nothing about whether it is acceptable.
  static bool IsUpgradeRequest(const httplib::Request& req);

  // Checks the opening handshake of `req` without writing anything.
  static Handshake CheckUpgrade(const httplib::Request& req, const Options& options);

  // On the current HttpServer worker's connection: checks the handshake and
  // accepts it, or fills `res` with the JSON error ({"code","message",
  // "details"}) and returns null. Also null (with 500 in `res`) when not
  // called from a handler of an HttpServer, and null when the 101 response
  // could not be written (the client is gone).
  static std::unique_ptr<WebSocket> Accept(const httplib::Request& req, httplib::Response& res,
                                           const Options& options);
  static std::unique_ptr<WebSocket> Accept(const httplib::Request& req, httplib::Response& res);

  // Takes `conn` over and writes the 101 response for `handshake` (which
  // must be ok()), with `headers` added. Null when the write failed.
  // `conn` must outlive the returned object.
  static std::unique_ptr<WebSocket> Accept(Connection& conn, const Handshake& handshake,
                                           const Options& options,
                                           const httplib::Headers& headers = {});

  // After a protocol failure, waits (up to Options::close_timeout) for the
  // peer to end its stream before the connection may close.
  ~WebSocket();
  WebSocket(const WebSocket&) = delete;
  WebSocket& operator=(const WebSocket&) = delete;

  // Waits up to `timeout` for the next data message and moves it into
  // *message (text is valid UTF-8). Answers pings and handles the closing
  // handshake meanwhile. Returns false when no message came: if *timed_out
  // is set the session is still open and the call may be repeated;
  // otherwise the session is over for good (closed(): the peer closed, the
  // protocol was broken and the matching close sent, the ping timed out,
  // the connection was lost, or the server is shutting down). After this
  // end sent a close, data messages are dropped while the peer's close is
  // awaited. Only one thread may read at a time.
  bool ReadMessage(std::string* message, MessageType* type = nullptr,
                   std::chrono::milliseconds timeout = std::chrono::milliseconds::max(),
                   bool* timed_out = nullptr);

  // Send one message in one frame. `text` must be valid UTF-8 (not
  // checked). False once a close was sent or the connection is lost.
  bool SendText(std::string_view text);
  bool SendBinary(std::string_view data);
  // A ping with up to 125 bytes of payload (longer is cut).
  bool Ping(std::string_view payload = {});

  // Starts the closing handshake with `code` (a valid close code: 1000-1003,
  // 1007-1014, 3000-4999; others are sent as 1011) and `reason` (cut at a
  // UTF-8 boundary to 123 bytes). Returns false if a close was already sent (the first one
  // counts) or the connection is lost. If no other thread is in
  // ReadMessage, waits (dropping data messages) for the peer's close, up to
  // Options::close_timeout; otherwise the reading thread does.
  bool Close(uint16_t code, std::string_view reason = {});

  // The subprotocol selected by the handshake; empty for none.
  const std::string& subprotocol() const { return subprotocol_; }

  // True once the session is over: the closing handshake completed or
  // timed out, or the connection was lost.
  bool closed() const { return closed_.load(); }
  // True once this end sent a close frame.
  bool close_sent() const;
  // The close that ended (or is ending) the session: the code of the first
  // close frame sent by either end (kCloseNoStatus for a peer's close without
  // a code), kCloseAbnormal when the connection was lost without one; 0
  // while open.
  uint16_t close_code() const;
  std::string close_reason() const;
  // Whether the peer sent the first close frame.
  bool closed_by_peer() const;

 private:
  WebSocket(Connection& conn, const Options& options, std::string subprotocol);

  bool SendFrame(uint8_t opcode, std::string_view payload);
  bool SendClose(uint16_t code, std::string_view reason, bool by_peer);
  // Reads and drops bytes until the peer ends its stream or the deadline.
  void DrainUntilEof(std::chrono::steady_clock::time_point deadline);
  bool ReadLocked(std::string* message, MessageType* type, std::chrono::milliseconds timeout,
                  bool* timed_out);
  void MarkClosed(uint16_t code_if_none);

  Connection& conn_;
  const Options options_;
  const std::string subprotocol_;

  // Held by the thread reading (ReadMessage, or Close draining).
  std::mutex read_mu_;
  // Guarded by read_mu_.
  std::unique_ptr<internal::MessageReader> reader_;
  std::chrono::steady_clock::time_point last_received_;
  std::chrono::steady_clock::time_point ping_sent_;
  bool ping_outstanding_ = false;
  // The protocol was broken: our close and end of stream are sent, and the
  // peer's end of stream is awaited before the socket may close.
  bool drain_pending_ = false;

  // Serializes frames on the socket and guards the close state.
  mutable std::mutex write_mu_;
  // All below guarded by write_mu_.
  std::string frame_;  // scratch for the frame being written
  bool write_failed_ = false;
  bool close_sent_ = false;
  std::chrono::steady_clock::time_point close_sent_at_;
  uint16_t close_code_ = 0;
  std::string close_reason_;
  bool closed_by_peer_ = false;

  std::atomic<bool> closed_{false};
};

}  // namespace grpcgw

#endif  // GRPCGW_WEBSOCKET_H_
