// The queues a lite pull consumer holds and what it pulled from them but has
// not handed out yet (AssignedMessageQueue and the consume request cache of
// the Java client). Pulled batches wait in arrival order; take() hands out
// the oldest one of a queue that is not paused, waiting for one if needed.
//
// Each queue carries a generation: seek(), resume() and a queue taken again
// start a new pull chain with a new generation, and pulls of an older one
// are dropped when they come back, so a seek is never undone by a pull that
// was already on the wire.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/message_queue.h"
#include "message/message.h"

namespace rmq {

// Where a queue's next pull starts and how far poll() got.
struct QueuePosition {
  uint64_t generation = 0;
  int64_t pullOffset = -1;     // -1: not known yet (ask the offset store)
  int64_t consumeOffset = -1;  // one past what poll() handed out; -1 before any
  int64_t committedOffset = -1;
  bool paused = false;
};

// Limits on what take() may leave cached; pulls wait while a limit is reached.
struct CacheLimits {
  int perQueueCount = 1000;
  int64_t perQueueBytes = 100 * 1024 * 1024;
  int64_t totalCount = 10000;
};

class AssignedQueues {
 public:
  explicit AssignedQueues(CacheLimits limits) : limits_(limits) {}

  // Holds exactly `queues` of `topic` (every topic when `topic` is empty).
  // Returns the queues newly held; `released` gets those let go, with their
  // positions, and their cached batches are dropped.
  std::vector<MessageQueue> replace(const std::string& topic, const std::set<MessageQueue>& queues,
                                    std::map<MessageQueue, QueuePosition>* released);
  bool holds(const MessageQueue& mq) const;
  std::vector<MessageQueue> queues() const;
  // False when `mq` is not held (a pull of a released queue).
  bool position(const MessageQueue& mq, QueuePosition* out) const;

  // How many messages a pull of `mq` may fetch now, at most `batchSize`;
  // 0 while the cache is full.
  int room(const MessageQueue& mq, int batchSize) const;
  // Stores what a pull of generation `generation` found and where the next
  // one starts. False (nothing stored) when the queue was released, sought
  // or resumed meanwhile: that pull chain ends.
  bool arrived(const MessageQueue& mq, uint64_t generation, std::vector<MessageExt> messages, int64_t nextOffset);
  // Sets where the next pull starts when none is known yet.
  void startAt(const MessageQueue& mq, uint64_t generation, int64_t offset);

  // The oldest batch of a queue not paused, waiting up to timeoutMs; false
  // when none came or close() was called. Moves its queue's consume offset
  // past the batch.
  bool take(int64_t timeoutMs, MessageQueue* queue, std::vector<MessageExt>* messages);
  // Wakes every take() for good.
  void close();

  // Drops what is cached for `mq`; the next pull starts at `offset`.
  // Returns the new generation; false when `mq` is not held.
  bool seek(const MessageQueue& mq, int64_t offset, uint64_t* generation);
  // Returns the queues whose state changed; resume() gives each a new generation.
  std::vector<MessageQueue> pause(const std::vector<MessageQueue>& queues, bool paused,
                                  std::vector<uint64_t>* generations);
  // The consume offsets not committed yet; marks them committed.
  std::map<MessageQueue, int64_t> uncommitted();
  // This consumer's latest commit for `mq`, -1 when none.
  int64_t committed(const MessageQueue& mq) const;

  int64_t cachedCount() const;
  int64_t cachedCount(const MessageQueue& mq) const;

 private:
  struct Batch {
    MessageQueue queue;
    uint64_t generation;
    int64_t nextOffset;  // where the pull after this one starts: everything before it is handed out
    int64_t bytes;
    std::vector<MessageExt> messages;
  };
  struct Held {
    QueuePosition position;
    int64_t cachedCount = 0;
    int64_t cachedBytes = 0;
  };

  void dropBatchesOf(const MessageQueue& mq);  // mutex_ held

  const CacheLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::map<MessageQueue, Held> held_;
  std::deque<Batch> batches_;
  int64_t totalCount_ = 0;
  uint64_t nextGeneration_ = 1;
  bool closed_ = false;
};

}  // namespace rmq
