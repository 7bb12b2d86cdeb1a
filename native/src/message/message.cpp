#include "message/message.h"

#include <cstdlib>
#include <cstring>

#include "common/errors.h"
#include "message/byte_buffer.h"
#include "message/compression.h"
#include "message/message_id.h"
#include "message/sysflag.h"

namespace rmq {

int Message::delayTimeLevel() const {
  const char* level = properties_.find(property::kDelayLevel);
  return level == nullptr ? 0 : std::atoi(level);
}

void Message::setDelayTimeLevel(int level) { putProperty(property::kDelayLevel, std::to_string(level)); }

std::string MessageExt::msgId() const {
  const char* unique = properties().find(property::kUniqueClientMessageIdKey);
  if (unique != nullptr && *unique != '\0') return unique;
  return offsetMsgId();
}

std::string MessageExt::bornHost() const {
  return formatSocketAddress(bornHostBytes.ipBytes(), bornHostBytes.port);
}

std::string MessageExt::storeHost() const {
  return formatSocketAddress(storeHostBytes.ipBytes(), storeHostBytes.port);
}

std::string MessageExt::offsetMsgId() const {
  return createOffsetMessageId(storeHostBytes.ipBytes(), storeHostBytes.port, commitLogOffset);
}

namespace {

// Host fields are 4 (IPv4) or 16 (IPv6) address bytes followed by a port.
HostBytes readHost(ByteReader& reader, bool v6) {
  HostBytes host;
  host.ipLength = v6 ? 16 : 4;
  std::memcpy(host.ip.data(), reader.bytes(host.ipLength), host.ipLength);
  host.port = reader.i32();
  return host;
}

bool isZlibCompressed(int sysFlag) {
  const int type = sysFlag & sysflag::kCompressionTypeMask;
  return type == 0 || type == sysflag::kCompressionZlib;
}

MessageExt decodeOne(ByteReader& reader) {
  const size_t start = reader.position();
  MessageExt msg;
  msg.storeSize = reader.i32();
  if (msg.storeSize <= 0 || static_cast<size_t>(msg.storeSize) > reader.remaining() + 4) {
    throw MQException(ErrorKind::kProtocol, "stored message has an invalid total size " +
                                                std::to_string(msg.storeSize));
  }
  reader.i32();  // magic code: not checked, as MessageDecoder does not either
  msg.bodyCRC = reader.i32();
  msg.queueId = reader.i32();
  msg.setFlag(reader.i32());
  msg.queueOffset = reader.i64();
  msg.commitLogOffset = reader.i64();
  msg.sysFlag = reader.i32();
  msg.bornTimestamp = reader.i64();
  msg.bornHostBytes = readHost(reader, (msg.sysFlag & sysflag::kBornHostV6) != 0);
  msg.storeTimestamp = reader.i64();
  msg.storeHostBytes = readHost(reader, (msg.sysFlag & sysflag::kStoreHostV6) != 0);
  msg.reconsumeTimes = reader.i32();
  msg.preparedTransactionOffset = reader.i64();

  const int32_t bodyLength = reader.i32();
  if (bodyLength < 0) throw MQException(ErrorKind::kProtocol, "stored message has a negative body length");
  if (bodyLength > 0) {
    const char* body = reader.bytes(static_cast<size_t>(bodyLength));
    if ((msg.sysFlag & sysflag::kCompressed) != 0 && isZlibCompressed(msg.sysFlag)) {
      msg.setBody(zlibDecompress(body, static_cast<size_t>(bodyLength)));
    } else {
      msg.setBody(body, static_cast<size_t>(bodyLength));
    }
  }

  const uint8_t topicLength = reader.u8();
  msg.setTopic(std::string(reader.bytes(topicLength), topicLength));

  const auto propertiesLength = static_cast<uint16_t>(reader.i16());
  if (propertiesLength > 0) {
    msg.mutableProperties() = Message::decodeProperties(reader.bytes(propertiesLength), propertiesLength);
  }

  // The store size covers the whole record; trust it to find the next one
  // even if a newer broker appended fields we do not know.
  const size_t consumed = reader.position() - start;
  if (consumed > static_cast<size_t>(msg.storeSize)) {
    throw MQException(ErrorKind::kProtocol, "stored message is longer than its declared size");
  }
  reader.skip(static_cast<size_t>(msg.storeSize) - consumed);
  return msg;
}

// How many records the body holds, by their leading sizes alone: room for
// all of them is made at once instead of moving decoded messages on growth.
// A malformed size ends the count early; decodeOne reports it.
size_t countRecords(const char* data, size_t len) {
  size_t count = 0;
  size_t position = 0;
  while (len - position >= 4) {
    const auto* p = reinterpret_cast<const unsigned char*>(data + position);
    const int32_t size = static_cast<int32_t>((uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3]);
    if (size <= 0 || static_cast<size_t>(size) > len - position) break;
    position += static_cast<size_t>(size);
    ++count;
  }
  return count;
}

}  // namespace

std::vector<MessageExt> decodeMessages(const char* data, size_t len) {
  std::vector<MessageExt> messages;
  messages.reserve(countRecords(data, len));
  ByteReader reader(data, len);
  while (reader.remaining() > 0) messages.push_back(decodeOne(reader));
  return messages;
}

std::string encodeBatch(const std::vector<Message>& messages) {
  std::vector<std::string> encodedProperties;
  encodedProperties.reserve(messages.size());
  size_t total = 0;
  for (const Message& m : messages) {
    encodedProperties.push_back(m.encodedProperties());
    if (encodedProperties.back().size() > 32767) {
      throw MQException(ErrorKind::kIllegalArgument,
                        "message properties are too large: " + std::to_string(encodedProperties.back().size()) +
                            " bytes, at most 32767");
    }
    total += 4 + 4 + 4 + 4 + 4 + m.body().size() + 2 + encodedProperties.back().size();
  }

  // One allocation for the whole batch; each record is
  // totalSize, magic (0), bodyCRC (0), flag, body length, body, properties.
  std::string out;
  out.reserve(total);
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    const std::string& props = encodedProperties[i];
    const size_t recordSize = 4 + 4 + 4 + 4 + 4 + m.body().size() + 2 + props.size();
    appendI32(out, static_cast<int32_t>(recordSize));
    appendI32(out, 0);
    appendI32(out, 0);
    appendI32(out, m.flag());
    appendI32(out, static_cast<int32_t>(m.body().size()));
    out += m.body();
    appendI16(out, static_cast<int16_t>(props.size()));
    out += props;
  }
  return out;
}

}  // namespace rmq
