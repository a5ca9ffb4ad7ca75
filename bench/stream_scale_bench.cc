// stream_scale_bench: many long-lived streams held by one gateway process.
//
// One run, four sections, each in fresh processes (so that memory freed by
// one section cannot flatter the next):
//   1. baseline, SSE shape: N Feed calls read through the server's
//      in-process gRPC channel with callback-API client reactors, no HTTP;
//   2. gateway, SSE: the same N calls as SSE streams, held by a load
//      generator in a process of its own;
//   3. baseline, WebSocket shape: M Echo calls through the in-process channel;
//   4. gateway, WebSocket: the same M calls as WebSocket sessions.
// For each: memory per idle stream (VmRSS of the serving process before and
// after opening them, divided by their number), the serving process's
// threads (/proc/self/task) and CPU as the count grows, its CPU while the
// streams sit idle, then under load:
//   - SSE: the service sends a paced total rate to the streams in turn;
//     delivered events/s, write-to-read latency, CPU per event, and unary
//     p99 from a separate connection meanwhile;
//   - WebSocket: the client sends stamped messages at half the rate, at the
//     rate, then with one message in flight per session; echoes/s, round
//     trips, CPU per echo.
// Then the clients vanish at once and the run watches calls, connections,
// threads and fds return. Gateway figures are printed next to the
// baseline's (difference for memory, ratio for CPU and latency) and next to
// the targets of the project's issue 9. Each load phase also prints how long
// the processes' threads waited for a CPU: on a shared machine, other work
// shows there and skews CPU and latency figures.
//
// Processes: this binary is the driver; it starts itself as `--serve`
// (gRPC server, gateway and HttpServer on 127.0.0.1 port 0), `--client
// PORT` (the load generator: non-blocking sockets, one epoll thread; a
// second thread only for the unary requests) and `--baseline` (gRPC server
// and callback client, one process), and talks to each over its stdin and
// stdout, one line per command and reply. Latency: the service (or the
// client, for echoes) puts a steady-clock timestamp in the message; the
// processes share CLOCK_MONOTONIC.
//
//   stream_scale_bench [--sse N] [--ws M] [--rate EVENTS_PER_S] [--seconds S]
//       defaults: 10000 SSE streams, 5000 WebSocket sessions, 10000/s, 8 s;
//       0 streams or sessions leaves that part out
//
// Bounded: every command has a deadline, the driver kills its children
// after 240 s whatever happens; figures only, nothing asserted.
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <grpcgw/grpcgw.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/server_builder.h>

#include "stream_scale_bench.grpc.pb.h"
#include "stream_scale_bench.grpcgw.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// ------------------------------------------------------------ process figures

long CountDir(const char* path) {
  DIR* dir = ::opendir(path);
  if (dir == nullptr) return -1;
  long n = 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(dir);
  return n;
}

long StatusField(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') return std::atol(line.c_str() + n + 1);
  }
  return -1;
}

// Time this process's threads spent runnable but waiting for a CPU (the
// sum over its threads of /proc/.../schedstat's run delay): how much other
// work on the machine held it back.
double RunDelaySeconds() {
  DIR* dir = ::opendir("/proc/self/task");
  if (dir == nullptr) return 0;
  double total = 0;
  while (dirent* e = ::readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/schedstat");
    unsigned long long run = 0, delay = 0;
    if (in >> run >> delay) total += static_cast<double>(delay) / 1e9;
  }
  ::closedir(dir);
  return total;
}

double CpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// "cpu_s=.. wait_s=.. rss_kb=.. threads=.. [fds=..]" of this process (CPU
// time read first). Counting fds walks /proc/self/fd, which costs milliseconds at
// 10,000 sockets: only when asked.
std::string SelfFigures(bool with_fds) {
  const double cpu = CpuSeconds();
  char buf[200];
  int n = std::snprintf(buf, sizeof buf, "cpu_s=%.3f wait_s=%.3f rss_kb=%ld threads=%ld", cpu, RunDelaySeconds(),
                        StatusField("VmRSS"), CountDir("/proc/self/task"));
  if (with_fds) std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), " fds=%ld", CountDir("/proc/self/fd") - 1);
  return buf;
}

void RaiseFileLimit() {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &files);
}

long FileLimit() {
  rlimit files{};
  ::getrlimit(RLIMIT_NOFILE, &files);
  return static_cast<long>(files.rlim_cur);
}

double Percentile(std::vector<int64_t>* v, double p) {
  if (v->empty()) return 0;
  size_t i = std::min(v->size() - 1, static_cast<size_t>(p * static_cast<double>(v->size())));
  std::nth_element(v->begin(), v->begin() + static_cast<long>(i), v->end());
  return static_cast<double>((*v)[i]) / 1e6;
}

// "n=.. p50_ms=.. p99_ms=.. max_ms=.." of latencies in nanoseconds.
std::string LatencyFigures(const char* prefix, std::vector<int64_t> v) {
  double max = v.empty() ? 0 : static_cast<double>(*std::max_element(v.begin(), v.end())) / 1e6;
  double p50 = Percentile(&v, 0.50);
  double p99 = Percentile(&v, 0.99);
  char buf[200];
  std::snprintf(buf, sizeof buf, "%sn=%zu %sp50_ms=%.3f %sp99_ms=%.3f %smax_ms=%.3f", prefix, v.size(), prefix, p50,
                prefix, p99, prefix, max);
  return buf;
}

// ------------------------------------------------------------ line protocol

// Lines from a file descriptor, each waited for up to a deadline.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // False at end of input or when the deadline passed.
  bool Read(std::string* line, Clock::time_point deadline) {
    for (;;) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line->assign(buffer_, 0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000)));
      if (r < 0 && errno != EINTR) return false;
      if (r <= 0) continue;
      char buf[4096];
      ssize_t got = ::read(fd_, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) return false;
      buffer_.append(buf, static_cast<size_t>(got));
    }
  }
  // What is buffered, and what can be read without waiting, into lines.
  bool TakeBuffered(std::string* line) {
    char buf[4096];
    for (;;) {
      ssize_t got = ::read(fd_, buf, sizeof buf);
      if (got <= 0) break;
      buffer_.append(buf, static_cast<size_t>(got));
    }
    size_t nl = buffer_.find('\n');
    if (nl == std::string::npos) return false;
    line->assign(buffer_, 0, nl);
    buffer_.erase(0, nl + 1);
    return true;
  }

 private:
  int fd_;
  std::string buffer_;
};

void WriteLine(int fd, const std::string& line) {
  std::string data = line + "\n";
  size_t at = 0;
  while (at < data.size()) {
    ssize_t n = ::write(fd, data.data() + at, data.size() - at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    at += static_cast<size_t>(n);
  }
}

std::vector<std::string> Words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string w;
  while (in >> w) words.push_back(w);
  return words;
}

using Figures = std::map<std::string, double>;

Figures ParseFigures(const std::string& line) {
  Figures f;
  for (const std::string& w : Words(line)) {
    size_t eq = w.find('=');
    if (eq != std::string::npos) f[w.substr(0, eq)] = std::atof(w.c_str() + eq + 1);
  }
  return f;
}

// ------------------------------------------------------------------ service

class FeedReactor;

// The open Feed calls, for the broadcaster. Thread-safe.
class Hub {
 public:
  void Add(const std::shared_ptr<FeedReactor>& feed);
  void Remove(FeedReactor* feed);
  // Picks the next `n` feeds in turn (fewer if fewer are open).
  void Next(size_t n, std::vector<std::shared_ptr<FeedReactor>>* out) {
    std::lock_guard<std::mutex> lock(mu_);
    out->clear();
    n = std::min(n, feeds_.size());
    for (size_t i = 0; i < n; ++i) {
      if (cursor_ >= feeds_.size()) cursor_ = 0;
      out->push_back(feeds_[cursor_++]);
    }
  }
  size_t open() const {
    std::lock_guard<std::mutex> lock(mu_);
    return feeds_.size();
  }
  std::atomic<long> ended{0};
  std::atomic<long> echoes_open{0};
  std::atomic<long> echoes_ended{0};

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<FeedReactor>> feeds_;  // guarded by mu_
  size_t cursor_ = 0;                                // guarded by mu_
};

