#include "grpcgw/websocket.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstdio>

#include "grpcgw/http_server.h"
#include "text/utf8.h"
#include "websocket/frame.h"
#include "websocket/handshake.h"
#include "websocket/message_reader.h"

namespace grpcgw {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Close reasons this end sends.

// A binary message arrived while Options::accept_binary is false.
constexpr char kErrBinaryRefused[] = "binary messages are not accepted";
// The peer sent nothing for a ping interval after a ping.
constexpr char kErrPingTimeout[] = "ping timeout";

// The longest a blocked read waits before looking at the session's state
// again (a close sent by another thread, a ping due).
constexpr milliseconds kReadSlice{200};

internal::HeaderLookup LookupIn(const httplib::Request& req) {
  return [&req](std::string_view name) -> std::optional<std::string> {
    auto range = req.headers.equal_range(std::string(name));
    if (range.first == range.second) return std::nullopt;
    std::string joined;
    for (auto it = range.first; it != range.second; ++it) {
      if (!joined.empty()) joined += ", ";
      joined += it->second;
    }
    return joined;
  };
}

// The gRPC code carried in the JSON error body of a refused handshake.
int GrpcCodeOfRefusal(int http_status) {
  switch (http_status) {
    case 403: return 7;   // PERMISSION_DENIED
    case 426: return 9;   // FAILED_PRECONDITION: the client must change version
    case 500: return 13;  // INTERNAL
    default: return 3;    // INVALID_ARGUMENT
  }
}

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void SetJsonError(httplib::Response& res, int http_status, const std::string& message) {
  res.status = http_status;
  res.set_content("{\"code\":" + std::to_string(GrpcCodeOfRefusal(http_status)) +
                      ",\"message\":" + JsonString(message) + ",\"details\":[]}",
                  "application/json");
}

milliseconds UntilCeil(Clock::time_point when, Clock::time_point now) {
  if (when <= now) return milliseconds(0);
  auto d = when - now;
  // Saturate instead of overflowing for "forever".
  if (d > std::chrono::hours(24)) return milliseconds(std::chrono::hours(24));
  return std::chrono::ceil<milliseconds>(d);
}

}  // namespace

bool WebSocket::IsUpgradeRequest(const httplib::Request& req) {
  return internal::IsUpgradeRequest(LookupIn(req));
}

WebSocket::Handshake WebSocket::CheckUpgrade(const httplib::Request& req, const Options& options) {
  internal::HandshakeOptions hs_options;
  hs_options.subprotocols = options.subprotocols;
  hs_options.allowed_origins = options.allowed_origins;
  internal::HandshakeResult result =
      internal::CheckHandshake(req.method, req.version, LookupIn(req), hs_options);
  Handshake out;
  out.status = result.status;
  out.error = std::move(result.error);
  for (auto& [name, value] : result.headers) out.headers.emplace(name, value);
  out.accept_key = std::move(result.accept_key);
  out.subprotocol = std::move(result.subprotocol);
  return out;
}

std::unique_ptr<WebSocket> WebSocket::Accept(const httplib::Request& req, httplib::Response& res) {
  return Accept(req, res, Options());
}

std::unique_ptr<WebSocket> WebSocket::Accept(const httplib::Request& req, httplib::Response& res,
                                             const Options& options) {
  Connection* conn = Connection::Current();
  if (conn == nullptr) {
    SetJsonError(res, 500, "WebSocket::Accept called outside a handler of an HttpServer");
    return nullptr;
  }
  Handshake handshake = CheckUpgrade(req, options);
  if (!handshake.ok()) {
    for (const auto& [name, value] : handshake.headers) res.set_header(name.c_str(), value);
    // The request may have carried a body we did not read.
    conn->CloseAfterResponse();
    SetJsonError(res, handshake.status, handshake.error);
    return nullptr;
  }
  return Accept(*conn, handshake, options);
}

std::unique_ptr<WebSocket> WebSocket::Accept(Connection& conn, const Handshake& handshake,
                                             const Options& options, const httplib::Headers& headers) {
  internal::HandshakeResult result;
  result.status = handshake.status;
  result.accept_key = handshake.accept_key;
  result.subprotocol = handshake.subprotocol;
  std::vector<std::pair<std::string, std::string>> extra(headers.begin(), headers.end());
  conn.TakeOver();
  if (!conn.WriteAll(internal::BuildHandshakeResponse(result, extra))) return nullptr;
  return std::unique_ptr<WebSocket>(new WebSocket(conn, options, handshake.subprotocol));
}

