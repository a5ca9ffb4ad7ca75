#include "chat_service.h"

#include <cstdlib>
#include <deque>

#include <google/protobuf/util/time_util.h>

namespace chat_example {
namespace {

constexpr size_t kMessagesKeptPerRoom = 1000;
constexpr size_t kMaxQueuedPerWatcher = 1000;

grpc::ServerUnaryReactor* Finished(grpc::CallbackServerContext* context, const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

}  // namespace

// One Watch call: replays the room's recent messages, then sends new ones
// as they arrive, one write at a time. Lives until OnDone.
class Watcher final : public grpc::ServerWriteReactor<chat::Message> {
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

  // Queues `message` for this watcher. Called with the service's lock held.
  void Push(const chat::Message& message) {
    std::unique_lock<std::mutex> lock(mu_);
    if (finished_) return;
    if (queue_.size() >= kMaxQueuedPerWatcher) {
      finished_ = true;
      lock.unlock();
      Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "watcher too slow"));
      return;
    }
    queue_.push_back(message);
    if (writing_) return;
    writing_ = true;
    lock.unlock();
    StartWrite(&queue_.front());
  }

  void OnWriteDone(bool ok) override {
    std::unique_lock<std::mutex> lock(mu_);
    queue_.pop_front();
    if (!ok || finished_) {
      writing_ = false;
      return;  // cancelled: OnCancel finishes
    }
    if (queue_.empty()) {
      writing_ = false;
      return;
    }
    lock.unlock();
    StartWrite(&queue_.front());
  }

  void OnCancel() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(grpc::Status::CANCELLED);
  }

  void OnDone() override {
    service_->Unsubscribe(room_, this);
    delete this;
  }

 private:
  ChatService* const service_;
  const std::string room_;
  std::mutex mu_;
  std::deque<chat::Message> queue_;  // guarded by mu_; front is being written while writing_
  bool writing_ = false;             // guarded by mu_
  bool finished_ = false;            // guarded by mu_
};

grpc::ServerUnaryReactor* ChatService::Send(grpc::CallbackServerContext* context, const chat::SendRequest* request,
                                            chat::Message* response) {
  if (request->room().empty() || request->text().empty()) {
    return Finished(context, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "room and text are required"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<chat::Message>& messages = rooms_[request->room()];
  chat::Message message;
  message.set_room(request->room());
  message.set_author(request->author().empty() ? "anonymous" : request->author());
  message.set_text(request->text());
  message.set_seq(messages.empty() ? 1 : messages.back().seq() + 1);
  *message.mutable_sent_at() = google::protobuf::util::TimeUtil::GetCurrentTime();
  messages.push_back(message);
  if (messages.size() > kMessagesKeptPerRoom) messages.erase(messages.begin());
  for (Watcher* w : watchers_[request->room()]) w->Push(message);
  *response = message;
  return Finished(context, grpc::Status::OK);
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

void ChatService::Subscribe(const std::string& room, int64_t after_seq, Watcher* watcher) {
  std::lock_guard<std::mutex> lock(mu_);
  watchers_[room].insert(watcher);
  auto it = rooms_.find(room);
  if (it == rooms_.end()) return;
  for (const auto& m : it->second) {
    if (m.seq() > after_seq) watcher->Push(m);
  }
}

void ChatService::Unsubscribe(const std::string& room, Watcher* watcher) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = watchers_.find(room);
  if (it == watchers_.end()) return;
  it->second.erase(watcher);
  if (it->second.empty()) watchers_.erase(it);
}

}  // namespace chat_example