// One event at once, then one per Send; ends when the client cancels.
class FeedReactor final : public grpc::ServerWriteReactor<scalebench::Event>,
                          public std::enable_shared_from_this<FeedReactor> {
 public:
  explicit FeedReactor(Hub* hub) : hub_(hub) {}

  static FeedReactor* Start(Hub* hub) {
    auto feed = std::make_shared<FeedReactor>(hub);
    feed->self_ = feed;
    hub->Add(feed);
    feed->Send();
    return feed.get();
  }

  // False when a write is still in progress (the event is skipped) or the
  // call is ending.
  bool Send() {
    std::lock_guard<std::mutex> lock(mu_);
    if (busy_ || finished_) return false;
    busy_ = true;
    event_.set_seq(seq_++);
    event_.set_payload("0123456789abcdef0123456789abcdef");
    event_.set_sent_ns(NowNs());
    StartWrite(&event_);
    return true;
  }

  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    busy_ = false;
    if (!ok || cancelled_) FinishLocked();
  }

  void OnCancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (!busy_) FinishLocked();
  }

  void OnDone() override {
    hub_->Remove(this);
    hub_->ended.fetch_add(1);
    self_.reset();  // the hub's and the broadcaster's copies may outlive this
  }

  size_t index = 0;  // in the hub; guarded by the hub's mutex

 private:
  void FinishLocked() {
    if (finished_) return;
    finished_ = true;
    Finish(grpc::Status::CANCELLED);
  }

  Hub* const hub_;
  std::shared_ptr<FeedReactor> self_;
  std::mutex mu_;
  scalebench::Event event_;  // guarded by mu_ while busy_
  int64_t seq_ = 0;
  bool busy_ = false;
  bool cancelled_ = false;
  bool finished_ = false;
};

void Hub::Add(const std::shared_ptr<FeedReactor>& feed) {
  std::lock_guard<std::mutex> lock(mu_);
  feed->index = feeds_.size();
  feeds_.push_back(feed);
}

void Hub::Remove(FeedReactor* feed) {
  std::lock_guard<std::mutex> lock(mu_);
  size_t i = feed->index;
  if (i >= feeds_.size() || feeds_[i].get() != feed) return;
  feeds_[i] = std::move(feeds_.back());
  feeds_[i]->index = i;
  feeds_.pop_back();
}

// Sends each message back as it came.
class EchoReactor final : public grpc::ServerBidiReactor<scalebench::EchoMessage, scalebench::EchoMessage> {
 public:
  explicit EchoReactor(Hub* hub) : hub_(hub) {
    hub_->echoes_open.fetch_add(1);
    StartRead(&message_);
  }
  void OnReadDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::OK);
    StartWrite(&message_);
  }
  void OnWriteDone(bool ok) override {
    if (!ok) return Finish(grpc::Status::CANCELLED);
    StartRead(&message_);
  }
  void OnDone() override {
    hub_->echoes_open.fetch_sub(1);
    hub_->echoes_ended.fetch_add(1);
    delete this;
  }

 private:
  Hub* const hub_;
  scalebench::EchoMessage message_;
};

class ScaleService final : public scalebench::Scale::CallbackService {
 public:
  grpc::ServerWriteReactor<scalebench::Event>* Feed(grpc::CallbackServerContext*,
                                                     const scalebench::FeedRequest*) override {
    return FeedReactor::Start(&hub_);
  }
  grpc::ServerBidiReactor<scalebench::EchoMessage, scalebench::EchoMessage>* Echo(
      grpc::CallbackServerContext*) override {
    return new EchoReactor(&hub_);
  }
  grpc::ServerUnaryReactor* Ping(grpc::CallbackServerContext* context, const scalebench::PingRequest* request,
                                 scalebench::PingReply* reply) override {
    reply->set_name(request->name());
    reply->set_open_feeds(static_cast<int64_t>(hub_.open()));
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  Hub& hub() { return hub_; }

 private:
  Hub hub_;
};

// Sends `rate` events per second in total, to the open feeds in turn, from
// one thread, in steps of a millisecond (sleeping while the rate is 0). A feed whose previous write has
// not completed skips its turn (counted).
class Broadcaster {
 public:
  explicit Broadcaster(Hub* hub) : hub_(hub), thread_([this] { Run(); }) {}
  ~Broadcaster() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void SetRate(long rate) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      rate_ = rate;
      start_ = Clock::now();
      issued_ = 0;
    }
    cv_.notify_all();
  }
  long sent() const { return sent_.load(); }
  long skipped() const { return skipped_.load(); }

 private:
  void Run() {
    std::vector<std::shared_ptr<FeedReactor>> batch;
    auto next = Clock::now();
    for (;;) {
      {
        // Idle (rate 0) costs no wake-ups.
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return stop_ || rate_ > 0; });
        if (stop_) return;
      }
      next += 1ms;
      std::this_thread::sleep_until(next);
      if (Clock::now() - next > 50ms) next = Clock::now();  // fell behind (or was idle): no burst
      size_t n;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (rate_ <= 0) continue;
        long due = static_cast<long>(Seconds(Clock::now() - start_) * static_cast<double>(rate_));
        n = static_cast<size_t>(std::max(0L, due - issued_));
        issued_ += static_cast<long>(n);
      }
      hub_->Next(n, &batch);
      for (auto& feed : batch) (feed->Send() ? sent_ : skipped_).fetch_add(1);
      batch.clear();
    }
  }

  Hub* const hub_;
  std::mutex mu_;
  long rate_ = 0;           // guarded by mu_
  Clock::time_point start_;  // guarded by mu_
  long issued_ = 0;         // guarded by mu_
  std::atomic<long> sent_{0};
  std::atomic<long> skipped_{0};
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

std::string ServiceFigures(ScaleService& service, const Broadcaster& broadcaster) {
  Hub& hub = service.hub();
  char buf[300];
  std::snprintf(buf, sizeof buf, " feeds=%zu feeds_ended=%ld echoes=%ld echoes_ended=%ld sent=%ld skipped=%ld",
                hub.open(), hub.ended.load(), hub.echoes_open.load(), hub.echoes_ended.load(), broadcaster.sent(),
                broadcaster.skipped());
  return buf;
}

// ------------------------------------------------------------ --serve mode

// The gateway process: prints "port=P", then answers commands on stdin:
//   stats [fds]  this process's figures, the service's, the HTTP server's
//   rate R       the broadcaster sends R events/s in total (0: stops)
//   quit         stops the HTTP server, then the gRPC server
int ServeMain() {
  RaiseFileLimit();
  ScaleService service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();

  grpcgw::GatewayOptions options;
  options.sse.heartbeat = 0ms;  // idle means idle
  options.websocket.ping_interval = 0ms;
  options.max_concurrent_streams = 1000000;
  grpcgw::HttpServer http;  // default HttpServerOptions: one event loop per core
  grpcgw::Gateway<scalebench::Scale> gateway(*server, options);
  gateway.mount(http);
  int port = http.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "serve: cannot listen: %s\n", http.last_error().c_str());
    return 1;
  }
  std::thread listener([&] { http.listen_after_bind(); });
  while (!http.is_running()) std::this_thread::sleep_for(5ms);
  Broadcaster broadcaster(&service.hub());
  WriteLine(1, "port=" + std::to_string(port));

  LineReader in(0);
  std::string line;
  while (in.Read(&line, Clock::now() + 3600s)) {
    std::vector<std::string> w = Words(line);
    if (w.empty()) continue;
    if (w[0] == "stats") {
      char buf[200];
      std::snprintf(buf, sizeof buf, " conns=%zu workers=%zu loops=%zu", http.open_connections(),
                    http.worker_threads(), http.loop_threads());
      WriteLine(1, SelfFigures(w.size() > 1 && w[1] == "fds") + ServiceFigures(service, broadcaster) + buf);
    } else if (w[0] == "rate" && w.size() == 2) {
      broadcaster.SetRate(std::atol(w[1].c_str()));
      WriteLine(1, "ok");
    } else if (w[0] == "quit") {
      break;
    } else {
      WriteLine(1, "error unknown command");
    }
  }
  broadcaster.SetRate(0);
  http.stop();
  listener.join();
  server->Shutdown(std::chrono::system_clock::now() + 1s);
  server->Wait();
  WriteLine(1, "ok");
  return 0;
}

// --------------------------------------------------------- --baseline mode

// Latencies recorded while `recording`. Thread-safe.
struct Recorder {
  std::mutex mu;
  std::vector<int64_t> latencies;  // guarded by mu
  std::atomic<bool> recording{false};
  std::atomic<long> received{0};   // while recording
  std::atomic<long> opened{0};
  std::atomic<long> done{0};
  std::atomic<long> failed{0};     // ended with a status other than CANCELLED

