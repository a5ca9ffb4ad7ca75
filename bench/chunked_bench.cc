// Chunked transfer through the gateway on loopback: messages per second for
//   - a client-streaming upload: one POST whose chunked body carries N NDJSON
//     messages (e2e.Svc/Collect), answered once at the end;
//   - a server-streaming download: one GET answered by N NDJSON lines
//     (e2e.Svc/Watch);
//   - a bidi stream (e2e.Svc/Echo) with the upload and the download running
//     at once on one request.
//
//   chunked_bench [messages, default 100000] [rounds, default 3]
//
// Each figure is the best of the rounds. The client is a raw socket on one
// thread (plus a sender thread for bidi); every read has a timeout, and a
// round that runs out of time aborts the benchmark with an error.
//
// Figures are reported against a baseline measured in the same run: the same
// three methods called directly through the server's in-process gRPC channel
// with the generated stub (sync ClientWriter / ClientReader /
// ClientReaderWriter, a writer thread for bidi), same message counts, no HTTP
// in between. The ratio printed is gateway / baseline.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include <grpcgw/grpcgw.h>
#include <grpcpp/channel.h>
#include <grpcpp/client_context.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "e2e.grpc.pb.h"
#include "e2e.grpcgw.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kTimeout = std::chrono::seconds(60);  // per round

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "chunked_bench: %s\n", what.c_str());
  std::exit(1);
}

// The three streaming methods the benchmark uses; the others stay
// unimplemented.
class BenchService final : public e2e::Svc::CallbackService {
 public:
  grpc::ServerReadReactor<e2e::CollectRequest>* Collect(grpc::CallbackServerContext*,
                                                        e2e::CollectResponse* response) override {
    class Reactor final : public grpc::ServerReadReactor<e2e::CollectRequest> {
     public:
      explicit Reactor(e2e::CollectResponse* response) : response_(response) { StartRead(&in_); }
      void OnReadDone(bool ok) override {
        if (!ok) return Finish(grpc::Status::OK);
        response_->set_count(response_->count() + 1);
        response_->set_sum(response_->sum() + in_.value());
        StartRead(&in_);
      }
      void OnDone() override { delete this; }

     private:
      e2e::CollectResponse* response_;
      e2e::CollectRequest in_;
    };
    return new Reactor(response);
  }

  grpc::ServerWriteReactor<e2e::WatchEvent>* Watch(grpc::CallbackServerContext*,
                                                   const e2e::WatchRequest* request) override {
    class Reactor final : public grpc::ServerWriteReactor<e2e::WatchEvent> {
     public:
      explicit Reactor(int count) : count_(count) { Next(); }
      void OnWriteDone(bool ok) override {
        if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
        Next();
      }
      void OnDone() override { delete this; }

     private:
      void Next() {
        if (sent_ == count_) return Finish(grpc::Status::OK);
        event_.set_seq(sent_++);
        event_.set_kind("tick");
        StartWrite(&event_);
      }
      const int count_;
      int sent_ = 0;
      e2e::WatchEvent event_;
    };
    return new Reactor(request->count());
  }

  grpc::ServerBidiReactor<e2e::EchoMessage, e2e::EchoMessage>* Echo(grpc::CallbackServerContext*) override {
    class Reactor final : public grpc::ServerBidiReactor<e2e::EchoMessage, e2e::EchoMessage> {
     public:
      Reactor() { StartRead(&in_); }
      void OnReadDone(bool ok) override {
        if (!ok) return Finish(grpc::Status::OK);
        out_ = in_;
        out_.set_seq(seq_++);
        StartWrite(&out_);
      }
      void OnWriteDone(bool ok) override {
        if (!ok) return Finish(grpc::Status(grpc::StatusCode::CANCELLED, "write failed"));
        StartRead(&in_);
      }
      void OnDone() override { delete this; }

     private:
      e2e::EchoMessage in_, out_;
      int64_t seq_ = 0;
    };
    return new Reactor();
  }
};

// A blocking loopback client with a deadline for the whole exchange.
class Client {
 public:
  Client(int port, Clock::time_point deadline) : deadline_(deadline) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect failed");
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Client() { ::close(fd_); }

