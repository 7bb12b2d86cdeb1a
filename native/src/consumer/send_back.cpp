#include "consumer/send_back.h"

#include "common/errors.h"
#include "common/log.h"
#include "consumer/consume_listener.h"
#include "producer/send_request.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {
constexpr const char* kRetryGroupTopicPrefix = "%RETRY%";
constexpr int64_t kRequestTimeoutMs = 3000;
}  // namespace

bool SendBack::sendBack(const MessageExt& message, int delayLevel) const {
  try {
    const std::string addr = client_->findBrokerAddressInPublish(message.brokerName);
    if (addr.empty()) throw MQException(ErrorKind::kNoRoute, "the master of " + message.brokerName + " is gone");
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kConsumerSendMsgBack);
    auto& f = request.extFields;
    f["offset"] = std::to_string(message.commitLogOffset);
    f["group"] = group_;
    f["delayLevel"] = std::to_string(delayLevel);
    f["originMsgId"] = message.msgId();
    f["originTopic"] = message.topic();
    f["unitMode"] = "false";
    f["maxReconsumeTimes"] = std::to_string(maxReconsumeTimes_);
    auto response = client_->remoting().invokeSync(addr, request, kRequestTimeoutMs);
    if (response->code == response_code::kSuccess) return true;
    RMQ_LOG(kWarn, "send-back of " << message.msgId() << " refused: " << response->remark);
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "send-back of " << message.msgId() << " failed: " << e.what());
  }
  return resendToRetryTopic(message);
}

bool SendBack::resendToRetryTopic(const MessageExt& message) const {
  try {
    const std::string retryTopic = kRetryGroupTopicPrefix + group_;
    auto route = client_->findRoute(retryTopic, kRequestTimeoutMs);
    MessageQueue queue;
    std::string addr;
    for (const auto& qd : route->queueDatas) {
      addr = client_->findBrokerAddressInPublish(qd.brokerName);
      if (!addr.empty() && qd.writeQueueNums > 0) {
        queue = MessageQueue{retryTopic, qd.brokerName, 0};
        break;
      }
    }
    if (queue.brokerName.empty()) throw MQException(ErrorKind::kNoRoute, "no writable queue of " + retryTopic);

    Message copy(retryTopic);
    copy.mutableProperties() = message.properties();
    std::string realTopic = message.property(property::kRetryTopic);
    copy.putProperty(property::kRetryTopic, realTopic.empty() ? message.topic() : realTopic);
    if (copy.property(property::kOriginMessageId).empty()) {
      copy.putProperty(property::kOriginMessageId, message.msgId());
    }
    copy.putProperty(property::kReconsumeTime, std::to_string(message.reconsumeTimes + 1));
    copy.putProperty(property::kMaxReconsumeTimes, std::to_string(maxReconsumeTimes_));
    copy.clearProperty(property::kTransactionPrepared);
    copy.setDelayTimeLevel(3 + message.reconsumeTimes);

    OutgoingMessage outgoing;
    outgoing.topic = retryTopic;
    outgoing.properties = copy.encodedProperties();
    outgoing.ownedBody = message.body();  // already decompressed by the decoder
    outgoing.flag = message.flag();
    RemotingCommand request = buildSendRequest(group_, outgoing, queue, wallClockMs());
    request.expandEncodedFields();  // two of its fields change
    request.extFields["j"] = std::to_string(message.reconsumeTimes + 1);  // reconsumeTimes
    request.extFields["l"] = std::to_string(maxReconsumeTimes_);          // maxReconsumeTimes
    auto response = client_->remoting().invokeSync(addr, request, kRequestTimeoutMs);
    parseSendResponse(*response, outgoing, queue);  // throws unless stored
    return true;
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "re-sending " << message.msgId() << " to the retry topic failed: " << e.what());
    return false;
  }
}

}  // namespace rmq
