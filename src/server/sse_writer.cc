#include "grpcgw/sse_writer.h"

#include "grpcgw/http_server.h"

namespace grpcgw {
namespace {

void AppendField(std::string* out, std::string_view name, std::string_view value) {
  out->append(name);
  out->append(": ");
  for (char c : value) out->push_back(c == '\r' || c == '\n' ? ' ' : c);
  out->push_back('\n');
}

}  // namespace

std::unique_ptr<SseWriter> SseWriter::Start(const httplib::Request&, const httplib::Headers& headers) {
  Connection* conn = Connection::Current();
  if (conn == nullptr) return nullptr;
  return Start(*conn, headers);
}

std::unique_ptr<SseWriter> SseWriter::Start(Connection& conn, const httplib::Headers& headers) {
  conn.TakeOver();
  std::unique_ptr<SseWriter> writer(new SseWriter(conn));
  writer->WriteRaw(FormatHead(headers));
  return writer;
}

std::string SseWriter::FormatHead(const httplib::Headers& headers) {
  std::string head =
      "HTTP/1.1 200 OK\r\n"
      "Content-Type: text/event-stream\r\n"
      "Cache-Control: no-cache\r\n"
      "X-Accel-Buffering: no\r\n"
      "Connection: close\r\n";
  for (const auto& [k, v] : headers) {
    // A line break would end the header early (response splitting).
    if (k.empty() || k.find_first_of(":\r\n") != std::string::npos || v.find_first_of("\r\n") != std::string::npos) {
      continue;
    }
    head += k + ": " + v + "\r\n";
  }
  head += "\r\n";
  return head;
}

std::string SseWriter::FormatEvent(std::string_view data, std::string_view event, std::string_view id) {
  std::string out;
  out.reserve(data.size() + 16);
  if (!id.empty()) AppendField(&out, "id", id);
  if (!event.empty()) AppendField(&out, "event", event);
  size_t start = 0;
  while (true) {
    size_t nl = data.find_first_of("\r\n", start);
    std::string_view line = data.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    out.append(line.empty() ? "data:" : "data: ");
    out.append(line);
    out.push_back('\n');
    if (nl == std::string_view::npos) break;
    start = nl + ((data[nl] == '\r' && nl + 1 < data.size() && data[nl + 1] == '\n') ? 2 : 1);
  }
  out.push_back('\n');
  return out;
}

bool SseWriter::WriteRaw(std::string_view bytes) {
  if (failed_) return false;
  if (!conn_.WriteAll(bytes)) failed_ = true;
  return !failed_;
}

bool SseWriter::Send(std::string_view data, std::string_view event, std::string_view id) {
  return WriteRaw(FormatEvent(data, event, id));
}

bool SseWriter::Comment(std::string_view text) {
  // Every line of `text` is a comment line of its own.
  std::string out;
  size_t start = 0;
  while (true) {
    size_t nl = text.find_first_of("\r\n", start);
    out.append(": ");
    out.append(text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start));
    out.push_back('\n');
    if (nl == std::string_view::npos) break;
    start = nl + ((text[nl] == '\r' && nl + 1 < text.size() && text[nl + 1] == '\n') ? 2 : 1);
  }
  out.push_back('\n');
  return WriteRaw(out);
}

bool SseWriter::Retry(std::chrono::milliseconds delay) {
  return WriteRaw("retry: " + std::to_string(delay.count()) + "\n\n");
}

bool SseWriter::ClientGone() const { return failed_ || conn_.PeerClosed(); }

}  // namespace grpcgw
