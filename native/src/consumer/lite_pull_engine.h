// What a running lite pull consumer is made of (DefaultLitePullConsumerImpl):
// its client instance, offset store, the queues it holds with their caches,
// the rebalance of subscribed topics and the pull chains, one per held queue.
//
// Threads: pulls are asynchronous (long-polling the broker as Java's lite
// pull does) and continue on the client's callback thread; rebalance and
// delayed pulls run on its timer thread; poll() on the caller's.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client/client_instance.h"
#include "consumer/assigned_queues.h"
#include "consumer/lite_pull_consumer.h"
#include "consumer/offset_store.h"
#include "consumer/pull_wrapper.h"
#include "consumer/queue_allocation.h"

namespace rmq {

class LitePullEngine : public RebalancingConsumer, public std::enable_shared_from_this<LitePullEngine> {
 public:
  explicit LitePullEngine(LitePullConsumerConfig config);

  void start();
  void shutdown();

  void subscribe(const std::string& topic, const std::string& expression);
  void assign(const std::set<MessageQueue>& queues);

  PolledBatch poll(int64_t timeoutMs);
  void commitSync();
  int64_t committed(const MessageQueue& mq);
  void seek(const MessageQueue& mq, int64_t offset);
  int64_t minOffset(const MessageQueue& mq);
  int64_t maxOffset(const MessageQueue& mq);
  void pause(const std::vector<MessageQueue>& queues);
  void resume(const std::vector<MessageQueue>& queues);
  std::vector<MessageQueue> assignment() const { return queues_.queues(); }
  int64_t cachedMessageCount() const { return queues_.cachedCount(); }

 private:
  ConsumerData consumerData() const override;
  void rebalanceSoon() override;
  void rebalance();
  // Holds `queues` of `topic` (all topics when empty) from now on.
  void hold(const std::string& topic, const std::set<MessageQueue>& queues);
  void commitAsync();

  void pullLater(const MessageQueue& mq, uint64_t generation, int64_t delayMs);
  void pull(const MessageQueue& mq, uint64_t generation);
  void onPulled(const MessageQueue& mq, uint64_t generation, int64_t requestedOffset,
                std::unique_ptr<RemotingCommand> response, std::exception_ptr error);
  SubscriptionData subscriptionOf(const std::string& topic) const;

  const LitePullConsumerConfig config_;
  std::shared_ptr<ClientInstance> client_;
  std::unique_ptr<OffsetStore> offsets_;
  std::unique_ptr<PullWrapper> pulls_;
  std::unique_ptr<GroupMembers> members_;  // timer thread only
  AssignedQueues queues_;

  mutable std::mutex mutex_;  // guards the members below
  std::map<std::string, SubscriptionData> subscriptions_;
  int64_t nextAutoCommitMs_ = 0;

  std::atomic<bool> stopping_{false};
  std::atomic<bool> rebalancePending_{false};
};

}  // namespace rmq
