// Round-trip property of remoting commands, shared by the frame and header
// harnesses: whatever decode() accepts, encode() must turn back into a frame
// that decode() accepts and reads as the same command.
#pragma once

#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "remoting/remoting_command.h"

namespace rmq {
namespace fuzz {

inline bool sameCommand(const RemotingCommand& a, const RemotingCommand& b) {
  return a.code == b.code && a.language == b.language && a.version == b.version && a.opaque == b.opaque &&
         a.flag == b.flag && a.remark == b.remark && a.hasRemark == b.hasRemark && a.extFields == b.extFields &&
         a.body == b.body && a.serializeType == b.serializeType;
}

inline void checkRoundTrip(const RemotingCommand& cmd) {
  const std::string header = cmd.encodeHeader();
  // The header length shares its word with the serialize type (24 bits),
  // and a re-encoded JSON header can grow past what the peer sent (escapes).
  if (header.size() > 0xFFFFFF || 4 + header.size() + cmd.body.size() > kMaxFrameLength) return;
  const std::string frame = cmd.encode();
  uint32_t length = 0;
  FUZZ_ASSERT(scanFrame(frame.data(), frame.size(), length) == FrameScan::kComplete);
  FUZZ_ASSERT(length == frame.size() - 4);
  RemotingCommand again;
  FUZZ_ASSERT(accepts([&] { again = RemotingCommand::decode(frame.data() + 4, length); }));
  FUZZ_ASSERT(sameCommand(cmd, again));
}

}  // namespace fuzz
}  // namespace rmq
