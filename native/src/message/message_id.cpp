#include "message/message_id.h"

#include <arpa/inet.h>

#include "common/errors.h"
#include "message/byte_buffer.h"

namespace rmq {

std::string formatSocketAddress(const std::string& ip, int32_t port) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (ip.size() == 4) {
    inet_ntop(AF_INET, ip.data(), text, sizeof(text));
    return std::string(text) + ":" + std::to_string(port);
  }
  if (ip.size() == 16) {
    inet_ntop(AF_INET6, ip.data(), text, sizeof(text));
    return "[" + std::string(text) + "]:" + std::to_string(port);
  }
  throw MQException(ErrorKind::kIllegalArgument, "address must have 4 or 16 bytes");
}

std::string createOffsetMessageId(const std::string& ip, int32_t port, int64_t commitLogOffset) {
  std::string raw = ip;
  appendI32(raw, port);
  appendI64(raw, commitLogOffset);
  return toHex(raw.data(), raw.size());
}

OffsetMessageId decodeOffsetMessageId(const std::string& id) {
  if (id.size() != 32 && id.size() != 56) {
    throw MQException(ErrorKind::kIllegalArgument, "not an offset message id: " + id);
  }
  const std::string raw = fromHex(id);
  ByteReader reader(raw.data(), raw.size());
  const size_t ipLength = id.size() == 32 ? 4 : 16;
  const std::string ip(reader.bytes(ipLength), ipLength);
  const int32_t port = reader.i32();
  OffsetMessageId result;
  result.host = formatSocketAddress(ip, port);
  result.commitLogOffset = reader.i64();
  return result;
}

}  // namespace rmq
