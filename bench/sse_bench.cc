// SSE benchmark: a streaming service (bench/sse_bench.proto) behind a
// gateway on loopback, and SSE clients on raw sockets driven by one epoll
// loop in the same process. Prints:
//   - events per second delivered to 1, 100 and 1,000 concurrent clients
//     (the service writes as fast as each stream takes its messages);
//   - a baseline for those figures, measured in the same run: the same
//     events read straight from the service through the in-process gRPC
//     channel (a sync ClientReader per stream, one thread each, no HTTP) at
//     1 and 100 concurrent streams, and the ratio gateway/baseline;
//   - latency from the service's write to the client's read, p50/p99, both
//     under that full load and with the service pacing its writes;
//   - gateway memory per open idle stream (VmRSS delta / streams) and
//     threads per stream.
//
//   sse_bench [--quick]        --quick: a tenth of the events
//
// Bounded: every phase stops at its deadline and says so. Figures vary with
// the machine and its load; nothing is asserted.
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcgw/grpcgw.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/server_builder.h>

#include "sse_bench.grpc.pb.h"
#include "sse_bench.grpcgw.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

long ProcStatus(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  size_t n = std::strlen(field);
  while (std::getline(in, line)) {
    if (line.compare(0, n, field) == 0 && line.size() > n && line[n] == ':') return std::atol(line.c_str() + n + 1);
  }
  return -1;
}

// Runs callbacks after a delay, on one thread. Thread-safe.
class Pacer {
 public:
  Pacer() : thread_([this] { Run(); }) {}
  ~Pacer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void After(std::chrono::milliseconds delay, std::function<void()> fn) {
    std::lock_guard<std::mutex> lock(mu_);
    due_.emplace(Clock::now() + delay, std::move(fn));
    cv_.notify_all();
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
      if (due_.empty()) {
        cv_.wait(lock);
      } else if (due_.begin()->first > Clock::now()) {
        cv_.wait_until(lock, due_.begin()->first);
      } else {
        auto fn = std::move(due_.begin()->second);
        due_.erase(due_.begin());
        lock.unlock();
        fn();
        lock.lock();
      }
    }
    due_.clear();
  }
  std::mutex mu_;
  std::condition_variable cv_;
  std::multimap<Clock::time_point, std::function<void()>> due_;  // guarded by mu_
  bool stopping_ = false;                                        // guarded by mu_
  std::thread thread_;
};

