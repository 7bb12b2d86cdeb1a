// The questions every rebalance asks (RebalanceImpl): which queues of a topic
// can be read, which consumers of the group the brokers list, and where a
// queue newly taken starts (computePullFromWhere). Shared by the push
// consumer's rebalance and the lite pull consumer's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "client/client_instance.h"
#include "common/message_queue.h"
#include "consumer/offset_store.h"
#include "consumer/push_consumer.h"

namespace rmq {

// topicRouteData2TopicSubscribeInfo: every readable queue of the cached
// route, whether its broker has a master right now or only slaves; sorted.
std::vector<MessageQueue> readableQueues(ClientInstance& client, const std::string& topic, int64_t timeoutMs);

// GET_CONSUMER_LIST_BY_GROUP at a broker of a topic, spread over the brokers
// as the Java client picks one at random; a broker that does not answer
// hands over to the next. One per consumer, used by one thread at a time.
class GroupMembers {
 public:
  GroupMembers(std::shared_ptr<ClientInstance> client, std::string group)
      : client_(std::move(client)), group_(std::move(group)) {}

  // The client ids of the group, sorted; empty when no broker answered.
  std::vector<std::string> of(const std::string& topic);

 private:
  std::shared_ptr<ClientInstance> client_;
  const std::string group_;
  size_t rotation_ = 0;
};

// Where a consumer with no committed offset for `mq` starts.
struct StartPolicy {
  ConsumeFromWhere where;
  int64_t timestampMs;  // kTimestamp only
};

// A consumer whose queues are rebalanced: what its heartbeats announce, and
// how it asks for a rebalance.
class RebalancingConsumer {
 public:
  virtual ~RebalancingConsumer() = default;
  virtual ConsumerData consumerData() const = 0;
  virtual void rebalanceSoon() = 0;
};

// Announces `consumer` as a consumer of `group` in the client's heartbeats
// and has it rebalance whenever a route changes or a broker says the
// group's members changed (NOTIFY_CONSUMER_IDS_CHANGED). Held weakly: once
// it is gone, heartbeats announce nothing of it. Before client.start().
void registerRebalancingConsumer(ClientInstance& client, const std::string& group,
                                 std::weak_ptr<RebalancingConsumer> consumer);

// The name heartbeats give `where` (ConsumeFromWhere.java's constant names).
const char* consumeFromWhereName(ConsumeFromWhere where);

// computePullFromWhere: the committed offset, else what `policy` says.
// Throws MQException when neither the store nor the broker can be asked.
int64_t startOffset(ClientInstance& client, OffsetStore& offsets, const MessageQueue& mq, const StartPolicy& policy);

}  // namespace rmq
