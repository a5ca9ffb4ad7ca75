// grpcgw/stream_call.h: one streaming gRPC call, seen from a blocking HTTP
// transport thread, with bounded buffers in both directions.
//
// Every transport (SSE, WebSocket, chunked) drives a call through this one
// class. gRPC reactions never block: a response read from gRPC goes into a
// bounded queue, and the next gRPC read starts only when the transport has
// taken a message out (so a slow HTTP client slows its own stream and
// nothing else); a request written by the transport waits while the request
// queue is full (so a slow service slows its own client's uploads).
//
//   std::shared_ptr<StreamCall> call = spec.stream(std::move(ctx), nullptr, limits);
//   call->Write(std::move(request));
//   call->WritesDone();
//   std::unique_ptr<google::protobuf::Message> response;
//   while (call->Read(&response, std::chrono::seconds(1)) != StreamCall::Next::kFinished) {...}
//   grpc::Status status = call->status();
//
// The Make*StreamStarter templates adapt a generated stub's callback API to
// this class; generated code (protoc-gen-grpcgw) calls them. This header
// does not know HTTP.
//
// Threads: Write, WritesDone, Read, WaitForInitialMetadata, Cancel and the
// accessors may be called from any thread that is not a gRPC callback
// thread; Write and Read may block (up to their deadline). Each is safe to
// call concurrently with the others, but only one thread should Read and one
// thread should Write at a time.
#ifndef GRPCGW_STREAM_CALL_H_
#define GRPCGW_STREAM_CALL_H_

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include <google/protobuf/message.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/client_callback.h>
#include <grpcpp/support/status.h>

#include "grpcgw/method.h"

namespace grpcgw {

// Buffer bounds of one stream. Both count messages; the message size limit
// of the transports bounds the bytes.
struct StreamLimits {
  size_t max_buffered_responses = 16;  // read from gRPC, not yet taken by the transport
  size_t max_buffered_requests = 16;   // given by the transport, not yet written to gRPC
};

class StreamCall {
 public:
  enum class Next { kMessage, kTimeout, kFinished };

  virtual ~StreamCall();
  StreamCall(const StreamCall&) = delete;
  StreamCall& operator=(const StreamCall&) = delete;

  // Queues `request` for the service. Blocks while the request queue is full,
  // until `deadline`. Returns false (dropping the message) when the call has
  // ended, the request side was closed, the method takes no streamed
  // requests, or the deadline passed; `*timed_out` tells the last case.
  bool Write(std::unique_ptr<google::protobuf::Message> request,
             std::chrono::steady_clock::time_point deadline =
                 std::chrono::steady_clock::time_point::max(),
             bool* timed_out = nullptr);

  // Half-closes the request side after the queued requests are written.
  // Idempotent.
  void WritesDone();

  // Waits up to `timeout` for the next response. kFinished means the call
  // has ended and every response was taken; status() then holds the result.
  Next Read(std::unique_ptr<google::protobuf::Message>* response,
            std::chrono::milliseconds timeout);

  // Waits until the server's initial metadata arrived or the call ended.
  // False on timeout.
  bool WaitForInitialMetadata(std::chrono::milliseconds timeout);

  // Cancels the call (the service sees it as cancelled). Idempotent.
  void Cancel();

  // For consumers that do not block (the event loop): `listener` runs after
  // anything such a consumer waits for may have changed — a response
  // arrived, the call ended, the initial metadata arrived, a request slot
  // freed after TryWrite answered kFull — on a gRPC thread or the thread
  // that called Cancel, with no lock held. It must not block. Set it, then
  // look at the state (Read with a zero timeout, TryWrite): what happened
  // before is not replayed. (A write completing while nobody waits for room
  // does not run it: on an echo that would be a second wake-up of the
  // consumer's thread for every message.)
  void SetListener(std::function<void()> listener);

  enum class WriteResult { kQueued, kFull, kClosed };
  // Queues *request without waiting: kQueued (it was moved), kFull (it
  // stays; the listener runs when there is room), kClosed (the call takes
  // no more requests).
  WriteResult TryWrite(std::unique_ptr<google::protobuf::Message>* request);

  bool HasInitialMetadata() const;

  bool Finished() const;
  // The final status; OK until Finished().
  grpc::Status status() const;
  // Valid after WaitForInitialMetadata returned true / after Finished().
  grpc::ClientContext* context() { return context_.get(); }

  // Number of responses buffered now (for tests and benchmarks).
  size_t BufferedResponses() const;