  void Record(int64_t ns) {
    if (!recording.load(std::memory_order_relaxed)) return;
    received.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(mu);
    latencies.push_back(ns);
  }
  void Begin() {
    std::lock_guard<std::mutex> lock(mu);
    latencies.clear();
    received = 0;
    recording = true;
  }
  std::vector<int64_t> End() {
    recording = false;
    std::lock_guard<std::mutex> lock(mu);
    return std::move(latencies);
  }
};

// A Feed call read with the callback API.
class FeedReader final : public grpc::ClientReadReactor<scalebench::Event> {
 public:
  FeedReader(scalebench::Scale::Stub* stub, Recorder* recorder, int i) : recorder_(recorder) {
    request_.set_feed("b" + std::to_string(i));
    stub->async()->Feed(&context_, &request_, this);
    StartRead(&event_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;  // OnDone follows
    if (event_.seq() == 0) {
      recorder_->opened.fetch_add(1);
    } else {
      recorder_->Record(NowNs() - event_.sent_ns());
    }
    StartRead(&event_);
  }
  void OnDone(const grpc::Status& status) override {
    if (status.error_code() != grpc::StatusCode::CANCELLED) recorder_->failed.fetch_add(1);
    recorder_->done.fetch_add(1);  // last: the owner may delete this object once it sees the count
  }
  void Cancel() { context_.TryCancel(); }

 private:
  Recorder* const recorder_;
  grpc::ClientContext context_;
  scalebench::FeedRequest request_;
  scalebench::Event event_;
};

// An Echo call driven with the callback API: Send() writes a stamped
// message (or, while a write is in flight, once that one is done); each
// echo is a round trip. The first echo marks the call open. In flood mode,
// each echo sends the next message at once.
class EchoCaller final : public grpc::ClientBidiReactor<scalebench::EchoMessage, scalebench::EchoMessage> {
 public:
  EchoCaller(scalebench::Scale::Stub* stub, Recorder* recorder, const std::atomic<bool>* flood, int i)
      : recorder_(recorder), flood_(flood) {
    out_.set_room("b" + std::to_string(i));
    out_.set_text("0123456789abcdef0123456789abcdef");
    stub->async()->Echo(&context_, this);
    StartRead(&in_);
    Send();
    StartCall();
  }
  void Send() {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_) return;
    if (writing_) {
      pending_ = true;
      return;
    }
    WriteLocked();
  }
  void OnWriteDone(bool ok) override {
    std::lock_guard<std::mutex> lock(mu_);
    writing_ = false;
    if (ok && pending_) {
      pending_ = false;
      WriteLocked();
    }
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (!opened_) {
      opened_ = true;
      recorder_->opened.fetch_add(1);
    } else {
      recorder_->Record(NowNs() - in_.sent_ns());
    }
    StartRead(&in_);
    if (flood_->load(std::memory_order_relaxed)) Send();
  }
  void OnDone(const grpc::Status& status) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ended_ = true;
    }
    if (status.error_code() != grpc::StatusCode::CANCELLED) recorder_->failed.fetch_add(1);
    recorder_->done.fetch_add(1);  // last, as FeedReader's
  }
  void Cancel() { context_.TryCancel(); }

 private:
  void WriteLocked() {
    writing_ = true;
    out_.set_sent_ns(NowNs());
    StartWrite(&out_);
  }
  Recorder* const recorder_;
  const std::atomic<bool>* const flood_;
  grpc::ClientContext context_;
  std::mutex mu_;
  scalebench::EchoMessage out_;  // guarded by mu_ while writing_
  scalebench::EchoMessage in_;
  bool writing_ = false;
  bool pending_ = false;
  bool ended_ = false;   // guarded by mu_: no write after OnDone
  bool opened_ = false;  // reactions of one call do not overlap
};

// Waits until `count` reaches `target` or the deadline; true if reached.
bool AwaitCount(const std::atomic<long>& count, long target, Clock::time_point deadline) {
  while (count.load() < target) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(2ms);
  }
  return true;
}

// The baseline process: the service and callback clients of it through the
// in-process channel. Commands:
//   stats [fds]                as --serve's
//   rate R                     as --serve's
//   feed_open N T              opens N more Feed calls; replies when each got its first event, or after T s
//   echo_open N T              opens N more Echo calls; replies when each got its first echo, or after T s
//   measure S                  records event latencies for S seconds
//   echo_paced S R             sends R echo messages/s in total for S seconds (calls in turn)
//   echo_flood S               one message in flight per call, for S seconds
//   close T                    cancels every call, waits up to T s for them to end
//   quit
int BaselineMain() {
  RaiseFileLimit();
  ScaleService service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  std::unique_ptr<scalebench::Scale::Stub> stub =
      scalebench::Scale::NewStub(server->InProcessChannel(grpc::ChannelArguments()));
  Broadcaster broadcaster(&service.hub());
  Recorder recorder;
  std::atomic<bool> flood{false};
  std::vector<std::unique_ptr<FeedReader>> feeds;
  std::vector<std::unique_ptr<EchoCaller>> echoes;
  WriteLine(1, "port=0");

  LineReader in(0);
  std::string line;
  while (in.Read(&line, Clock::now() + 3600s)) {
    std::vector<std::string> w = Words(line);
    if (w.empty()) continue;
    const std::string& cmd = w[0];
    auto arg = [&](size_t i) { return i < w.size() ? std::atof(w[i].c_str()) : 0.0; };
    if (cmd == "stats") {
      WriteLine(1, SelfFigures(w.size() > 1 && w[1] == "fds") + ServiceFigures(service, broadcaster) +
                       " conns=0 workers=0 loops=0");
    } else if (cmd == "rate") {
      broadcaster.SetRate(static_cast<long>(arg(1)));
      WriteLine(1, "ok");
    } else if (cmd == "feed_open" || cmd == "echo_open") {
      const int n = static_cast<int>(arg(1));
      const auto begin = Clock::now();
      const auto deadline = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arg(2)));
      const long before = recorder.opened.load();
      for (int i = 0; i < n; ++i) {
        if (cmd == "feed_open") {
          feeds.push_back(std::make_unique<FeedReader>(stub.get(), &recorder, static_cast<int>(feeds.size())));
        } else {
          echoes.push_back(std::make_unique<EchoCaller>(stub.get(), &recorder, &flood, static_cast<int>(echoes.size())));
        }
      }
      bool all = AwaitCount(recorder.opened, before + n, deadline);
      char buf[160];
      std::snprintf(buf, sizeof buf, "open=%ld failed=%ld secs=%.3f%s", recorder.opened.load() - before,
                    recorder.failed.load(), Seconds(Clock::now() - begin), all ? "" : " timed_out=1");
      WriteLine(1, buf);
    } else if (cmd == "measure") {
      const auto begin = Clock::now();
      recorder.Begin();
      std::this_thread::sleep_for(std::chrono::duration<double>(arg(1)));
      std::vector<int64_t> lat = recorder.End();
      char buf[80];
      std::snprintf(buf, sizeof buf, "events=%zu secs=%.3f ", lat.size(), Seconds(Clock::now() - begin));
      WriteLine(1, buf + LatencyFigures("", std::move(lat)));
    } else if (cmd == "echo_paced" || cmd == "echo_flood") {
      const auto begin = Clock::now();
      const auto end = begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arg(1)));
      recorder.Begin();
      if (cmd == "echo_flood") {
        flood = true;
        for (auto& e : echoes) e->Send();
        std::this_thread::sleep_until(end);
        flood = false;
      } else {
        const double rate = arg(2);
        long issued = 0;
        size_t cursor = 0;
        for (auto next = begin; Clock::now() < end && !echoes.empty();) {
          next += 1ms;
          std::this_thread::sleep_until(next);
          long due = static_cast<long>(Seconds(Clock::now() - begin) * rate);
          for (; issued < due; ++issued) echoes[cursor++ % echoes.size()]->Send();
        }
      }
      std::vector<int64_t> lat = recorder.End();
      char buf[80];
      std::snprintf(buf, sizeof buf, "events=%zu secs=%.3f ", lat.size(), Seconds(Clock::now() - begin));
      WriteLine(1, buf + LatencyFigures("", std::move(lat)));
      std::this_thread::sleep_for(200ms);  // echoes in flight settle
    } else if (cmd == "close") {
      const auto begin = Clock::now();
      const long target = recorder.done.load() + static_cast<long>(feeds.size() + echoes.size());
      for (auto& f : feeds) f->Cancel();
      for (auto& e : echoes) e->Cancel();
      bool all = AwaitCount(recorder.done, target,
                            begin + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arg(1))));
      if (all) {  // objects of calls not ended stay (their reactions may still run)
        feeds.clear();
        echoes.clear();
      }
      char buf[80];
      std::snprintf(buf, sizeof buf, "ok secs=%.3f%s", Seconds(Clock::now() - begin), all ? "" : " timed_out=1");
      WriteLine(1, buf);
    } else if (cmd == "quit") {
      break;
    } else {
      WriteLine(1, "error unknown command");
    }
  }
  broadcaster.SetRate(0);
  for (auto& f : feeds) f->Cancel();
  for (auto& e : echoes) e->Cancel();
  server->Shutdown(std::chrono::system_clock::now() + 1s);
  server->Wait();
  WriteLine(1, "ok");
  // Calls that never ended keep their objects: leave without destructors.
  std::fflush(stdout);
  std::_Exit(0);
}

