#include "consumer/queue_allocation.h"

#include <algorithm>

#include "client/admin_api.h"
#include "common/json.h"
#include "common/log.h"
#include "consumer/consume_listener.h"
#include "consumer/push_consumer.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {
constexpr int kPermRead = 1 << 2;
constexpr int64_t kRequestTimeoutMs = 3000;
constexpr int64_t kMasterId = 0;
}  // namespace

std::vector<MessageQueue> readableQueues(ClientInstance& client, const std::string& topic, int64_t timeoutMs) {
  std::vector<MessageQueue> queues;
  auto route = client.findRoute(topic, timeoutMs);
  for (const auto& qd : route->queueDatas) {
    if ((qd.perm & kPermRead) == 0) continue;
    for (int i = 0; i < qd.readQueueNums; ++i) queues.push_back(MessageQueue{topic, qd.brokerName, i});
  }
  std::sort(queues.begin(), queues.end());
  return queues;
}

std::vector<std::string> GroupMembers::of(const std::string& topic) {
  std::vector<std::string> brokers = client_->brokerNamesOf(topic);
  if (brokers.empty()) return {};
  const size_t first = rotation_++ % brokers.size();
  std::string lastError = "no broker of the topic has a node";
  for (size_t i = 0; i < brokers.size(); ++i) {
    const std::string& name = brokers[(first + i) % brokers.size()];
    BrokerAddress node;
    if (!client_->findBrokerAddressInSubscribe(name, kMasterId, false, &node)) continue;
    try {
      RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetConsumerListByGroup);
      request.extFields["consumerGroup"] = group_;
      auto response = client_->remoting().invokeSync(node.addr, request, kRequestTimeoutMs);
      if (response->code != response_code::kSuccess) {
        lastError = name + " answered " + std::to_string(response->code) + ": " + response->remark;
        continue;
      }
      std::vector<std::string> ids;
      const Json body = Json::parse(response->body);  // must outlive the loop below
      for (const Json& id : body["consumerIdList"].elements()) ids.push_back(id.asString());
      std::sort(ids.begin(), ids.end());
      return ids;
    } catch (const std::exception& e) {
      lastError = name + " at " + node.addr + ": " + e.what();
    }
  }
  RMQ_LOG(kInfo, "consumer list of " << group_ << " unavailable: " << lastError);
  return {};
}

void registerRebalancingConsumer(ClientInstance& client, const std::string& group,
                                 std::weak_ptr<RebalancingConsumer> consumer) {
  client.registerConsumer(group, [consumer] {
    auto self = consumer.lock();
    return self ? self->consumerData() : ConsumerData();
  });
  auto rebalanceSoon = [consumer] {
    if (auto self = consumer.lock()) self->rebalanceSoon();
  };
  client.setRouteChangeListener([rebalanceSoon](const std::string&) { rebalanceSoon(); });
  client.remoting().setRequestHandler(request_code::kNotifyConsumerIdsChanged,
                                      [rebalanceSoon](const std::string&, RemotingCommand&) {
                                        rebalanceSoon();
                                        return std::unique_ptr<RemotingCommand>();
                                      });
}

const char* consumeFromWhereName(ConsumeFromWhere where) {
  switch (where) {
    case ConsumeFromWhere::kFirstOffset: return "CONSUME_FROM_FIRST_OFFSET";
    case ConsumeFromWhere::kTimestamp: return "CONSUME_FROM_TIMESTAMP";
    case ConsumeFromWhere::kLastOffset: break;
  }
  return "CONSUME_FROM_LAST_OFFSET";
}

int64_t startOffset(ClientInstance& client, OffsetStore& offsets, const MessageQueue& mq, const StartPolicy& policy) {
  int64_t committed = offsets.read(mq);
  if (committed >= 0) return committed;
  switch (policy.where) {
    case ConsumeFromWhere::kFirstOffset:
      return 0;
    case ConsumeFromWhere::kTimestamp:
      return isRetryTopic(mq.topic) ? queryMaxOffset(client, mq, kRequestTimeoutMs)
                                    : searchOffset(client, mq, policy.timestampMs, kRequestTimeoutMs);
    case ConsumeFromWhere::kLastOffset:
      break;
  }
  return isRetryTopic(mq.topic) ? 0 : queryMaxOffset(client, mq, kRequestTimeoutMs);
}

}  // namespace rmq
