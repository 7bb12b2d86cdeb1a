// The push consumer: rebalances the subscribed topics' queues among the
// group's consumers, long-polls the brokers for each queue it owns, hands the
// messages to the listener on a pool of threads (or one queue at a time, in
// order, for orderly consumers), and keeps the consume offsets.
//
// Its parts follow the Java client's seams: rebalance.h (which queues are
// ours, orderly locks), process_queue.h (what was pulled and not consumed),
// pull_wrapper.h (which broker node a pull goes to), offset_store.h,
// consume_service.h (concurrent and orderly), send_back.h, consume_pool.h.
//
// Threads: the client instance's I/O, callback and timer threads, plus
// `threadCount` consume threads. Pull results arrive on the callback thread;
// rebalance and offset persistence run on the timer thread. No lock is held
// while the listener runs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "consumer/subscription.h"
#include "message/message.h"
#include "remoting/tls.h"

namespace rmq {

// kListenerFailed: the listener threw (or, through the C API, said it
// raised); consumed again later as kReconsumeLater, but told apart when a
// console asks for one message to be consumed directly (CR_THROW_EXCEPTION).
enum class ConsumeResult { kSuccess = 0, kReconsumeLater = 1, kListenerFailed = 2 };

// Where a group with no committed offset starts (Java's ConsumeFromWhere;
// the values are its ordinals).
enum class ConsumeFromWhere { kLastOffset = 0, kFirstOffset = 4, kTimestamp = 5 };

// Called once per message. Must not throw.
using MessageListener = std::function<ConsumeResult(const MessageExt& message)>;

// Called with a burst of messages of one queue, oldest first: one call (and,
// for a Python listener, one entry into the interpreter) for many messages.
// Appends one result per message it handled to `results`, in order: all of
// them, or with `stopAtFailure` (orderly consumers) up to and including the
// first one not consumed successfully. Messages it did not get to are left
// for later. Must not throw.
using BatchListener = std::function<void(const std::vector<const MessageExt*>& messages, bool stopAtFailure,
                                         std::vector<ConsumeResult>& results)>;

struct PushConsumerConfig {
  std::string groupName;
  std::string namesrvAddr;
  std::string namesrvDomain;
  std::string instanceName = "DEFAULT";
  std::string accessKey;
  std::string secretKey;
  std::string onsChannel = "ALIYUN";
  bool broadcasting = false;
  bool orderly = false;
  int threadCount = 0;             // 0: one per hardware thread
  int batchMaxSize = 1;            // messages per listener task
  int maxCacheCount = 1000;        // per queue, before pulling pauses
  int maxCacheSizeMiB = 100;       // per queue, before pulling pauses
  int maxReconsumeTimes = 16;      // then the broker moves the message to the DLQ
  ConsumeFromWhere consumeFromWhere = ConsumeFromWhere::kLastOffset;
  int64_t consumeTimestampMs = -1;  // kTimestamp; -1: half an hour before start, as Java
  int64_t consumeTimeoutMs = 15 * 60 * 1000;  // a listener call running longer is sent back
  bool traceEnabled = false;        // SubBefore / SubAfter records to the trace topic
  TlsOptions tls;
  std::string offsetStoreDir;      // broadcasting offsets; default ~/.rocketmq_offsets
  int64_t pollNameServerIntervalMs = 30000;  // route refresh (pollNameServerInterval)
};

class ConsumerEngine;

class PushConsumer {
 public:
  explicit PushConsumer(PushConsumerConfig config);
  ~PushConsumer();  // shuts down if running
  PushConsumer(const PushConsumer&) = delete;
  PushConsumer& operator=(const PushConsumer&) = delete;

  PushConsumerConfig& config() { return config_; }
  // topic -> expression of `expressionType`: TAG ("*" or "TagA || TagB") or
  // SQL92 (a selector over message properties, checked with a broker at
  // start()). Throws MQException(kIllegalArgument) for an unknown type or an
  // empty SQL92 expression, kIllegalState once started.
  void subscribe(const std::string& topic, const std::string& expression,
                 const std::string& expressionType = kExpressionTypeTag);
  void setListener(MessageListener listener, bool orderly);
  // Takes the place of the per-message listener when set.
  void setBatchListener(BatchListener listener, bool orderly);
  void clearListener();

  // Throws MQException(kIllegalState / kIllegalArgument) when there is no
  // subscription or listener, or the consumer was shut down before.
  void start();
  // Idempotent; safe from any thread, including a listener. Commits the
  // offsets and returns within a bounded time even if a listener hangs.
  void shutdown();

  // Pulled messages waiting for (or inside) a listener call; 0 when not running.
  int64_t cachedMessageCount() const;

  // Moves the whole group's offsets of `topic` to the first message stored at
  // or after `timestampMs` (-1: the newest), as mqadmin resetOffsetByTime does:
  // each master broker of the topic computes them and tells every consumer of
  // the group (RESET_CONSUMER_CLIENT_OFFSET). Returns the queues reset.
  // Throws MQException unless started.
  int resetOffsetsByTimestamp(const std::string& topic, int64_t timestampMs);

 private:
  PushConsumerConfig config_;
  std::map<std::string, SubscriptionSpec> subscriptions_;
  MessageListener listener_;
  BatchListener batchListener_;
  bool started_ = false;
  bool stopped_ = false;
  std::shared_ptr<ConsumerEngine> engine_;
};

}  // namespace rmq
