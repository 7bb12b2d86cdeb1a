// RebalanceImpl for the push consumer: which queues of its subscribed topics
// this consumer owns. Clustering consumers split the readable queues of
// every broker of a topic (masters and slaves alike: a broker whose master
// died still has readable queues on its slave) among the group's consumers
// as listed by any broker of the topic; broadcasting ones take all. Taking a
// queue reads where to start (committed offset, else consumeFromWhere);
// releasing one commits its offset first. Orderly consumers lock their
// queues at the masters (only masters lock) and renew the locks.
//
// run() and lockAll() run on the client's timer thread, one at a time.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client/client_instance.h"
#include "consumer/offset_store.h"
#include "consumer/process_queue.h"
#include "consumer/pull_wrapper.h"
#include "consumer/queue_allocation.h"
#include "consumer/push_consumer.h"

namespace rmq {

class Rebalance {
 public:
  Rebalance(PushConsumerConfig config, std::map<std::string, SubscriptionData> subscriptions,
            std::shared_ptr<ClientInstance> client, ProcessQueueTable& queues, OffsetStore& offsets,
            PullWrapper& pulls)
      : config_(std::move(config)),
        subscriptions_(std::move(subscriptions)),
        client_(std::move(client)),
        queues_(queues),
        offsets_(offsets),
        pulls_(pulls),
        members_(client_, config_.groupName) {}

  // doRebalance over every subscription; returns the queues newly taken,
  // for the caller to start pulling.
  std::vector<std::shared_ptr<ProcessQueue>> run();

  // Orderly: renews the locks of every owned queue (lockAll), and marks the
  // queues of brokers without a master in the route as unlocked at once.
  void lockAll();
  void unlockAll();

  // Forgets these owned queues (an operator reset their offsets), so that
  // the next run() takes them again from the new offsets.
  void release(const std::vector<MessageQueue>& reset);

 private:
  std::vector<std::shared_ptr<ProcessQueue>> apply(const std::string& topic, const std::vector<MessageQueue>& mine);
  // LOCK_BATCH_MQ per broker; the queues granted are marked locked.
  void lock(const std::vector<MessageQueue>& queues);
  void unlock(const std::vector<MessageQueue>& queues);
  std::string lockBody(const std::vector<MessageQueue>& queues) const;
  bool orderlyClustering() const { return config_.orderly && !config_.broadcasting; }

  const PushConsumerConfig config_;
  const std::map<std::string, SubscriptionData> subscriptions_;
  std::shared_ptr<ClientInstance> client_;
  ProcessQueueTable& queues_;
  OffsetStore& offsets_;
  PullWrapper& pulls_;

  GroupMembers members_;              // timer thread only
  std::mutex mutex_;                  // guards lockedNow_ (unlockAll runs at shutdown, off the timer)
  std::set<MessageQueue> lockedNow_;  // locks granted, also for queues not yet owned
};

}  // namespace rmq