// ----------------------------------------------------------- --client mode

int ConnectNonBlocking(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// A masked text frame.
std::string WsTextFrame(const std::string& text) {
  std::string frame;
  frame += static_cast<char>(0x81);
  const size_t n = text.size();
  if (n < 126) {
    frame += static_cast<char>(0x80 | n);
  } else {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>((n >> 8) & 0xFF);
    frame += static_cast<char>(n & 0xFF);
  }
  const unsigned char mask[4] = {0x21, 0x43, 0x65, 0x07};
  frame.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < n; ++i) frame += static_cast<char>(text[i] ^ mask[i & 3]);
  return frame;
}

// The int64 after `"key":"` in [from, to) of `s`, or -1.
int64_t JsonInt64(const std::string& s, size_t from, size_t to, const std::string& key) {
  size_t at = s.find(key, from);
  if (at == std::string::npos || at >= to) return -1;
  return std::strtoll(s.c_str() + at + key.size(), nullptr, 10);
}

// Unary requests on one keep-alive connection, paced evenly over a period,
// on a thread of their own (blocking sockets, bounded by timeouts).
struct UnaryRun {
  std::vector<int64_t> latencies;
  long failed = 0;
};

UnaryRun RunUnary(int port, int count, double seconds) {
  UnaryRun run;
  const std::string request = "GET /v1/ping/u HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  int fd = -1;
  std::string buffer;
  const auto begin = Clock::now();
  for (int i = 0; i < count; ++i) {
    std::this_thread::sleep_until(begin + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(seconds * i / count)));
    if (fd < 0) {
      fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      timeval tv{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(port));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        ::close(fd);
        fd = -1;
        ++run.failed;
        continue;
      }
      buffer.clear();
    }
    const int64_t start = NowNs();
    bool ok = ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size());
    size_t head_end = std::string::npos;
    size_t total = 0;
    while (ok) {
      if (head_end == std::string::npos) {
        head_end = buffer.find("\r\n\r\n");
        if (head_end != std::string::npos) {
          int64_t length = 0;
          size_t cl = buffer.find("Content-Length: ");
          if (cl != std::string::npos && cl < head_end) length = std::atoll(buffer.c_str() + cl + 16);
          total = head_end + 4 + static_cast<size_t>(length);
        }
      }
      if (head_end != std::string::npos && buffer.size() >= total) break;
      char buf[4096];
      ssize_t got = ::recv(fd, buf, sizeof buf, 0);
      if (got <= 0) ok = false;
      else buffer.append(buf, static_cast<size_t>(got));
    }
    if (ok && buffer.compare(0, 12, "HTTP/1.1 200") == 0) {
      run.latencies.push_back(NowNs() - start);
      buffer.erase(0, total);
    } else {
      ++run.failed;
      ::close(fd);
      fd = -1;
    }
  }
  if (fd >= 0) ::close(fd);
  return run;
}

// The load generator: every stream socket on one epoll thread.
class LoadClient {
 public:
  explicit LoadClient(int port) : port_(port), epoll_(::epoll_create1(EPOLL_CLOEXEC)), control_(0) {}

