// The push consumer's engine (DefaultMQPushConsumerImpl): owns the client
// instance, the queue table, the offset store, rebalance, the pull wrapper
// and the consume service, and runs the pull loop (PullMessageService):
// long-polls for every owned queue, caches what arrives and hands it to the
// consume service, pausing a queue whose cache is full.
#include "consumer/push_consumer.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "client/client_instance.h"
#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"
#include "consumer/consume_directly.h"
#include "consumer/consume_service.h"
#include "consumer/offset_file.h"
#include "consumer/offset_store.h"
#include "consumer/process_queue.h"
#include "consumer/pull_api.h"
#include "consumer/pull_wrapper.h"
#include "consumer/queue_allocation.h"
#include "consumer/rebalance.h"
#include "consumer/client_check.h"
#include "consumer/subscription.h"
#include "remoting/protocol_codes.h"
#include "trace/trace_dispatcher.h"

namespace rmq {

namespace {

constexpr const char* kRetryGroupTopicPrefix = "%RETRY%";

constexpr int kPullBatchSize = 32;
constexpr int64_t kBrokerSuspendMs = 15000;
constexpr int64_t kPullTimeoutMs = 30000;
// After a failed pull (pullTimeDelayMillsWhenException), unless another node
// of the broker can be asked right away.
constexpr int64_t kPullRetryDelayMs = 3000;
// A node that answers "retry" without moving the offset on (a slave behind
// the consumer's position) is asked again after this pause, not at once.
constexpr int64_t kNoProgressDelayMs = 100;
constexpr int64_t kFlowControlDelayMs = 50;
constexpr int64_t kRequestTimeoutMs = 3000;
constexpr int64_t kRebalanceIntervalMs = 20000;
constexpr int64_t kPersistIntervalMs = 5000;
constexpr int64_t kLockRenewIntervalMs = 20000;
// DefaultMQPushConsumer.consumeTimestamp's default: half an hour back.
constexpr int64_t kDefaultConsumeTimestampAgeMs = 30 * 60 * 1000;
constexpr int64_t kShutdownWaitMs = 5000;

std::string describeError(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace

// Everything the consumer's threads share; owned through shared_ptr so that
// callbacks still in flight at shutdown keep it alive.
class ConsumerEngine : public RebalancingConsumer, public std::enable_shared_from_this<ConsumerEngine> {
 public:
  ConsumerEngine(PushConsumerConfig config, const std::map<std::string, SubscriptionSpec>& subscriptions,
                 MessageListener listener, BatchListener batchListener)
      : config_(std::move(config)), listener_(std::move(listener)), batchListener_(std::move(batchListener)) {
    for (const auto& entry : subscriptions) {
      subscriptions_[entry.first] =
          buildSubscription(entry.first, entry.second.expression, entry.second.expressionType);
    }
    if (!config_.broadcasting) {
      std::string retryTopic = kRetryGroupTopicPrefix + config_.groupName;
      subscriptions_[retryTopic] = buildSubscription(retryTopic, kSubscribeAll);
    }
    if (config_.threadCount <= 0) config_.threadCount = std::max(1u, std::thread::hardware_concurrency());
    if (config_.batchMaxSize <= 0) config_.batchMaxSize = 1;
    if (config_.consumeTimestampMs < 0) config_.consumeTimestampMs = wallClockMs() - kDefaultConsumeTimestampAgeMs;
  }

  void start() {
    client_ = std::make_shared<ClientInstance>(clientConfigOf(config_));
    if (config_.broadcasting) {
      std::string owner = client_->config().clientIp + "@" + config_.instanceName;
      offsets_ = makeLocalOffsetStore(offsetFilePath(config_.offsetStoreDir, owner, config_.groupName));
    } else {
      offsets_ = makeBrokerOffsetStore(client_, config_.groupName);
    }
    pulls_ = std::make_unique<PullWrapper>(client_);
    rebalance_ = std::make_unique<Rebalance>(config_, subscriptions_, client_, queues_, *offsets_, *pulls_);

    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    registerRebalancingConsumer(*client_, config_.groupName, weak_from_this());
    client_->remoting().setRequestHandler(request_code::kGetConsumerRunningInfo,
                                          [weak](const std::string&, RemotingCommand& request) {
                                            auto self = weak.lock();
                                            auto response = std::make_unique<RemotingCommand>(
                                                RemotingCommand::makeResponse(request, response_code::kSuccess));
                                            if (self) response->body = self->runningInfo();
                                            return response;
                                          });
    client_->remoting().setRequestHandler(request_code::kResetConsumerClientOffset,
                                          [weak](const std::string&, RemotingCommand& request) {
                                            if (auto self = weak.lock()) self->resetOffsets(request);
                                            return std::unique_ptr<RemotingCommand>();
                                          });
    client_->start();
    if (config_.traceEnabled) trace_ = startTraceDispatcher(traceOptionsOf(config_, "sub"));

    pool_ = std::make_shared<ConsumePool>(config_.threadCount);
    ConsumeContext context;
    context.config = config_;
    context.client = client_;
    context.pool = pool_;
    context.listener = std::make_shared<ListenerInvoker>(listener_, batchListener_, config_.groupName, trace_);
    context.sendBack = std::make_shared<SendBack>(client_, config_.groupName, config_.maxReconsumeTimes);
    DirectConsumer direct{config_.groupName, config_.orderly, client_, pool_, context.listener};
    consumeService_ = config_.orderly ? makeOrderlyConsumeService(std::move(context))
                                      : makeConcurrentConsumeService(std::move(context));
    pool_->start();
    client_->remoting().setRequestHandler(request_code::kConsumeMessageDirectly,
                                          [direct](const std::string& addr, RemotingCommand& request) {
                                            consumeDirectly(direct, addr, request);
                                            return std::unique_ptr<RemotingCommand>();
                                          });

    // Learn the brokers, tell them about this consumer, then take queues.
    for (const auto& entry : subscriptions_) {
      try {
        client_->findRoute(entry.first, kRequestTimeoutMs);
      } catch (const MQException& e) {
        RMQ_LOG(kWarn, "no route for " << entry.first << " yet: " << e.what());
      }
    }
    try {
      checkClientInBroker();
    } catch (...) {
      shutdown();
      throw;
    }
    client_->sendHeartbeatToAllBrokers();
    auto& scheduler = client_->scheduler();
    scheduler.scheduleAtFixedRate([weak] { if (auto s = weak.lock()) s->rebalance(); }, 200, kRebalanceIntervalMs);
    scheduler.scheduleAtFixedRate([weak] { if (auto s = weak.lock()) s->persistOffsets(); }, kPersistIntervalMs,
                                  kPersistIntervalMs);
    if (orderlyClustering()) {
      scheduler.scheduleAtFixedRate([weak] { if (auto s = weak.lock()) s->rebalance_->lockAll(); },
                                    kLockRenewIntervalMs, kLockRenewIntervalMs);
    }
    if (int64_t every = consumeService_->maintenanceIntervalMs()) {
      scheduler.scheduleAtFixedRate(
          [weak] { if (auto s = weak.lock()) s->consumeService_->maintain(s->queues_.snapshot()); }, every, every);
    }
  }

  int resetOffsetsByTimestamp(const std::string& topic, int64_t timestampMs) {
    auto route = client_->findRoute(topic, kRequestTimeoutMs);
    int queues = 0;
    for (const auto& broker : route->brokerDatas) {
      const std::string master = client_->findBrokerAddressInPublish(broker.brokerName);
      if (master.empty()) continue;
      // ResetOffsetRequestHeader, as MQClientAPIImpl.invokeBrokerToResetOffset sends it.
      RemotingCommand request = RemotingCommand::makeRequest(request_code::kInvokeBrokerToResetOffset);
      request.extFields["topic"] = topic;
      request.extFields["group"] = config_.groupName;
      request.extFields["timestamp"] = std::to_string(timestampMs);
      request.extFields["isForce"] = "true";
      auto response = client_->remoting().invokeSync(master, request, kRequestTimeoutMs);
      if (response->code != response_code::kSuccess) {
        throw MQException(ErrorKind::kBrokerError,
                          "broker " + broker.brokerName + " refused the offset reset: " + response->remark,
                          response->code);
      }
      if (!response->body.empty()) queues += static_cast<int>(Json::parse(response->body)["offsetTable"].size());
    }
    return queues;
  }

  void shutdown() {
    if (stopping_.exchange(true)) return;
    // Stop taking work, let running listeners finish (bounded), then commit.
    pool_->close();
    pool_->waitForWorkers(kShutdownWaitMs);
    persistOffsets();
    if (orderlyClustering()) rebalance_->unlockAll();
    client_->unregisterConsumer(config_.groupName);
    client_->shutdown();
    if (trace_) trace_->stop();
  }

  // Messages pulled from brokers and not yet consumed, over every queue.
  int64_t cachedMessageCount() const { return queues_.cachedMessageCount(); }

 private:
  bool orderlyClustering() const { return config_.orderly && !config_.broadcasting; }

  // ----- heartbeat and the broker's questions ----------------------------------------------

  // DefaultMQPushConsumerImpl.start: a broker of each topic subscribed with
  // SQL92 must accept the expression, or start() fails with its reason. A
  // topic whose brokers are not known yet is not checked, as in Java.
  void checkClientInBroker() {
    for (const auto& entry : subscriptions_) {
      if (isTagType(entry.second.expressionType)) continue;
      const std::string addr = brokerAddressOfTopic(*client_, entry.first);
      if (addr.empty()) continue;
      checkSubscriptionInBroker(*client_, addr, config_.groupName, entry.second, kRequestTimeoutMs);
    }
  }

  ConsumerData consumerData() const override {
    ConsumerData data;
    data.groupName = config_.groupName;
    data.consumeType = "CONSUME_PASSIVELY";
    data.messageModel = config_.broadcasting ? "BROADCASTING" : "CLUSTERING";
    data.consumeFromWhere = consumeFromWhereName(config_.consumeFromWhere);
    for (const auto& entry : subscriptions_) data.subscriptions.push_back(entry.second);
    return data;
  }

  std::string runningInfo() const {
    Json info = Json::object();
    Json properties = Json::object();
    properties["PROP_CONSUME_ORDERLY"] = config_.orderly ? "true" : "false";
    properties["PROP_THREADPOOL_CORE_SIZE"] = std::to_string(config_.threadCount);
    properties["PROP_CONSUME_TYPE"] = "CONSUME_PASSIVELY";
    properties["PROP_CLIENT_VERSION"] = "V4_9_8";
    info["properties"] = properties;
    Json subs = Json::array();
    for (const auto& entry : subscriptions_) {
      Json sub = Json::object();
      sub["topic"] = entry.second.topic;
      sub["subString"] = entry.second.subString;
      sub["subVersion"] = entry.second.subVersion;
      sub["expressionType"] = entry.second.expressionType;
      subs.push(sub);
    }
    info["subscriptionSet"] = subs;
    return info.dump();
  }

  // RESET_CONSUMER_CLIENT_OFFSET (an operator moved the group's offsets):
  // forget what is cached for those queues, store the new offsets where the
  // next rebalance reads them, and take the queues again from there.
  void resetOffsets(const RemotingCommand& request) {
    if (request.field("group") != config_.groupName) return;
    std::map<MessageQueue, int64_t> table;
    const Json offsets = Json::parse(request.body)["offsetTable"];
    if (offsets.isArray()) {
      // ResetOffsetBodyForC: what a broker sends when the reset was asked for
      // by a client that says it is CPP, as this one does.
      for (const auto& entry : offsets.elements()) {
        table[MessageQueue{entry["topic"].asString(), entry["brokerName"].asString(), entry["queueId"].asInt()}] =
            entry["offset"].asInt64();
      }
    } else {
      // ResetOffsetBody: a map keyed by MessageQueue objects written as JSON text.
      for (const auto& entry : offsets.items()) {
        const Json key = Json::parse(entry.first);
        table[MessageQueue{key["topic"].asString(), key["brokerName"].asString(), key["queueId"].asInt()}] =
            entry.second.asInt64();
      }
    }
    std::vector<MessageQueue> reset;
    for (const auto& entry : table) reset.push_back(entry.first);
    rebalance_->release(reset);
    for (const auto& entry : table) offsets_->storeNow(entry.first, entry.second);
    RMQ_LOG(kInfo, "offsets of " << request.field("topic") << " reset for " << table.size() << " queues");
    rebalanceSoon();
  }

  // ----- rebalance and offsets -----------------------------------------------------------

  // One rebalance soon, however many events ask for it meanwhile (a broker
  // leaving fails the pulls of all its queues at once).
  void rebalanceSoon() override {
    if (stopping_ || rebalancePending_.exchange(true)) return;
    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    client_->scheduler().scheduleOnce(
        [weak] {
          if (auto s = weak.lock()) {
            s->rebalancePending_ = false;
            s->rebalance();
            // A master that left takes its queues' locks with it at once.
            if (s->orderlyClustering()) s->rebalance_->lockAll();
          }
        },
        0);
  }

  void rebalance() {
    if (stopping_) return;
    for (const auto& pq : rebalance_->run()) pull(pq);
  }

  void persistOffsets() {
    for (const auto& pq : queues_.snapshot()) {
      int64_t offset;
      std::string lastAddr;
      {
        std::lock_guard<std::mutex> lock(pq->mutex);
        offset = pq->consumeOffsetLocked();
        lastAddr = pq->lastPullAddr;
      }
      if (offset >= 0) offsets_->commit(pq->mq, offset, lastAddr);
    }
    offsets_->flush();
  }

  // ----- pulling -----------------------------------------------------------------------

  void pullLater(const std::shared_ptr<ProcessQueue>& pq, int64_t delayMs) {
    if (stopping_ || pq->dropped) return;
    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    client_->scheduler().scheduleOnce([weak, pq] { if (auto s = weak.lock()) s->pull(pq); }, delayMs);
  }

  void pull(const std::shared_ptr<ProcessQueue>& pq) {
    if (stopping_ || pq->dropped) return;
    int64_t offset;
    {
      std::lock_guard<std::mutex> lock(pq->mutex);
      bool tooMany = static_cast<int>(pq->messages.size()) > config_.maxCacheCount;
      bool tooBig = pq->cachedBytes > int64_t{config_.maxCacheSizeMiB} * 1024 * 1024;
      if (tooMany || tooBig) {
        pullLater(pq, kFlowControlDelayMs);
        return;
      }
      offset = pq->nextPullOffset;
    }
    if (orderlyClustering() && !pq->holdsLock()) {
      pullLater(pq, kPullRetryDelayMs);
      return;
    }
    auto sub = subscriptions_.find(pq->mq.topic);
    if (sub == subscriptions_.end()) return;
    BrokerAddress node;
    try {
      node = pulls_->target(pq->mq, kRequestTimeoutMs);
    } catch (const std::exception& e) {
      RMQ_LOG(kInfo, "cannot pull " << queueKey(pq->mq) << ": " << e.what());
      pullLater(pq, kPullRetryDelayMs);
      return;
    }
    PullRequestSpec spec;
    spec.sysFlag = pull_flag::kSuspend | pull_flag::kSubscription;
    int64_t commit = -1;
    {
      std::lock_guard<std::mutex> lock(pq->mutex);
      if (!config_.broadcasting) {
        commit = pq->consumeOffsetLocked();
        if (commit > 0) spec.sysFlag |= pull_flag::kCommitOffset;
      }
      pq->lastPullAddr = node.addr;
    }
    spec.group = config_.groupName;
    spec.queue = pq->mq;
    spec.queueOffset = offset;
    spec.maxMessages = kPullBatchSize;
    spec.commitOffset = commit > 0 ? commit : 0;
    spec.suspendTimeoutMs = kBrokerSuspendMs;
    spec.subscription = sub->second.subString;
    spec.subVersion = sub->second.subVersion;
    spec.expressionType = sub->second.expressionType;
    RemotingCommand request = PullWrapper::buildRequest(spec, node);
    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    const std::string addr = node.addr;
    client_->remoting().invokeAsync(
        addr, request, kPullTimeoutMs,
        [weak, pq, addr, offset](std::unique_ptr<RemotingCommand> response, std::exception_ptr error) {
          if (auto self = weak.lock()) self->onPulled(pq, addr, offset, std::move(response), error);
        },
        RemotingClient::kWriteAtOnce);
  }

  // A pull failed at `addr`: when the queue's broker has another node that
  // looks fine (the master died, its slave is there), ask it right away and
  // have the route checked; otherwise wait as the Java client does.
  void retryAfterFailure(const std::shared_ptr<ProcessQueue>& pq, const std::string& addr) {
    rebalanceSoon();
    BrokerAddress next;
    bool elsewhere = false;
    try {
      next = pulls_->target(pq->mq, kRequestTimeoutMs);
      elsewhere = next.addr != addr;
    } catch (const std::exception&) {
    }
    if (elsewhere) RMQ_LOG(kInfo, "pulling " << queueKey(pq->mq) << " from " << next.addr << " instead");
    pullLater(pq, elsewhere ? 0 : kPullRetryDelayMs);
  }

  void onPulled(const std::shared_ptr<ProcessQueue>& pq, const std::string& addr, int64_t requestedOffset,
                std::unique_ptr<RemotingCommand> response, std::exception_ptr error) {
    if (stopping_ || pq->dropped) return;
    if (error || !response) {
      RMQ_LOG(kInfo, "pull of " << queueKey(pq->mq) << " from " << addr << " failed: "
                                << (error ? describeError(error) : std::string("no answer")));
      retryAfterFailure(pq, addr);
      return;
    }
    pulls_->onResponse(pq->mq, *response);
    const int64_t next = pullResponseNumber(*response, "nextBeginOffset", -1);
    switch (response->code) {
      case response_code::kSuccess: {
        std::vector<MessageExt> found;
        try {
          found = decodeMessages(response->body.data(), response->body.size());
        } catch (const std::exception& e) {
          RMQ_LOG(kWarn, "undecodable pull result from " << queueKey(pq->mq) << ": " << e.what());
          pullLater(pq, kPullRetryDelayMs);
          return;
        }
        // The next pull goes out before these messages are filed and handed
        // out: a queue's rate is bounded by the pull round trip, and the
        // broker can work on the next answer meanwhile. Only when the cache
        // stays within its limits counting these, so the limits hold as when
        // pulling after filing.
        bool pulledAhead = false;
        if (next >= 0) {
          std::lock_guard<std::mutex> lock(pq->mutex);
          pulledAhead = static_cast<int64_t>(pq->messages.size() + found.size()) <= config_.maxCacheCount &&
                        pq->cachedBytes + static_cast<int64_t>(response->body.size()) <=
                            int64_t{config_.maxCacheSizeMiB} * 1024 * 1024;
          if (pulledAhead) pq->nextPullOffset = next;
        }
        if (pulledAhead) pull(pq);
        const SubscriptionData& sub = subscriptions_.at(pq->mq.topic);
        std::vector<int64_t> arrived;
        {
          std::lock_guard<std::mutex> lock(pq->mutex);
          for (auto& message : found) {
            if (message.queueOffset <= pq->highestOffset) continue;  // already have it
            pq->highestOffset = message.queueOffset;
            if (!subscriptionMatches(sub, message.tags())) continue;
            message.brokerName = pq->mq.brokerName;
            restoreRetryTopic(message);
            pq->cachedBytes += static_cast<int64_t>(message.body().size());
            arrived.push_back(message.queueOffset);
            pq->messages.emplace(message.queueOffset, std::make_shared<MessageExt>(std::move(message)));
          }
          if (next >= 0) {
            if (!pulledAhead) pq->nextPullOffset = next;
            // Offsets skipped by the filter count as consumed.
            if (pq->messages.empty()) pq->highestOffset = std::max(pq->highestOffset, next - 1);
          }
        }
        if (!arrived.empty()) consumeService_->dispatch(pq, arrived);
        if (!pulledAhead) pull(pq);
        return;
      }
      case response_code::kPullNotFound:
      case response_code::kPullRetryImmediately:
      case response_code::kPullOffsetMoved:
        if (next >= 0) {
          std::lock_guard<std::mutex> lock(pq->mutex);
          pq->nextPullOffset = next;
          if (response->code == response_code::kPullOffsetMoved && pq->messages.empty()) pq->highestOffset = next - 1;
        }
        if (response->code == response_code::kPullRetryImmediately && next == requestedOffset) {
          pullLater(pq, kNoProgressDelayMs);
        } else {
          pull(pq);
        }
        return;
      default:
        RMQ_LOG(kInfo, "pull from " << queueKey(pq->mq) << " refused (" << response->code << "): "
                                    << response->remark);
        pullLater(pq, kPullRetryDelayMs);
    }
  }

  PushConsumerConfig config_;
  std::map<std::string, SubscriptionData> subscriptions_;
  MessageListener listener_;
  BatchListener batchListener_;
  std::shared_ptr<ClientInstance> client_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> rebalancePending_{false};

  std::shared_ptr<TraceDispatcher> trace_;  // set at start when trace is on, then read-only

  // Set at start(), then read-only.
  ProcessQueueTable queues_;
  std::unique_ptr<OffsetStore> offsets_;
  std::unique_ptr<PullWrapper> pulls_;
  std::unique_ptr<Rebalance> rebalance_;
  std::shared_ptr<ConsumePool> pool_;
  std::shared_ptr<ConsumeService> consumeService_;
};

PushConsumer::PushConsumer(PushConsumerConfig config) : config_(std::move(config)) {}

PushConsumer::~PushConsumer() {
  try {
    shutdown();
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "consumer shutdown failed: " << e.what());
  }
}

void PushConsumer::subscribe(const std::string& topic, const std::string& expression,
                             const std::string& expressionType) {
  if (started_) throw MQException(ErrorKind::kIllegalState, "subscribe before start()");
  buildSubscription(topic, expression, expressionType);  // refuses what start() would
  if (isTagType(expressionType)) {
    subscriptions_[topic] = SubscriptionSpec{expression.empty() ? kSubscribeAll : expression, kExpressionTypeTag};
  } else {
    subscriptions_[topic] = SubscriptionSpec{expression, expressionType};
  }
}

void PushConsumer::setListener(MessageListener listener, bool orderly) {
  listener_ = std::move(listener);
  config_.orderly = orderly;
}

void PushConsumer::setBatchListener(BatchListener listener, bool orderly) {
  batchListener_ = std::move(listener);
  config_.orderly = orderly;
}

void PushConsumer::clearListener() {
  listener_ = nullptr;
  batchListener_ = nullptr;
}

void PushConsumer::start() {
  if (stopped_) throw MQException(ErrorKind::kIllegalState, "the consumer was shut down and cannot start again");
  if (started_) return;
  if (subscriptions_.empty()) {
    throw MQException(ErrorKind::kIllegalState, "no subscription: call subscribe(topic, callback) before start()");
  }
  if (!listener_ && !batchListener_) {
    throw MQException(ErrorKind::kIllegalState, "no message callback registered before start()");
  }
  if (config_.groupName.empty()) throw MQException(ErrorKind::kIllegalArgument, "consumer group is empty");
  auto engine = std::make_shared<ConsumerEngine>(config_, subscriptions_, listener_, batchListener_);
  engine->start();
  engine_ = engine;
  started_ = true;
}

int PushConsumer::resetOffsetsByTimestamp(const std::string& topic, int64_t timestampMs) {
  if (!started_ || stopped_) throw MQException(ErrorKind::kIllegalState, "the consumer is not running");
  return engine_->resetOffsetsByTimestamp(topic, timestampMs);
}

int64_t PushConsumer::cachedMessageCount() const {
  return started_ && !stopped_ ? engine_->cachedMessageCount() : 0;
}

void PushConsumer::shutdown() {
  if (!started_ || stopped_) {
    stopped_ = stopped_ || started_;
    return;
  }
  stopped_ = true;
  engine_->shutdown();
}

}  // namespace rmq