// Writes request.count ticks, stamping each right before its write; paced
// or back to back; then ends OK, or holds the stream open until cancelled.
class TickReactor final : public grpc::ServerWriteReactor<ssebench::Tick>,
                          public std::enable_shared_from_this<TickReactor> {
 public:
  TickReactor(Pacer* pacer, const ssebench::TickRequest& request)
      : pacer_(pacer), request_(request), payload_(static_cast<size_t>(std::max(0, request.payload_bytes())), 'x') {}

  static grpc::ServerWriteReactor<ssebench::Tick>* Start(Pacer* pacer, const ssebench::TickRequest& request) {
    auto reactor = std::make_shared<TickReactor>(pacer, request);
    reactor->self_ = reactor;
    reactor->Next();
    return reactor.get();
  }

  void OnWriteDone(bool ok) override {
    auto keep = shared_from_this();  // OnDone may drop self_ once Finish is called
    bool pause;
    {
      std::lock_guard<std::mutex> lock(mu_);
      busy_ = false;
      ++sent_;
      if (!ok || cancelled_) return FinishLocked(grpc::Status::CANCELLED);
      pause = request_.interval_ms() > 0 && sent_ < request_.count();
      busy_ = pause;
    }
    if (!pause) return Next();
    pacer_->After(std::chrono::milliseconds(request_.interval_ms()), [self = std::move(keep)] {
      {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->busy_ = false;
        if (self->cancelled_) return self->FinishLocked(grpc::Status::CANCELLED);
      }
      self->Next();
    });
  }

  void OnCancel() override {
    auto keep = shared_from_this();
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    if (!busy_) FinishLocked(grpc::Status::CANCELLED);
  }

  void OnDone() override { auto last = std::move(self_); }

 private:
  void Next() {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    if (sent_ >= request_.count()) {
      if (!request_.hold()) FinishLocked(grpc::Status::OK);
      return;  // holding: OnCancel finishes
    }
    tick_.set_seq(sent_);
    tick_.set_payload(payload_);
    tick_.set_sent_ns(NowNs());
    busy_ = true;
    StartWrite(&tick_);
  }
  // Callers hold a reference of their own, so OnDone cannot free this
  // object under mu_.
  void FinishLocked(const grpc::Status& status) {
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  Pacer* const pacer_;
  const ssebench::TickRequest request_;
  const std::string payload_;
  std::shared_ptr<TickReactor> self_;
  ssebench::Tick tick_;
  std::mutex mu_;
  int64_t sent_ = 0;        // guarded by mu_ (written in OnWriteDone only)
  bool busy_ = false;       // a write or a pause in progress; guarded by mu_
  bool cancelled_ = false;  // guarded by mu_
  bool finished_ = false;   // guarded by mu_
};

class TickerService final : public ssebench::Ticker::CallbackService {
 public:
  grpc::ServerWriteReactor<ssebench::Tick>* Ticks(grpc::CallbackServerContext*,
                                                  const ssebench::TickRequest* request) override {
    return TickReactor::Start(&pacer_, *request);
  }

 private:
  Pacer pacer_;
};

// ------------------------------------------------------------ clients

struct Client {
  int fd = -1;
  std::string buffer;
  bool head_done = false;
  bool ended = false;   // EOS or close
  bool failed = false;  // not a 200 event stream
  long events = 0;
};

struct Results {
  long events = 0;
  long bytes = 0;  // received, response heads included
  long clients_done = 0;
  long failed = 0;
  double seconds = 0;
  bool timed_out = false;
  std::vector<int64_t> latencies_ns;
};

int Connect(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

// Consumes complete events of `c`; records latencies of ticks.
void Parse(Client& c, Results& r, int64_t now_ns) {
  size_t pos = 0;
  if (!c.head_done) {
    size_t end = c.buffer.find("\r\n\r\n");
    if (end == std::string::npos) return;
    c.head_done = true;
    if (c.buffer.compare(0, 12, "HTTP/1.1 200") != 0 ||
        c.buffer.find("text/event-stream") == std::string::npos) {
      c.failed = c.ended = true;
      return;
    }
    pos = end + 4;
  }
  static const std::string kSent = "\"sentNs\":\"";
  for (;;) {
    size_t end = c.buffer.find("\n\n", pos);
    if (end == std::string::npos) break;
    if (c.buffer.compare(pos, 7, "id: EOS") == 0) {
      c.ended = true;
    } else if (c.buffer.compare(pos, 5, "data:") == 0) {
      ++c.events;
      ++r.events;
      size_t at = c.buffer.find(kSent, pos);
      if (at != std::string::npos && at < end) {
        r.latencies_ns.push_back(now_ns - std::strtoll(c.buffer.c_str() + at + kSent.size(), nullptr, 10));
      }
    }
    pos = end + 2;
  }
  c.buffer.erase(0, pos);
}

// Opens `n` streams of `target_of(i)` and reads them until every one has
// ended (EOS or close), `stop_after_events` events per client have arrived
// (0: no such stop), or the deadline. The sockets stay open in `clients`.
Results RunClients(int port, int n, const std::function<std::string(int)>& target_of,
                   std::chrono::seconds deadline, std::vector<Client>* clients, long stop_after_events = 0) {
  Results r;
  int ep = ::epoll_create1(0);
  clients->assign(static_cast<size_t>(n), Client{});
  auto begin = Clock::now();
  for (int i = 0; i < n; ++i) {
    Client& c = (*clients)[static_cast<size_t>(i)];
    c.fd = Connect(port);
    std::string req = "GET " + target_of(i) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n";
    if (c.fd < 0 || ::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
      c.failed = c.ended = true;
      continue;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    ::epoll_ctl(ep, EPOLL_CTL_ADD, c.fd, &ev);
  }
  long open = 0;
  for (const Client& c : *clients) open += c.ended ? 0 : 1;
  std::vector<epoll_event> ready(256);
  char buf[65536];
  long reached = 0;
  while (open > 0 && (stop_after_events == 0 || reached < open)) {
    if (Clock::now() - begin > deadline) {
      r.timed_out = true;
      break;
    }
    int k = ::epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 200);
    int64_t now_ns = NowNs();
    for (int j = 0; j < k; ++j) {
      Client& c = (*clients)[ready[static_cast<size_t>(j)].data.u32];
      if (c.ended) continue;
      ssize_t got = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
      if (got <= 0) {
        c.ended = true;
      } else {
        c.buffer.append(buf, static_cast<size_t>(got));
        r.bytes += got;
        long before = c.events;
        Parse(c, r, now_ns);
        if (stop_after_events > 0 && before < stop_after_events && c.events >= stop_after_events) ++reached;
      }
      if (c.ended) {
        --open;
        ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
      }
    }
  }
  r.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  for (const Client& c : *clients) {
    if (c.failed) ++r.failed;
    if (c.ended && !c.failed) ++r.clients_done;
  }
  ::close(ep);
  return r;
}

void CloseAll(std::vector<Client>* clients) {
  for (Client& c : *clients) {
    if (c.fd >= 0) ::close(c.fd);
    c.fd = -1;
  }
  clients->clear();
}

double PercentileMs(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return static_cast<double>(v[i]) / 1e6;
}

// Baseline: `streams` concurrent calls of Ticker.Ticks, each asking for
// `per_stream` ticks of a 64-byte payload, read straight from the service
// through its in-process channel (no HTTP, no JSON), one thread per stream.
struct BaselineResults {
  long events = 0;
  long failed = 0;
  double seconds = 0;
  bool timed_out = false;
};

BaselineResults RunBaseline(grpc::Server& server, int streams, long per_stream, std::chrono::seconds deadline) {
  std::shared_ptr<grpc::Channel> channel = server.InProcessChannel(grpc::ChannelArguments());
  std::unique_ptr<ssebench::Ticker::Stub> stub = ssebench::Ticker::NewStub(channel);
  std::atomic<long> events{0};
  std::atomic<long> failed{0};
  std::atomic<bool> timed_out{false};
  const auto until = std::chrono::system_clock::now() + deadline;
  const auto begin = Clock::now();
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(streams));
  for (int i = 0; i < streams; ++i) {
    threads.emplace_back([&, i] {
      grpc::ClientContext context;
      context.set_deadline(until);
      ssebench::TickRequest request;
      request.set_stream("b" + std::to_string(i));
      request.set_count(static_cast<int32_t>(per_stream));
      request.set_payload_bytes(64);
      std::unique_ptr<grpc::ClientReader<ssebench::Tick>> reader = stub->Ticks(&context, request);
      ssebench::Tick tick;
      long n = 0;
      while (reader->Read(&tick)) ++n;
      grpc::Status status = reader->Finish();
      events += n;
      if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
        timed_out = true;
      } else if (!status.ok()) {
        ++failed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  BaselineResults r;
  r.seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  r.events = events;
  r.failed = failed;
  r.timed_out = timed_out;
  return r;
}

void WaitForConnectionsToClose(grpcgw::HttpServer& http) {
  auto until = Clock::now() + 10s;
  while (http.open_connections() > 0 && Clock::now() < until) std::this_thread::sleep_for(20ms);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = std::min<rlim_t>(files.rlim_max, 16384);
  setrlimit(RLIMIT_NOFILE, &files);

  TickerService service;
  grpc::ServerBuilder builder;
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  grpcgw::HttpServer http;
  grpcgw::Gateway<ssebench::Ticker> gateway(*server);
  gateway.mount(http);
  int port = http.bind_to_any_port("127.0.0.1");
  if (port <= 0) {
    std::fprintf(stderr, "cannot listen\n");
    return 1;
  }
  std::thread listener([&] { http.listen_after_bind(); });
  while (!http.is_running()) std::this_thread::sleep_for(5ms);

  std::printf("sse_bench: loopback, %u cores, events of a 64-byte payload (about 130 bytes on the wire)\n",
              std::thread::hardware_concurrency());
  std::vector<Client> clients;

  // Warm-up: threads and allocations that happen once.
  RunClients(port, 10, [](int i) { return "/v1/ticks/w" + std::to_string(i) + "?count=100&payload_bytes=64"; },
             10s, &clients);
  CloseAll(&clients);
  WaitForConnectionsToClose(http);

  // 1. Memory per open idle stream, first (later phases leave workers and
  // heap behind): each stream gets one event, then stays open with nothing
  // to send.
  const int kIdle = quick ? 200 : 1000;
  long rss_before = ProcStatus("VmRSS");
  long threads_before = ProcStatus("Threads");
  Results r = RunClients(port, kIdle, [](int i) { return "/v1/ticks/i" + std::to_string(i) + "?count=1&hold=true"; },
                         60s, &clients, /*stop_after_events=*/1);
  long rss_after = ProcStatus("VmRSS");
  long threads_after = ProcStatus("Threads");
  std::printf("\nidle streams: %d open (%ld got their event%s); VmRSS +%ld kB = %.1f kB per stream; "
              "threads +%ld = %.2f per stream\n",
              kIdle, r.events, r.timed_out ? ", TIMED OUT" : "", rss_after - rss_before,
              static_cast<double>(rss_after - rss_before) / kIdle, threads_after - threads_before,
              static_cast<double>(threads_after - threads_before) / kIdle);
  CloseAll(&clients);
  WaitForConnectionsToClose(http);

  // 2. Throughput, and latency under it.
  std::printf("\n%-8s %10s %12s %10s %10s %10s  %s\n", "clients", "events", "events/s", "MB/s", "p50 ms", "p99 ms",
              "note");
  struct Run {
    int clients;
    long per_client;
  };
  const Run runs[] = {{1, 100000}, {100, 2000}, {1000, 200}};
  struct Compared {
    int clients;
    long events;
    double gateway_rate;
    bool baseline_measured;
    BaselineResults baseline;
    std::string note;
  };
  std::vector<Compared> compared;
  for (const Run& run : runs) {
    long per = quick ? std::max(10L, run.per_client / 10) : run.per_client;
    std::string query = "?count=" + std::to_string(per) + "&payload_bytes=64";
    Results r = RunClients(port, run.clients, [&](int i) { return "/v1/ticks/t" + std::to_string(i) + query; },
                           60s, &clients);
    std::printf("%-8d %10ld %12.0f %10.1f %10.2f %10.2f  %s%s\n", run.clients, r.events, r.events / r.seconds,
                r.bytes / r.seconds / 1e6, PercentileMs(r.latencies_ns, 0.50), PercentileMs(r.latencies_ns, 0.99),
                r.timed_out ? "TIMED OUT " : "", r.failed ? "(some streams failed)" : "");
    CloseAll(&clients);
    WaitForConnectionsToClose(http);
    Compared c{run.clients, r.events, r.events / r.seconds, false, {}, ""};
    if (r.timed_out) c.note += "gateway TIMED OUT ";
    if (r.failed) c.note += "(some gateway streams failed) ";
    // Baseline at 1 and 100 streams only (one thread per stream).
    if (run.clients <= 100) {
      c.baseline_measured = true;
      c.baseline = RunBaseline(*server, run.clients, per, 60s);
      if (c.baseline.timed_out) c.note += "baseline TIMED OUT ";
      if (c.baseline.failed) c.note += "(some baseline streams failed) ";
    }
    compared.push_back(std::move(c));
  }

  // Ratio against the baseline from this run: the same events read straight
  // from the service over its in-process gRPC channel, no HTTP.
  std::printf("\n%-8s %10s %14s %14s %10s  %s\n", "clients", "events", "gateway ev/s", "baseline ev/s",
              "gw/base", "note");
  for (const Compared& c : compared) {
    if (!c.baseline_measured) {
      std::printf("%-8d %10ld %14.0f %14s %10s  %sbaseline not measured at this count\n", c.clients, c.events,
                  c.gateway_rate, "-", "-", c.note.c_str());
      continue;
    }
    double base_rate = c.baseline.seconds > 0 ? c.baseline.events / c.baseline.seconds : 0;
    std::printf("%-8d %10ld %14.0f %14.0f %10.3f  %s\n", c.clients, c.events, c.gateway_rate, base_rate,
                base_rate > 0 ? c.gateway_rate / base_rate : 0.0, c.note.c_str());
  }

  // 3. Latency with the service pacing its writes (the stream is never the
  // bottleneck): what one event costs end to end.
  std::printf("\n%-8s %10s %12s %10s %10s %10s\n", "clients", "interval", "events", "p50 ms", "p99 ms", "max ms");
  struct Paced {
    int clients;
    int interval_ms;
    int count;
  };
  const Paced paced[] = {{1, 10, 300}, {100, 20, 50}, {1000, 100, 10}};
  for (const Paced& p : paced) {
    std::string query = "?count=" + std::to_string(quick ? std::max(5, p.count / 5) : p.count) +
                        "&payload_bytes=64&interval_ms=" + std::to_string(p.interval_ms);
    Results r = RunClients(port, p.clients, [&](int i) { return "/v1/ticks/p" + std::to_string(i) + query; }, 60s,
                           &clients);
    int64_t max = r.latencies_ns.empty() ? 0 : *std::max_element(r.latencies_ns.begin(), r.latencies_ns.end());
    std::printf("%-8d %8d ms %12ld %10.3f %10.3f %10.3f%s\n", p.clients, p.interval_ms, r.events,
                PercentileMs(r.latencies_ns, 0.50), PercentileMs(r.latencies_ns, 0.99), max / 1e6,
                r.timed_out ? "  TIMED OUT" : "");
    CloseAll(&clients);
    WaitForConnectionsToClose(http);
  }

  server->Shutdown(std::chrono::system_clock::now() + 500ms);
  http.stop();
  listener.join();
  server->Wait();
  return 0;
}
