#include "grpcgw/chunk_writer.h"

#include <cstdio>

#include "grpcgw/http_server.h"
#include "server/http_status.h"

namespace grpcgw {

std::unique_ptr<ChunkWriter> ChunkWriter::Start(const httplib::Request&, int status,
                                                std::string_view content_type,
                                                const httplib::Headers& headers) {
  Connection* conn = Connection::Current();
  if (conn == nullptr) return nullptr;
  std::unique_ptr<ChunkWriter> writer = Start(*conn, status, content_type, headers);
  // httplib read the body before it ran the handler.
  writer->release_on_finish_ = true;
  return writer;
}

std::unique_ptr<ChunkWriter> ChunkWriter::Start(Connection& conn, int status, std::string_view content_type,
                                                const httplib::Headers& headers) {
  conn.TakeOver();
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + internal::ReasonPhrase(status) + "\r\n";
  head += "Content-Type: ";
  head.append(content_type);
  head += "\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n";
  for (const auto& [k, v] : headers) head += k + ": " + v + "\r\n";
  head += "\r\n";
  std::unique_ptr<ChunkWriter> writer(new ChunkWriter(conn));
  if (!conn.WriteAll(head)) writer->failed_ = true;
  return writer;
}

std::string ChunkWriter::FormatChunk(std::string_view data) {
  char size[20];
  int n = snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(data.size() + static_cast<size_t>(n) + 2);
  out.append(size, static_cast<size_t>(n));
  out.append(data);
  out.append("\r\n");
  return out;
}

bool ChunkWriter::Write(std::string_view data) {
  if (failed_ || finished_) return false;
  if (data.empty()) return true;
  if (!conn_.WriteAll(FormatChunk(data))) failed_ = true;
  return !failed_;
}

bool ChunkWriter::Finish() {
  if (failed_ || finished_) return false;
  finished_ = true;
  if (!conn_.WriteAll("0\r\n\r\n")) failed_ = true;
  if (!failed_ && release_on_finish_) conn_.ReleaseAfterHandler(true);
  return !failed_;
}

bool ChunkWriter::ClientGone() const { return failed_ || conn_.PeerClosed(); }

}  // namespace grpcgw
