// websocket_bench: the gateway's WebSocket transport on loopback.
//
// Prints three figures, each measured for a bounded time and message count:
//   - round trips per second of a bidi echo over one connection (send one
//     message, wait for its echo, repeat);
//   - the same over 100 connections driven at once from one client thread
//     (one message in flight per connection);
//   - messages per second from server to client (a server-streaming call
//     sending small events as fast as the client takes them).
// The service is e2e.Svc (tests/protos/e2e/e2e.proto) with only Echo and
// Watch implemented, served in-process. Nothing is asserted.
//
// Each figure is followed by a baseline measured in the same run: the same
// method called directly through the server's in-process gRPC channel with
// the generated sync stub (no HTTP), and the ratio gateway/baseline. The
// 100-stream echo baseline drives each stream from its own thread.
//
// The one-connection echo is also measured against two floors: a bare
// WebSocket echo server on the same loopback with nothing behind it,
// answering from the thread that read the message or from a second thread
// (see FloorEchoServer). They show what the socket and the thread wake-ups
// cost on the machine before the gateway does any work.
//
// A fourth figure, first in the run, is native gRPC over TCP in the same
// process with no gateway, with one and after it (see NativeGrpc).
//
//   websocket_bench [seconds per figure, default 3] [figure]
//
// `figure` (echo1, echo100, push or native) runs that figure and its
// baseline only, for profiling one of them
// (perf record -g -- websocket_bench 5 echo1).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <grpcgw/grpcgw.h>
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>
#include <grpcpp/support/channel_arguments.h>

#include "e2e.grpc.pb.h"
#include "e2e.grpcgw.h"

namespace {

using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------------ service

class EchoReactor final : public grpc::ServerBidiReactor<e2e::EchoMessage, e2e::EchoMessage> {
 public:
  EchoReactor() { StartRead(&message_); }
  void OnReadDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::OK);
    message_.set_seq(seq_++);
    StartWrite(&message_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    StartRead(&message_);
  }
  void OnDone() override { delete this; }

 private:
  e2e::EchoMessage message_;
  int64_t seq_ = 0;
};

class WatchReactor final : public grpc::ServerWriteReactor<e2e::WatchEvent> {
 public:
  explicit WatchReactor(const e2e::WatchRequest& request) : request_(request) { Next(); }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    Next();
  }
  void OnDone() override { delete this; }

 private:
  void Next() {
    if (sent_ >= request_.count()) return Finish(grpc::Status::OK);
    event_.set_seq(sent_++);
    event_.set_kind("tick");
    event_.set_topic(request_.topic());
    event_.set_text(request_.text());
    StartWrite(&event_);
  }
  const e2e::WatchRequest request_;
  e2e::WatchEvent event_;
  int64_t sent_ = 0;
};

class BenchService final : public e2e::Svc::CallbackService {
 public:
  grpc::ServerBidiReactor<e2e::EchoMessage, e2e::EchoMessage>* Echo(grpc::CallbackServerContext*) override {
    return new EchoReactor();
  }
  grpc::ServerWriteReactor<e2e::WatchEvent>* Watch(grpc::CallbackServerContext*,
                                                   const e2e::WatchRequest* request) override {
    return new WatchReactor(*request);
  }
};

// ------------------------------------------------------------------- client

// Writes all of `data` to the blocking socket `fd`.
bool SendAllOn(int fd, std::string_view data) {
  size_t at = 0;
  while (at < data.size()) {
    ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return false;
    at += static_cast<size_t>(n);
  }
  return true;
}

// A minimal blocking-or-polled WebSocket client: masked text frames out,
// server frames in.
class Client {
 public:
  bool Connect(int port, const std::string& path) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return false;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    std::string request = "GET " + path +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    if (!SendAll(request)) return false;
    // The 101 head; frames may follow in the same read.
    while (buffer_.find("\r\n\r\n") == std::string::npos) {
      if (!Fill(5000)) return false;
    }
    bool ok = buffer_.compare(0, 12, "HTTP/1.1 101") == 0;
    buffer_.erase(0, buffer_.find("\r\n\r\n") + 4);
    return ok;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

