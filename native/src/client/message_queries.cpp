#include "client/message_queries.h"

#include <algorithm>
#include <condition_variable>
#include <ctime>
#include <limits>
#include <mutex>
#include <sstream>

#include "client/admin_api.h"
#include "common/errors.h"
#include "message/byte_buffer.h"
#include "message/message_id.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

// MixAll.UNIQUE_MSG_QUERY_FLAG.
constexpr const char* kUniqueKeyQueryFlag = "_UNIQUE_KEY_QUERY";
// MessageConst.KEY_SEPARATOR.
constexpr char kKeySeparator = ' ';
// MessageStoreConfig.defaultQueryMaxNum: what queryMessageByUniqKey asks for.
constexpr int kUniqueKeyMaxNum = 32;
// MQAdminImpl gives a query three timeouts, and waits four for all brokers.
constexpr int64_t kQueryTimeoutFactor = 3;
constexpr int64_t kQueryWaitFactor = 4;
constexpr int64_t kMasterId = 0;

MQException noMessage(const std::string& what) {
  return MQException(ErrorKind::kBrokerError, what, kNoMessageResponseCode);
}

int64_t headerLong(const RemotingCommand& response, const char* name, const char* what) {
  try {
    return std::stoll(response.field(name, ""));
  } catch (const std::exception&) {
    throw MQException(ErrorKind::kProtocol, std::string(what) + " answer without a numeric " + name);
  }
}

int64_t queueQuery(ClientInstance& client, const MessageQueue& mq, int32_t code, const char* what,
                   const char* answerField, int64_t timeoutMs) {
  RemotingCommand request = RemotingCommand::makeRequest(code);
  request.extFields["topic"] = mq.topic;
  request.extFields["queueId"] = std::to_string(mq.queueId);
  const BrokerAddress node = adminAddress(client, mq, timeoutMs);
  auto response = client.remoting().invokeSync(node.addr, request, timeoutMs);
  if (response->code != response_code::kSuccess) {
    throw MQException(ErrorKind::kBrokerError,
                      std::string(what) + " refused by broker " + mq.brokerName + ": " + response->remark,
                      response->code);
  }
  return headerLong(*response, answerField, what);
}

bool keysContain(const std::string& keys, const std::string& key) {
  std::istringstream words(keys);
  std::string word;
  while (std::getline(words, word, kKeySeparator)) {
    if (word == key) return true;
  }
  return false;
}

// MessageClientIDSetter.getNearlyTimeFromID: the id carries the
// milliseconds since the start of the (local) month it was made in; a time
// not yet reached this month belongs to the month before.
int64_t nearlyTimeFromUniqueId(const std::string& raw) {
  const size_t ipLength = raw.size() == 28 ? 16 : 4;
  ByteReader reader(raw.data() + ipLength + 6, 4);
  const int64_t sinceMonthStart = static_cast<int64_t>(static_cast<uint32_t>(reader.i32()));
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  local.tm_mday = 1;
  local.tm_hour = 0;
  local.tm_min = 0;
  local.tm_sec = 0;
  local.tm_isdst = -1;
  int64_t monthStart = static_cast<int64_t>(std::mktime(&local)) * 1000;
  if (monthStart + sinceMonthStart >= static_cast<int64_t>(now) * 1000) {
    local.tm_mon -= 1;
    local.tm_isdst = -1;
    monthStart = static_cast<int64_t>(std::mktime(&local)) * 1000;
  }
  return monthStart + sinceMonthStart;
}

// What the brokers asked in parallel answered.
struct QueryAnswers {
  std::mutex mutex;
  std::condition_variable done;
  size_t pending = 0;
  std::vector<MessageExt> messages;
};

}  // namespace

int64_t queryEarliestMsgStoreTime(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs) {
  return queueQuery(client, mq, request_code::kGetEarliestMsgStoreTime, "GET_EARLIEST_MSG_STORETIME", "timestamp",
                    timeoutMs);
}

MessageExt viewMessageByOffsetId(ClientInstance& client, const std::string& offsetMsgId, int64_t timeoutMs) {
  const OffsetMessageId id = decodeOffsetMessageId(offsetMsgId);
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kViewMessageById);
  request.extFields["offset"] = std::to_string(id.commitLogOffset);
  auto response = client.remoting().invokeSync(id.host, request, timeoutMs);
  if (response->code != response_code::kSuccess) {
    throw noMessage("no message " + offsetMsgId + " at " + id.host + ": " + response->remark);
  }
  std::vector<MessageExt> found = decodeMessages(response->body.data(), response->body.size());
  if (found.empty()) throw MQException(ErrorKind::kProtocol, "VIEW_MESSAGE_BY_ID answered without a message");
  return std::move(found.front());
}

