#include "chat_service.h"

#include <cstdlib>
#include <deque>
#include <limits>

#include <google/protobuf/util/time_util.h>

namespace chat_example {
namespace {

constexpr size_t kMessagesKeptPerRoom = 1000;
constexpr size_t kMaxQueuedPerSubscriber = 1000;
// Subscribe() after this seq: new messages only.
constexpr int64_t kNewMessagesOnly = std::numeric_limits<int64_t>::max();

grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* context, const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// The writing half of a streaming call that sends a room's messages:
// queues pushed messages and writes them one at a time. `Reactor` is a
// server reactor whose responses are chat::Message.
template <class Reactor>
class MessagePusher : public Reactor, public Subscriber {
 public:
  void Push(const chat::Message& message) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (finished_) return;
    if (queue_.size() >= kMaxQueuedPerSubscriber) {
      finished_ = true;
      lock.unlock();
      this->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "subscriber too slow"));
      return;
    }
    queue_.push_back(message);
    if (writing_) return;
    writing_ = true;
    lock.unlock();
    this->StartWrite(&queue_.front());
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    queue_.pop_front();
    if (!ok || finished_) {
      writing_ = false;
      return;  // cancelled (OnCancel finishes) or already finished
    }
    if (queue_.empty()) {
      writing_ = false;
      if (!end_after_writes_) return;
      finished_ = true;
      lock.unlock();
      this->Finish(grpc::Status::OK);
      return;
    }
    lock.unlock();
    this->StartWrite(&queue_.front());
  }

  void OnCancel() override { EndWith(grpc::Status::CANCELLED); }

 protected:
  // Finishes the call with `status` unless it is finished already.
  void EndWith(const grpc::Status& status) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    this->Finish(status);
  }

  // Finishes the call OK once the queued messages are written.
  void EndAfterWrites() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      if (writing_) {
        end_after_writes_ = true;
        return;
      }
      finished_ = true;
    }
    this->Finish(grpc::Status::OK);
  }

 private:
  std::mutex mu_;
  std::deque<chat::Message> queue_;  // guarded by mu_; front is being written while writing_
  bool writing_ = false;             // guarded by mu_
  bool end_after_writes_ = false;    // guarded by mu_
  bool finished_ = false;            // guarded by mu_
};

}  // namespace

// One Watch call: replays the room's recent messages, then sends new ones
// as they arrive. Lives until OnDone.
class Watcher final : public MessagePusher<grpc::ServerWriteReactor<chat::Message>> {
 public:
  Watcher(ChatService* service, grpc::CallbackServerContext* context, const chat::WatchRequest& request)
      : service_(service), room_(request.room()) {
    int64_t after = request.after_seq();
    // A reconnecting EventSource sends Last-Event-ID (the seq it saw last);
    // the gateway forwards it as metadata.
    auto it = context->client_metadata().find("last-event-id");
    if (after == 0 && it != context->client_metadata().end()) {
      after = std::strtoll(std::string(it->second.data(), it->second.size()).c_str(), nullptr, 10);
    }
    service_->Subscribe(room_, after, this);
  }

  void OnDone() override {
    service_->Unsubscribe(room_, this);
    delete this;
  }

 private:
  ChatService* const service_;
  const std::string room_;
};

// One Talk call: the first request names the room (and subscribes the call
// to its new messages); every request with text is posted there. Ends OK
// when the client ends its requests. Lives until OnDone.
class Talker final : public MessagePusher<grpc::ServerBidiReactor<chat::SendRequest, chat::Message>> {
 public:
  explicit Talker(ChatService* service) : service_(service) { StartRead(&request_); }

  void OnReadDone(bool ok) override {
    if (!ok) {  // no more requests (a client that left is cancelled instead)
      EndAfterWrites();
      return;
    }
    if (room_.empty()) {
      if (request_.room().empty()) {
        EndWith(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the first message names no room"));
        return;
      }
      room_ = request_.room();
      service_->Subscribe(room_, kNewMessagesOnly, this);
    } else if (request_.room().empty()) {
      request_.set_room(room_);
    } else if (request_.room() != room_) {
      EndWith(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                           "this call talks in room \"" + room_ + "\", not \"" + request_.room() + "\""));
      return;
    }
    if (!request_.text().empty()) {
      chat::Message posted;
      grpc::Status status = service_->Post(request_, &posted);
      if (!status.ok()) {
        EndWith(status);
        return;
      }
    }
    StartRead(&request_);
  }

  void OnDone() override {
    if (!room_.empty()) service_->Unsubscribe(room_, this);
    delete this;
  }

 private:
  ChatService* const service_;
  chat::SendRequest request_;
  std::string room_;  // set by the first OnReadDone; reactions do not overlap
};

grpc::Status ChatService::Post(const chat::SendRequest& request, chat::Message* posted) {
  if (request.room().empty() || request.text().empty()) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "room and text are required");
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<chat::Message>& messages = rooms_[request.room()];
  chat::Message message;
  message.set_room(request.room());
  message.set_author(request.author().empty() ? "anonymous" : request.author());
  message.set_text(request.text());
  message.set_seq(messages.empty() ? 1 : messages.back().seq() + 1);
  *message.mutable_sent_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  messages.push_back(message);
  if (messages.size() > kMessagesKeptPerRoom) messages.erase(messages.begin());
  for (Subscriber* s : subscribers_[request.room()]) s->Push(message);
  *posted = message;
  return grpc::Status::OK;
}

grpc::ServerUnaryReactor* ChatService::Send(grpc::CallbackServerContext* context, const chat::SendRequest* request,
                                            chat::Message* response) {
  return Finished(context, Post(*request, response));
}

grpc::ServerUnaryReactor* ChatService::List(grpc::CallbackServerContext* context, const chat::ListRequest* request,
                                            chat::ListResponse* response) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rooms_.find(request->room());
  if (it == rooms_.end()) {
    return Finished(context, grpc::Status(grpc::StatusCode::NOT_FOUND, "no room \"" + request->room() + "\""));
  }
  size_t n = it->second.size();
  size_t start = request->limit() > 0 && static_cast<size_t>(request->limit()) < n ? n - request->limit() : 0;
  for (size_t i = start; i < n; ++i) *response->add_messages() = it->second[i];
  return Finished(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* ChatService::ListRooms(grpc::CallbackServerContext* context, const chat::ListRoomsRequest*,
                                                 chat::ListRoomsResponse* response) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, messages] : rooms_) {
    chat::Room* room = response->add_rooms();
    room->set_name(name);
    room->set_message_count(messages.empty() ? 0 : messages.back().seq());
  }
  return Finished(context, grpc::Status::OK);
}

grpc::ServerWriteReactor<chat::Message>* ChatService::Watch(grpc::CallbackServerContext* context,
                                                            const chat::WatchRequest* request) {
  return new Watcher(this, context, *request);
}

grpc::ServerBidiReactor<chat::SendRequest, chat::Message>* ChatService::Talk(grpc::CallbackServerContext*) {
  return new Talker(this);
}

void ChatService::Subscribe(const std::string& room, int64_t after_seq, Subscriber* subscriber) {
  std::lock_guard<std::mutex> lock(mu_);
  subscribers_[room].insert(subscriber);
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  for (const auto& m : it->second) {
    if (m.seq() > after_seq) subscriber->Push(m);
  }
}

void ChatService::Unsubscribe(const std::string& room, Subscriber* subscriber) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subscribers_.find(room);
  if (it == subscribers_.end()) return;
  it->second.erase(subscriber);
  if (it->second.empty()) subscribers_.erase(it);
}

}  // namespace chat_example