WebSocket::WebSocket(Connection& conn, const Options& options, std::string subprotocol)
    : conn_(conn), options_(options), subprotocol_(std::move(subprotocol)) {
  internal::MessageReader::Options reader_options;
  reader_options.role = internal::Role::kServer;
  reader_options.max_message_size = options.max_message_bytes;
  reader_ = std::make_unique<internal::MessageReader>(reader_options);
  last_received_ = Clock::now();
}

WebSocket::~WebSocket() {
  if (drain_pending_) DrainUntilEof(Clock::now() + options_.close_timeout);
}

bool WebSocket::close_sent() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return close_sent_;
}

uint16_t WebSocket::close_code() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return close_code_;
}

std::string WebSocket::close_reason() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return close_reason_;
}

bool WebSocket::closed_by_peer() const {
  std::lock_guard<std::mutex> lock(write_mu_);
  return closed_by_peer_;
}

bool WebSocket::SendText(std::string_view text) {
  return SendFrame(static_cast<uint8_t>(internal::Opcode::kText), text);
}

bool WebSocket::SendBinary(std::string_view data) {
  return SendFrame(static_cast<uint8_t>(internal::Opcode::kBinary), data);
}

bool WebSocket::Ping(std::string_view payload) {
  return SendFrame(static_cast<uint8_t>(internal::Opcode::kPing),
                   payload.substr(0, internal::kMaxControlPayload));
}

bool WebSocket::SendFrame(uint8_t opcode, std::string_view payload) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (close_sent_ || write_failed_) return false;
  char header[internal::kMaxFrameHeaderSize];
  size_t header_size = internal::EncodeFrameHeader(static_cast<internal::Opcode>(opcode), payload.size(),
                                                   /*fin=*/true, nullptr, header);
  frame_.assign(header, header_size);
  frame_.append(payload.data(), payload.size());
  if (!conn_.WriteAll(frame_)) write_failed_ = true;
  // Keep the scratch buffer for small frames only.
  if (frame_.capacity() > (size_t{64} << 10)) {
    std::string().swap(frame_);
  } else {
    frame_.clear();
  }
  return !write_failed_;
}

bool WebSocket::SendClose(uint16_t code, std::string_view reason, bool by_peer) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (close_sent_) return false;
  close_sent_ = true;
  close_sent_at_ = Clock::now();
  closed_by_peer_ = by_peer;
  uint16_t wire_code = code;
  if (by_peer) {
    // Echo the peer's code (none when it sent none), without a reason.
    close_code_ = code;
    close_reason_ = std::string(reason);
    reason = {};
  } else {
    if (!internal::IsValidCloseCode(code)) wire_code = kCloseInternalError;
    close_code_ = wire_code;
    close_reason_ = std::string(
        reason.substr(0, internal::ValidUtf8PrefixLength(reason, internal::kMaxCloseReason)));
  }
  if (write_failed_) return false;
  if (!conn_.WriteAll(internal::EncodeClose(wire_code, reason))) write_failed_ = true;
  return !write_failed_;
}

void WebSocket::MarkClosed(uint16_t code_if_none) {
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    if (close_code_ == 0) close_code_ = code_if_none;
  }
  closed_ = true;
}

void WebSocket::DrainUntilEof(Clock::time_point deadline) {
  char buf[4096];
  for (;;) {
    auto now = Clock::now();
    if (now >= deadline) return;
    bool timed_out = false;
    long n = conn_.Read(buf, sizeof buf, std::min(UntilCeil(deadline, now), kReadSlice), &timed_out);
    if (n == 0 || (n < 0 && !timed_out)) return;
  }
}

bool WebSocket::Close(uint16_t code, std::string_view reason) {
  bool sent = SendClose(code, reason, /*by_peer=*/false);
  std::unique_lock<std::mutex> lock(read_mu_, std::try_to_lock);
  if (lock.owns_lock()) {
    // Nobody else reads: await the peer's close here.
    std::string dropped;
    while (!closed_) {
      bool timed_out = false;
      ReadLocked(&dropped, nullptr, options_.close_timeout, &timed_out);
    }
  }
  return sent;
}

