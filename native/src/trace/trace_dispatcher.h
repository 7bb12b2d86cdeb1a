// Message trace, as the Java client's AsyncTraceDispatcher sends it: records
// of sends (Pub) and of consumption (SubBefore / SubAfter) encoded as
// TraceDataEncoder does, batched and sent in the background to
// RMQ_SYS_TRACE_TOPIC by an internal producer.
//
// Tracing never slows or fails the traced client: submit() only queues (and
// drops the record when the queue is full); sending happens on the
// dispatcher's own thread, and its failures are logged, not reported.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "remoting/tls.h"

namespace rmq {

constexpr const char* kTraceTopic = "RMQ_SYS_TRACE_TOPIC";

// TraceType and MessageType ordinals of the Java client.
enum class TraceType { kPub, kSubBefore, kSubAfter };
enum class TraceMessageType : int { kNormal = 0, kTransactionHalf = 1, kTransactionCommit = 2, kDelay = 3 };

struct TraceRecord {
  TraceType type = TraceType::kPub;
  int64_t timestampMs = 0;
  std::string regionId = "DefaultRegion";
  std::string groupName;
  std::string requestId;  // Sub*: pairs SubBefore with its SubAfter
  std::string topic;
  std::string msgId;
  std::string tags;
  std::string keys;
  std::string storeHost;
  int64_t bodyLength = 0;
  int64_t costTimeMs = 0;
  TraceMessageType msgType = TraceMessageType::kNormal;
  std::string offsetMsgId;
  bool success = true;
  int retryTimes = 0;
  int contextCode = 0;  // SubAfter: ConsumeReturnType ordinal (0 success, 4 failed)
};

// TraceDataEncoder.encoderFromContextBean for one record (fields separated
// by \x01, the record ended by \x02).
std::string encodeTraceRecord(const TraceRecord& record);

struct TraceClientOptions {
  std::string namesrvAddr;
  std::string namesrvDomain;
  std::string accessKey;
  std::string secretKey;
  std::string onsChannel = "ALIYUN";
  std::string ownerGroup;  // the traced client's group
  std::string ownerType;   // "pub" or "sub", part of the internal producer's group
  TlsOptions tls;
};

// The trace options of a client whose config has the usual fields
// (ProducerConfig, PushConsumerConfig).
template <typename Config>
TraceClientOptions traceOptionsOf(const Config& config, const char* ownerType) {
  TraceClientOptions options;
  options.namesrvAddr = config.namesrvAddr;
  options.namesrvDomain = config.namesrvDomain;
  options.accessKey = config.accessKey;
  options.secretKey = config.secretKey;
  options.onsChannel = config.onsChannel;
  options.ownerGroup = config.groupName;
  options.ownerType = ownerType;
  options.tls = config.tls;
  return options;
}

class TraceDispatcher;

// A started dispatcher, or null (with a warning logged) when it cannot start:
// trace is best effort and never stops the traced client from starting.
std::shared_ptr<TraceDispatcher> startTraceDispatcher(const TraceClientOptions& options);

class Producer;

class TraceDispatcher {
 public:
  static constexpr size_t kMaxQueuedRecords = 2048;
  static constexpr size_t kMaxRecordsPerMessage = 100;
  static constexpr size_t kMaxMessageBytes = 128 * 1024 - 10 * 1000;

  explicit TraceDispatcher(TraceClientOptions options);
  ~TraceDispatcher();  // stop()
  TraceDispatcher(const TraceDispatcher&) = delete;
  TraceDispatcher& operator=(const TraceDispatcher&) = delete;

  void start();
  // Sends what is queued (bounded by `flushTimeoutMs`), then stops.
  void stop(int64_t flushTimeoutMs = 3000);
  void submit(TraceRecord record);
  uint64_t dropped() const { return dropped_.load(); }
  uint64_t sent() const { return sent_.load(); }

 private:
  void run();
  void sendBatch(std::vector<TraceRecord>& batch);

  TraceClientOptions options_;
  std::unique_ptr<Producer> producer_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<TraceRecord> queue_;
  bool stopping_ = false;
  int64_t flushDeadlineMs_ = 0;
  std::thread worker_;
  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> sent_{0};
};

}  // namespace rmq