  int Run() {
    ::fcntl(0, F_SETFL, ::fcntl(0, F_GETFL) | O_NONBLOCK);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = kControl;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, 0, &ev);
    WriteLine(1, "port=" + std::to_string(port_));
    std::vector<epoll_event> ready(1024);
    while (!quit_) {
      const bool pacing = task_ == Task::kWsPaced;
      int k = ::epoll_wait(epoll_, ready.data(), static_cast<int>(ready.size()), pacing ? 1 : 20);
      for (int j = 0; j < k; ++j) {
        const uint64_t id = ready[static_cast<size_t>(j)].data.u64;
        if (id == kControl) {
          OnControl();
        } else if (id < conns_.size()) {
          OnSocket(id, ready[static_cast<size_t>(j)].events);
        }
      }
      StartPendingOpens();
      Progress();
    }
    return 0;
  }

 private:
  static constexpr uint64_t kControl = ~uint64_t{0};
  static constexpr size_t kMaxOpening = 256;  // connections between connect and their first message

  enum class Kind { kSse, kWs };
  enum class State { kConnecting, kAwaitHead, kAwaitFirst, kOpen, kEnded };
  enum class Task { kNone, kOpening, kMeasure, kWsPaced, kWsFlood };

  struct Conn {
    int fd = -1;
    Kind kind = Kind::kSse;
    State state = State::kConnecting;
    std::string in;
    size_t in_pos = 0;
    std::string out;
    bool want_out = false;
    bool in_flight = false;  // flood: a message awaits its echo
  };

  void OnControl() {
    std::string line;
    while (control_.TakeBuffered(&line)) Command(line);
  }

  void Command(const std::string& line) {
    std::vector<std::string> w = Words(line);
    if (w.empty()) return;
    auto arg = [&](size_t i) { return i < w.size() ? std::atof(w[i].c_str()) : 0.0; };
    task_begin_ = Clock::now();
    task_cpu_ = CpuSeconds();
    task_wait_ = RunDelaySeconds();
    task_end_ = task_begin_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arg(2)));
    if (w[0] == "sse_open" || w[0] == "ws_open") {
      // sse_open N T / ws_open N T: N more streams; reply when each got its
      // first event (SSE) or its first echo (WebSocket), or after T s.
      const Kind kind = w[0] == "sse_open" ? Kind::kSse : Kind::kWs;
      const int n = static_cast<int>(arg(1));
      open_base_ = opened_;
      open_failed_base_ = failed_;
      open_target_ = n;
      for (int i = 0; i < n; ++i) {
        Conn c;
        c.kind = kind;
        conns_.push_back(std::move(c));
        pending_.push_back(conns_.size() - 1);
      }
      task_ = Task::kOpening;
    } else if (w[0] == "measure") {
      // measure S U: event latencies for S s; U unary requests meanwhile.
      task_end_ = task_begin_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arg(1)));
      BeginRecording();
      const int unary = static_cast<int>(arg(2));
      const double seconds = arg(1);
      const int port = port_;
      unary_result_ = UnaryRun{};
      if (unary > 0) {
        unary_thread_ = std::thread([this, port, unary, seconds] { unary_result_ = RunUnary(port, unary, seconds); });
      }
      task_ = Task::kMeasure;
    } else if (w[0] == "ws_paced") {
      // ws_paced S R: R messages/s in total to the sessions in turn, for S s.
      task_end_ = task_begin_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arg(1)));
      rate_ = arg(2);
      issued_ = 0;
      BeginRecording();
      task_ = Task::kWsPaced;
    } else if (w[0] == "ws_flood") {
      // ws_flood S: one message in flight per session, for S s.
      task_end_ = task_begin_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(arg(1)));
      BeginRecording();
      for (size_t i = 0; i < conns_.size(); ++i) {
        Conn& c = conns_[i];
        if (c.kind == Kind::kWs && c.state == State::kOpen && !c.in_flight) SendEcho(i);
      }
      task_ = Task::kWsFlood;
    } else if (w[0] == "close") {
      for (Conn& c : conns_) {
        if (c.fd >= 0) ::close(c.fd);
      }
      conns_.clear();
      pending_.clear();
      opening_ = 0;
      WriteLine(1, "ok");
    } else if (w[0] == "quit") {
      quit_ = true;
      WriteLine(1, "ok");
    } else {
      WriteLine(1, "error unknown command");
    }
  }

  void BeginRecording() {
    latencies_.clear();
    recording_ = true;
    ended_base_ = ended_;
  }

  void StartPendingOpens() {
    while (!pending_.empty() && opening_ < kMaxOpening) {
      const size_t id = pending_.front();
      pending_.erase(pending_.begin());
      Conn& c = conns_[id];
      c.fd = ConnectNonBlocking(port_);
      if (c.fd < 0) {
        Fail(id);
        continue;
      }
      ++opening_;
      epoll_event ev{};
      ev.events = EPOLLOUT;
      ev.data.u64 = id;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
    }
  }

  // Marks a connection that did not open (or ended) and stops watching it.
  void Fail(size_t id) {
    Conn& c = conns_[id];
    if (c.state == State::kConnecting || c.state == State::kAwaitHead || c.state == State::kAwaitFirst) {
      ++failed_;
      if (c.fd >= 0) --opening_;
    } else if (c.state == State::kOpen) {
      ++ended_;
    }
    c.state = State::kEnded;
    if (c.fd >= 0) {
      ::epoll_ctl(epoll_, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
  }

  void Watch(size_t id, bool out) {
    epoll_event ev{};
    ev.events = out ? EPOLLIN | EPOLLOUT : EPOLLIN;
    ev.data.u64 = id;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, conns_[id].fd, &ev);
    conns_[id].want_out = out;
  }

  void Send(size_t id, const std::string& data) {
    Conn& c = conns_[id];
    c.out += data;
    Flush(id);
  }

  void Flush(size_t id) {
    Conn& c = conns_[id];
    while (!c.out.empty()) {
      ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (n <= 0) return Fail(id);
      c.out.erase(0, static_cast<size_t>(n));
    }
    if (c.out.empty() == c.want_out) Watch(id, !c.out.empty());
  }

  void SendEcho(size_t id) {
    std::string text = "{\"sentNs\":\"" + std::to_string(NowNs()) + "\",\"text\":\"0123456789abcdef0123456789abcdef\"}";
    conns_[id].in_flight = true;
    Send(id, WsTextFrame(text));
  }

  void OnSocket(size_t id, uint32_t events) {
    Conn& c = conns_[id];
    if (c.state == State::kEnded) return;
    if (c.state == State::kConnecting) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0 || (events & (EPOLLERR | EPOLLHUP))) return Fail(id);
      c.state = State::kAwaitHead;
      c.want_out = true;
      const std::string target = c.kind == Kind::kSse ? "/v1/feeds/f" + std::to_string(id)
                                                      : "/v1/rooms/r" + std::to_string(id) + ":echo";
      std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
      request += c.kind == Kind::kSse ? "Accept: text/event-stream\r\n\r\n"
                                      : "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
      return Send(id, request);
    }
    if ((events & EPOLLOUT) && !c.out.empty()) Flush(id);
    if (c.state == State::kEnded || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    char buf[65536];
    for (;;) {
      ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
      if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      if (got <= 0) return Fail(id);
      c.in.append(buf, static_cast<size_t>(got));
      if (static_cast<size_t>(got) < sizeof buf) break;
    }
    Parse(id, NowNs());
  }

  void Opened(size_t id) {
    conns_[id].state = State::kOpen;
    --opening_;
    ++opened_;
  }

  void Parse(size_t id, int64_t now_ns) {
    Conn& c = conns_[id];
    if (c.state == State::kAwaitHead) {
      size_t end = c.in.find("\r\n\r\n");
      if (end == std::string::npos) return;
      const bool ok = c.kind == Kind::kSse ? c.in.compare(0, 12, "HTTP/1.1 200") == 0 &&
                                                 c.in.find("text/event-stream") < end
                                           : c.in.compare(0, 12, "HTTP/1.1 101") == 0;
      if (!ok) {
        if (failed_ < 3) std::fprintf(stderr, "client: refused: %.*s\n", static_cast<int>(std::min<size_t>(end, 200)), c.in.c_str());
        return Fail(id);
      }
      c.in_pos = end + 4;
      c.state = State::kAwaitFirst;
      if (c.kind == Kind::kWs) SendEcho(id);
      if (c.state == State::kEnded) return;
    }
    if (c.kind == Kind::kSse) {
      static const std::string kSent = "\"sentNs\":\"";
      for (;;) {
        size_t end = c.in.find("\n\n", c.in_pos);
        if (end == std::string::npos) break;
        if (c.in.compare(c.in_pos, 5, "data:") == 0) {
          if (c.state == State::kAwaitFirst) {
            Opened(id);
          } else if (recording_) {
            int64_t sent = JsonInt64(c.in, c.in_pos, end, kSent);
            if (sent > 0) latencies_.push_back(now_ns - sent);
          }
        }
        c.in_pos = end + 2;
      }
    } else {
      for (;;) {
        std::string payload;
        int op = TakeFrame(c, &payload);
        if (op < 0) break;
        if (op == 0x8) return Fail(id);
        if (op == 0x9) {  // ping: pong with the same payload
          std::string pong;
          pong += static_cast<char>(0x8A);
          pong += static_cast<char>(0x80 | payload.size());
          pong.append(4, '\0');
          pong += payload;
          Send(id, pong);
          continue;
        }
        if (op != 0x1) continue;
        c.in_flight = false;
        if (c.state == State::kAwaitFirst) {
          Opened(id);
          continue;
        }
        if (recording_) {
          int64_t sent = JsonInt64(payload, 0, payload.size(), "\"sentNs\":\"");
          if (sent > 0) latencies_.push_back(now_ns - sent);
        }
        if (task_ == Task::kWsFlood) SendEcho(id);
        if (c.state == State::kEnded) return;
      }
    }
    if (c.in_pos == c.in.size()) {
      c.in.clear();
      c.in_pos = 0;
    } else if (c.in_pos > 4096) {
      c.in.erase(0, c.in_pos);
      c.in_pos = 0;
    }
  }

  // One complete server frame off c.in: its opcode, or -1.
  static int TakeFrame(Conn& c, std::string* payload) {
    const size_t avail = c.in.size() - c.in_pos;
    if (avail < 2) return -1;
    const unsigned char* b = reinterpret_cast<const unsigned char*>(c.in.data() + c.in_pos);
    uint64_t length = b[1] & 0x7F;
    size_t header = 2;
    if (length == 126) {
      if (avail < 4) return -1;
      length = (uint64_t{b[2]} << 8) | b[3];
      header = 4;
    } else if (length == 127) {
      if (avail < 10) return -1;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | b[2 + i];
      header = 10;
    }
    if (avail < header + length) return -1;
    payload->assign(c.in, c.in_pos + header, length);
    c.in_pos += header + length;
    return b[0] & 0x0F;
  }

  // Advances the running command; replies when it is done.
  void Progress() {
    const auto now = Clock::now();
    switch (task_) {
      case Task::kNone:
        return;
      case Task::kOpening: {
        const long settled = (opened_ - open_base_) + (failed_ - open_failed_base_);
        const bool timed_out = now > task_end_;
        if (settled < open_target_ && !timed_out) return;
        char buf[160];
        std::snprintf(buf, sizeof buf, "open=%ld failed=%ld secs=%.3f%s", opened_ - open_base_,
                      failed_ - open_failed_base_, Seconds(now - task_begin_), timed_out ? " timed_out=1" : "");
        if (timed_out) {  // what has not opened by now is dropped
          for (size_t i = 0; i < conns_.size(); ++i) {
            if (conns_[i].state != State::kOpen && conns_[i].state != State::kEnded) Fail(i);
          }
          pending_.clear();
        }
        WriteLine(1, buf);
        task_ = Task::kNone;
        return;
      }
      case Task::kWsPaced: {
        if (now < task_end_) {
          long due = static_cast<long>(Seconds(now - task_begin_) * rate_);
          for (; issued_ < due; ++issued_) {
            // The next open session in turn.
            for (size_t tries = 0; tries < conns_.size(); ++tries) {
              Conn& c = conns_[cursor_++ % conns_.size()];
              if (c.kind == Kind::kWs && c.state == State::kOpen) {
                SendEcho(static_cast<size_t>(&c - conns_.data()));
                break;
              }
            }
          }
          return;
        }
        break;
      }
      case Task::kMeasure:
      case Task::kWsFlood:
        if (now < task_end_) return;
        break;
    }
    recording_ = false;
    const double secs = Seconds(now - task_begin_);
    char buf[120];
    std::snprintf(buf, sizeof buf, "events=%zu secs=%.3f ended=%ld client_cpu_s=%.3f client_wait_s=%.3f ",
                  latencies_.size(), secs, ended_ - ended_base_, CpuSeconds() - task_cpu_,
                  RunDelaySeconds() - task_wait_);
    std::string reply = buf + LatencyFigures("", std::move(latencies_));
    latencies_.clear();
    if (unary_thread_.joinable()) {
      unary_thread_.join();  // paced to end with the measurement; its timeouts bound it
      std::snprintf(buf, sizeof buf, " unary_failed=%ld ", unary_result_.failed);
      reply += buf + LatencyFigures("unary_", std::move(unary_result_.latencies));
    }
    WriteLine(1, reply);
    task_ = Task::kNone;
  }

  const int port_;
  const int epoll_;
  LineReader control_;
  bool quit_ = false;
  std::vector<Conn> conns_;
  std::vector<size_t> pending_;  // not connected yet
  size_t opening_ = 0;           // connected, not open yet
  long opened_ = 0;
  long failed_ = 0;
  long ended_ = 0;  // open, then closed by the server
  Task task_ = Task::kNone;
  Clock::time_point task_begin_;
  Clock::time_point task_end_;
  double task_cpu_ = 0;   // this process's CPU time when the command came
  double task_wait_ = 0;  // and its run delay
  long open_base_ = 0;
  long open_failed_base_ = 0;
  long open_target_ = 0;
  long ended_base_ = 0;
  bool recording_ = false;
  std::vector<int64_t> latencies_;
  double rate_ = 0;
  long issued_ = 0;
  size_t cursor_ = 0;
  std::thread unary_thread_;
  UnaryRun unary_result_;
};

