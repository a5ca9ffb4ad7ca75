// HTTP/2 sessions: see http2_session.h.
#include "server/http2_session.h"

#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <vector>

#include "grpcgw/http_server.h"
#include "server/event_loop.h"
#include "server/http_status.h"
#include "text/base64.h"

namespace grpcgw {
namespace internal {
namespace {

using Clock = std::chrono::steady_clock;

// Response bytes read ahead from a stream's pair while its window is
// closed; beyond this the pair is not read (backpressure on the handler).
constexpr size_t kStreamReadAhead = 64 * 1024;
// Output queued on the connection beyond which nghttp2 is not asked for
// more frames (it keeps them, and its own bounds apply).
constexpr size_t kConnectionHighWater = 64 * 1024;
// Client RST_STREAM frames: a burst, then this many per second.
constexpr double kResetBurst = 200;
constexpr double kResetRate = 50;
// The connection window given to the peer (stream windows stay at the
// default 65,535 bytes).
constexpr int32_t kConnectionWindow = 1 << 20;
// A response head from the serving connection is at most this long.
constexpr size_t kMaxResponseHead = 256 * 1024;
const std::string kStatus = ":status";

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string JsonError(int status, const std::string& message) {
  int code = status == 431 || status == 413 ? 8 : status == 503 ? 14 : status == 501 ? 12 : 3;
  std::string quoted;
  for (char c : message) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return "{\"code\":" + std::to_string(code) + ",\"message\":\"" + quoted + "\",\"details\":[]}";
}

std::string WebSocketKey() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string raw(16, '\0');
  for (size_t i = 0; i < raw.size(); i += 8) {
    uint64_t v = rng();
    memcpy(&raw[i], &v, 8);
  }
  return Base64Encode(raw);
}

class Http2Session;

// One request stream and the serving connection behind it.
struct H2Stream final : IoWatcher {
  std::weak_ptr<Http2Session> session;
  int32_t id = 0;
  int fd = -1;

  // The request as received.
  std::string method, scheme, authority, path, protocol, cookie;
  std::vector<std::pair<std::string, std::string>> fields;
  size_t head_bytes = 0;
  bool too_large = false;
  bool started = false;  // the request went to the serving connection
  bool websocket = false;
  bool chunked_in = false;
  bool input_ended = false;

  // Bytes for the serving connection: pieces with the DATA payload bytes
  // they carry (given back to the peer's window once written).
  struct Piece {
    std::string bytes;
    size_t payload = 0;
  };
  std::deque<Piece> in;
  size_t in_pos = 0;  // into in.front()
  bool shut_after_input = false;

  // The response read back.
  enum class Phase { kHead, kBody, kDone } phase = Phase::kHead;
  enum class Framing { kLength, kChunked, kClose } framing = Framing::kClose;
  std::string head;  // response head being collected
  uint64_t remaining = 0;
  // Chunked decoding.
  enum class Chunk { kSize, kData, kDataEnd, kTrailers } chunk = Chunk::kSize;
  std::string line;
  std::vector<std::pair<std::string, std::string>> trailers;
  bool submitted = false;  // response HEADERS submitted
  bool no_body = false;
  std::string out;  // DATA not yet taken by nghttp2
  size_t out_pos = 0;
  bool out_eof = false;
  bool deferred = false;
  bool pair_eof = false;

  uint32_t armed = 0;
  bool closed = false;

  size_t OutPending() const { return out.size() - out_pos; }
  void OnEvents(uint32_t events) override;
};

class Http2Session final : public StreamHandler, public std::enable_shared_from_this<Http2Session> {
 public:
  explicit Http2Session(Http2Host host) : host_(std::move(host)) {}
  ~Http2Session() override {
    for (auto& [id, st] : streams_) Release(st);
    if (ng_) nghttp2_session_del(ng_);
  }