  void Send(const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
      Wait(POLLOUT);
      ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) Die("send failed");
      off += static_cast<size_t>(n);
    }
  }

  // Reads the response head; returns the status.
  int ReadHead() {
    size_t end;
    while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) Fill();
    int status = std::atoi(buffer_.c_str() + 9);
    head_ = buffer_.substr(0, end);
    buffer_.erase(0, end + 4);
    return status;
  }
  const std::string& head() const { return head_; }

  // Reads a chunked body to its end, counting '\n' (NDJSON lines).
  size_t CountChunkedLines() {
    size_t lines = 0;
    for (;;) {
      size_t eol;
      while ((eol = buffer_.find("\r\n")) == std::string::npos) Fill();
      size_t size = std::strtoul(buffer_.c_str(), nullptr, 16);
      buffer_.erase(0, eol + 2);
      while (buffer_.size() < size + 2) Fill();
      for (size_t i = 0; i < size; ++i) lines += buffer_[i] == '\n';
      buffer_.erase(0, size + 2);
      if (size == 0) return lines;
    }
  }

  // Reads a Content-Length body.
  std::string ReadBody() {
    auto at = head_.find("Content-Length: ");
    if (at == std::string::npos) Die("no Content-Length in " + head_);
    size_t length = std::strtoul(head_.c_str() + at + 16, nullptr, 10);
    while (buffer_.size() < length) Fill();
    std::string body = buffer_.substr(0, length);
    buffer_.erase(0, length);
    return body;
  }

 private:
  void Wait(short events) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
    pollfd p{fd_, events, 0};
    if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) <= 0) Die("timed out");
  }
  void Fill() {
    Wait(POLLIN);
    char data[65536];
    ssize_t n = ::recv(fd_, data, sizeof data, 0);
    if (n <= 0) Die("connection closed early");
    buffer_.append(data, static_cast<size_t>(n));
  }

  int fd_ = -1;
  const Clock::time_point deadline_;
  std::string buffer_;
  std::string head_;
};

// The request body: `n` NDJSON messages in chunks of about 16 KiB.
std::string ChunkedBody(int n, const std::string& (*line)(int)) {
  std::string body, chunk;
  char size[24];
  auto flush = [&] {
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    body += size + chunk + "\r\n";
    chunk.clear();
  };
  for (int i = 0; i < n; ++i) {
    chunk += line(i);
    if (chunk.size() >= 16384) flush();
  }
  if (!chunk.empty()) flush();
  return body + "0\r\n\r\n";
}

const std::string& CollectLine(int) {
  static const std::string line = "{\"text\":\"m\",\"value\":\"1\"}\n";
  return line;
}

const std::string& EchoLine(int) {
  static const std::string line = "{\"room\":\"r\",\"text\":\"hello\"}\n";
  return line;
}

double Upload(int port, int n, const std::string& body) {
  Client client(port, Clock::now() + kTimeout);
  auto start = Clock::now();
  client.Send("POST /v1/collect HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\n\r\n");
  client.Send(body);
  int status = client.ReadHead();
  std::string response = client.ReadBody();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (status != 200 || response.find("\"count\":" + std::to_string(n)) == std::string::npos) {
    Die("upload answered " + std::to_string(status) + ": " + response);
  }
  return n / seconds;
}

double Download(int port, int n) {
  Client client(port, Clock::now() + kTimeout);
  auto start = Clock::now();
  client.Send("GET /v1/watch/bench?count=" + std::to_string(n) + " HTTP/1.1\r\nHost: bench\r\n\r\n");
  int status = client.ReadHead();
  if (status != 200) Die("download answered " + std::to_string(status));
  size_t lines = client.CountChunkedLines();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (lines != static_cast<size_t>(n)) Die("download got " + std::to_string(lines) + " lines");
  return n / seconds;
}

double Bidi(int port, int n, const std::string& body) {
  Client client(port, Clock::now() + kTimeout);
  auto start = Clock::now();
  client.Send("POST /v1/rooms/r:echo HTTP/1.1\r\nHost: bench\r\nTransfer-Encoding: chunked\r\n\r\n");
  std::thread sender([&] { client.Send(body); });
  int status = client.ReadHead();
  size_t lines = status == 200 ? client.CountChunkedLines() : 0;
  sender.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (status != 200 || lines != static_cast<size_t>(n)) {
    Die("bidi answered " + std::to_string(status) + " with " + std::to_string(lines) + " lines");
  }
  return n / seconds;
}

// The baseline: the same calls through the in-process channel.
void SetDeadline(grpc::ClientContext& context) { context.set_deadline(std::chrono::system_clock::now() + kTimeout); }