int ClientMain(int port) {
  RaiseFileLimit();
  LoadClient client(port);
  return client.Run();
}

// ------------------------------------------------------------------ driver

std::vector<pid_t> g_children;  // for the watchdog

void Watchdog(int) {
  for (pid_t pid : g_children) ::kill(pid, SIGKILL);
  static const char msg[] = "stream_scale_bench: over the run's time limit, stopped\n";
  ssize_t ignored = ::write(2, msg, sizeof msg - 1);
  (void)ignored;
  ::_exit(2);
}

// A child process running this binary in another mode, commanded over its
// stdin and answering on its stdout.
class Child {
 public:
  Child(const std::string& name, const std::vector<std::string>& args) : name_(name) {
    int to[2], from[2];
    if (::pipe2(to, O_CLOEXEC) != 0 || ::pipe2(from, O_CLOEXEC) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(to[0], 0);
      ::dup2(from[1], 1);
      std::vector<char*> argv;
      std::string self = "/proc/self/exe";
      argv.push_back(const_cast<char*>(self.c_str()));
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv("/proc/self/exe", argv.data());
      ::_exit(127);
    }
    ::close(to[0]);
    ::close(from[1]);
    in_ = to[1];
    out_ = from[0];
    reader_ = std::make_unique<LineReader>(out_);
    g_children.push_back(pid_);
    std::string first;
    if (reader_->Read(&first, Clock::now() + 20s)) port_ = static_cast<int>(ParseFigures(first)["port"]);
  }
  ~Child() {
    if (pid_ <= 0) return;
    if (!quit_) {
      WriteLine(in_, "quit");
      std::string line;
      reader_->Read(&line, Clock::now() + 10s);
    }
    ::close(in_);
    ::close(out_);
    bool exited = false;
    for (int i = 0; i < 100 && !exited; ++i) {
      exited = ::waitpid(pid_, nullptr, WNOHANG) == pid_;
      if (!exited) std::this_thread::sleep_for(50ms);
    }
    if (!exited) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    Forget();
  }
  bool started() const { return port_ >= 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }

  // Sends `command`; returns its reply's figures (empty, with a note on
  // stderr, when none came within `timeout`).
  Figures Ask(const std::string& command, std::chrono::seconds timeout, std::string* raw = nullptr) {
    if (command == "quit") quit_ = true;
    WriteLine(in_, command);
    std::string line;
    if (!reader_->Read(&line, Clock::now() + timeout)) {
      std::fprintf(stderr, "%s: no answer to '%s' within %lld s\n", name_.c_str(), command.c_str(),
                   static_cast<long long>(timeout.count()));
      return {};
    }
    if (raw) *raw = line;
    if (std::getenv("SCALE_BENCH_VERBOSE")) std::fprintf(stderr, "%s < %s\n%s > %s\n", name_.c_str(), command.c_str(),
                                                         name_.c_str(), line.c_str());
    return ParseFigures(line);
  }

 private:
  void Forget() { g_children.erase(std::remove(g_children.begin(), g_children.end(), pid_), g_children.end()); }
  std::string name_;
  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  int port_ = -1;
  bool quit_ = false;
  std::unique_ptr<LineReader> reader_;
};

// CPU time of a process over a phase, and the time its threads waited for
// a CPU.
struct Usage {
  double cpu = 0;
  double wait = 0;
};

Usage Between(Figures a, Figures b) { return Usage{b["cpu_s"] - a["cpu_s"], b["wait_s"] - a["wait_s"]}; }

// Figures of one section (gateway or baseline).
struct Section {
  bool ran = false;
  long asked = 0;
  long held = 0;
  double open_secs = 0;
  bool open_timed_out = false;
  std::vector<Figures> steps;  // server stats: before opening, then after each step
  std::vector<long> step_counts;
  double idle_cpu = 0;  // fraction of a core, streams open and quiet
  double idle_secs = 0;
  Figures load;         // client's measurement
  Usage load_use;       // the serving process during the measurement
  double load_secs = 0;
  double sent = 0;      // service writes during the measurement (SSE)
  double skipped = 0;
  Figures half;          // WebSocket: paced at half the rate first
  Usage half_use;
  Figures flood;         // WebSocket: one message in flight per session
  Usage flood_use;
  Figures after;        // server stats after the clients vanished
  double drain_secs = -1;
};

double KiB(double kb) { return kb; }  // VmRSS is in kB (KiB)

// Opens streams in steps, recording the server after each.
void OpenInSteps(Child& server, Child& opener, const char* open_cmd, const std::vector<long>& steps, Section* s) {
  s->steps.push_back(server.Ask("stats fds", 10s));
  s->step_counts.push_back(0);
  long have = 0;
  for (long target : steps) {
    Figures r = opener.Ask(std::string(open_cmd) + " " + std::to_string(target - have) + " 60", 70s);
    s->held += static_cast<long>(r["open"]);
    s->open_secs += r["secs"];
    if (r.count("timed_out") || r.empty()) s->open_timed_out = true;
    have = target;
    std::this_thread::sleep_for(300ms);  // let the last allocations settle
    s->steps.push_back(server.Ask("stats fds", 10s));
    s->step_counts.push_back(target);
    if (s->open_timed_out) break;
  }
}

void MeasureIdle(Child& server, Section* s) {
  Figures a = server.Ask("stats", 10s);
  auto t0 = Clock::now();
  std::this_thread::sleep_for(3s);
  Figures b = server.Ask("stats", 10s);
  s->idle_secs = Seconds(Clock::now() - t0);
  s->idle_cpu = (b["cpu_s"] - a["cpu_s"]) / s->idle_secs;
}

// Waits until the server has no open calls and connections left.
void MeasureDrain(Child& server, Section* s, std::chrono::seconds limit) {
  auto t0 = Clock::now();
  for (;;) {
    Figures f = server.Ask("stats", 10s);
    s->after = f;
    if (f["feeds"] == 0 && f["echoes"] == 0 && f["conns"] == 0) {
      s->drain_secs = Seconds(Clock::now() - t0);
      s->after = server.Ask("stats fds", 10s);
      return;
    }
    if (Clock::now() - t0 > limit) return;
    std::this_thread::sleep_for(50ms);
  }
}

Section RunSseBaseline(long n, long rate, int seconds) {
  Section s;
  Child base("baseline", {"--baseline"});
  if (!base.started()) return s;
  s.ran = true;
  s.asked = n;
  std::vector<long> steps;
  for (long step : {1000L, 5000L, n}) {
    if (step <= n && (steps.empty() || step > steps.back())) steps.push_back(step);
  }
  OpenInSteps(base, base, "feed_open", steps, &s);
  MeasureIdle(base, &s);
  base.Ask("rate " + std::to_string(rate), 5s);
  std::this_thread::sleep_for(1s);
  Figures a = base.Ask("stats", 10s);
  s.load = base.Ask("measure " + std::to_string(seconds), std::chrono::seconds(seconds + 20));
  Figures b = base.Ask("stats", 10s);
  base.Ask("rate 0", 5s);
  s.load_use = Between(a, b);
  s.load_secs = s.load["secs"];
  s.sent = b["sent"] - a["sent"];
  s.skipped = b["skipped"] - a["skipped"];
  auto t0 = Clock::now();
  Figures closed = base.Ask("close 30", 40s);
  if (!closed.count("timed_out") && !closed.empty()) s.drain_secs = Seconds(Clock::now() - t0);
  s.after = base.Ask("stats fds", 10s);
  return s;
}

