// The lite pull consumer (DefaultLitePullConsumer): a Kafka-style poll loop.
// Either subscribe() to topics, whose queues the group's consumers share by
// rebalancing as push consumers do, or assign() queues yourself (no
// rebalance). Background pulls fill a bounded cache per queue; poll() hands
// out what was pulled, one pull's batch at a time, and moves the consume
// offset past it. commit() stores those offsets at the brokers; with
// auto-commit (the default) poll() does so every autoCommitIntervalMs, and
// shutdown() and a rebalance taking a queue away do so as well.
//
// Thread safety: every method may be called from any thread. poll() waits
// without holding the consumer's lock.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/message_queue.h"
#include "consumer/push_consumer.h"
#include "message/message.h"
#include "remoting/tls.h"

namespace rmq {

class LitePullEngine;

struct LitePullConsumerConfig {
  std::string groupName;
  std::string namesrvAddr;
  std::string namesrvDomain;
  std::string instanceName = "DEFAULT";
  std::string accessKey;
  std::string secretKey;
  std::string onsChannel = "ALIYUN";
  TlsOptions tls;
  int64_t pollNameServerIntervalMs = 30000;
  ConsumeFromWhere consumeFromWhere = ConsumeFromWhere::kLastOffset;
  int64_t consumeTimestampMs = -1;  // kTimestamp; -1: half an hour before start, as Java
  bool autoCommit = true;
  int64_t autoCommitIntervalMs = 5000;
  int pullBatchSize = 10;
  // Flow control: a queue stops being pulled while it caches this many
  // messages or MiB not yet polled; all queues do while the whole cache
  // holds pullThresholdForAll messages.
  int pullThresholdForQueue = 1000;
  int pullThresholdSizeForQueueMiB = 100;
  int64_t pullThresholdForAll = 10000;
};

// What one poll() returns: messages of one queue, oldest first.
struct PolledBatch {
  MessageQueue queue;
  std::vector<MessageExt> messages;
};

class LitePullConsumer {
 public:
  explicit LitePullConsumer(LitePullConsumerConfig config);
  ~LitePullConsumer();  // shuts down if running
  LitePullConsumer(const LitePullConsumer&) = delete;
  LitePullConsumer& operator=(const LitePullConsumer&) = delete;

  // Read at start(); changes afterwards have no effect.
  LitePullConsumerConfig& config() { return config_; }

  // Subscribing and assigning are mutually exclusive (kIllegalState), as
  // in Java; either may be called before or after start().
  void subscribe(const std::string& topic, const std::string& expression);
  void assign(const std::vector<MessageQueue>& queues);

  // Throws MQException: kIllegalArgument for a bad group, kIllegalState when
  // neither subscribed nor assigned, or shut down before.
  void start();
  // Commits (auto-commit) and unregisters from the brokers. Idempotent.
  void shutdown();

  // Waits up to timeoutMs for a batch; empty when none came. Throws
  // MQException(kIllegalState) unless running.
  PolledBatch poll(int64_t timeoutMs);
  // Stores, waiting for each broker's answer, the offsets past what poll()
  // returned from every queue this consumer holds.
  void commit();
  // The offset the group committed for `queue` (this consumer's latest
  // commit, else the broker's), -1 when none.
  int64_t committed(const MessageQueue& queue);
  // The next poll() of `queue` starts at `offset`, which must lie within the
  // queue's [min, max] offsets (kIllegalArgument otherwise, and for a queue
  // this consumer does not hold).
  void seek(const MessageQueue& queue, int64_t offset);
  void seekToBegin(const MessageQueue& queue);
  void seekToEnd(const MessageQueue& queue);
  // A paused queue is neither pulled nor polled until resumed.
  void pause(const std::vector<MessageQueue>& queues);
  void resume(const std::vector<MessageQueue>& queues);
  // The queues this consumer holds now (rebalanced or assigned).
  std::vector<MessageQueue> assignment() const;
  // Messages pulled and not yet polled, over every queue.
  int64_t cachedMessageCount() const;

 private:
  std::shared_ptr<LitePullEngine> engine() const;  // throws kIllegalState unless running
  enum class Mode { kNone, kSubscribe, kAssign };
  void setMode(Mode mode);  // mutex_ held

  LitePullConsumerConfig config_;
  mutable std::mutex mutex_;
  Mode mode_ = Mode::kNone;
  std::map<std::string, std::string> subscriptions_;  // topic -> expression
  std::set<MessageQueue> assigned_;
  std::shared_ptr<LitePullEngine> engine_;  // set while running
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace rmq