 protected:
  StreamCall(std::unique_ptr<grpc::ClientContext> context, const StreamLimits& limits,
             bool streams_requests, bool streams_responses);

  // Typed hooks, implemented by the reactor adapters below. Called with no
  // lock held.
  virtual void DoStartRead() = 0;
  virtual void DoStartWrite(const google::protobuf::Message& request) = 0;
  virtual void DoStartWritesDone() = 0;
  virtual void DoRemoveHold() = 0;

  // Reaction entry points, called by the adapters from gRPC threads.
  void HandleInitialMetadata();
  void HandleReadDone(bool ok, std::unique_ptr<google::protobuf::Message> response);
  void HandleWriteDone(bool ok);
  void HandleDone(const grpc::Status& status,
                  std::unique_ptr<google::protobuf::Message> final_response);

  // Moves `*buffer` into a new message when `ok`; null otherwise.
  template <class Response>
  static std::unique_ptr<google::protobuf::Message> TakeIf(bool ok, Response* buffer) {
    if (!ok) return nullptr;
    auto taken = std::make_unique<Response>();
    taken->Swap(buffer);
    return taken;
  }

  // Called by the starters right before StartCall: takes the holds that let
  // reads and writes start from transport threads.
  int HoldsNeeded() const { return (streams_requests_ ? 1 : 0) + (streams_responses_ ? 1 : 0); }
  // Starts the first read (for methods that stream responses).
  void StartReading();

  std::unique_ptr<grpc::ClientContext> context_;
  // Keeps this object alive until the call is done.
  std::shared_ptr<StreamCall> self_;

 private:
  void MaybeReleaseReadHoldLocked(std::unique_lock<std::mutex>& lock);
  void MaybeReleaseWriteHoldLocked(std::unique_lock<std::mutex>& lock);
  void MaybeStartNextWriteLocked(std::unique_lock<std::mutex>& lock);
  // Runs the listener (no lock held).
  void Notify();

  const StreamLimits limits_;
  const bool streams_requests_;
  const bool streams_responses_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // All below guarded by mu_.
  std::deque<std::unique_ptr<google::protobuf::Message>> responses_;
  std::deque<std::unique_ptr<google::protobuf::Message>> requests_;  // front is in flight when write_in_flight_
  bool read_in_flight_ = false;
  bool reads_ended_ = false;       // a read failed: no more responses
  bool read_hold_released_ = false;
  bool write_in_flight_ = false;
  bool writes_done_requested_ = false;
  bool writes_done_started_ = false;
  bool writes_failed_ = false;
  bool write_hold_released_ = false;
  bool room_wanted_ = false;  // TryWrite answered kFull since the last request slot freed
  bool cancelled_ = false;
  bool initial_metadata_ = false;
  std::shared_ptr<std::function<void()>> listener_;
  bool done_ = false;
  grpc::Status status_;
};

namespace internal {

template <class Request, class Response>
class BidiCall final : public StreamCall, public grpc::ClientBidiReactor<Request, Response> {
 public:
  using Start = std::function<void(grpc::ClientContext*, grpc::ClientBidiReactor<Request, Response>*)>;
  BidiCall(std::unique_ptr<grpc::ClientContext> context, const StreamLimits& limits)
      : StreamCall(std::move(context), limits, /*streams_requests=*/true, /*streams_responses=*/true) {}

  static std::shared_ptr<StreamCall> Begin(const Start& start, std::unique_ptr<grpc::ClientContext> context,
                                           const StreamLimits& limits) {
    auto call = std::make_shared<BidiCall>(std::move(context), limits);
    call->self_ = call;
    start(call->context_.get(), call.get());
    call->AddMultipleHolds(call->HoldsNeeded());
    call->StartReading();
    call->StartCall();
    return call;
  }

  void OnReadInitialMetadataDone(bool /*ok*/) override { HandleInitialMetadata(); }
  void OnReadDone(bool ok) override { HandleReadDone(ok, TakeIf(ok, &read_buffer_)); }
  void OnWriteDone(bool ok) override { HandleWriteDone(ok); }
  void OnDone(const grpc::Status& s) override { HandleDone(s, nullptr); }

 private:
  void DoStartRead() override { this->StartRead(&read_buffer_); }
  void DoStartWrite(const google::protobuf::Message& r) override {
    this->StartWrite(static_cast<const Request*>(&r));
  }
  void DoStartWritesDone() override { this->StartWritesDone(); }
  void DoRemoveHold() override { this->RemoveHold(); }