bool WebSocket::ReadMessage(std::string* message, MessageType* type, milliseconds timeout, bool* timed_out) {
  if (timed_out) *timed_out = false;
  std::lock_guard<std::mutex> lock(read_mu_);
  return ReadLocked(message, type, timeout, timed_out);
}

bool WebSocket::ReadLocked(std::string* message, MessageType* type, milliseconds timeout, bool* timed_out) {
  using internal::Opcode;
  const Clock::time_point start = Clock::now();
  const Clock::time_point deadline =
      timeout >= std::chrono::hours(24 * 365) ? Clock::time_point::max() : start + timeout;
  const milliseconds ping_interval = options_.ping_interval;
  char buf[16384];
  internal::Message m;
  for (;;) {
    // Deliver what was decoded; control frames are handled here.
    while (!closed_ && reader_->Next(&m)) {
      switch (m.type) {
        case Opcode::kPing:
          SendFrame(static_cast<uint8_t>(Opcode::kPong), m.data);
          break;
        case Opcode::kPong:
          ping_outstanding_ = false;
          break;
        case Opcode::kClose:
          // The peer's close: an answer to ours, or its own to echo.
          SendClose(m.close_code, m.data, /*by_peer=*/true);
          MarkClosed(kCloseAbnormal);
          return false;
        case Opcode::kText:
        case Opcode::kBinary:
          if (close_sent()) break;  // closing: data is dropped
          if (m.type == Opcode::kBinary && !options_.accept_binary) {
            SendClose(kCloseUnsupportedData, kErrBinaryRefused, /*by_peer=*/false);
            break;
          }
          *message = std::move(m.data);
          if (type) *type = m.type == Opcode::kText ? MessageType::kText : MessageType::kBinary;
          return true;
        default:
          break;
      }
    }
    if (closed_) return false;
    if (reader_->failed()) {
      // Fail the connection: the matching close, then our end of stream,
      // then (before the socket closes) wait for the peer's, so that unread
      // input does not turn our close into a reset.
      SendClose(reader_->status().close_code, reader_->status().message, /*by_peer=*/false);
      conn_.CloseWrite();
      drain_pending_ = true;  // in the destructor, so that the session ends now
      MarkClosed(kCloseAbnormal);
      return false;
    }

    // Wait for input until the deadline, the next ping or the end of the
    // closing handshake, whichever comes first.
    Clock::time_point now = Clock::now();
    Clock::time_point wake = std::min(deadline, now + kReadSlice);
    bool closing;
    Clock::time_point close_deadline;
    {
      std::lock_guard<std::mutex> lock(write_mu_);
      if (write_failed_) {
        closed_ = true;
        if (close_code_ == 0) close_code_ = kCloseAbnormal;
        return false;
      }
      closing = close_sent_;
      close_deadline = close_sent_at_ + options_.close_timeout;
    }
    const bool awaiting_pong = ping_outstanding_ && last_received_ <= ping_sent_;
    if (closing) {
      wake = std::min(wake, close_deadline);
    } else if (ping_interval.count() > 0) {
      wake = std::min(wake, (awaiting_pong ? ping_sent_ : last_received_) + ping_interval);
    }
    bool read_timed_out = false;
    long n = conn_.Read(buf, sizeof buf, UntilCeil(wake, now), &read_timed_out);
    if (n > 0) {
      last_received_ = Clock::now();
      reader_->Consume(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0 || !read_timed_out) {  // end of stream, error, or shutdown
      MarkClosed(kCloseAbnormal);
      return false;
    }

    now = Clock::now();
    if (closing) {
      if (now >= close_deadline) {
        MarkClosed(kCloseAbnormal);
        return false;
      }
    } else if (ping_interval.count() > 0) {
      if (awaiting_pong && now - ping_sent_ >= ping_interval) {
        SendClose(kCloseInternalError, kErrPingTimeout, /*by_peer=*/false);
        MarkClosed(kCloseAbnormal);
        return false;
      }
      if (!awaiting_pong && now - last_received_ >= ping_interval) {
        SendFrame(static_cast<uint8_t>(Opcode::kPing), {});
        ping_outstanding_ = true;
        ping_sent_ = now;
      }
    }
    if (now >= deadline) {
      if (timed_out) *timed_out = true;
      return false;
    }
  }
}

}  // namespace grpcgw
