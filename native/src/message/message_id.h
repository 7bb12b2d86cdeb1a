// The broker-side "offset message id": store host address plus commit log
// offset in hex (MessageDecoder.createMessageId / decodeMessageId).
#pragma once

#include <cstdint>
#include <string>

namespace rmq {

struct OffsetMessageId {
  std::string host;  // "ip:port" (IPv6 addresses in brackets)
  int64_t commitLogOffset = 0;
};

// `ip` holds 4 or 16 raw address bytes.
std::string createOffsetMessageId(const std::string& ip, int32_t port, int64_t commitLogOffset);
// Accepts the 32 (IPv4) or 56 (IPv6) hex character form. Throws
// MQException(kIllegalArgument) for anything else.
OffsetMessageId decodeOffsetMessageId(const std::string& id);

// "a.b.c.d:port" or "[v6]:port" from raw address bytes.
std::string formatSocketAddress(const std::string& ip, int32_t port);

}  // namespace rmq