std::vector<MessageExt> queryMessages(ClientInstance& client, const std::string& topic, const std::string& key,
                                      int maxNum, int64_t beginMs, int64_t endMs, bool uniqueKey,
                                      int64_t timeoutMs) {
  auto route = client.findRoute(topic, timeoutMs);
  std::vector<std::string> nodes;
  for (const auto& broker : route->brokerDatas) {
    BrokerAddress node;
    if (client.findBrokerAddressInAdmin(broker.brokerName, &node)) nodes.push_back(node.addr);
  }
  if (nodes.empty()) throw MQException(ErrorKind::kNoRoute, "no broker of " + topic + " is known");

  auto answers = std::make_shared<QueryAnswers>();
  answers->pending = nodes.size();
  for (const std::string& addr : nodes) {
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kQueryMessage);
    request.extFields["topic"] = topic;
    request.extFields["key"] = key;
    request.extFields["maxNum"] = std::to_string(maxNum);
    request.extFields["beginTimestamp"] = std::to_string(beginMs);
    request.extFields["endTimestamp"] = std::to_string(endMs);
    if (uniqueKey) request.extFields[kUniqueKeyQueryFlag] = "true";
    // A broker that fails or finds nothing adds nothing, as in MQAdminImpl.
    client.remoting().invokeAsync(
        addr, request, timeoutMs * kQueryTimeoutFactor,
        [answers](std::unique_ptr<RemotingCommand> response, std::exception_ptr) {
          std::vector<MessageExt> decoded;
          if (response && response->code == response_code::kSuccess) {
            try {
              decoded = decodeMessages(response->body.data(), response->body.size());
            } catch (const MQException&) {
              decoded.clear();
            }
          }
          std::lock_guard<std::mutex> lock(answers->mutex);
          for (auto& message : decoded) answers->messages.push_back(std::move(message));
          if (--answers->pending == 0) answers->done.notify_all();
        });
  }
  std::vector<MessageExt> arrived;
  {
    std::unique_lock<std::mutex> lock(answers->mutex);
    answers->done.wait_for(lock, std::chrono::milliseconds(timeoutMs * kQueryWaitFactor),
                           [&] { return answers->pending == 0; });
    arrived = answers->messages;
  }

  std::vector<MessageExt> matched;
  for (auto& message : arrived) {
    if (uniqueKey) {
      if (message.msgId() != key) continue;
      // Stored twice (a resend): the first one stored stands for both.
      if (matched.empty()) {
        matched.push_back(std::move(message));
      } else if (matched.front().storeTimestamp > message.storeTimestamp) {
        matched.front() = std::move(message);
      }
    } else if (message.topic() == topic && keysContain(message.keys(), key)) {
      matched.push_back(std::move(message));
    }
  }
  if (matched.empty()) throw noMessage("no message with key " + key + " in " + topic);
  return matched;
}

MessageExt viewMessage(ClientInstance& client, const std::string& topic, const std::string& msgId,
                       int64_t timeoutMs) {
  const std::string raw = fromHex(msgId);  // throws kIllegalArgument for a non-hex id
  if (raw.size() != 16 && raw.size() != 28) {
    throw MQException(ErrorKind::kIllegalArgument, "a message id has 32 or 56 hex characters: " + msgId);
  }
  if (topic.empty()) return viewMessageByOffsetId(client, msgId, timeoutMs);
  // Both kinds of id have the same length: read it as an offset id when it
  // names a broker of the topic, else (or when that broker has nothing
  // there) as a producer's unique key. Java tries the address whatever it
  // is; asking only known brokers saves a connect attempt to a made-up one.
  client.findRoute(topic, timeoutMs);
  const std::string host = decodeOffsetMessageId(msgId).host;
  const std::vector<std::string> brokers = client.allBrokerAddresses(true);
  if (std::find(brokers.begin(), brokers.end(), host) != brokers.end()) {
    try {
      return viewMessageByOffsetId(client, msgId, timeoutMs);
    } catch (const MQException& e) {
      if (e.responseCode() != kNoMessageResponseCode) throw;
    }
  }
  std::string upper = msgId;
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  auto found = queryMessages(client, topic, upper, kUniqueKeyMaxNum, nearlyTimeFromUniqueId(raw) - 1000,
                             std::numeric_limits<int64_t>::max(), true, timeoutMs);
  return std::move(found.front());
}

std::vector<std::string> queryConsumerIds(ClientInstance& client, const std::string& group,
                                          const std::string& topic, int64_t timeoutMs) {
  auto route = client.findRoute(topic, timeoutMs);
  std::string lastError = "no broker of " + topic + " is known";
  for (const auto& broker : route->brokerDatas) {
    BrokerAddress node;
    if (!client.findBrokerAddressInSubscribe(broker.brokerName, kMasterId, false, &node)) continue;
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetConsumerListByGroup);
    request.extFields["consumerGroup"] = group;
    auto response = client.remoting().invokeSync(node.addr, request, timeoutMs);
    if (response->code != response_code::kSuccess) {
      lastError = "GET_CONSUMER_LIST_BY_GROUP refused by broker " + broker.brokerName + ": " + response->remark;
      continue;
    }
    std::vector<std::string> ids;
    const Json answer = Json::parse(response->body);
    for (const auto& id : answer["consumerIdList"].elements()) ids.push_back(id.asString());
    return ids;
  }
  throw MQException(ErrorKind::kBrokerError, lastError, response_code::kSystemError);
}

Json consumeMessageDirectly(ClientInstance& client, const std::string& group, const std::string& clientId,
                            const std::string& topic, const std::string& msgId, int64_t timeoutMs) {
  // As DefaultMQAdminExtImpl: find the message first, then ask the broker
  // that stores it by the message's offset id.
  const MessageExt message = viewMessage(client, topic, msgId, timeoutMs);
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kConsumeMessageDirectly);
  request.extFields["consumerGroup"] = group;
  request.extFields["clientId"] = clientId;
  request.extFields["msgId"] = message.offsetMsgId();
  const std::string addr = message.storeHost();
  auto response = client.remoting().invokeSync(addr, request, timeoutMs * kQueryTimeoutFactor);
  if (response->code != response_code::kSuccess || response->body.empty()) {
    throw MQException(ErrorKind::kBrokerError, "CONSUME_MESSAGE_DIRECTLY refused: " + response->remark,
                      response->code);
  }
  Json result = Json::parse(response->body);
  if (!result.isObject()) throw MQException(ErrorKind::kProtocol, "ConsumeMessageDirectlyResult is not an object");
  return result;
}

}  // namespace rmq
