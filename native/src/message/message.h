// Message model of the core: what a producer sends (Message) and what the
// broker stores and hands back (MessageExt), plus the wire encodings
// defined by MessageDecoder.java.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "message/message_properties.h"

namespace rmq {

// Property names from MessageConst.java (only the ones the core uses).
namespace property {
constexpr const char* kKeys = "KEYS";
constexpr const char* kTags = "TAGS";
constexpr const char* kWaitStoreMsgOk = "WAIT";
constexpr const char* kDelayLevel = "DELAY";
constexpr const char* kRetryTopic = "RETRY_TOPIC";
constexpr const char* kRealTopic = "REAL_TOPIC";
constexpr const char* kRealQueueId = "REAL_QID";
constexpr const char* kTransactionPrepared = "TRAN_MSG";
constexpr const char* kProducerGroup = "PGROUP";
constexpr const char* kMinOffset = "MIN_OFFSET";
constexpr const char* kMaxOffset = "MAX_OFFSET";
constexpr const char* kUniqueClientMessageIdKey = "UNIQ_KEY";
constexpr const char* kReconsumeTime = "RECONSUME_TIME";
constexpr const char* kMaxReconsumeTimes = "MAX_RECONSUME_TIMES";
constexpr const char* kConsumeStartTimestamp = "CONSUME_START_TIME";
constexpr const char* kTransactionCheckTimes = "TRANSACTION_CHECK_TIMES";
constexpr const char* kShardingKey = "__SHARDINGKEY";
constexpr const char* kOriginMessageId = "ORIGIN_MESSAGE_ID";
constexpr const char* kMsgRegion = "MSG_REGION";
constexpr const char* kTraceSwitch = "TRACE_ON";
// Delivery at a chosen time (RocketMQ 5.x timer messages): an absolute epoch
// time in ms, or a delay from the broker's store time in s or ms.
constexpr const char* kTimerDeliverMs = "TIMER_DELIVER_MS";
constexpr const char* kTimerDelaySec = "TIMER_DELAY_SEC";
constexpr const char* kTimerDelayMs = "TIMER_DELAY_MS";
}  // namespace property

class Message {
 public:
  Message() = default;
  explicit Message(std::string topic) : topic_(std::move(topic)) {}

  const std::string& topic() const { return topic_; }
  void setTopic(std::string t) { topic_ = std::move(t); }

  // Tags, keys and the delay level live in the property map, as in Java.
  std::string tags() const { return property(property::kTags); }
  void setTags(const std::string& tags) { putProperty(property::kTags, tags); }
  std::string keys() const { return property(property::kKeys); }
  void setKeys(const std::string& keys) { putProperty(property::kKeys, keys); }
  int delayTimeLevel() const;
  void setDelayTimeLevel(int level);

  const std::string& body() const { return body_; }
  std::string& mutableBody() { return body_; }
  void setBody(std::string body) { body_ = std::move(body); }
  void setBody(const char* data, size_t len) { body_.assign(data, len); }

  // Returns "" when absent.
  std::string property(std::string_view key) const { return properties_.get(key); }
  bool hasProperty(std::string_view key) const { return properties_.contains(key); }
  void putProperty(std::string_view key, std::string_view value) { properties_.set(key, value); }
  void clearProperty(std::string_view key) { properties_.erase(key); }
  const MessageProperties& properties() const { return properties_; }
  MessageProperties& mutableProperties() { return properties_; }

  int flag() const { return flag_; }
  void setFlag(int f) { flag_ = f; }

  // The wire form of the properties (see MessageProperties::encode).
  std::string encodedProperties() const { return properties_.encode(); }
  static MessageProperties decodeProperties(const char* data, size_t len) {
    return MessageProperties::decode(data, len);
  }

 private:
  std::string topic_;
  std::string body_;
  MessageProperties properties_;
  int flag_ = 0;
};

// An IPv4 or IPv6 address and port as a stored message carries them: kept
// as the raw bytes and turned into text only when someone asks.
struct HostBytes {
  std::array<char, 16> ip{};
  uint8_t ipLength = 0;  // 4 or 16
  int32_t port = 0;

  std::string ipBytes() const { return std::string(ip.data(), ipLength); }
};

// A message as stored by the broker (MessageExt.java). Produced by decoding
// pull results and CHECK_TRANSACTION_STATE bodies.
class MessageExt : public Message {
 public:
  std::string brokerName;
  int queueId = 0;
  int storeSize = 0;
  int64_t queueOffset = 0;
  int sysFlag = 0;
  int64_t bornTimestamp = 0;
  HostBytes bornHostBytes;
  int64_t storeTimestamp = 0;
  HostBytes storeHostBytes;
  int64_t commitLogOffset = 0;
  int32_t bodyCRC = 0;
  int reconsumeTimes = 0;
  int64_t preparedTransactionOffset = 0;

  // "ip:port" ("[v6]:port"), formatted on demand: most consumers never look.
  std::string bornHost() const;
  std::string storeHost() const;
  // MessageDecoder.createMessageId(storeHost, commitLogOffset).
  std::string offsetMsgId() const;

  // The id users see: UNIQ_KEY when present, else offsetMsgId (as Java's
  // MessageClientExt.getMsgId does).
  std::string msgId() const;
};

// MessageDecoder.decodes: every message in a pull-result / check body.
// Decompresses bodies flagged COMPRESSED. Throws MQException(kProtocol) on
// malformed input.
std::vector<MessageExt> decodeMessages(const char* data, size_t len);

// MessageClientIDSetter.createUniqID: 32 uppercase hex characters.
std::string createUniqueMessageId();

// MessageDecoder.encodeMessages: the body of SEND_BATCH_MESSAGE.
std::string encodeBatch(const std::vector<Message>& messages);

}  // namespace rmq