  bool SendText(const std::string& text) {
    std::string frame;
    frame += static_cast<char>(0x81);
    size_t n = text.size();
    if (n < 126) {
      frame += static_cast<char>(0x80 | n);
    } else if (n <= 0xFFFF) {
      frame += static_cast<char>(0x80 | 126);
      frame += static_cast<char>(n >> 8);
      frame += static_cast<char>(n & 0xFF);
    } else {
      frame += static_cast<char>(0x80 | 127);
      for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((uint64_t{n} >> shift) & 0xFF);
    }
    const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
    frame.append(reinterpret_cast<const char*>(mask), 4);
    for (size_t i = 0; i < n; ++i) frame += static_cast<char>(text[i] ^ mask[i & 3]);
    return SendAll(frame);
  }

  // Reads what the socket has (waiting up to `timeout_ms`); false at end
  // of stream or error.
  bool Fill(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return true;
    char buf[65536];
    ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
    if (got <= 0) return false;
    buffer_.append(buf, static_cast<size_t>(got));
    return true;
  }

  // Takes one complete frame off the buffer: its opcode, or -1 if none is
  // complete yet.
  int TakeFrame(std::string* payload = nullptr) {
    if (buffer_.size() - pos_ < 2) return -1;
    const unsigned char* b = reinterpret_cast<const unsigned char*>(buffer_.data() + pos_);
    uint64_t length = b[1] & 0x7F;
    size_t header = 2;
    if (length == 126) {
      if (buffer_.size() - pos_ < 4) return -1;
      length = (uint64_t{b[2]} << 8) | b[3];
      header = 4;
    } else if (length == 127) {
      if (buffer_.size() - pos_ < 10) return -1;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | b[2 + i];
      header = 10;
    }
    if (buffer_.size() - pos_ < header + length) return -1;
    int opcode = b[0] & 0x0F;
    if (payload) payload->assign(buffer_, pos_ + header, length);
    pos_ += header + length;
    if (pos_ > (1 << 20) || pos_ == buffer_.size()) {
      buffer_.erase(0, pos_);
      pos_ = 0;
    }
    return opcode;
  }

  // Blocks until one text message arrived (pings are not expected: the
  // benchmark disables them).
  bool ReadText(std::string* payload) {
    for (;;) {
      int op = TakeFrame(payload);
      if (op == 0x1) return true;
      if (op == 0x8) return false;
      if (op == -1 && !Fill(5000)) return false;
    }
  }

 private:
  bool SendAll(const std::string& data) { return SendAllOn(fd_, data); }

  int fd_ = -1;
  std::string buffer_;
  size_t pos_ = 0;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// ------------------------------------------------------------------ figures

double EchoOneConnection(int port, double seconds, long max_round_trips, const char* label = "echo, 1 connection:  ") {
  Client c;
  if (!c.Connect(port, "/v1/rooms/bench:echo")) return std::printf("%s connect failed\n", label), 0.0;
  const std::string message = R"({"text":"hello, bench"})";
  std::string reply;
  // Warm up.
  for (int i = 0; i < 200; ++i) c.SendText(message), c.ReadText(&reply);
  long n = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  while (n < max_round_trips && Clock::now() < end) {
    if (!c.SendText(message) || !c.ReadText(&reply)) break;
    ++n;
  }
  double took = Seconds(Clock::now() - start);
  std::printf("%s   %8.0f round trips/s  (%ld in %.2f s, %.1f us each)\n", label, n / took, n, took,
              took * 1e6 / n);
  return n / took;
}

double EchoManyConnections(int port, int connections, double seconds, long max_round_trips) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < connections; ++i) {
    clients.push_back(std::make_unique<Client>());
    if (!clients.back()->Connect(port, "/v1/rooms/b" + std::to_string(i) + ":echo")) {
      return std::printf("echo, %d connections: connect %d failed\n", connections, i), 0.0;
    }
  }
  const std::string message = R"({"text":"hello, bench"})";
  std::vector<pollfd> fds(connections);
  for (int i = 0; i < connections; ++i) fds[i] = pollfd{clients[i]->fd(), POLLIN, 0};
  for (auto& c : clients) c->SendText(message);  // one in flight on each
  long n = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  while (n < max_round_trips && Clock::now() < end) {
    if (::poll(fds.data(), fds.size(), 1000) <= 0) break;
    for (int i = 0; i < connections; ++i) {
      if (!(fds[i].revents & POLLIN)) continue;
      if (!clients[i]->Fill(0)) {
        return std::printf("echo, %d connections: connection %d ended\n", connections, i), 0.0;
      }
      while (clients[i]->TakeFrame() == 0x1) {
        ++n;
        clients[i]->SendText(message);
      }
    }
  }
  double took = Seconds(Clock::now() - start);
  std::printf("echo, %d connections:   %8.0f round trips/s  (%ld in %.2f s)\n", connections, n / took, n, took);
  return n / took;
}

