// The example's chat service: rooms kept in memory, messages pushed to
// watchers as they are sent. Implemented on gRPC's callback API; nothing in
// it knows HTTP.
#ifndef GRPCGW_EXAMPLES_CHAT_CHAT_SERVICE_H_
#define GRPCGW_EXAMPLES_CHAT_CHAT_SERVICE_H_

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "chat.grpc.pb.h"

namespace chat_example {

class Watcher;

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

  // Used by watchers: registers `watcher` for the new messages of `room`,
  // after pushing it the kept ones after `after_seq` (in order, under the
  // same lock, so none is missed or repeated).
  void Subscribe(const std::string& room, int64_t after_seq, Watcher* watcher);
  void Unsubscribe(const std::string& room, Watcher* watcher);

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<chat::Message>> rooms_;     // guarded by mu_
  std::map<std::string, std::set<Watcher*>> watchers_;          // guarded by mu_
};

}  // namespace chat_example

#endif  // GRPCGW_EXAMPLES_CHAT_CHAT_SERVICE_H_
