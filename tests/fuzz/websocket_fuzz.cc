// The WebSocket frame decoder and message reader (src/websocket) on
// arbitrary bytes, as a server and as a client. Properties: frames,
// messages and the close code do not depend on how the bytes arrive; text
// messages and close reasons are valid UTF-8; data messages respect the
// size limit and control frames the 125-byte limit.
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "text/utf8.h"
#include "websocket/frame.h"
#include "websocket/message_reader.h"

namespace {

using grpcgw::internal::Frame;
using grpcgw::internal::FrameDecoder;
using grpcgw::internal::FrameParser;
using grpcgw::internal::Message;
using grpcgw::internal::MessageReader;
using grpcgw::internal::Opcode;

struct Outcome {
  std::vector<std::string> items;  // type, close code and payload of each frame or message
  uint16_t close_code = 0;
};

std::string Describe(Opcode type, uint16_t code, const std::string& data) {
  return std::to_string(static_cast<int>(type)) + "/" + std::to_string(code) + "/" + data;
}

Outcome ReadMessages(std::string_view input, const std::vector<size_t>& ends,
                     const MessageReader::Options& options) {
  MessageReader reader(options);
  Outcome out;
  size_t begin = 0;
  Message m;
  for (size_t end : ends) {
    const bool ok = reader.Consume(input.data() + begin, end - begin);
    begin = end;
    while (reader.Next(&m)) {
      if (m.type == Opcode::kText || m.type == Opcode::kClose) {
        FUZZ_CHECK(grpcgw::internal::IsValidUtf8(m.data), "text that is not UTF-8");
      }
      if (m.type == Opcode::kText || m.type == Opcode::kBinary) {
        FUZZ_CHECK(m.data.size() <= options.max_message_size, "message over the limit");
      } else {
        FUZZ_CHECK(m.data.size() <= 125, "control payload over 125 bytes");
      }
      out.items.push_back(Describe(m.type, m.close_code, m.data));
    }
    if (!ok) break;
  }
  out.close_code = reader.status().close_code;
  FUZZ_CHECK(reader.failed() == (out.close_code != 0), "failed() and the close code disagree");
  return out;
}

Outcome ReadFrames(std::string_view input, const std::vector<size_t>& ends,
                   const FrameDecoder::Options& options) {
  FrameParser parser(options);
  Outcome out;
  size_t begin = 0;
  Frame f;
  for (size_t end : ends) {
    const bool ok = parser.Consume(input.substr(begin, end - begin));
    begin = end;
    while (parser.Next(&f)) {
      FUZZ_CHECK(f.payload.size() <= options.max_frame_size, "frame over the limit");
      out.items.push_back(Describe(f.opcode, f.fin ? 1 : 0, f.payload));
    }
    if (!ok) break;
  }
  out.close_code = parser.status().close_code;
  return out;
}

void CheckSame(const Outcome& a, const Outcome& b, const char* how) {
  FUZZ_CHECK(a.items == b.items, how);
  FUZZ_CHECK(a.close_code == b.close_code, how);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace grpcgw::fuzz;
  const std::string_view input = AsText(data, size);
  Choices choices(input);
  const auto role = choices.Flip() ? grpcgw::internal::Role::kServer : grpcgw::internal::Role::kClient;
  const uint64_t limit = choices.Flip() ? choices.Below(300) : uint64_t{4} << 20;
  const std::vector<size_t> whole = {size};
  const std::vector<size_t> pieces = RandomSplit(size, &choices);

  MessageReader::Options reader_options;
  reader_options.role = role;
  reader_options.max_message_size = limit;
  const Outcome messages = ReadMessages(input, whole, reader_options);
  CheckSame(messages, ReadMessages(input, pieces, reader_options), "messages, random pieces");
  if (size <= 2048) {
    CheckSame(messages, ReadMessages(input, ByteSplit(size), reader_options), "messages, bytes");
  }

  FrameDecoder::Options frame_options;
  frame_options.role = role;
  frame_options.max_frame_size = limit;
  const Outcome frames = ReadFrames(input, whole, frame_options);
  CheckSame(frames, ReadFrames(input, pieces, frame_options), "frames, random pieces");
  return 0;
}