double ServerToClient(int port, double seconds, long count) {
  Client c;
  // The GET binding has no body: the request comes from the path and query
  // and the call starts with the upgrade (a message would be refused).
  if (!c.Connect(port, "/v1/watch/bench?count=" + std::to_string(count) + "&text=0123456789abcdef")) {
    return std::printf("server-to-client: connect failed\n"), 0.0;
  }
  long n = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  while (n < count && Clock::now() < end) {
    int op = c.TakeFrame();
    if (op == 0x1) {
      ++n;
    } else if (op == 0x8) {
      break;
    } else if (op == -1 && !c.Fill(1000)) {
      break;
    }
  }
  double took = Seconds(Clock::now() - start);
  std::printf("server to client:       %8.0f messages/s     (%ld in %.2f s)\n", n / took, n, took);
  return n / took;
}

// ---------------------------------------------------------------- the floor
// What a WebSocket echo costs with nothing behind it: the same client, the
// same loopback TCP, a server thread in epoll_wait that reads each frame,
// and no HTTP parsing, JSON or gRPC. With `hand_off`, the reading thread
// passes each message to a second thread that sends the echo, the way the
// gateway's loop passes it to gRPC's threads; without, it answers itself.
// The gap between the gateway and this floor is what the gateway spends;
// the floor against the baseline is what the loopback socket and the thread
// wake-ups cost before the gateway does anything.
class FloorEchoServer {
 public:
  explicit FloorEchoServer(bool hand_off) : hand_off_(hand_off) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 4) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    reader_ = std::thread([this] { Read(); });
    if (hand_off_) sender_ = std::thread([this] { Send(); });
  }
  ~FloorEchoServer() {
    stop_.store(true);
    {
      std::lock_guard<std::mutex> lock(mu_);
      cv_.notify_all();
    }
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (reader_.joinable()) reader_.join();
    if (sender_.joinable()) sender_.join();
    ::close(listen_fd_);
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  void Read() {
    pollfd p{listen_fd_, POLLIN, 0};
    while (!stop_.load() && ::poll(&p, 1, 100) == 0) {
    }
    if (stop_.load()) return;
    // Blocking: epoll says when a read will not wait, and the replies are
    // small.
    fd_ = ::accept(listen_fd_, nullptr, nullptr);
    if (fd_ < 0) return;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int ep = ::epoll_create1(0);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ::epoll_ctl(ep, EPOLL_CTL_ADD, fd_, &ev);
    std::string in;
    bool upgraded = false;
    char buf[65536];
    while (!stop_.load()) {
      if (::epoll_wait(ep, &ev, 1, 100) <= 0) continue;
      ssize_t got = ::recv(fd_, buf, sizeof buf, 0);
      if (got <= 0) break;
      in.append(buf, static_cast<size_t>(got));
      if (!upgraded) {
        size_t end = in.find("\r\n\r\n");
        if (end == std::string::npos) continue;
        in.erase(0, end + 4);
        SendAll("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
        upgraded = true;
      }
      // Masked client frames with 7-bit lengths: all the benchmark sends.
      while (in.size() >= 6 && in.size() >= 6 + static_cast<size_t>(in[1] & 0x7F)) {
        size_t n = in[1] & 0x7F;
        std::string reply(2 + n, '\0');
        reply[0] = static_cast<char>(0x81);
        reply[1] = static_cast<char>(n);
        for (size_t i = 0; i < n; ++i) reply[2 + i] = static_cast<char>(in[6 + i] ^ in[2 + (i & 3)]);
        in.erase(0, 6 + n);
        if (!hand_off_) {
          SendAll(reply);
          continue;
        }
        std::lock_guard<std::mutex> lock(mu_);
        replies_.push_back(std::move(reply));
        cv_.notify_one();
      }
    }
    ::close(ep);
  }
  void Send() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stop_.load()) {
      cv_.wait(lock, [this] { return stop_.load() || !replies_.empty(); });
      while (!replies_.empty()) {
        std::string reply = std::move(replies_.front());
        replies_.pop_front();
        lock.unlock();
        SendAll(reply);
        lock.lock();
      }
    }
  }
  void SendAll(std::string_view data) { SendAllOn(fd_, data); }

  const bool hand_off_;
  int listen_fd_ = -1;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> replies_;
  std::thread reader_;
  std::thread sender_;
};