  void OnStart(StreamIo& io) override {
    io_ = &io;
    if (host_.stats) ++host_.stats->connections;
    nghttp2_session_callbacks* cb;
    nghttp2_session_callbacks_new(&cb);
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, &Http2Session::OnBeginHeaders);
    nghttp2_session_callbacks_set_on_header_callback(cb, &Http2Session::OnHeader);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, &Http2Session::OnFrameRecv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, &Http2Session::OnDataChunk);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, &Http2Session::OnStreamClose);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, &Http2Session::OnFrameSend);
    nghttp2_option* opt;
    nghttp2_option_new(&opt);
    nghttp2_option_set_no_auto_window_update(opt, 1);
    // Bounds on what the peer can make us queue or parse: acknowledgements
    // waiting to be sent (PING and SETTINGS floods), entries per SETTINGS,
    // CONTINUATION frames per header block, and nghttp2's own reset rate
    // bound above ours.
    nghttp2_option_set_max_outbound_ack(opt, 1000);
    nghttp2_option_set_max_settings(opt, 32);
    nghttp2_option_set_max_continuations(opt, 8);
    nghttp2_option_set_stream_reset_rate_limit(opt, 1000, 100);
    nghttp2_session_server_new2(&ng_, cb, this, opt);
    nghttp2_option_del(opt);
    nghttp2_session_callbacks_del(cb);

    const HttpServerOptions& o = *host_.options;
    nghttp2_settings_entry settings[] = {
        {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, o.http2_max_concurrent_streams},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, static_cast<uint32_t>(o.max_head_bytes)},
        {NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL, 1},
    };
    nghttp2_submit_settings(ng_, NGHTTP2_FLAG_NONE, settings, sizeof settings / sizeof settings[0]);
    nghttp2_session_set_local_window_size(ng_, NGHTTP2_FLAG_NONE, 0, kConnectionWindow);
    last_reset_ = Clock::now();
    reset_tokens_ = kResetBurst;
    ArmIdle();
    Flush();
  }

  void OnData(StreamIo&, std::string_view data) override {
    if (done_) return;
    ssize_t rv = nghttp2_session_mem_recv(ng_, reinterpret_cast<const uint8_t*>(data.data()), data.size());
    if (rv < 0) {
      // A connection error nghttp2 did not answer itself (floods, a bad
      // preface): what it queued goes out, then the connection closes.
      return Fail(rv == NGHTTP2_ERR_FLOODED || rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS ? NGHTTP2_ENHANCE_YOUR_CALM
                                                                                    : NGHTTP2_PROTOCOL_ERROR);
    }
    Flush();
  }
  void OnWritable(StreamIo&) override { Flush(); }
  void OnWake(StreamIo&) override {}
  void OnTimer(StreamIo&) override {
    if (done_) return;
    if (streams_.empty()) {
      // Idle past keep_alive_timeout: GOAWAY, then close.
      nghttp2_session_terminate_session(ng_, NGHTTP2_NO_ERROR);
      Flush();
      return;
    }
    ArmIdle();
  }
  void OnShutdown(StreamIo&) override {
    if (done_) return;
    // The streams already accepted end by the server's shutdown rules
    // (their serving connections get the same notice); no new ones.
    nghttp2_submit_goaway(ng_, NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(ng_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
    shutting_down_ = true;
    Flush();
  }
  void OnClosed() override {
    done_ = true;
    io_ = nullptr;
    auto all = std::move(streams_);
    streams_.clear();
    for (auto& [id, st] : all) Release(st);
  }

  // ---- the streams' pairs ----

  void OnPairEvents(H2Stream* raw, uint32_t events) {
    auto st = Find(raw->id);
    if (!st || st.get() != raw) return;
    st->armed = 0;
    if (events & EPOLLOUT) WriteInput(*st);
    if (st->closed) return;
    if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) && Reading(*st)) ReadResponse(*st);
    if (st->closed) return;
    UpdateWatch(*st);
    Flush();
  }

 private:
  static Http2Session* Self(void* p) { return static_cast<Http2Session*>(p); }

  std::shared_ptr<H2Stream> Find(int32_t id) {
    auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second;
  }

  // ---- nghttp2 callbacks ----

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Http2Session* s = Self(user);
    if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;
    auto st = std::make_shared<H2Stream>();
    st->session = s->weak_from_this();
    st->id = frame->hd.stream_id;
    s->streams_[st->id] = st;
    if (s->host_.stats) ++s->host_.stats->streams;
    nghttp2_session_set_stream_user_data(s->ng_, st->id, st.get());
    return 0;
  }

  static int OnHeader(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name, size_t namelen,
                      const uint8_t* value, size_t valuelen, uint8_t, void* user) {
    Http2Session* s = Self(user);
    if (frame->hd.type != NGHTTP2_HEADERS) return 0;
    auto st = s->Find(frame->hd.stream_id);
    if (!st || st->started) return 0;  // trailers of a request: dropped, as HTTP/1.1 drops them
    std::string_view n(reinterpret_cast<const char*>(name), namelen);
    std::string_view v(reinterpret_cast<const char*>(value), valuelen);
    // The decoded list counts as its HTTP/1.1 form would ("name: value\r\n").
    st->head_bytes += namelen + valuelen + 4;
    if (st->head_bytes > s->host_.options->max_head_bytes) st->too_large = true;
    if (st->too_large) return 0;
    if (n == ":method") st->method = v;
    else if (n == ":scheme") st->scheme = v;
    else if (n == ":authority") st->authority = v;
    else if (n == ":path") st->path = v;
    else if (n == ":protocol") st->protocol = v;
    else if (n == "cookie") st->cookie += (st->cookie.empty() ? "" : "; ") + std::string(v);
    else st->fields.emplace_back(n, v);
    return 0;
  }

  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
    Http2Session* s = Self(user);
    switch (frame->hd.type) {
      case NGHTTP2_HEADERS: {
        auto st = s->Find(frame->hd.stream_id);
        if (!st) return 0;
        const bool end = frame->hd.flags & NGHTTP2_FLAG_END_STREAM;
        if (!st->started) s->StartRequest(st, end);
        else if (end) s->EndInput(*st);
        return 0;
      }
      case NGHTTP2_DATA: {
        auto st = s->Find(frame->hd.stream_id);
        if (st && (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) s->EndInput(*st);
        return 0;
      }
      case NGHTTP2_RST_STREAM:
        s->CountReset();
        return 0;
      default:
        return 0;
    }
  }

  // A complete response sent before the request ended: the client may stop
  // sending (RFC 9113 section 8.1, RST_STREAM NO_ERROR), as the serving
  // connection will not read the rest.
  static int OnFrameSend(nghttp2_session* ng, const nghttp2_frame* frame, void* user) {
    if ((frame->hd.type != NGHTTP2_DATA && frame->hd.type != NGHTTP2_HEADERS) ||
        !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
      return 0;
    }
    auto st = Self(user)->Find(frame->hd.stream_id);
    if (st && !st->input_ended) nghttp2_submit_rst_stream(ng, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_NO_ERROR);
    return 0;
  }

  static int OnDataChunk(nghttp2_session* ng, uint8_t, int32_t stream_id, const uint8_t* data, size_t len,
                         void* user) {
    Http2Session* s = Self(user);
    nghttp2_session_consume_connection(ng, len);
    auto st = s->Find(stream_id);
    if (!st || !st->started || st->fd < 0) {
      nghttp2_session_consume_stream(ng, stream_id, len);
      return 0;
    }
    H2Stream::Piece piece;
    std::string_view bytes(reinterpret_cast<const char*>(data), len);
    if (st->chunked_in) {
      char size[24];
      snprintf(size, sizeof size, "%zx\r\n", len);
      piece.bytes.reserve(len + 32);
      piece.bytes.append(size).append(bytes).append("\r\n");
    } else {
      piece.bytes.assign(bytes);
    }
    piece.payload = len;
    st->in.push_back(std::move(piece));
    s->WriteInput(*st);
    if (!st->closed) s->UpdateWatch(*st);
    return 0;
  }

  static int OnStreamClose(nghttp2_session*, int32_t stream_id, uint32_t, void* user) {
    Http2Session* s = Self(user);
    auto it = s->streams_.find(stream_id);
    if (it == s->streams_.end()) return 0;
    auto st = std::move(it->second);
    s->streams_.erase(it);
    s->Release(st);
    if (s->streams_.empty()) s->ArmIdle();
    return 0;
  }

  // ---- requests ----

  void StartRequest(const std::shared_ptr<H2Stream>& st, bool end_stream) {
    st->started = true;
    if (st->too_large) {
      return LocalResponse(*st, 431, "request header list over the limit of " +
                                         std::to_string(host_.options->max_head_bytes) + " bytes");
    }
    if (!st->protocol.empty()) {
      if (st->method != "CONNECT" || st->protocol != "websocket") {
        return LocalResponse(*st, 501, "extended CONNECT protocol \"" + st->protocol + "\" is not supported");
      }
      st->websocket = true;
    }
    bool has_length = false;
    for (auto& [n, v] : st->fields) has_length |= n == "content-length";
    std::string h;
    h.reserve(st->head_bytes + 128);
    if (st->websocket) {
      h += "GET " + st->path + " HTTP/1.1\r\n";
    } else if (st->method == "CONNECT") {
      h += "CONNECT " + st->authority + " HTTP/1.1\r\n";
    } else {
      h += st->method + " " + st->path + " HTTP/1.1\r\n";
    }
    // Host: :authority, else a Host field, else empty.
    std::string host = st->authority;
    for (auto& [n, v] : st->fields) {
      if (n == "host" && host.empty()) host = v;
    }
    h += "Host: " + host + "\r\n";
    for (auto& [n, v] : st->fields) {
      // Connection-specific fields cannot arrive (nghttp2 refuses them);
      // Expect means nothing here. TE can only be "trailers": it passes, so
      // that gRPC trailing metadata comes back as HTTP/2 trailers.
      if (n == "host" || n == "expect") continue;
      if (st->websocket && (n == "sec-websocket-key" || n == "upgrade" || n == "connection")) continue;
      h.append(n).append(": ").append(v).append("\r\n");
    }
    if (!st->cookie.empty()) h += "Cookie: " + st->cookie + "\r\n";
    if (st->websocket) {
      h += "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + WebSocketKey() + "\r\n";
    } else {
      h += "Connection: close\r\n";
      if (!end_stream && !has_length) {
        st->chunked_in = true;
        h += "Transfer-Encoding: chunked\r\n";
      }
    }
    h += "\r\n";
    st->fd = host_.open_stream ? host_.open_stream(st->websocket) : -1;
    if (st->fd < 0) return LocalResponse(*st, 503, "the server cannot take more streams");
    if (st->websocket && host_.stats) ++host_.stats->extended_connects;
    if (!host_.loop->Add(st->fd, 0, st.get())) {
      ::close(st->fd);
      st->fd = -1;
      return LocalResponse(*st, 503, "the server cannot take more streams");
    }
    st->in.push_back({std::move(h), 0});
    if (end_stream) EndInput(*st);
    WriteInput(*st);
    if (!st->closed) UpdateWatch(*st);
  }

  void EndInput(H2Stream& st) {
    if (st.input_ended) return;
    st.input_ended = true;
    if (!st.started || st.fd < 0) return;
    if (st.chunked_in) st.in.push_back({"0\r\n\r\n", 0});
    // A tunnel (WebSocket) ends with the peer's END_STREAM.
    if (st.websocket) st.shut_after_input = true;
    WriteInput(st);
    if (!st.closed) UpdateWatch(st);
  }

  // Writes queued input into the pair; gives the peer its window back for
  // what went in.
  void WriteInput(H2Stream& st) {
    if (st.fd < 0) return;
    while (!st.in.empty()) {
      H2Stream::Piece& p = st.in.front();
      ssize_t w = ::send(st.fd, p.bytes.data() + st.in_pos, p.bytes.size() - st.in_pos, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (w < 0) {
        // The serving connection is gone: what it answered (if anything)
        // is read; input is dropped.
        for (auto& q : st.in) {
          if (q.payload && !done_) nghttp2_session_consume_stream(ng_, st.id, q.payload);
        }
        st.in.clear();
        st.in_pos = 0;
        return;
      }
      st.in_pos += static_cast<size_t>(w);
      if (st.in_pos < p.bytes.size()) continue;
      if (p.payload && !done_) nghttp2_session_consume_stream(ng_, st.id, p.payload);
      st.in.pop_front();
      st.in_pos = 0;
    }
    if (st.shut_after_input) {
      st.shut_after_input = false;
      ::shutdown(st.fd, SHUT_WR);
    }
  }

  bool Reading(const H2Stream& st) const {
    return st.fd >= 0 && !st.pair_eof && st.phase != H2Stream::Phase::kDone && st.OutPending() < kStreamReadAhead;
  }

  void UpdateWatch(H2Stream& st) {
    if (st.fd < 0 || st.closed) return;
    uint32_t ev = 0;
    if (Reading(st)) ev |= EPOLLIN | EPOLLRDHUP;
    if (!st.in.empty()) ev |= EPOLLOUT;
    if (ev == st.armed || ev == 0) return;
    st.armed = ev;
    host_.loop->Arm(st.fd, ev, &st);
  }

  // ---- responses ----

  void ReadResponse(H2Stream& st) {
    char buf[16384];
    while (Reading(st)) {
      ssize_t got = ::recv(st.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      if (got <= 0) {
        st.pair_eof = true;
        return OnPairEof(st);
      }
      OnResponseBytes(st, std::string_view(buf, static_cast<size_t>(got)));
      if (st.closed) return;
    }
  }

  void OnPairEof(H2Stream& st) {
    if (st.phase == H2Stream::Phase::kDone) return;
    if (st.phase == H2Stream::Phase::kBody && st.framing == H2Stream::Framing::kClose) return EndBody(st);
    // The serving connection ended before its response did.
    st.phase = H2Stream::Phase::kDone;
    if (!done_) nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_INTERNAL_ERROR);
  }

  void OnResponseBytes(H2Stream& st, std::string_view data) {
    while (!data.empty() && st.phase != H2Stream::Phase::kDone) {
      if (st.phase == H2Stream::Phase::kHead) {
        size_t old = st.head.size();
        st.head.append(data.data(), data.size());
        size_t end = st.head.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
        if (end == std::string::npos) {
          if (st.head.size() > kMaxResponseHead) {
            st.phase = H2Stream::Phase::kDone;
            nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_INTERNAL_ERROR);
          }
          return;
        }
        std::string rest = st.head.substr(end + 4);
        st.head.resize(end + 2);
        bool interim = false;
        if (!SubmitHead(st, &interim)) {
          st.phase = H2Stream::Phase::kDone;
          nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_INTERNAL_ERROR);
          return;
        }
        st.head.clear();
        // Bytes after the head: the body (or the next head after a 1xx).
        std::string keep = std::move(rest);
        if (keep.empty()) return;
        OnResponseBytes(st, keep);
        return;
      }
      // Body.
      switch (st.framing) {
        case H2Stream::Framing::kClose:
          AppendOut(st, data);
          return;
        case H2Stream::Framing::kLength: {
          size_t n = static_cast<size_t>(std::min<uint64_t>(st.remaining, data.size()));
          AppendOut(st, data.substr(0, n));
          st.remaining -= n;
          data.remove_prefix(n);
          if (st.remaining == 0) return EndBody(st);
          break;
        }
        case H2Stream::Framing::kChunked:
          if (!DecodeChunked(st, &data)) {
            st.phase = H2Stream::Phase::kDone;
            nghttp2_submit_rst_stream(ng_, NGHTTP2_FLAG_NONE, st.id, NGHTTP2_INTERNAL_ERROR);
            return;
          }
          break;
      }
    }
  }

  // Chunked body from the serving connection (the server's own output,
  // well-formed; anything else resets the stream).
  bool DecodeChunked(H2Stream& st, std::string_view* data) {
    while (!data->empty() && st.phase == H2Stream::Phase::kBody) {
      switch (st.chunk) {
        case H2Stream::Chunk::kData: {
          size_t n = static_cast<size_t>(std::min<uint64_t>(st.remaining, data->size()));
          AppendOut(st, data->substr(0, n));
          st.remaining -= n;
          data->remove_prefix(n);
          if (st.remaining == 0) st.chunk = H2Stream::Chunk::kDataEnd;
          break;
        }
        case H2Stream::Chunk::kSize:
        case H2Stream::Chunk::kDataEnd:
        case H2Stream::Chunk::kTrailers: {
          size_t nl = data->find('\n');
          size_t take = nl == std::string_view::npos ? data->size() : nl + 1;
          st.line.append(data->data(), take);
          data->remove_prefix(take);
          if (st.line.size() > 8192) return false;
          if (nl == std::string_view::npos) return true;
          std::string line = st.line.substr(0, st.line.size() - 1);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          st.line.clear();
          if (st.chunk == H2Stream::Chunk::kDataEnd) {
            if (!line.empty()) return false;
            st.chunk = H2Stream::Chunk::kSize;
          } else if (st.chunk == H2Stream::Chunk::kSize) {
            size_t semi = line.find(';');
            std::string digits = line.substr(0, semi);
            while (!digits.empty() && (digits.back() == ' ' || digits.back() == '\t')) digits.pop_back();
            if (digits.empty() || digits.size() > 15) return false;
            uint64_t size = 0;
            for (char c : digits) {
              int d = std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                      : (c >= 'a' && c <= 'f')                    ? c - 'a' + 10
                      : (c >= 'A' && c <= 'F')                    ? c - 'A' + 10
                                                                  : -1;
              if (d < 0) return false;
              size = size * 16 + static_cast<uint64_t>(d);
            }
            if (size == 0) {
              st.chunk = H2Stream::Chunk::kTrailers;
            } else {
              st.remaining = size;
              st.chunk = H2Stream::Chunk::kData;
            }
          } else {  // trailers
            if (line.empty()) {
              EndBody(st);
              return true;
            }
            std::string name, value;
            if (!SplitField(line, &name, &value)) return false;
            st.trailers.emplace_back(std::move(name), std::move(value));
          }
          break;
        }
      }
    }
    return true;
  }

  // One "name: value" line of a response head or trailer section: the name
  // in lower case, the value without surrounding blanks; false if malformed.
  static bool SplitField(const std::string& line, std::string* name, std::string* value) {
    size_t colon = line.find(':');
    if (colon == std::string::npos || colon == 0) return false;
    *name = Lower(line.substr(0, colon));
    size_t begin = line.find_first_not_of(" \t", colon + 1);
    size_t end = line.find_last_not_of(" \t");
    *value = begin == std::string::npos || end < begin ? std::string() : line.substr(begin, end - begin + 1);
    return true;
  }

  // Parses the collected response head (ending in CRLF) and submits it.
  bool SubmitHead(H2Stream& st, bool* interim) {
    size_t eol = st.head.find("\r\n");
    std::string status_line = st.head.substr(0, eol);
    if (status_line.size() < 12 || status_line.compare(0, 5, "HTTP/") != 0) return false;
    int status = std::atoi(status_line.c_str() + 9);
    if (status < 100 || status > 999) return false;
    std::vector<std::pair<std::string, std::string>> fields;
    bool chunked = false;
    bool has_length = false;
    uint64_t length = 0;
    size_t pos = eol + 2;
    while (pos < st.head.size()) {
      size_t e = st.head.find("\r\n", pos);
      if (e == std::string::npos) break;
      std::string line = st.head.substr(pos, e - pos);
      pos = e + 2;
      std::string name, value;
      if (!SplitField(line, &name, &value)) return false;
      if (name == "transfer-encoding") {
        chunked = true;
        continue;
      }
      if (name == "connection" || name == "keep-alive" || name == "proxy-connection" || name == "upgrade") {
        continue;
      }
      if (name == "content-length") {
        has_length = true;
        length = std::strtoull(value.c_str(), nullptr, 10);
      }
      if (status == 101 && (name == "sec-websocket-accept" || name == "content-length")) continue;
      fields.emplace_back(std::move(name), std::move(value));
    }
    if (status >= 100 && status < 200 && status != 101) {
      *interim = true;  // 100 Continue and the like: not forwarded
      return true;
    }
    if (status == 101) {
      if (!st.websocket) return false;
      status = 200;  // RFC 8441: the tunnel is open
      st.framing = H2Stream::Framing::kClose;
    } else if (st.websocket) {
      // The upgrade was refused: an ordinary response, and no tunnel.
      st.websocket = false;
    }
    if (status != 200 || !st.websocket) {
      if (st.method == "HEAD" || status == 204 || status == 304) {
        st.no_body = true;
      } else if (chunked) {
        st.framing = H2Stream::Framing::kChunked;
      } else if (has_length) {
        st.framing = H2Stream::Framing::kLength;
        st.remaining = length;
        if (length == 0) st.no_body = true;
      } else {
        st.framing = H2Stream::Framing::kClose;
      }
    }
    std::string status_text = std::to_string(status);
    std::vector<nghttp2_nv> nv;
    nv.reserve(fields.size() + 1);
    nv.push_back(Nv(kStatus, status_text));
    for (auto& [n, v] : fields) nv.push_back(Nv(n, v));
    if (st.no_body) {
      st.phase = H2Stream::Phase::kDone;
      nghttp2_submit_response(ng_, st.id, nv.data(), nv.size(), nullptr);
    } else {
      st.phase = H2Stream::Phase::kBody;
      nghttp2_data_provider provider{};
      provider.read_callback = &Http2Session::ReadBody;
      nghttp2_submit_response(ng_, st.id, nv.data(), nv.size(), &provider);
    }
    st.submitted = true;
    return true;
  }

  // The name and value must outlive the submission (no temporaries).
  static nghttp2_nv Nv(const std::string& name, const std::string& value) {
    return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                      reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                      NGHTTP2_NV_FLAG_NONE};
  }

  void AppendOut(H2Stream& st, std::string_view data) {
    if (data.empty()) return;
    if (st.out_pos > 0 && st.out_pos == st.out.size()) {
      st.out.clear();
      st.out_pos = 0;
    }
    st.out.append(data.data(), data.size());
    Resume(st);
  }
  void EndBody(H2Stream& st) {
    st.phase = H2Stream::Phase::kDone;
    st.out_eof = true;
    Resume(st);
  }
  void Resume(H2Stream& st) {
    if (st.deferred && !done_) {
      st.deferred = false;
      nghttp2_session_resume_data(ng_, st.id);
    }
  }

  static ssize_t ReadBody(nghttp2_session* ng, int32_t stream_id, uint8_t* buf, size_t length, uint32_t* flags,
                          nghttp2_data_source*, void* user) {
    Http2Session* s = Self(user);
    auto st = s->Find(stream_id);
    if (!st) return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
    size_t n = std::min(length, st->OutPending());
    memcpy(buf, st->out.data() + st->out_pos, n);
    st->out_pos += n;
    if (st->out_pos == st->out.size()) {
      if (st->out.capacity() > 2 * kStreamReadAhead) std::string().swap(st->out);
      st->out.clear();
      st->out_pos = 0;
    }
    if (st->OutPending() == 0 && st->out_eof) {
      *flags |= NGHTTP2_DATA_FLAG_EOF;
      if (!st->trailers.empty()) {
        std::vector<nghttp2_nv> nv;
        for (auto& [k, v] : st->trailers) nv.push_back(Nv(k, v));
        if (nghttp2_submit_trailer(ng, stream_id, nv.data(), nv.size()) == 0) *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      }
    } else if (n == 0) {
      st->deferred = true;
      return NGHTTP2_ERR_DEFERRED;
    }
    // Room again: read more of the response.
    if (n > 0) s->UpdateWatch(*st);
    return static_cast<ssize_t>(n);
  }

  void LocalResponse(H2Stream& st, int status, const std::string& message) {
    std::string body = JsonError(status, message);
    std::string status_text = std::to_string(status);
    std::string length = std::to_string(body.size());
    std::string type = "application/json";
    std::string k_type = "content-type", k_length = "content-length";
    nghttp2_nv nv[] = {Nv(kStatus, status_text), Nv(k_type, type), Nv(k_length, length)};
    st.out = std::move(body);
    st.out_pos = 0;
    st.out_eof = true;
    st.phase = H2Stream::Phase::kBody;
    nghttp2_data_provider provider{};
    provider.read_callback = &Http2Session::ReadBody;
    nghttp2_submit_response(ng_, st.id, nv, 3, &provider);
    st.submitted = true;
    st.phase = H2Stream::Phase::kDone;
  }

  // ---- connection ----

  void CountReset() {
    auto now = Clock::now();
    double elapsed = std::chrono::duration<double>(now - last_reset_).count();
    last_reset_ = now;
    reset_tokens_ = std::min(kResetBurst, reset_tokens_ + elapsed * kResetRate);
    reset_tokens_ -= 1;
    if (reset_tokens_ < 0 && !calm_sent_) {
      calm_sent_ = true;
      if (host_.stats) ++host_.stats->goaways_calm;
      nghttp2_session_terminate_session(ng_, NGHTTP2_ENHANCE_YOUR_CALM);
    }
  }

  void ArmIdle() {
    if (io_ && !done_) io_->SetTimer(Clock::now() + host_.options->keep_alive_timeout);
  }

  void Flush() {
    if (done_ || io_ == nullptr) return;
    while (io_ && io_->Unsent() < kConnectionHighWater) {
      const uint8_t* data = nullptr;
      ssize_t n = nghttp2_session_mem_send(ng_, &data);
      if (n < 0) return Finish();
      if (n == 0) break;
      io_->Write(std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(n)));
    }
    if (!io_ || done_) return;
    if (!nghttp2_session_want_read(ng_) && !nghttp2_session_want_write(ng_)) {
      // GOAWAY went out and every stream ended (or a connection error).
      Finish();
    } else if (shutting_down_ && streams_.empty() && !nghttp2_session_want_write(ng_)) {
      Finish();
    }
  }

  // The session is over: the streams' serving connections see their
  // client leave, queued frames go out, then the connection closes.
  void Finish() {
    if (done_ || io_ == nullptr) return;
    StreamIo* io = io_;
    done_ = true;
    io_ = nullptr;
    auto all = std::move(streams_);
    streams_.clear();
    for (auto& [id, st] : all) Release(st);
    io->Drain();
  }

  // A connection error: GOAWAY with `code` (after what nghttp2 queued)
  // where the session can still send one, then Finish.
  void Fail(uint32_t code = NGHTTP2_PROTOCOL_ERROR) {
    if (done_ || io_ == nullptr) return;
    if (nghttp2_session_terminate_session(ng_, code) == 0) {
      if (code == NGHTTP2_ENHANCE_YOUR_CALM && host_.stats) ++host_.stats->goaways_calm;
      for (int i = 0; i < 4096; ++i) {
        const uint8_t* data = nullptr;
        ssize_t n = nghttp2_session_mem_send(ng_, &data);
        if (n <= 0) break;
        io_->Write(std::string_view(reinterpret_cast<const char*>(data), static_cast<size_t>(n)));
      }
    }
    Finish();
  }

  void Release(const std::shared_ptr<H2Stream>& st) {
    st->closed = true;
    if (st->fd >= 0) {
      host_.loop->Remove(st->fd);
      ::close(st->fd);  // the serving connection sees its client leave
      st->fd = -1;
    }
    // An event of this round may still name it.
    host_.loop->Post([st] {});
  }

  Http2Host host_;
  nghttp2_session* ng_ = nullptr;
  StreamIo* io_ = nullptr;
  std::map<int32_t, std::shared_ptr<H2Stream>> streams_;
  bool done_ = false;
  bool shutting_down_ = false;
  bool calm_sent_ = false;
  double reset_tokens_ = 0;
  Clock::time_point last_reset_;
};

void H2Stream::OnEvents(uint32_t events) {
  auto s = session.lock();
  if (!s || closed) return;
  s->OnPairEvents(this, events);
}

}  // namespace

std::shared_ptr<StreamHandler> MakeHttp2Session(Http2Host host) {
  return std::make_shared<Http2Session>(std::move(host));
}

}  // namespace internal
}  // namespace grpcgw
