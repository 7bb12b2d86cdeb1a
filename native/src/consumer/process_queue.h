// The messages of one queue that a push consumer pulled and has not yet
// consumed (ProcessQueue.java), and the table of the queues it owns.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/message_queue.h"
#include "message/message.h"

namespace rmq {

int64_t steadyClockMs();
std::string queueKey(const MessageQueue& mq);

struct ProcessQueue {
  // A broker lock not renewed for this long no longer counts
  // (ProcessQueue.REBALANCE_LOCK_MAX_LIVE_TIME).
  static constexpr int64_t kLockMaxLiveMs = 30000;

  explicit ProcessQueue(MessageQueue q) : mq(std::move(q)) {}

  const MessageQueue mq;
  std::mutex mutex;
  // queue offset -> message, shared with the listener call running on it so
  // that delivering a message copies nothing.
  std::map<int64_t, std::shared_ptr<MessageExt>> messages;
  int64_t highestOffset = -1;
  int64_t cachedBytes = 0;
  int64_t nextPullOffset = 0;
  bool consuming = false;  // orderly: a task owns this queue
  // The listener calls running on this queue's messages: when each began and
  // on which offsets (concurrent consumption, to give back what overruns
  // consumeTimeout). One record per call rather than per message.
  struct ListenerCall {
    int64_t sinceMs;
    std::vector<int64_t> offsets;
  };
  std::list<ListenerCall> listenerCalls;
  std::string lastPullAddr;                  // the node the last pull went to
  std::atomic<bool> dropped{false};
  std::atomic<bool> locked{false};
  std::atomic<int64_t> lastLockMs{0};

  // The offset to commit: the oldest message still in flight, or one past
  // the newest seen when nothing is.
  int64_t consumeOffsetLocked() const {
    return messages.empty() ? highestOffset + 1 : messages.begin()->first;
  }
  int64_t consumeOffset() {
    std::lock_guard<std::mutex> lock(mutex);
    return consumeOffsetLocked();
  }

  void setLocked(bool isLocked) {
    if (isLocked) lastLockMs = steadyClockMs();
    locked = isLocked;
  }
  // Locked at the broker, and renewed recently enough to still count.
  bool holdsLock() const { return locked && steadyClockMs() - lastLockMs < kLockMaxLiveMs; }

  // Drops consumed messages from the cache.
  void remove(const std::vector<int64_t>& offsets);
};

// The queues a consumer owns (RebalanceImpl.processQueueTable). Callers take
// a snapshot rather than holding the table's lock while they work on queues.
class ProcessQueueTable {
 public:
  std::vector<std::shared_ptr<ProcessQueue>> snapshot() const;
  std::shared_ptr<ProcessQueue> find(const MessageQueue& mq) const;
  bool contains(const MessageQueue& mq) const;
  // False (and nothing changes) when the queue is owned already.
  bool add(const std::shared_ptr<ProcessQueue>& pq);
  // Takes out the queues of `topic` not in `keep`.
  std::vector<std::shared_ptr<ProcessQueue>> removeTopicExcept(const std::string& topic,
                                                               const std::set<MessageQueue>& keep);
  std::shared_ptr<ProcessQueue> remove(const MessageQueue& mq);
  int64_t cachedMessageCount() const;

 private:
  mutable std::mutex mutex_;
  std::map<MessageQueue, std::shared_ptr<ProcessQueue>> queues_;
};

}  // namespace rmq
