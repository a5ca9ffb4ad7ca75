// StreamCall: the bounded queues between gRPC reactions and a transport.
//
// Holds: a call that streams responses takes one hold for its reads, and a
// call that streams requests one for its writes, so that reads and writes
// can start from transport threads while no operation is in flight. The read
// hold goes when reads end (a read fails) or the call is cancelled while no
// read is in flight; the write hold once StartWritesDone is issued, a write
// fails, reads end, or the call is cancelled while no write is in flight.
// OnDone (HandleDone) comes only after both are gone.
#include "grpcgw/stream_call.h"

namespace grpcgw {

StreamCall::StreamCall(std::unique_ptr<grpc::ClientContext> context, const StreamLimits& limits,
                       bool streams_requests, bool streams_responses)
    : context_(std::move(context)),
      limits_(limits),
      streams_requests_(streams_requests),
      streams_responses_(streams_responses) {
  if (!streams_responses_) read_hold_released_ = true;
  if (!streams_requests_) write_hold_released_ = true;
}

StreamCall::~StreamCall() = default;

void StreamCall::StartReading() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    read_in_flight_ = true;
  }
  DoStartRead();
}

bool StreamCall::Write(std::unique_ptr<google::protobuf::Message> request,
                       std::chrono::steady_clock::time_point deadline, bool* timed_out) {
  if (timed_out) *timed_out = false;
  std::unique_lock<std::mutex> lock(mu_);
  auto closed = [this] {
    return !streams_requests_ || writes_done_requested_ || writes_failed_ || cancelled_ || done_;
  };
  auto max = limits_.max_buffered_requests > 0 ? limits_.max_buffered_requests : 1;
  bool ready = cv_.wait_until(lock, deadline, [&] { return closed() || requests_.size() < max; });
  if (!ready) {
    if (timed_out) *timed_out = true;
    return false;
  }
  if (closed()) return false;
  requests_.push_back(std::move(request));
  MaybeStartNextWriteLocked(lock);
  return true;
}

StreamCall::WriteResult StreamCall::TryWrite(std::unique_ptr<google::protobuf::Message>* request) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!streams_requests_ || writes_done_requested_ || writes_failed_ || cancelled_ || done_) {
    return WriteResult::kClosed;
  }
  auto max = limits_.max_buffered_requests > 0 ? limits_.max_buffered_requests : 1;
  if (requests_.size() >= max) {
    room_wanted_ = true;
    return WriteResult::kFull;
  }
  requests_.push_back(std::move(*request));
  MaybeStartNextWriteLocked(lock);
  return WriteResult::kQueued;
}

void StreamCall::SetListener(std::function<void()> listener) {
  std::lock_guard<std::mutex> lock(mu_);
  listener_ = std::make_shared<std::function<void()>>(std::move(listener));
}

void StreamCall::Notify() {
  std::shared_ptr<std::function<void()>> listener;
  {
    std::lock_guard<std::mutex> lock(mu_);
    listener = listener_;
  }
  if (listener && *listener) (*listener)();
}

bool StreamCall::HasInitialMetadata() const {
  std::lock_guard<std::mutex> lock(mu_);
  return initial_metadata_;
}

void StreamCall::WritesDone() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!streams_requests_ || writes_done_requested_) return;
  writes_done_requested_ = true;
  MaybeStartNextWriteLocked(lock);
}

// Starts the next write, or the half-close once the queue is empty. Unlocks.
void StreamCall::MaybeStartNextWriteLocked(std::unique_lock<std::mutex>& lock) {
  if (write_in_flight_ || writes_failed_ || cancelled_ || done_ || writes_done_started_) {
    return;
  }
  if (!requests_.empty()) {
    write_in_flight_ = true;
    const google::protobuf::Message& next = *requests_.front();
    lock.unlock();
    DoStartWrite(next);
    return;
  }
  if (writes_done_requested_) {
    writes_done_started_ = true;
    lock.unlock();
    DoStartWritesDone();
    lock.lock();
    MaybeReleaseWriteHoldLocked(lock);
  }
}