// Prints both floors and their ratios to the baseline.
void EchoFloors(double seconds, long max_round_trips, double baseline) {
  for (bool hand_off : {false, true}) {
    FloorEchoServer server(hand_off);
    double rate = EchoOneConnection(server.port(), seconds, max_round_trips,
                                    hand_off ? "  floor, 2 threads:  " : "  floor, 1 thread:   ");
    if (rate > 0 && baseline > 0) std::printf("  floor/baseline:       %8.3f\n", rate / baseline);
  }
}

// ----------------------------------------------------------------- baseline
// The same methods through the in-process gRPC channel, no HTTP.

e2e::EchoMessage BenchEchoMessage() {
  e2e::EchoMessage message;
  message.set_room("bench");
  message.set_text("hello, bench");
  return message;
}

void PrintRatio(double gateway, double baseline) {
  if (gateway > 0 && baseline > 0) {
    std::printf("  gateway/baseline:     %8.3f\n", gateway / baseline);
  } else {
    std::printf("  gateway/baseline:          n/a\n");
  }
}

double DirectEchoOneStream(e2e::Svc::Stub& stub, double seconds, long max_round_trips,
                           const char* label = "  baseline, 1 stream:") {
  grpc::ClientContext context;
  auto stream = stub.Echo(&context);
  const e2e::EchoMessage message = BenchEchoMessage();
  e2e::EchoMessage reply;
  for (int i = 0; i < 200; ++i) stream->Write(message), stream->Read(&reply);
  long n = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  while (n < max_round_trips && Clock::now() < end) {
    if (!stream->Write(message) || !stream->Read(&reply)) break;
    ++n;
  }
  double took = Seconds(Clock::now() - start);
  stream->WritesDone();
  stream->Finish();
  std::printf("%s   %8.0f round trips/s  (%ld in %.2f s, %.1f us each)\n", label, n / took, n, took,
              took * 1e6 / n);
  return n / took;
}

double DirectEchoManyStreams(e2e::Svc::Stub& stub, int streams, double seconds, long max_round_trips,
                             const char* label = "  baseline,") {
  std::atomic<long> n{0};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int64_t> end_ns{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < streams; ++t) {
    threads.emplace_back([&] {
      grpc::ClientContext context;
      auto stream = stub.Echo(&context);
      const e2e::EchoMessage message = BenchEchoMessage();
      e2e::EchoMessage reply;
      bool ok = stream->Write(message) && stream->Read(&reply);  // warm up
      ready.fetch_add(1);
      while (!go.load()) std::this_thread::yield();
      const Clock::time_point end{Clock::duration(end_ns.load())};
      while (ok && n.load(std::memory_order_relaxed) < max_round_trips && Clock::now() < end) {
        if (!stream->Write(message) || !stream->Read(&reply)) break;
        n.fetch_add(1, std::memory_order_relaxed);
      }
      stream->WritesDone();
      stream->Finish();
    });
  }
  while (ready.load() < streams) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  auto start = Clock::now();
  auto end = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  end_ns.store(end.time_since_epoch().count());
  go.store(true);
  for (auto& t : threads) t.join();
  double took = Seconds(Clock::now() - start);
  long counted = n.load();
  std::printf("%s %d streams: %8.0f round trips/s  (%ld in %.2f s)\n", label, streams, counted / took, counted,
              took);
  return counted / took;
}

double DirectServerToClient(e2e::Svc::Stub& stub, double seconds, long count) {
  grpc::ClientContext context;
  e2e::WatchRequest request;
  request.set_topic("bench");
  request.set_count(static_cast<int32_t>(count));
  request.set_text("0123456789abcdef");
  auto reader = stub.Watch(&context, request);
  e2e::WatchEvent event;
  long n = 0;
  auto start = Clock::now();
  auto end = start + std::chrono::duration<double>(seconds);
  while (n < count && Clock::now() < end) {
    if (!reader->Read(&event)) break;
    ++n;
  }
  double took = Seconds(Clock::now() - start);
  if (n < count) context.TryCancel();
  reader->Finish();
  std::printf("  baseline:             %8.0f messages/s     (%ld in %.2f s)\n", n / took, n, took);
  return n / took;
}