  Response read_buffer_;
};

template <class Request, class Response>
class ServerStreamCall final : public StreamCall, public grpc::ClientReadReactor<Response> {
 public:
  using Start = std::function<void(grpc::ClientContext*, const Request*, grpc::ClientReadReactor<Response>*)>;
  ServerStreamCall(std::unique_ptr<grpc::ClientContext> context, const StreamLimits& limits)
      : StreamCall(std::move(context), limits, /*streams_requests=*/false, /*streams_responses=*/true) {}

  static std::shared_ptr<StreamCall> Begin(const Start& start, std::unique_ptr<grpc::ClientContext> context,
                                           std::unique_ptr<google::protobuf::Message> request,
                                           const StreamLimits& limits) {
    auto call = std::make_shared<ServerStreamCall>(std::move(context), limits);
    call->self_ = call;
    if (request) call->request_.CopyFrom(*request);
    start(call->context_.get(), &call->request_, call.get());
    call->AddMultipleHolds(call->HoldsNeeded());
    call->StartReading();
    call->StartCall();
    return call;
  }

  void OnReadInitialMetadataDone(bool /*ok*/) override { HandleInitialMetadata(); }
  void OnReadDone(bool ok) override { HandleReadDone(ok, TakeIf(ok, &read_buffer_)); }
  void OnDone(const grpc::Status& s) override { HandleDone(s, nullptr); }

 private:
  void DoStartRead() override { this->StartRead(&read_buffer_); }
  void DoStartWrite(const google::protobuf::Message&) override {}
  void DoStartWritesDone() override {}
  void DoRemoveHold() override { this->RemoveHold(); }

  Request request_;
  Response read_buffer_;
};

template <class Request, class Response>
class ClientStreamCall final : public StreamCall, public grpc::ClientWriteReactor<Request> {
 public:
  using Start = std::function<void(grpc::ClientContext*, Response*, grpc::ClientWriteReactor<Request>*)>;
  ClientStreamCall(std::unique_ptr<grpc::ClientContext> context, const StreamLimits& limits)
      : StreamCall(std::move(context), limits, /*streams_requests=*/true, /*streams_responses=*/false) {}

  static std::shared_ptr<StreamCall> Begin(const Start& start, std::unique_ptr<grpc::ClientContext> context,
                                           const StreamLimits& limits) {
    auto call = std::make_shared<ClientStreamCall>(std::move(context), limits);
    call->self_ = call;
    start(call->context_.get(), &call->response_, call.get());
    call->AddMultipleHolds(call->HoldsNeeded());
    call->StartCall();
    return call;
  }

  void OnReadInitialMetadataDone(bool /*ok*/) override { HandleInitialMetadata(); }
  void OnWriteDone(bool ok) override { HandleWriteDone(ok); }
  void OnDone(const grpc::Status& s) override { HandleDone(s, TakeIf(s.ok(), &response_)); }

 private:
  void DoStartRead() override {}
  void DoStartWrite(const google::protobuf::Message& r) override {
    this->StartWrite(static_cast<const Request*>(&r));
  }
  void DoStartWritesDone() override { this->StartWritesDone(); }
  void DoRemoveHold() override { this->RemoveHold(); }

  Response response_;
};

}  // namespace internal

template <class Request, class Response>
StreamStarter MakeBidiStreamStarter(typename internal::BidiCall<Request, Response>::Start start) {
  return [start = std::move(start)](std::unique_ptr<grpc::ClientContext> context,
                                    std::unique_ptr<google::protobuf::Message> /*request*/,
                                    const StreamLimits& limits) {
    return internal::BidiCall<Request, Response>::Begin(start, std::move(context), limits);
  };
}

template <class Request, class Response>
StreamStarter MakeServerStreamStarter(typename internal::ServerStreamCall<Request, Response>::Start start) {
  return [start = std::move(start)](std::unique_ptr<grpc::ClientContext> context,
                                    std::unique_ptr<google::protobuf::Message> request,
                                    const StreamLimits& limits) {
    return internal::ServerStreamCall<Request, Response>::Begin(start, std::move(context),
                                                                std::move(request), limits);
  };
}

template <class Request, class Response>
StreamStarter MakeClientStreamStarter(typename internal::ClientStreamCall<Request, Response>::Start start) {
  return [start = std::move(start)](std::unique_ptr<grpc::ClientContext> context,
                                    std::unique_ptr<google::protobuf::Message> /*request*/,
                                    const StreamLimits& limits) {
    return internal::ClientStreamCall<Request, Response>::Begin(start, std::move(context), limits);
  };
}

}  // namespace grpcgw

#endif  // GRPCGW_STREAM_CALL_H_