StreamCall::Next StreamCall::Read(std::unique_ptr<google::protobuf::Message>* response,
                                  std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  // A zero timeout (the event loop's poll) takes no wait at all.
  if (timeout.count() > 0) cv_.wait_for(lock, timeout, [this] { return !responses_.empty() || done_; });
  if (!responses_.empty()) {
    *response = std::move(responses_.front());
    responses_.pop_front();
    bool restart = streams_responses_ && !read_in_flight_ && !reads_ended_ && !cancelled_ &&
                   !done_ && responses_.size() < limits_.max_buffered_responses;
    if (restart) {
      read_in_flight_ = true;
      lock.unlock();
      DoStartRead();
    }
    return Next::kMessage;
  }
  return done_ ? Next::kFinished : Next::kTimeout;
}

bool StreamCall::WaitForInitialMetadata(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return initial_metadata_ || done_; });
}

void StreamCall::Cancel() {
  std::unique_lock<std::mutex> lock(mu_);
  if (done_ || cancelled_) return;
  cancelled_ = true;
  lock.unlock();
  context_->TryCancel();
  lock.lock();
  MaybeReleaseReadHoldLocked(lock);
  MaybeReleaseWriteHoldLocked(lock);
  cv_.notify_all();
  lock.unlock();
  Notify();
}

bool StreamCall::Finished() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

grpc::Status StreamCall::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  return status_;
}

size_t StreamCall::BufferedResponses() const {
  std::lock_guard<std::mutex> lock(mu_);
  return responses_.size();
}

void StreamCall::HandleInitialMetadata() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    initial_metadata_ = true;
    cv_.notify_all();
  }
  Notify();
}

void StreamCall::HandleReadDone(bool ok, std::unique_ptr<google::protobuf::Message> response) {
  std::unique_lock<std::mutex> lock(mu_);
  read_in_flight_ = false;
  if (ok) {
    responses_.push_back(std::move(response));
    if (!cancelled_ && responses_.size() < limits_.max_buffered_responses) {
      read_in_flight_ = true;
      cv_.notify_all();
      lock.unlock();
      Notify();
      DoStartRead();
      return;
    }
  } else {
    reads_ended_ = true;
    // No more responses: the call is over from the server's side, so
    // requests can no longer be delivered either.
    if (!write_in_flight_) writes_failed_ = true;
    MaybeReleaseWriteHoldLocked(lock);
  }
  MaybeReleaseReadHoldLocked(lock);
  cv_.notify_all();
  lock.unlock();
  Notify();
}

void StreamCall::HandleWriteDone(bool ok) {
  std::unique_lock<std::mutex> lock(mu_);
  write_in_flight_ = false;
  if (!requests_.empty()) requests_.pop_front();
  if (!ok || reads_ended_) {
    writes_failed_ = true;
    requests_.clear();
  }
  cv_.notify_all();
  // Only a consumer that was refused room waits for this (a failed write
  // also ends the call, and HandleDone tells everyone).
  const bool notify = room_wanted_;
  room_wanted_ = false;
  if (writes_failed_ || cancelled_) {
    MaybeReleaseWriteHoldLocked(lock);
  } else {
    MaybeStartNextWriteLocked(lock);
  }
  if (lock.owns_lock()) lock.unlock();
  if (notify) Notify();
}

void StreamCall::HandleDone(const grpc::Status& status,
                            std::unique_ptr<google::protobuf::Message> final_response) {
  std::shared_ptr<StreamCall> keep;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    status_ = status;
    initial_metadata_ = true;
    if (final_response) responses_.push_back(std::move(final_response));
    keep = std::move(self_);
    cv_.notify_all();
  }
  Notify();
  // `keep` may hold the last reference: this object can go away here.
}

// Releases the read hold once no read can start any more. May unlock.
void StreamCall::MaybeReleaseReadHoldLocked(std::unique_lock<std::mutex>& lock) {
  if (read_hold_released_ || read_in_flight_) return;
  if (!(reads_ended_ || cancelled_)) return;
  read_hold_released_ = true;
  lock.unlock();
  DoRemoveHold();
  lock.lock();
}

// Releases the write hold once no write can start any more. May unlock.
void StreamCall::MaybeReleaseWriteHoldLocked(std::unique_lock<std::mutex>& lock) {
  if (write_hold_released_ || write_in_flight_) return;
  if (!(writes_done_started_ || writes_failed_ || cancelled_ || reads_ended_)) return;
  write_hold_released_ = true;
  writes_failed_ = writes_failed_ || !writes_done_started_;
  lock.unlock();
  DoRemoveHold();
  lock.lock();
}

}  // namespace grpcgw
