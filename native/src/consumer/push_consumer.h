// The push consumer: rebalances the subscribed topics' queues among the
// group's consumers, long-polls the brokers for each queue it owns, hands the
// messages to the listener on a pool of threads (or one queue at a time, in
// order, for orderly consumers), and keeps the consume offsets.
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

#include "message/message.h"

namespace rmq {

enum class ConsumeResult { kSuccess = 0, kReconsumeLater = 1 };

// Called once per message. Must not throw.
using MessageListener = std::function<ConsumeResult(MessageExt& message)>;

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
  std::string offsetStoreDir;      // broadcasting offsets; default ~/.rocketmq_offsets
};

class ConsumerEngine;

class PushConsumer {
 public:
  explicit PushConsumer(PushConsumerConfig config);
  ~PushConsumer();  // shuts down if running
  PushConsumer(const PushConsumer&) = delete;
  PushConsumer& operator=(const PushConsumer&) = delete;

  PushConsumerConfig& config() { return config_; }
  // topic -> tag expression ("*" or "TagA || TagB").
  void subscribe(const std::string& topic, const std::string& expression);
  void setListener(MessageListener listener, bool orderly);
  void clearListener();

  // Throws MQException(kIllegalState / kIllegalArgument) when there is no
  // subscription or listener, or the consumer was shut down before.
  void start();
  // Idempotent; safe from any thread, including a listener. Commits the
  // offsets and returns within a bounded time even if a listener hangs.
  void shutdown();

  // Pulled messages waiting for (or inside) a listener call; 0 when not running.
  int64_t cachedMessageCount() const;

 private:
  PushConsumerConfig config_;
  std::map<std::string, std::string> subscriptions_;
  MessageListener listener_;
  bool started_ = false;
  bool stopped_ = false;
  std::shared_ptr<ConsumerEngine> engine_;
};

}  // namespace rmq