double DirectUpload(e2e::Svc::Stub& stub, int n) {
  grpc::ClientContext context;
  SetDeadline(context);
  e2e::CollectResponse response;
  e2e::CollectRequest request;
  request.set_text("m");
  request.set_value(1);
  auto start = Clock::now();
  auto writer = stub.Collect(&context, &response);
  for (int i = 0; i < n; ++i) {
    if (!writer->Write(request)) break;
  }
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!status.ok() || response.count() != n) {
    Die("direct upload: " + status.error_message() + ", count " + std::to_string(response.count()));
  }
  return n / seconds;
}

double DirectDownload(e2e::Svc::Stub& stub, int n) {
  grpc::ClientContext context;
  SetDeadline(context);
  e2e::WatchRequest request;
  request.set_topic("bench");
  request.set_count(n);
  e2e::WatchEvent event;
  int received = 0;
  auto start = Clock::now();
  auto reader = stub.Watch(&context, request);
  while (reader->Read(&event)) ++received;
  grpc::Status status = reader->Finish();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!status.ok() || received != n) {
    Die("direct download: " + status.error_message() + ", " + std::to_string(received) + " messages");
  }
  return n / seconds;
}

double DirectBidi(e2e::Svc::Stub& stub, int n) {
  grpc::ClientContext context;
  SetDeadline(context);
  e2e::EchoMessage request, reply;
  request.set_room("r");
  request.set_text("hello");
  int received = 0;
  auto start = Clock::now();
  auto stream = stub.Echo(&context);
  std::thread writer([&] {
    for (int i = 0; i < n; ++i) {
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  while (stream->Read(&reply)) ++received;
  writer.join();
  grpc::Status status = stream->Finish();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (!status.ok() || received != n) {
    Die("direct bidi: " + status.error_message() + ", " + std::to_string(received) + " messages");
  }
  return n / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  if (n <= 0 || rounds <= 0) Die("usage: chunked_bench [messages] [rounds]");

  BenchService service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) Die("the gRPC server did not start");
  grpcgw::HttpServer http;
  grpcgw::GatewayOptions options;
  options.max_request_body_bytes = size_t{1} << 30;
  grpcgw::Gateway<e2e::Svc> gateway(*server, options);
  gateway.mount(http);
  int port = http.bind_to_any_port("127.0.0.1");
  if (port <= 0) Die("cannot bind");
  std::thread listener([&] { http.listen_after_bind(); });
  while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  const std::string upload_body = ChunkedBody(n, CollectLine);
  const std::string echo_body = ChunkedBody(n, EchoLine);
  auto stub = e2e::Svc::NewStub(server->InProcessChannel(grpc::ChannelArguments()));
  double upload = 0, download = 0, bidi = 0;
  double direct_upload = 0, direct_download = 0, direct_bidi = 0;
  for (int r = 0; r < rounds; ++r) {
    upload = std::max(upload, Upload(port, n, upload_body));
    download = std::max(download, Download(port, n));
    bidi = std::max(bidi, Bidi(port, n, echo_body));
    direct_upload = std::max(direct_upload, DirectUpload(*stub, n));
    direct_download = std::max(direct_download, DirectDownload(*stub, n));
    direct_bidi = std::max(direct_bidi, DirectBidi(*stub, n));
  }
  std::printf("chunked transfer, %d messages per stream, best of %d rounds, loopback\n", n, rounds);
  std::printf("  client-streaming upload   (POST /v1/collect):    %10.0f messages/s\n", upload);
  std::printf("  server-streaming download (GET /v1/watch/{t}):   %10.0f messages/s\n", download);
  std::printf("  bidi, both directions     (POST /v1/rooms/{r}:echo): %10.0f messages/s\n", bidi);
  std::printf("against the baseline: the same methods over the in-process gRPC channel, same run\n");
  std::printf("                              gateway msg/s   baseline msg/s   gateway/baseline\n");
  auto row = [](const char* name, double gateway, double baseline) {
    std::printf("  %-26s %14.0f   %14.0f   %16.3f\n", name, gateway, baseline, gateway / baseline);
  };
  row("client-streaming upload", upload, direct_upload);
  row("server-streaming download", download, direct_download);
  row("bidi, both directions", bidi, direct_bidi);

  http.stop();
  listener.join();
  server->Shutdown();
  return 0;
}
