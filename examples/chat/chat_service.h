// The example's chat service: rooms kept in memory, messages pushed to
// watchers and talkers as they are sent. Implemented on gRPC's callback
// API; nothing in it knows HTTP.
#ifndef GRPCGW_EXAMPLES_CHAT_CHAT_SERVICE_H_
#define GRPCGW_EXAMPLES_CHAT_CHAT_SERVICE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "chat.grpc.pb.h"

namespace chat_example {

// A streaming call that receives a room's messages (Watch, Talk).
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Queues `message` for the call. Called with the service's lock held;
  // never blocks.
  virtual void Push(const chat::Message& message) = 0;
};

// Thread-safe: every method may run on any gRPC thread.
class ChatService final : public chat::Chat::CallbackService {
 public:
  grpc::ServerUnaryReactor* Send(grpc::CallbackServerContext* context, const chat::SendRequest* request,
                                 chat::Message* response) override;
  grpc::ServerUnaryReactor* List(grpc::CallbackServerContext* context, const chat::ListRequest* request,
                                 chat::ListResponse* response) override;
  grpc::ServerUnaryReactor* ListRooms(grpc::CallbackServerContext* context, const chat::ListRoomsRequest* request,
                                      chat::ListRoomsResponse* response) override;
  grpc::ServerWriteReactor<chat::Message>* Watch(grpc::CallbackServerContext* context,
                                                 const chat::WatchRequest* request) override;
  grpc::ServerBidiReactor<chat::SendRequest, chat::Message>* Talk(grpc::CallbackServerContext* context) override;

  // Stores `request` as the next message of its room, pushes it to the
  // room's subscribers and returns it in `*posted`. INVALID_ARGUMENT when
  // the room or the text is empty.
  grpc::Status Post(const chat::SendRequest& request, chat::Message* posted);

  // Registers `subscriber` for the new messages of `room`, after pushing
  // it the kept ones after `after_seq` (in order, under the same lock, so
  // none is missed or repeated).
  void Subscribe(const std::string& room, int64_t after_seq, Subscriber* subscriber);
  void Unsubscribe(const std::string& room, Subscriber* subscriber);

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<chat::Message>> rooms_;      // guarded by mu_
  std::map<std::string, std::set<Subscriber*>> subscribers_;     // guarded by mu_
};

}  // namespace chat_example

#endif  // GRPCGW_EXAMPLES_CHAT_CHAT_SERVICE_H_