Section RunSseGateway(long n, long rate, int seconds, int unary) {
  Section s;
  Child server("serve", {"--serve"});
  if (!server.started()) return s;
  Child client("client", {"--client", std::to_string(server.port())});
  if (!client.started()) return s;
  s.ran = true;
  s.asked = n;
  std::vector<long> steps;
  for (long step : {1000L, 5000L, n}) {
    if (step <= n && (steps.empty() || step > steps.back())) steps.push_back(step);
  }
  OpenInSteps(server, client, "sse_open", steps, &s);
  MeasureIdle(server, &s);
  server.Ask("rate " + std::to_string(rate), 5s);
  std::this_thread::sleep_for(1s);
  Figures a = server.Ask("stats", 10s);
  s.load = client.Ask("measure " + std::to_string(seconds) + " " + std::to_string(unary),
                      std::chrono::seconds(seconds + 20));
  Figures b = server.Ask("stats", 10s);
  server.Ask("rate 0", 5s);
  s.load_use = Between(a, b);
  s.load_secs = s.load["secs"];
  s.sent = b["sent"] - a["sent"];
  s.skipped = b["skipped"] - a["skipped"];
  client.Ask("close", 20s);
  MeasureDrain(server, &s, 20s);
  return s;
}

Section RunWsBaseline(long n, long rate, int seconds) {
  Section s;
  Child base("baseline", {"--baseline"});
  if (!base.started()) return s;
  s.ran = true;
  s.asked = n;
  OpenInSteps(base, base, "echo_open", {std::min(n, 1000L), n}, &s);
  MeasureIdle(base, &s);
  auto phase = [&](const std::string& command, int secs, Figures* out, Usage* use) {
    Figures a = base.Ask("stats", 10s);
    *out = base.Ask(command, std::chrono::seconds(secs + 20));
    Figures b = base.Ask("stats", 10s);
    *use = Between(a, b);
    std::this_thread::sleep_for(500ms);  // what is in flight settles
  };
  const int half_secs = std::max(1, seconds / 2);
  phase("echo_paced " + std::to_string(half_secs) + " " + std::to_string(rate / 2), half_secs, &s.half, &s.half_use);
  phase("echo_paced " + std::to_string(seconds) + " " + std::to_string(rate), seconds, &s.load, &s.load_use);
  s.load_secs = s.load["secs"];
  phase("echo_flood 4", 4, &s.flood, &s.flood_use);
  auto t0 = Clock::now();
  Figures closed = base.Ask("close 30", 40s);
  if (!closed.count("timed_out") && !closed.empty()) s.drain_secs = Seconds(Clock::now() - t0);
  s.after = base.Ask("stats fds", 10s);
  return s;
}

Section RunWsGateway(long n, long rate, int seconds) {
  Section s;
  Child server("serve", {"--serve"});
  if (!server.started()) return s;
  Child client("client", {"--client", std::to_string(server.port())});
  if (!client.started()) return s;
  s.ran = true;
  s.asked = n;
  OpenInSteps(server, client, "ws_open", {std::min(n, 1000L), n}, &s);
  MeasureIdle(server, &s);
  auto phase = [&](const std::string& command, int secs, Figures* out, Usage* use) {
    Figures a = server.Ask("stats", 10s);
    *out = client.Ask(command, std::chrono::seconds(secs + 20));
    Figures b = server.Ask("stats", 10s);
    *use = Between(a, b);
    std::this_thread::sleep_for(500ms);  // what is in flight settles
  };
  const int half_secs = std::max(1, seconds / 2);
  phase("ws_paced " + std::to_string(half_secs) + " " + std::to_string(rate / 2), half_secs, &s.half, &s.half_use);
  phase("ws_paced " + std::to_string(seconds) + " " + std::to_string(rate), seconds, &s.load, &s.load_use);
  s.load_secs = s.load["secs"];
  phase("ws_flood 4", 4, &s.flood, &s.flood_use);
  client.Ask("close", 20s);
  MeasureDrain(server, &s, 20s);
  return s;
}

// ------------------------------------------------------------------ report

std::string Fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

void Row(const std::string& what, const std::string& gateway, const std::string& baseline,
         const std::string& compare, const std::string& target) {
  std::printf("  %-44s %-22s %-22s %-16s %s\n", what.c_str(), gateway.c_str(), baseline.c_str(), compare.c_str(),
              target.c_str());
}

// RSS per stream from the first to the last step, in KiB.
double RssPerStream(const Section& s) {
  if (s.steps.size() < 2 || s.step_counts.back() == 0) return 0;
  return (s.steps.back().at("rss_kb") - s.steps.front().at("rss_kb")) / static_cast<double>(s.step_counts.back());
}

std::string StepList(const Section& s, const char* key, double scale, const char* format) {
  std::string out;
  for (const Figures& f : s.steps) {
    if (!out.empty()) out += "/";
    auto it = f.find(key);
    out += it == f.end() ? "?" : Fmt(format, it->second * scale);
  }
  return out;
}

std::string CountList(const Section& s) {
  std::string out;
  for (long n : s.step_counts) {
    if (!out.empty()) out += "/";
    out += n % 1000 == 0 && n > 0 ? std::to_string(n / 1000) + "k" : std::to_string(n);
  }
  return out;
}

double Get(const Figures& f, const char* key) {
  auto it = f.find(key);
  return it == f.end() ? 0 : it->second;
}

std::string Ratio(double a, double b) { return b > 0 ? Fmt("x%.2f", a / b) : "-"; }

// One load phase: rate, latency, CPU of the serving process and of the
// load generator.
void PrintLoad(const std::string& what, const Figures& gw, Usage gw_use, const Figures& base, Usage base_use,
               bool sse, bool paced = true) {
  const double gw_cpu = gw_use.cpu, base_cpu = base_use.cpu;
  const double gw_secs = std::max(1e-9, Get(gw, "secs")), base_secs = std::max(1e-9, Get(base, "secs"));
  const double gw_n = Get(gw, "events"), base_n = Get(base, "events");
  const char* lat = sse ? "write -> read" : "round trip";
  std::printf("  %s:\n", what.c_str());
  Row(std::string("  ") + (sse ? "events" : "echoes") + "/s received", Fmt("%.0f", gw_n / gw_secs),
      Fmt("%.0f", base_n / base_secs), Ratio(gw_n / gw_secs, base_n / base_secs), "");
  Row(std::string("  ") + lat + " p50 / p99 (ms)",
      Fmt("%.3f", Get(gw, "p50_ms")) + " / " + Fmt("%.3f", Get(gw, "p99_ms")),
      Fmt("%.3f", Get(base, "p50_ms")) + " / " + Fmt("%.3f", Get(base, "p99_ms")),
      Fmt("%+.3f", Get(gw, "p99_ms") - Get(base, "p99_ms")), paced ? "p99 < 50 ms" : "");
  Row(std::string("  ") + lat + " max (ms)", Fmt("%.3f", Get(gw, "max_ms")), Fmt("%.3f", Get(base, "max_ms")), "",
      "");
  const double gw_pct = gw_cpu / gw_secs * 100, base_pct = base_cpu / base_secs * 100;
  Row("  server CPU (% core)", Fmt("%.1f", gw_pct), Fmt("%.1f", base_pct), Fmt("%+.1f", gw_pct - base_pct), "");
  const double gw_us = gw_n > 0 ? gw_cpu * 1e6 / gw_n : 0, base_us = base_n > 0 ? base_cpu * 1e6 / base_n : 0;
  Row(std::string("  server CPU per ") + (sse ? "event" : "echo") + " (us)", Fmt("%.1f", gw_us), Fmt("%.1f", base_us),
      Ratio(gw_us, base_us), "");
  Row("  load generator CPU (% core)", Fmt("%.1f", Get(gw, "client_cpu_s") / gw_secs * 100), "(in server CPU)", "",
      "");
  // Threads that were ready to run but had no CPU: other work on the
  // machine (or the two processes between themselves).
  Row("  waiting for a CPU: server / generator (% wall)",
      Fmt("%.0f", gw_use.wait / gw_secs * 100) + " / " + Fmt("%.0f", Get(gw, "client_wait_s") / gw_secs * 100),
      Fmt("%.0f", base_use.wait / base_secs * 100), "", "");
}