// ------------------------------------------------------------ native gRPC
// A gateway lives in the process of the gRPC server it serves, next to
// that server's own clients over the network. This figure measures native
// gRPC echo round trips over TCP (the generated sync stub on a loopback
// channel) with no gateway in the process, with one, and after it is gone:
// what the gateway's presence costs them (a thread of its own parked in
// gRPC's poller once cost one stream about 6%).
void NativeGrpc(int grpc_port, grpc::Server& grpc_server, double seconds) {
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(grpc_port), grpc::InsecureChannelCredentials());
  auto stub = e2e::Svc::NewStub(channel);
  auto measure = [&](const char* one, const char* many) {
    double a = DirectEchoOneStream(*stub, seconds, 2000000, one);
    double b = DirectEchoManyStreams(*stub, 16, seconds, 5000000, many);
    return std::make_pair(a, b);
  };
  std::printf("native gRPC echo over TCP, sync stub (the first round warms up):\n");
  measure("  warm-up, 1 stream:   ", "  warm-up,   ");
  auto before = measure("  no gateway, 1 stream:", "  no gateway,");
  std::pair<double, double> with;
  {
    grpcgw::Gateway<e2e::Svc> gateway(grpc_server);
    with = measure("  gateway, 1 stream:   ", "  gateway,   ");
  }
  auto after = measure("  gone, 1 stream:      ", "  gone,      ");
  if (before.first > 0 && before.second > 0 && after.first > 0 && after.second > 0) {
    std::printf("  with gateway / without (mean of before and after): 1 stream %.3f, 16 streams %.3f\n",
                2 * with.first / (before.first + after.first), 2 * with.second / (before.second + after.second));
  }
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  if (seconds <= 0 || seconds > 60) seconds = 3.0;
  const std::string only = argc > 2 ? argv[2] : "";
  if (!only.empty() && only != "echo1" && only != "echo100" && only != "push" && only != "native") {
    std::fprintf(stderr, "usage: websocket_bench [seconds] [echo1|echo100|push|native]\n");
    return 2;
  }
  auto runs = [&only](const char* figure) { return only.empty() || only == figure; };

  BenchService service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  int grpc_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &grpc_port);
  std::unique_ptr<grpc::Server> grpc_server = builder.BuildAndStart();

  std::printf("grpcgw WebSocket transport, loopback, %u hardware threads, %.1f s per figure\n",
              std::thread::hardware_concurrency(), seconds);
  // Before any gateway exists in the process.
  if (runs("native")) NativeGrpc(grpc_port, *grpc_server, seconds);
  if (only == "native") {
    grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
    return 0;
  }

  grpcgw::GatewayOptions options;
  options.websocket.ping_interval = std::chrono::milliseconds(0);
  grpcgw::HttpServer http;
  grpcgw::Gateway<e2e::Svc> gateway(*grpc_server, options);
  gateway.mount(http);
  int port = http.bind_to_any_port("127.0.0.1");
  std::thread listener([&] { http.listen_after_bind(); });
  while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  std::printf("(baseline: the same methods through the in-process gRPC channel, sync stub, no HTTP)\n");
  auto stub = e2e::Svc::NewStub(grpc_server->InProcessChannel(grpc::ChannelArguments()));
  if (runs("echo1")) {
    double rate = EchoOneConnection(port, seconds, 2000000);
    double baseline = DirectEchoOneStream(*stub, seconds, 2000000);
    PrintRatio(rate, baseline);
    EchoFloors(seconds, 2000000, baseline);
  }
  if (runs("echo100")) {
    double rate = EchoManyConnections(port, 100, seconds, 5000000);
    PrintRatio(rate, DirectEchoManyStreams(*stub, 100, seconds, 5000000));
  }
  if (runs("push")) {
    double rate = ServerToClient(port, seconds, 2000000);
    PrintRatio(rate, DirectServerToClient(*stub, seconds, 2000000));
  }

  http.stop();
  listener.join();
  grpc_server->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  return 0;
}
