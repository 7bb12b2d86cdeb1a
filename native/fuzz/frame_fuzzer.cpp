// Remoting framing: the input is a byte stream as read from a peer's
// socket. It is split into frames with scanFrame() exactly as the client's
// read loop does, and every complete frame goes through
// RemotingCommand::decode(); the whole input is also decoded as one frame
// without its length word. Accepted commands must survive a round trip, and
// no frame longer than kMaxFrameLength may ever be handed to decode().
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "command_checks.h"
#include "fuzz_support.h"
#include "remoting/remoting_command.h"

using rmq::FrameScan;
using rmq::RemotingCommand;
using rmq::fuzz::accepts;
using rmq::fuzz::checkRoundTrip;

namespace {

std::string lengthWord(uint32_t value) {
  const char bytes[4] = {static_cast<char>(value >> 24), static_cast<char>(value >> 16),
                         static_cast<char>(value >> 8), static_cast<char>(value)};
  return std::string(bytes, 4);
}

// The 16 MiB limit, checked once at start-up: such frames are far larger
// than what the fuzzer generates.
void checkFrameLimit() {
  uint32_t length = 0;
  const std::string tooLong = lengthWord(rmq::kMaxFrameLength + 1);
  FUZZ_ASSERT(rmq::scanFrame(tooLong.data(), tooLong.size(), length) == FrameScan::kInvalid);
  const std::string negative = lengthWord(0xFFFFFFFFu);
  FUZZ_ASSERT(rmq::scanFrame(negative.data(), negative.size(), length) == FrameScan::kInvalid);
  const std::string largest = lengthWord(rmq::kMaxFrameLength);
  FUZZ_ASSERT(rmq::scanFrame(largest.data(), largest.size(), length) == FrameScan::kIncomplete);

  // A frame of kMaxFrameLength + 1 bytes whose content would otherwise be
  // valid: an empty JSON object header and a body.
  std::string frame(rmq::kMaxFrameLength + 1, 'x');
  std::memcpy(&frame[0], "\x00\x00\x00\x02{}", 6);
  FUZZ_ASSERT(!accepts([&] { RemotingCommand::decode(frame.data(), frame.size()); }));
  FUZZ_ASSERT(accepts([&] { RemotingCommand::decode(frame.data(), frame.size() - 1); }));
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  checkFrameLimit();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);

  // The stream, frame by frame, until it ends or the connection would be dropped.
  size_t offset = 0;
  while (offset <= size) {
    uint32_t length = 0;
    const FrameScan scan = rmq::scanFrame(bytes + offset, size - offset, length);
    if (scan != FrameScan::kComplete) break;
    FUZZ_ASSERT(length >= 4 && length <= rmq::kMaxFrameLength && length <= size - offset - 4);
    RemotingCommand cmd;
    if (!accepts([&] { cmd = RemotingCommand::decode(bytes + offset + 4, length); })) break;
    checkRoundTrip(cmd);
    offset += 4 + length;
  }

  // The same bytes as the content of a single frame.
  RemotingCommand whole;
  if (accepts([&] { whole = RemotingCommand::decode(bytes, size); })) checkRoundTrip(whole);
  return 0;
}