void PrintSection(const char* title, const Section& gw, const Section& base, long rate, bool sse) {
  const char* unit = sse ? "stream" : "session";
  std::printf("\n%s\n", title);
  Row("", "gateway", "baseline (in-process)", "gw vs base", "target");
  if (!gw.ran || !base.ran) {
    std::printf("  (a process did not start; section not measured)\n");
    if (!gw.ran) return;
  }
  Row(std::string(sse ? "streams" : "sessions") + " held (asked " + std::to_string(gw.asked) + ")",
      std::to_string(gw.held) + (gw.open_timed_out ? " TIMED OUT" : ""),
      std::to_string(base.held) + (base.open_timed_out ? " TIMED OUT" : ""), "",
      sse ? "10,000 held" : "");
  Row("opening them (s, " + std::string(sse ? "first event" : "first echo") + " back)", Fmt("%.2f", gw.open_secs),
      Fmt("%.2f", base.open_secs), "", "");
  auto open_cpu_us = [](const Section& x) {
    if (x.steps.size() < 2 || x.step_counts.back() == 0) return 0.0;
    return (Get(x.steps.back(), "cpu_s") - Get(x.steps.front(), "cpu_s")) * 1e6 / static_cast<double>(x.step_counts.back());
  };
  Row("  server CPU per " + std::string(unit) + " opened (us)", Fmt("%.0f", open_cpu_us(gw)),
      Fmt("%.0f", open_cpu_us(base)), Ratio(open_cpu_us(gw), open_cpu_us(base)), "");
  const double gw_kib = RssPerStream(gw), base_kib = RssPerStream(base);
  Row("RSS per idle " + std::string(unit) + " (KiB)", Fmt("%.1f", KiB(gw_kib)), Fmt("%.1f", KiB(base_kib)),
      Fmt("%+.1f KiB", gw_kib - base_kib), sse ? "< +20 KiB" : "");
  Row("RSS (MiB) at " + CountList(gw), StepList(gw, "rss_kb", 1.0 / 1024, "%.0f"),
      StepList(base, "rss_kb", 1.0 / 1024, "%.0f"), "", "");
  Row("server threads at " + CountList(gw), StepList(gw, "threads", 1, "%.0f"), StepList(base, "threads", 1, "%.0f"),
      "", "flat");
  Row("  of them handler workers (pool, <= max_threads)", StepList(gw, "workers", 1, "%.0f"), "", "", "");
  if (!gw.steps.empty()) Row("  and event loops", Fmt("%.0f", Get(gw.steps.back(), "loops")), "", "", "");
  Row("server fds at " + CountList(gw), StepList(gw, "fds", 1, "%.0f"), StepList(base, "fds", 1, "%.0f"), "", "");
  Row("idle CPU, all open, heartbeats off (% core)", Fmt("%.1f", gw.idle_cpu * 100), Fmt("%.1f", base.idle_cpu * 100),
      "", "");
  if (sse) {
    PrintLoad("at " + std::to_string(rate) + " events/s asked", gw.load, gw.load_use, base.load, base.load_use, true);
    Row("  service writes skipped (previous still pending)", Fmt("%.0f", gw.skipped), Fmt("%.0f", base.skipped), "",
        "");
    Row("unary p50 / p99 meanwhile (ms; " + Fmt("%.0f", Get(gw.load, "unary_n")) + " ok, " +
            Fmt("%.0f", Get(gw.load, "unary_failed")) + " failed)",
        Fmt("%.3f", Get(gw.load, "unary_p50_ms")) + " / " + Fmt("%.3f", Get(gw.load, "unary_p99_ms")), "", "",
        "p99 < 50 ms");
  } else {
    PrintLoad("at " + std::to_string(rate / 2) + " echoes/s sent", gw.half, gw.half_use, base.half, base.half_use,
              false);
    PrintLoad("at " + std::to_string(rate) + " echoes/s sent", gw.load, gw.load_use, base.load, base.load_use, false);
    PrintLoad("one echo in flight per session", gw.flood, gw.flood_use, base.flood, base.flood_use, false,
              /*paced=*/false);
  }
  Row(std::string(sse ? "streams" : "sessions") + " the server ended meanwhile", Fmt("%.0f", Get(gw.load, "ended")),
      "", "", "0");
  // After the clients vanished.
  const Figures& before = gw.steps.empty() ? Figures{} : gw.steps.front();
  Row("all clients gone: calls ended, conns closed (s)", gw.drain_secs < 0 ? "NOT WITHIN 20 s" : Fmt("%.2f", gw.drain_secs),
      base.drain_secs < 0 ? "-" : Fmt("%.2f", base.drain_secs), "", "");
  Row("  then threads / fds (before opening)",
      Fmt("%.0f", Get(gw.after, "threads")) + " / " + Fmt("%.0f", Get(gw.after, "fds")) + " (" +
          Fmt("%.0f", Get(before, "threads")) + " / " + Fmt("%.0f", Get(before, "fds")) + ")",
      "", "", "");
  Row("  then open calls / connections",
      Fmt("%.0f", Get(gw.after, sse ? "feeds" : "echoes")) + " / " + Fmt("%.0f", Get(gw.after, "conns")), "", "",
      "0 / 0");
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

int DriverMain(long sse_n, long ws_n, long rate, int seconds) {
  ::signal(SIGALRM, Watchdog);
  ::signal(SIGPIPE, SIG_IGN);
  ::alarm(240);
  const auto begin = Clock::now();
  std::printf("stream_scale_bench: loopback, %u cores; gateway, load generator (one epoll thread) and baseline\n"
              "each in a process of its own; open-file limit %ld\n",
              std::thread::hardware_concurrency(), FileLimit());
  std::printf("load average at the start: %s (other work on the machine skews CPU and latency figures)\n",
              LoadAverage().c_str());
  std::printf("baseline = the same calls through the serving process's in-process gRPC channel, callback-API\n"
              "client, no HTTP: the gateway's own cost is the difference\n");
  std::fflush(stdout);
  if (sse_n > 0) {
  Section sse_base = RunSseBaseline(sse_n, rate, seconds);
  Section sse_gw = RunSseGateway(sse_n, rate, seconds, 300);
  PrintSection(("SSE: " + std::to_string(sse_n) + " Feed streams, heartbeats off, then " + std::to_string(rate) +
                " events/s in total (32-byte payload)")
                   .c_str(),
               sse_gw, sse_base, rate, true);
  std::fflush(stdout);
  }
  if (ws_n > 0) {
  Section ws_base = RunWsBaseline(ws_n, rate, seconds);
  Section ws_gw = RunWsGateway(ws_n, rate, seconds);
  PrintSection(("WebSocket: " + std::to_string(ws_n) + " Echo sessions, pings off, then " + std::to_string(rate) +
                " echoes/s in total")
                   .c_str(),
               ws_gw, ws_base, rate, false);
  }
  std::printf("\ntotal %.1f s; load average at the end: %s\n", Seconds(Clock::now() - begin), LoadAverage().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "--serve") return ServeMain();
  if (!args.empty() && args[0] == "--baseline") return BaselineMain();
  if (args.size() == 2 && args[0] == "--client") return ClientMain(std::atoi(args[1].c_str()));
  long sse_n = 10000, ws_n = 5000, rate = 10000;
  int seconds = 8;
  for (size_t i = 0; i + 1 < args.size(); i += 2) {
    if (args[i] == "--sse") sse_n = std::atol(args[i + 1].c_str());
    else if (args[i] == "--ws") ws_n = std::atol(args[i + 1].c_str());
    else if (args[i] == "--rate") rate = std::atol(args[i + 1].c_str());
    else if (args[i] == "--seconds") seconds = std::atoi(args[i + 1].c_str());
    else return std::fprintf(stderr, "usage: %s [--sse N] [--ws M] [--rate R] [--seconds S]\n", argv[0]), 2;
  }
  if (args.size() % 2 != 0 || sse_n < 0 || ws_n < 0 || rate < 1 || seconds < 1 || seconds > 30) {
    return std::fprintf(stderr, "usage: %s [--sse N] [--ws M] [--rate R] [--seconds S<=30]\n", argv[0]), 2;
  }
  return DriverMain(sse_n, ws_n, rate, seconds);
}
