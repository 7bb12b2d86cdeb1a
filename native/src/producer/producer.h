// The producer: validates and sends messages to the brokers that host a
// topic, synchronously (with retries on another broker), asynchronously,
// oneway, to a chosen queue (orderly), in batches, and as two-phase
// transactional messages answering the broker's transaction checks.
//
// Thread safety: every method may be called from any thread, including from
// inside a send callback. No lock is held while user code runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client/client_instance.h"
#include "common/errors.h"
#include "message/message.h"
#include "producer/fault_strategy.h"
#include "producer/reply_table.h"
#include "producer/send_request.h"
#include "producer/send_result.h"
#include "producer/timer_support.h"
#include "trace/trace_dispatcher.h"

namespace rmq {

struct ProducerConfig {
  std::string groupName;
  std::string namesrvAddr;
  std::string namesrvDomain;
  std::string instanceName = "DEFAULT";
  std::string accessKey;
  std::string secretKey;
  std::string onsChannel = "ALIYUN";
  int64_t sendTimeoutMs = 3000;
  int compressLevel = 5;
  size_t compressThreshold = 4096;  // bodies of at least this size are compressed
  size_t maxMessageSize = 4 * 1024 * 1024;
  int retryTimesWhenSendFailed = 2;  // extra attempts of a sync send
  bool traceEnabled = false;
  TlsOptions tls;
  // Latency fault tolerance (see FaultStrategy). Off by default in the Java
  // client; on here: a dead or hung broker then costs one failed send, not
  // one in every few.
  bool sendLatencyFaultEnable = true;
  int64_t pollNameServerIntervalMs = 30000;  // route refresh (pollNameServerInterval)
};

// Picks an index into `queues` (all writable queues of the topic).
using QueueSelector = std::function<int(const std::vector<MessageQueue>& queues, const Message& msg)>;
// Exactly one of `result` / `error` is non-null.
using SendCallback = std::function<void(const SendResult* result, const MQException* error)>;
using TransactionExecutor = std::function<LocalTransactionState(const Message& msg)>;
using TransactionChecker = std::function<LocalTransactionState(const MessageExt& msg)>;

class Producer {
 public:
  explicit Producer(const std::string& groupName);
  ~Producer();  // shuts down if running
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Settings that only matter at start (group, name server, instance name,
  // credentials) are ignored with a warning once started; the others apply
  // to the next send.
  void setGroupName(const std::string& group);
  void setNamesrvAddr(const std::string& addr);
  void setNamesrvDomain(const std::string& domain);
  void setInstanceName(const std::string& name);
  void setCredentials(const std::string& accessKey, const std::string& secretKey, const std::string& channel);
  void setSendTimeoutMs(int64_t timeoutMs);
  void setCompressLevel(int level);
  void setMaxMessageSize(size_t size);
  void setTraceEnabled(bool enabled);
  void setTls(const TlsOptions& options);
  // Any time; takes effect with the next send.
  void setSendLatencyFaultEnable(bool enabled);
  void setPollNameServerIntervalMs(int64_t intervalMs);  // before start
  // Makes this a transactional producer; must be set before start().
  void setTransactionChecker(TransactionChecker checker);
  ProducerConfig config() const;

  // Both idempotent. start() after shutdown() is an error (as in Java).
  void start();
  void shutdown();
  bool isRunning() const;

  SendResult send(const Message& msg);
  // Adds a UNIQ_KEY to each message that has none, as the Java client does.
  SendResult sendBatch(std::vector<Message>& messages);
  // Input errors (not started, bad topic, ...) throw here; failures after
  // that reach `callback`, once, on the client's callback thread.
  // `quickCallback`: `callback` returns at once and never calls into the
  // client (it records the outcome, say in a queue): a success then reaches
  // it on the thread that read the broker's answer, not the callback thread.
  // Failures, which may lead to a retry, still go through the callback thread.
  void sendAsync(const Message& msg, SendCallback callback, bool quickCallback = false);
  // The same for a message the caller gives up: its body is moved into the
  // send rather than copied.
  void sendAsync(Message&& msg, SendCallback callback, bool quickCallback = false);
  void sendOneway(const Message& msg);

  // Orderly sends go to the queue `selector` picks; a failed attempt is
  // retried on the same queue up to `retries` more times.
  SendResult sendOrderly(const Message& msg, const QueueSelector& selector, int retries);
  void sendOrderlyAsync(const Message& msg, const QueueSelector& selector, SendCallback callback);
  void sendOrderlyOneway(const Message& msg, const QueueSelector& selector);

  // Sends a half message, runs `executor`, then commits or rolls back.
  // The returned result is that of the half message.
  SendResult sendTransaction(const Message& msg, const TransactionExecutor& executor);

  // Request-reply (DefaultMQProducer.request, see request_reply.h): sends a
  // copy of `msg` marked with a fresh correlation id and waits up to
  // `timeoutMs` for the reply. Throws RequestTimeout when none came, and
  // what the send threw when the request could not be sent.
  MessageExt request(const Message& msg, int64_t timeoutMs);
  // Input errors throw here; the reply, the timeout or the send failure
  // reaches `callback` once (on the remoting callback thread or the timer).
  void requestAsync(const Message& msg, int64_t timeoutMs, ReplyCallback callback);
  // Replies that came after their request had timed out (dropped).
  uint64_t lateReplies() const;

 private:
  struct AsyncAttempt;  // state of one async send across retries

  std::shared_ptr<ClientInstance> runningClient() const;
  OutgoingMessage prepare(const Message& msg, const ProducerConfig& cfg, bool halfMessage) const;
  OutgoingMessage prepareBatch(std::vector<Message>& messages, const ProducerConfig& cfg) const;

  std::shared_ptr<const TopicPublishInfo> publishInfo(ClientInstance& client, const std::string& topic,
                                                      int64_t timeoutMs) const;
  MessageQueue selectQueue(const TopicPublishInfo& info, const std::string& avoidBroker);
  MessageQueue selectWithSelector(const TopicPublishInfo& info, const Message& msg,
                                  const QueueSelector& selector) const;
  std::string brokerAddress(ClientInstance& client, const MessageQueue& queue, int64_t timeoutMs) const;
  // Throws unless the broker at `addr` can hold `msg` until its delivery
  // time; free for messages without one.
  void requireBrokerFor(ClientInstance& client, const OutgoingMessage& msg, const MessageQueue& queue,
                        const std::string& addr, int64_t timeoutMs);

  SendResult sendWithRetries(ClientInstance& client, const OutgoingMessage& prepared, const ProducerConfig& cfg);
  SendResult sendToQueue(ClientInstance& client, const OutgoingMessage& prepared, const MessageQueue& queue,
                         const ProducerConfig& cfg, int64_t timeoutMs);
  // An async send's state before its first attempt; its body still borrowed.
  std::shared_ptr<AsyncAttempt> newAsyncAttempt(const Message& msg, SendCallback callback, bool quickCallback);
  void startAsyncAttempt(const std::shared_ptr<AsyncAttempt>& attempt);
  // Probes brokers the fault strategy isolated; answered ones take sends again.
  void probeIsolatedBrokers();
  void onAsyncFailure(const std::shared_ptr<AsyncAttempt>& attempt, const MessageQueue& queue,
                      const MQException& error);

  void endTransaction(ClientInstance& client, const SendResult& half, LocalTransactionState state,
                      const std::string& remark, int64_t timeoutMs);
  std::unique_ptr<RemotingCommand> onCheckTransactionState(const std::string& addr, RemotingCommand& request);
  // requestAsync; returns the request's correlation id.
  std::string startRequest(const Message& msg, int64_t timeoutMs, ReplyCallback callback);
  // True once per topic: its first request heartbeats every broker.
  bool firstRequestTo(const std::string& topic);
  std::unique_ptr<RemotingCommand> onPushReplyMessage(const std::string& addr, RemotingCommand& request);

  // Queues a Pub trace record of a stored message (message trace on).
  void tracePub(const OutgoingMessage& msg, const SendResult& result, const std::string& groupName,
                int64_t startedWallMs, const std::string& brokerAddr);

  static void submitPubRecord(TraceDispatcher& trace, const OutgoingMessage& msg, const SendResult& result,
                              const std::string& groupName, int64_t startedWallMs, const std::string& brokerAddr);

  enum class State { kCreated, kRunning, kStopped };

  mutable std::mutex mutex_;
  ProducerConfig config_;
  State state_ = State::kCreated;
  std::shared_ptr<ClientInstance> client_;
  TransactionChecker checker_;
  std::map<std::string, uint32_t> queueCounters_;  // per-topic round-robin position
  std::shared_ptr<TraceDispatcher> trace_;         // set while running with trace on
  FaultStrategy faults_;
  std::set<std::string> probing_;                  // brokers with a probe in flight (under mutex_)
  BrokerVersions brokerVersions_;                  // asked only for messages with a delivery time
  // Shared with the timers and send callbacks of requests in flight.
  const std::shared_ptr<ReplyTable> replies_ = std::make_shared<ReplyTable>();
  std::set<std::string> requestTopics_;  // topics requested so far (under mutex_)
};

// True for failures a send retries on another broker: connection loss,
// timeouts, and broker answers meaning "try elsewhere". These are also the
// failures that make the fault strategy isolate the broker.
bool isRetryableSendError(const MQException& e);

}  // namespace rmq
