#include "consumer/push_consumer.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "client/client_instance.h"
#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"
#include "consumer/allocate.h"
#include "consumer/offset_file.h"
#include "consumer/pull_api.h"
#include "consumer/subscription.h"
#include "producer/send_request.h"
#include "remoting/protocol_codes.h"
#include "trace/trace_dispatcher.h"

namespace rmq {

namespace {

constexpr int kPermRead = 1 << 2;
constexpr const char* kRetryGroupTopicPrefix = "%RETRY%";

constexpr int kPullBatchSize = 32;
constexpr int64_t kBrokerSuspendMs = 15000;
constexpr int64_t kPullTimeoutMs = 30000;
constexpr int64_t kPullRetryDelayMs = 3000;
constexpr int64_t kFlowControlDelayMs = 50;
constexpr int64_t kRequestTimeoutMs = 3000;
constexpr int64_t kRebalanceIntervalMs = 20000;
constexpr int64_t kPersistIntervalMs = 5000;
constexpr int64_t kLockRenewIntervalMs = 20000;
constexpr int64_t kOrderlySuspendMs = 1000;
constexpr int64_t kSendBackRetryMs = 5000;
// DefaultMQPushConsumer.consumeTimestamp's default: half an hour back.
constexpr int64_t kDefaultConsumeTimestampAgeMs = 30 * 60 * 1000;
// ConsumeMessageConcurrentlyService.cleanExpireMsg sends a timed-out message
// back with this delay level.
constexpr int kExpiredMessageDelayLevel = 3;
constexpr int64_t kMaxExpiryScanIntervalMs = 60 * 1000;
// ConsumeReturnType ordinals in SubAfter trace records.
constexpr int kConsumeReturnSuccess = 0;
constexpr int kConsumeReturnFailed = 4;
constexpr int64_t kShutdownWaitMs = 5000;

std::string queueKey(const MessageQueue& mq) {
  return mq.topic + "@" + mq.brokerName + "@" + std::to_string(mq.queueId);
}

bool isRetryTopic(const std::string& topic) { return topic.rfind(kRetryGroupTopicPrefix, 0) == 0; }

Json queueJson(const MessageQueue& mq) {
  Json j = Json::object();
  j["topic"] = mq.topic;
  j["brokerName"] = mq.brokerName;
  j["queueId"] = mq.queueId;
  return j;
}

}  // namespace

const char* consumeFromWhereName(ConsumeFromWhere where) {
  switch (where) {
    case ConsumeFromWhere::kFirstOffset: return "CONSUME_FROM_FIRST_OFFSET";
    case ConsumeFromWhere::kTimestamp: return "CONSUME_FROM_TIMESTAMP";
    case ConsumeFromWhere::kLastOffset: break;
  }
  return "CONSUME_FROM_LAST_OFFSET";
}

int64_t nowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Messages pulled from one queue and not yet consumed.
struct ProcessQueue {
  explicit ProcessQueue(MessageQueue q) : mq(std::move(q)) {}

  const MessageQueue mq;
  std::mutex mutex;
  std::map<int64_t, MessageExt> messages;  // queue offset -> message
  int64_t highestOffset = -1;
  int64_t cachedBytes = 0;
  int64_t nextPullOffset = 0;
  bool consuming = false;  // orderly: a task owns this queue
  std::map<int64_t, int64_t> listenerSince;  // offset -> steadyMs() its listener call began
  std::atomic<bool> dropped{false};
  std::atomic<bool> locked{false};

  // The offset to commit: the oldest message still in flight, or one past
  // the newest seen when nothing is.
  int64_t consumeOffsetLocked() const {
    return messages.empty() ? highestOffset + 1 : messages.begin()->first;
  }
};

// Everything the consumer's threads share; owned through shared_ptr so that
// callbacks still in flight at shutdown keep it alive.
class ConsumerEngine : public std::enable_shared_from_this<ConsumerEngine> {
 public:
  ConsumerEngine(PushConsumerConfig config, std::map<std::string, std::string> subscriptions,
                 MessageListener listener)
      : config_(std::move(config)), listener_(std::move(listener)) {
    for (const auto& entry : subscriptions) subscriptions_[entry.first] = buildSubscription(entry.first, entry.second);
    if (!config_.broadcasting) {
      std::string retryTopic = kRetryGroupTopicPrefix + config_.groupName;
      subscriptions_[retryTopic] = buildSubscription(retryTopic, kSubscribeAll);
    }
    if (config_.threadCount <= 0) config_.threadCount = std::max(1u, std::thread::hardware_concurrency());
    if (config_.batchMaxSize <= 0) config_.batchMaxSize = 1;
    if (config_.consumeTimestampMs < 0) config_.consumeTimestampMs = nowMs() - kDefaultConsumeTimestampAgeMs;
  }

  void start() {
    client_ = std::make_shared<ClientInstance>(clientConfigOf(config_));

    if (config_.broadcasting) {
      std::string owner = client_->config().clientIp + "@" + config_.instanceName;
      offsetFile_ = offsetFilePath(config_.offsetStoreDir, owner, config_.groupName);
      localOffsets_ = readOffsetFile(offsetFile_);
    }

    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    client_->registerConsumer(config_.groupName, [weak] {
      auto self = weak.lock();
      return self ? self->consumerData() : ConsumerData();
    });
    client_->remoting().setRequestHandler(request_code::kNotifyConsumerIdsChanged,
                                          [weak](const std::string&, RemotingCommand&) {
                                            if (auto self = weak.lock()) self->rebalanceSoon();
                                            return std::unique_ptr<RemotingCommand>();
                                          });
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

    for (int i = 0; i < config_.threadCount; ++i) {
      workers_.emplace_back([self = shared_from_this()] { self->workerLoop(); });
    }

    // Learn the brokers, tell them about this consumer, then take queues.
    for (const auto& entry : subscriptions_) {
      try {
        client_->findRoute(entry.first, kRequestTimeoutMs);
      } catch (const MQException& e) {
        RMQ_LOG(kWarn, "no route for " << entry.first << " yet: " << e.what());
      }
    }
    client_->sendHeartbeatToAllBrokers();
    auto& scheduler = client_->scheduler();
    scheduler.scheduleAtFixedRate([weak] { if (auto s = weak.lock()) s->rebalance(); }, 200, kRebalanceIntervalMs);
    scheduler.scheduleAtFixedRate([weak] { if (auto s = weak.lock()) s->persistOffsets(); }, kPersistIntervalMs,
                                  kPersistIntervalMs);
    if (config_.orderly && !config_.broadcasting) {
      scheduler.scheduleAtFixedRate([weak] { if (auto s = weak.lock()) s->lockAll(); }, kLockRenewIntervalMs,
                                    kLockRenewIntervalMs);
    } else if (!config_.broadcasting) {
      int64_t scanMs = std::min(kMaxExpiryScanIntervalMs, std::max<int64_t>(config_.consumeTimeoutMs / 4, 100));
      scheduler.scheduleAtFixedRate([weak] { if (auto s = weak.lock()) s->expireSlowListenerCalls(); }, scanMs,
                                    scanMs);
    }
  }

  int resetOffsetsByTimestamp(const std::string& topic, int64_t timestampMs) {
    auto route = client_->findRoute(topic, kRequestTimeoutMs);
    int queues = 0;
    for (const auto& broker : route->brokerDatas) {
      auto master = broker.brokerAddrs.find(0);
      if (master == broker.brokerAddrs.end()) continue;
      // ResetOffsetRequestHeader, as MQClientAPIImpl.invokeBrokerToResetOffset sends it.
      RemotingCommand request = RemotingCommand::makeRequest(request_code::kInvokeBrokerToResetOffset);
      request.extFields["topic"] = topic;
      request.extFields["group"] = config_.groupName;
      request.extFields["timestamp"] = std::to_string(timestampMs);
      request.extFields["isForce"] = "true";
      auto response = client_->remoting().invokeSync(master->second, request, kRequestTimeoutMs);
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
    {
      std::lock_guard<std::mutex> lock(tasksMutex_);
      tasksClosed_ = true;
      tasks_.clear();
    }
    tasksReady_.notify_all();
    waitForWorkers();
    persistOffsets();
    if (config_.orderly && !config_.broadcasting) unlockAll();
    client_->unregisterConsumer(config_.groupName);
    client_->shutdown();
    if (trace_) trace_->stop();
  }

  // Messages pulled from brokers and not yet consumed, over every queue.
  int64_t cachedMessageCount() {
    std::vector<std::shared_ptr<ProcessQueue>> queues;
    {
      // Copied out so that no queue lock is taken under queuesMutex_.
      std::lock_guard<std::mutex> lock(queuesMutex_);
      for (const auto& entry : queues_) queues.push_back(entry.second);
    }
    int64_t total = 0;
    for (const auto& pq : queues) {
      std::lock_guard<std::mutex> lock(pq->mutex);
      total += static_cast<int64_t>(pq->messages.size());
    }
    return total;
  }

 private:
  // ----- heartbeat ---------------------------------------------------------------------

  ConsumerData consumerData() const {
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
      subs.push(sub);
    }
    info["subscriptionSet"] = subs;
    return info.dump();
  }

  // ----- rebalance ---------------------------------------------------------------------

  void rebalanceSoon() {
    if (stopping_) return;
    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    client_->scheduler().scheduleOnce([weak] { if (auto s = weak.lock()) s->rebalance(); }, 0);
  }

  std::vector<MessageQueue> readableQueues(const std::string& topic) {
    std::vector<MessageQueue> queues;
    auto route = client_->findRoute(topic, kRequestTimeoutMs);
    for (const auto& qd : route->queueDatas) {
      if ((qd.perm & kPermRead) == 0) continue;
      if (client_->findBrokerMasterAddress(qd.brokerName).empty()) continue;
      for (int i = 0; i < qd.readQueueNums; ++i) queues.push_back(MessageQueue{topic, qd.brokerName, i});
    }
    std::sort(queues.begin(), queues.end());
    return queues;
  }

  std::vector<std::string> consumerIds(const std::vector<MessageQueue>& queues) {
    for (const auto& mq : queues) {
      std::string addr = client_->findBrokerMasterAddress(mq.brokerName);
      if (addr.empty()) continue;
      RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetConsumerListByGroup);
      request.extFields["consumerGroup"] = config_.groupName;
      auto response = client_->remoting().invokeSync(addr, request, kRequestTimeoutMs);
      if (response->code != response_code::kSuccess) continue;
      std::vector<std::string> ids;
      const Json body = Json::parse(response->body);  // must outlive the loop below
      for (const Json& id : body["consumerIdList"].elements()) ids.push_back(id.asString());
      std::sort(ids.begin(), ids.end());
      return ids;
    }
    return {};
  }

  void rebalance() {
    if (stopping_) return;
    for (const auto& entry : subscriptions_) {
      const std::string& topic = entry.first;
      try {
        client_->updateRouteFromNameServer(topic, kRequestTimeoutMs);
        std::vector<MessageQueue> all = readableQueues(topic);
        std::vector<MessageQueue> mine;
        if (config_.broadcasting) {
          mine = all;
        } else {
          std::vector<std::string> ids = consumerIds(all);
          if (std::find(ids.begin(), ids.end(), client_->clientId()) == ids.end()) {
            // The broker does not list us yet (heartbeat in flight): keep
            // what we have and try again soon.
            RMQ_LOG(kInfo, "rebalance of " << topic << ": " << client_->clientId() << " not among the "
                                           << ids.size() << " consumers the broker lists yet");
            client_->sendHeartbeatToAllBrokers();
            continue;
          }
          mine = allocateAveragely(all, ids, client_->clientId());
        }
        applyAssignment(topic, mine);
      } catch (const std::exception& e) {
        RMQ_LOG(kInfo, "rebalance of " << topic << " failed: " << e.what());
      }
    }
  }

  void applyAssignment(const std::string& topic, const std::vector<MessageQueue>& assigned) {
    std::set<MessageQueue> wanted(assigned.begin(), assigned.end());
    std::vector<std::shared_ptr<ProcessQueue>> removed;
    std::vector<MessageQueue> added;
    {
      std::lock_guard<std::mutex> lock(queuesMutex_);
      for (auto it = queues_.begin(); it != queues_.end();) {
        if (it->first.topic == topic && wanted.count(it->first) == 0) {
          removed.push_back(it->second);
          it = queues_.erase(it);
        } else {
          ++it;
        }
      }
      for (const auto& mq : assigned) {
        if (queues_.count(mq) == 0) added.push_back(mq);
      }
    }
    for (auto& pq : removed) {
      pq->dropped = true;
      commitOffset(*pq);
      if (config_.orderly && !config_.broadcasting) unlock({pq->mq});
      RMQ_LOG(kInfo, "released queue " << queueKey(pq->mq));
    }
    if (config_.orderly && !config_.broadcasting && !added.empty()) lock(added);
    for (const auto& mq : added) {
      int64_t start;
      try {
        start = startOffset(mq);
      } catch (const std::exception& e) {
        RMQ_LOG(kWarn, "cannot find where to start " << queueKey(mq) << ": " << e.what());
        continue;
      }
      auto pq = std::make_shared<ProcessQueue>(mq);
      pq->nextPullOffset = start;
      pq->highestOffset = start - 1;
      {
        std::lock_guard<std::mutex> lock(queuesMutex_);
        if (queues_.count(mq) != 0) continue;
        if (config_.orderly && !config_.broadcasting) pq->locked = lockedNow_.count(mq) != 0;
        queues_[mq] = pq;
      }
      RMQ_LOG(kInfo, "took queue " << queueKey(mq) << " from offset " << start);
      pull(pq);
    }
  }

  // ----- offsets -----------------------------------------------------------------------

  // RESET_CONSUMER_CLIENT_OFFSET (an operator moved the group's offsets):
  // forget what is cached for those queues, store the new offsets where
  // startOffset() reads them, and take the queues again from there.
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
    {
      std::lock_guard<std::mutex> lock(queuesMutex_);
      for (const auto& entry : table) {
        auto found = queues_.find(entry.first);
        if (found == queues_.end()) continue;
        found->second->dropped = true;
        queues_.erase(found);
      }
    }
    for (const auto& entry : table) {
      if (config_.broadcasting) {
        std::lock_guard<std::mutex> lock(offsetsMutex_);
        localOffsets_[queueKey(entry.first)] = entry.second;
        continue;
      }
      try {
        RemotingCommand update = RemotingCommand::makeRequest(request_code::kUpdateConsumerOffset);
        update.extFields["consumerGroup"] = config_.groupName;
        update.extFields["topic"] = entry.first.topic;
        update.extFields["queueId"] = std::to_string(entry.first.queueId);
        update.extFields["commitOffset"] = std::to_string(entry.second);
        client_->remoting().invokeSync(brokerOf(entry.first), update, kRequestTimeoutMs);
      } catch (const std::exception& e) {
        RMQ_LOG(kWarn, "storing the reset offset of " << queueKey(entry.first) << " failed: " << e.what());
      }
    }
    RMQ_LOG(kInfo, "offsets of " << request.field("topic") << " reset for " << table.size() << " queues");
    rebalanceSoon();
  }

  int64_t maxOffset(const MessageQueue& mq) {
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetMaxOffset);
    request.extFields["topic"] = mq.topic;
    request.extFields["queueId"] = std::to_string(mq.queueId);
    auto response = client_->remoting().invokeSync(brokerOf(mq), request, kRequestTimeoutMs);
    if (response->code != response_code::kSuccess) {
      throw MQException(ErrorKind::kBrokerError, "GET_MAX_OFFSET refused: " + response->remark, response->code);
    }
    return std::stoll(response->field("offset", "0"));
  }

  // SEARCH_OFFSET_BY_TIMESTAMP: the first offset stored at or after `timestampMs`.
  int64_t offsetAt(const MessageQueue& mq, int64_t timestampMs) {
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kSearchOffsetByTimestamp);
    request.extFields["topic"] = mq.topic;
    request.extFields["queueId"] = std::to_string(mq.queueId);
    request.extFields["timestamp"] = std::to_string(timestampMs);
    auto response = client_->remoting().invokeSync(brokerOf(mq), request, kRequestTimeoutMs);
    if (response->code != response_code::kSuccess) {
      throw MQException(ErrorKind::kBrokerError, "SEARCH_OFFSET_BY_TIMESTAMP refused: " + response->remark,
                        response->code);
    }
    return std::stoll(response->field("offset", "0"));
  }

  // The group's committed offset of `mq`, or -1 when it has none.
  int64_t committedOffset(const MessageQueue& mq) {
    if (config_.broadcasting) {
      std::lock_guard<std::mutex> lock(offsetsMutex_);
      auto found = localOffsets_.find(queueKey(mq));
      return found == localOffsets_.end() ? -1 : found->second;
    }
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kQueryConsumerOffset);
    request.extFields["consumerGroup"] = config_.groupName;
    request.extFields["topic"] = mq.topic;
    request.extFields["queueId"] = std::to_string(mq.queueId);
    auto response = client_->remoting().invokeSync(brokerOf(mq), request, kRequestTimeoutMs);
    if (response->code == response_code::kSuccess) return std::stoll(response->field("offset", "0"));
    if (response->code == response_code::kQueryNotFound) return -1;
    throw MQException(ErrorKind::kBrokerError, "QUERY_CONSUMER_OFFSET refused: " + response->remark, response->code);
  }

  // RebalancePushImpl.computePullFromWhere: the committed offset, else where
  // consumeFromWhere says.
  int64_t startOffset(const MessageQueue& mq) {
    int64_t committed = committedOffset(mq);
    if (committed >= 0) return committed;
    switch (config_.consumeFromWhere) {
      case ConsumeFromWhere::kFirstOffset:
        return 0;
      case ConsumeFromWhere::kTimestamp:
        return isRetryTopic(mq.topic) ? maxOffset(mq) : offsetAt(mq, config_.consumeTimestampMs);
      case ConsumeFromWhere::kLastOffset:
        break;
    }
    return isRetryTopic(mq.topic) ? 0 : maxOffset(mq);
  }

  std::string brokerOf(const MessageQueue& mq) {
    std::string addr = client_->findBrokerMasterAddress(mq.brokerName);
    if (addr.empty()) throw MQException(ErrorKind::kNoRoute, "no address for broker " + mq.brokerName);
    return addr;
  }

  void commitOffset(ProcessQueue& pq) {
    int64_t offset;
    {
      std::lock_guard<std::mutex> lock(pq.mutex);
      offset = pq.consumeOffsetLocked();
    }
    if (offset < 0) return;
    if (config_.broadcasting) {
      std::lock_guard<std::mutex> lock(offsetsMutex_);
      localOffsets_[queueKey(pq.mq)] = offset;
      return;
    }
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kUpdateConsumerOffset);
    request.extFields["consumerGroup"] = config_.groupName;
    request.extFields["topic"] = pq.mq.topic;
    request.extFields["queueId"] = std::to_string(pq.mq.queueId);
    request.extFields["commitOffset"] = std::to_string(offset);
    try {
      client_->remoting().invokeOneway(brokerOf(pq.mq), request, kRequestTimeoutMs);
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "offset commit of " << queueKey(pq.mq) << " failed: " << e.what());
    }
  }

  void persistOffsets() {
    std::vector<std::shared_ptr<ProcessQueue>> all;
    {
      std::lock_guard<std::mutex> lock(queuesMutex_);
      for (auto& entry : queues_) all.push_back(entry.second);
    }
    for (auto& pq : all) commitOffset(*pq);
    if (config_.broadcasting) {
      std::lock_guard<std::mutex> lock(offsetsMutex_);
      try {
        writeOffsetFile(offsetFile_, localOffsets_);
      } catch (const std::exception& e) {
        RMQ_LOG(kWarn, "cannot write offsets to " << offsetFile_ << ": " << e.what());
      }
    }
  }

  // ----- orderly locks -----------------------------------------------------------------

  std::string lockBody(const std::vector<MessageQueue>& queues) const {
    Json body = Json::object();
    body["consumerGroup"] = config_.groupName;
    body["clientId"] = client_->clientId();
    Json set = Json::array();
    for (const auto& mq : queues) set.push(queueJson(mq));
    body["mqSet"] = set;
    return body.dump();
  }

  std::map<std::string, std::vector<MessageQueue>> byBroker(const std::vector<MessageQueue>& queues) {
    std::map<std::string, std::vector<MessageQueue>> grouped;
    for (const auto& mq : queues) grouped[mq.brokerName].push_back(mq);
    return grouped;
  }

  void lock(const std::vector<MessageQueue>& queues) {
    for (const auto& entry : byBroker(queues)) {
      try {
        RemotingCommand request = RemotingCommand::makeRequest(request_code::kLockBatchMq);
        request.body = lockBody(entry.second);
        std::string addr = client_->findBrokerMasterAddress(entry.first);
        auto response = client_->remoting().invokeSync(addr, request, kRequestTimeoutMs);
        std::set<MessageQueue> granted;
        if (response->code == response_code::kSuccess) {
          const Json body = Json::parse(response->body);  // must outlive the loop below
          for (const Json& q : body["lockOKMQSet"].elements()) {
            granted.insert(MessageQueue{q["topic"].asString(), q["brokerName"].asString(), q["queueId"].asInt()});
          }
        }
        std::lock_guard<std::mutex> guard(queuesMutex_);
        for (const auto& mq : entry.second) {
          bool ok = granted.count(mq) != 0;
          if (ok) lockedNow_.insert(mq); else lockedNow_.erase(mq);
          auto found = queues_.find(mq);
          if (found != queues_.end()) found->second->locked = ok;
        }
      } catch (const std::exception& e) {
        RMQ_LOG(kWarn, "locking queues on " << entry.first << " failed: " << e.what());
      }
    }
  }

  void lockAll() {
    std::vector<MessageQueue> owned;
    {
      std::lock_guard<std::mutex> guard(queuesMutex_);
      for (auto& entry : queues_) owned.push_back(entry.first);
    }
    if (!owned.empty()) lock(owned);
  }

  void unlock(const std::vector<MessageQueue>& queues) {
    for (const auto& entry : byBroker(queues)) {
      try {
        RemotingCommand request = RemotingCommand::makeRequest(request_code::kUnlockBatchMq);
        request.body = lockBody(entry.second);
        client_->remoting().invokeOneway(client_->findBrokerMasterAddress(entry.first), request, kRequestTimeoutMs);
      } catch (const std::exception& e) {
        RMQ_LOG(kInfo, "unlocking queues on " << entry.first << " failed: " << e.what());
      }
      std::lock_guard<std::mutex> guard(queuesMutex_);
      for (const auto& mq : entry.second) lockedNow_.erase(mq);
    }
  }

  void unlockAll() {
    std::vector<MessageQueue> owned;
    {
      std::lock_guard<std::mutex> guard(queuesMutex_);
      for (auto& entry : queues_) owned.push_back(entry.first);
    }
    if (!owned.empty()) unlock(owned);
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
    if (config_.orderly && !config_.broadcasting && !pq->locked) {
      pullLater(pq, kPullRetryDelayMs);
      return;
    }
    auto sub = subscriptions_.find(pq->mq.topic);
    std::string addr = client_->findBrokerMasterAddress(pq->mq.brokerName);
    if (sub == subscriptions_.end() || addr.empty()) {
      pullLater(pq, kPullRetryDelayMs);
      return;
    }
    PullRequestSpec spec;
    spec.sysFlag = pull_flag::kSuspend | pull_flag::kSubscription;
    int64_t commit = -1;
    if (!config_.broadcasting) {
      std::lock_guard<std::mutex> lock(pq->mutex);
      commit = pq->consumeOffsetLocked();
      if (commit > 0) spec.sysFlag |= pull_flag::kCommitOffset;
    }
    spec.group = config_.groupName;
    spec.queue = pq->mq;
    spec.queueOffset = offset;
    spec.maxMessages = kPullBatchSize;
    spec.commitOffset = commit > 0 ? commit : 0;
    spec.suspendTimeoutMs = kBrokerSuspendMs;
    spec.subscription = sub->second.subString;
    spec.subVersion = sub->second.subVersion;
    RemotingCommand request = buildPullRequest(spec);
    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    client_->remoting().invokeAsync(
        addr, request, kPullTimeoutMs,
        [weak, pq](std::unique_ptr<RemotingCommand> response, std::exception_ptr error) {
          if (auto self = weak.lock()) self->onPulled(pq, std::move(response), error);
        });
  }

  void onPulled(const std::shared_ptr<ProcessQueue>& pq, std::unique_ptr<RemotingCommand> response,
                std::exception_ptr error) {
    if (stopping_ || pq->dropped) return;
    if (error || !response) {
      try {
        if (error) std::rethrow_exception(error);
      } catch (const std::exception& e) {
        RMQ_LOG(kInfo, "pull from " << queueKey(pq->mq) << " failed: " << e.what());
      }
      pullLater(pq, kPullRetryDelayMs);
      return;
    }
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
        const SubscriptionData& sub = subscriptions_.at(pq->mq.topic);
        std::vector<int64_t> arrived;
        {
          std::lock_guard<std::mutex> lock(pq->mutex);
          for (auto& message : found) {
            if (message.queueOffset <= pq->highestOffset) continue;  // already have it
            pq->highestOffset = message.queueOffset;
            if (!subscriptionMatches(sub, message.tags())) continue;
            message.brokerName = pq->mq.brokerName;
            pq->cachedBytes += static_cast<int64_t>(message.body().size());
            arrived.push_back(message.queueOffset);
            pq->messages.emplace(message.queueOffset, std::move(message));
          }
          if (next >= 0) {
            pq->nextPullOffset = next;
            // Offsets skipped by the filter count as consumed.
            if (pq->messages.empty()) pq->highestOffset = std::max(pq->highestOffset, next - 1);
          }
        }
        if (!arrived.empty()) dispatch(pq, arrived);
        pull(pq);
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
        pull(pq);
        return;
      default:
        RMQ_LOG(kInfo, "pull from " << queueKey(pq->mq) << " refused (" << response->code << "): "
                                    << response->remark);
        pullLater(pq, kPullRetryDelayMs);
    }
  }

  // ----- consuming ---------------------------------------------------------------------

  void submit(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(tasksMutex_);
      if (tasksClosed_) return;
      tasks_.push_back(std::move(task));
    }
    tasksReady_.notify_one();
  }

  void submitLater(std::function<void()> task, int64_t delayMs) {
    if (stopping_) return;
    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    client_->scheduler().scheduleOnce(
        [weak, task] {
          if (auto s = weak.lock()) s->submit(task);
        },
        delayMs);
  }

  void dispatch(const std::shared_ptr<ProcessQueue>& pq, const std::vector<int64_t>& offsets) {
    if (config_.orderly) {
      startOrderly(pq);
      return;
    }
    for (size_t i = 0; i < offsets.size(); i += static_cast<size_t>(config_.batchMaxSize)) {
      size_t end = std::min(offsets.size(), i + static_cast<size_t>(config_.batchMaxSize));
      std::vector<int64_t> batch(offsets.begin() + static_cast<long>(i), offsets.begin() + static_cast<long>(end));
      std::weak_ptr<ConsumerEngine> weak = shared_from_this();
      submit([weak, pq, batch] { if (auto s = weak.lock()) s->consumeConcurrently(pq, batch); });
    }
  }

  // The listener sees the original topic of a retried message.
  void restoreRetryTopic(MessageExt& message) const {
    std::string original = message.property(property::kRetryTopic);
    if (!original.empty() && isRetryTopic(message.topic())) message.setTopic(original);
  }

  ConsumeResult callListener(MessageExt& message) {
    restoreRetryTopic(message);
    if (!trace_) return callListenerUntraced(message);
    // ConsumeMessageTraceHookImpl: a SubBefore record, the call, a SubAfter record.
    TraceRecord before;
    before.type = TraceType::kSubBefore;
    before.timestampMs = nowMs();
    const std::string region = message.property(property::kMsgRegion);
    if (!region.empty()) before.regionId = region;
    before.groupName = config_.groupName;
    before.requestId = createUniqueMessageId();
    before.msgId = message.msgId();
    before.retryTimes = message.reconsumeTimes;
    before.keys = message.keys();
    TraceRecord after = before;
    trace_->submit(std::move(before));
    ConsumeResult result = callListenerUntraced(message);
    after.type = TraceType::kSubAfter;
    after.costTimeMs = nowMs() - after.timestampMs;
    after.timestampMs = nowMs();
    after.success = result == ConsumeResult::kSuccess;
    after.contextCode = after.success ? kConsumeReturnSuccess : kConsumeReturnFailed;
    trace_->submit(std::move(after));
    return result;
  }

  ConsumeResult callListenerUntraced(MessageExt& message) {
    try {
      return listener_(message);
    } catch (...) {
      return ConsumeResult::kReconsumeLater;
    }
  }

  void consumeConcurrently(const std::shared_ptr<ProcessQueue>& pq, const std::vector<int64_t>& offsets) {
    if (pq->dropped) return;
    std::vector<int64_t> finished;
    std::vector<int64_t> retryLocally;
    for (int64_t offset : offsets) {
      MessageExt message;
      {
        std::lock_guard<std::mutex> lock(pq->mutex);
        auto found = pq->messages.find(offset);
        if (found == pq->messages.end()) continue;
        message = found->second;
        pq->listenerSince[offset] = steadyMs();
      }
      MessageExt delivered = message;
      ConsumeResult result = callListener(delivered);
      {
        std::lock_guard<std::mutex> lock(pq->mutex);
        pq->listenerSince.erase(offset);
        // Gone meanwhile: the call timed out and the message was sent back
        // already (or the queue was reset); its result no longer matters.
        if (pq->messages.count(offset) == 0) continue;
      }
      if (result == ConsumeResult::kSuccess || config_.broadcasting) {
        // Broadcasting has no retry topic: a failure is logged and dropped,
        // as the Java client does.
        if (result != ConsumeResult::kSuccess) {
          RMQ_LOG(kWarn, "broadcast message " << message.msgId() << " failed and is not retried");
        }
        finished.push_back(offset);
      } else if (sendBack(message)) {
        finished.push_back(offset);
      } else {
        retryLocally.push_back(offset);
      }
    }
    removeConsumed(*pq, finished);
    if (!retryLocally.empty()) {
      std::weak_ptr<ConsumerEngine> weak = shared_from_this();
      submitLater([weak, pq, retryLocally] { if (auto s = weak.lock()) s->consumeConcurrently(pq, retryLocally); },
                  kSendBackRetryMs);
    }
  }

  void removeConsumed(ProcessQueue& pq, const std::vector<int64_t>& offsets) {
    std::lock_guard<std::mutex> lock(pq.mutex);
    for (int64_t offset : offsets) {
      auto found = pq.messages.find(offset);
      if (found == pq.messages.end()) continue;
      pq.cachedBytes -= static_cast<int64_t>(found->second.body().size());
      pq.messages.erase(found);
    }
  }

  // cleanExpireMsg: a listener call running past consumeTimeout gives its
  // message back to the broker (delay level 3) and drops it from the queue,
  // so the queue's offset can move on; the late result is then ignored.
  // Concurrent consumers only, as in the Java client.
  void expireSlowListenerCalls() {
    if (config_.orderly || config_.broadcasting) return;
    std::vector<std::shared_ptr<ProcessQueue>> queues;
    {
      std::lock_guard<std::mutex> lock(queuesMutex_);
      for (const auto& entry : queues_) queues.push_back(entry.second);
    }
    const int64_t now = steadyMs();
    for (const auto& pq : queues) {
      std::vector<std::pair<int64_t, MessageExt>> expired;
      {
        std::lock_guard<std::mutex> lock(pq->mutex);
        for (const auto& since : pq->listenerSince) {
          if (now - since.second < config_.consumeTimeoutMs) continue;
          auto found = pq->messages.find(since.first);
          if (found != pq->messages.end()) expired.emplace_back(since.first, found->second);
        }
      }
      for (const auto& entry : expired) {
        RMQ_LOG(kWarn, "listener call on " << entry.second.msgId() << " ran past " << config_.consumeTimeoutMs
                                           << " ms; the message is sent back for a later retry");
        if (sendBack(entry.second, kExpiredMessageDelayLevel)) removeConsumed(*pq, {entry.first});
      }
    }
  }

  // CONSUMER_SEND_MSG_BACK: the broker stores the message again in the
  // group's retry topic with a growing delay (or `delayLevel`), or in the DLQ
  // after maxReconsumeTimes.
  bool sendBack(const MessageExt& message, int delayLevel = 0) {
    try {
      RemotingCommand request = RemotingCommand::makeRequest(request_code::kConsumerSendMsgBack);
      auto& f = request.extFields;
      f["offset"] = std::to_string(message.commitLogOffset);
      f["group"] = config_.groupName;
      f["delayLevel"] = std::to_string(delayLevel);
      f["originMsgId"] = message.msgId();
      f["originTopic"] = message.topic();
      f["unitMode"] = "false";
      f["maxReconsumeTimes"] = std::to_string(config_.maxReconsumeTimes);
      std::string addr = client_->findBrokerMasterAddress(message.brokerName);
      auto response = client_->remoting().invokeSync(addr, request, kRequestTimeoutMs);
      if (response->code == response_code::kSuccess) return true;
      RMQ_LOG(kWarn, "send-back of " << message.msgId() << " refused: " << response->remark);
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "send-back of " << message.msgId() << " failed: " << e.what());
    }
    return resendToRetryTopic(message);
  }

  // DefaultMQPushConsumerImpl.sendMessageBack's fallback: when the broker
  // will not take the message back, send a copy to the retry topic ourselves.
  bool resendToRetryTopic(const MessageExt& message) {
    try {
      const std::string retryTopic = kRetryGroupTopicPrefix + config_.groupName;
      auto route = client_->findRoute(retryTopic, kRequestTimeoutMs);
      MessageQueue queue;
      for (const auto& qd : route->queueDatas) {
        if (!client_->findBrokerMasterAddress(qd.brokerName).empty() && qd.writeQueueNums > 0) {
          queue = MessageQueue{retryTopic, qd.brokerName, 0};
          break;
        }
      }
      if (queue.brokerName.empty()) throw MQException(ErrorKind::kNoRoute, "no writable queue of " + retryTopic);

      Message copy(retryTopic);
      copy.mutableProperties() = message.properties();
      std::string realTopic = message.property(property::kRetryTopic);
      copy.putProperty(property::kRetryTopic, realTopic.empty() ? message.topic() : realTopic);
      if (copy.property(property::kOriginMessageId).empty()) {
        copy.putProperty(property::kOriginMessageId, message.msgId());
      }
      copy.putProperty(property::kReconsumeTime, std::to_string(message.reconsumeTimes + 1));
      copy.putProperty(property::kMaxReconsumeTimes, std::to_string(config_.maxReconsumeTimes));
      copy.clearProperty(property::kTransactionPrepared);
      copy.setDelayTimeLevel(3 + message.reconsumeTimes);

      OutgoingMessage outgoing;
      outgoing.topic = retryTopic;
      outgoing.properties = copy.encodedProperties();
      outgoing.ownedBody = message.body();  // already decompressed by the decoder
      outgoing.flag = message.flag();
      int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
      RemotingCommand request = buildSendRequest(config_.groupName, outgoing, queue, now);
      request.extFields["j"] = std::to_string(message.reconsumeTimes + 1);  // reconsumeTimes
      request.extFields["l"] = std::to_string(config_.maxReconsumeTimes);   // maxReconsumeTimes
      auto response = client_->remoting().invokeSync(brokerOf(queue), request, kRequestTimeoutMs);
      parseSendResponse(*response, outgoing, queue);  // throws unless stored
      return true;
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "re-sending " << message.msgId() << " to the retry topic failed: " << e.what());
      return false;
    }
  }

  void startOrderly(const std::shared_ptr<ProcessQueue>& pq) {
    {
      std::lock_guard<std::mutex> lock(pq->mutex);
      if (pq->consuming) return;
      pq->consuming = true;
    }
    std::weak_ptr<ConsumerEngine> weak = shared_from_this();
    submit([weak, pq] { if (auto s = weak.lock()) s->consumeOrderly(pq); });
  }

  // One task per queue at a time, oldest message first; a failure suspends
  // the queue and retries the same message (it is never skipped).
  void consumeOrderly(const std::shared_ptr<ProcessQueue>& pq) {
    while (!stopping_ && !pq->dropped) {
      if (!config_.broadcasting && !pq->locked) break;
      std::vector<MessageExt> batch;
      {
        std::lock_guard<std::mutex> lock(pq->mutex);
        for (auto it = pq->messages.begin();
             it != pq->messages.end() && static_cast<int>(batch.size()) < config_.batchMaxSize; ++it) {
          batch.push_back(it->second);
        }
        if (batch.empty()) {
          pq->consuming = false;
          return;
        }
      }
      std::vector<int64_t> done;
      bool suspended = false;
      for (auto& message : batch) {
        MessageExt delivered = message;
        if (callListener(delivered) != ConsumeResult::kSuccess) {
          suspended = true;
          std::lock_guard<std::mutex> lock(pq->mutex);
          auto found = pq->messages.find(message.queueOffset);
          if (found != pq->messages.end()) found->second.reconsumeTimes++;
          break;
        }
        done.push_back(message.queueOffset);
      }
      removeConsumed(*pq, done);
      if (suspended) {
        std::weak_ptr<ConsumerEngine> weak = shared_from_this();
        submitLater([weak, pq] { if (auto s = weak.lock()) s->consumeOrderly(pq); }, kOrderlySuspendMs);
        return;
      }
    }
    std::lock_guard<std::mutex> lock(pq->mutex);
    pq->consuming = false;
    if (!stopping_ && !pq->dropped && !pq->messages.empty()) {
      // Lost the lock: look again once the renewal had a chance.
      std::weak_ptr<ConsumerEngine> weak = shared_from_this();
      pq->consuming = true;
      submitLater([weak, pq] { if (auto s = weak.lock()) s->consumeOrderly(pq); }, kOrderlySuspendMs);
    }
  }

  void workerLoop() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(tasksMutex_);
        tasksReady_.wait(lock, [&] { return !tasks_.empty() || tasksClosed_; });
        if (tasksClosed_) break;
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
    std::lock_guard<std::mutex> lock(tasksMutex_);
    ++workersDone_;
    workersExited_.notify_all();
  }

  // Joins the consume threads, except the calling one (shutdown from inside
  // a listener) and any stuck in a listener past the deadline, which are
  // left to finish on their own; they hold a reference to this engine.
  void waitForWorkers() {
    const auto self = std::this_thread::get_id();
    bool insideListener = false;
    for (auto& worker : workers_) insideListener = insideListener || worker.get_id() == self;
    size_t expected = workers_.size() - (insideListener ? 1 : 0);
    {
      std::unique_lock<std::mutex> lock(tasksMutex_);
      workersExited_.wait_for(lock, std::chrono::milliseconds(kShutdownWaitMs),
                              [&] { return workersDone_ >= expected; });
    }
    for (auto& worker : workers_) {
      if (!worker.joinable()) continue;
      bool exited;
      {
        std::lock_guard<std::mutex> lock(tasksMutex_);
        exited = workersDone_ >= expected;
      }
      if (worker.get_id() == self || !exited) {
        worker.detach();
      } else {
        worker.join();
      }
    }
  }

  PushConsumerConfig config_;
  std::map<std::string, SubscriptionData> subscriptions_;
  MessageListener listener_;
  std::shared_ptr<ClientInstance> client_;
  std::atomic<bool> stopping_{false};

  std::shared_ptr<TraceDispatcher> trace_;  // set at start when trace is on, then read-only

  std::mutex queuesMutex_;
  std::map<MessageQueue, std::shared_ptr<ProcessQueue>> queues_;
  std::set<MessageQueue> lockedNow_;

  std::mutex offsetsMutex_;
  std::string offsetFile_;
  std::map<std::string, int64_t> localOffsets_;

  std::mutex tasksMutex_;
  std::condition_variable tasksReady_;
  std::condition_variable workersExited_;
  std::deque<std::function<void()>> tasks_;
  bool tasksClosed_ = false;
  size_t workersDone_ = 0;
  std::vector<std::thread> workers_;
};

PushConsumer::PushConsumer(PushConsumerConfig config) : config_(std::move(config)) {}

PushConsumer::~PushConsumer() {
  try {
    shutdown();
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "consumer shutdown failed: " << e.what());
  }
}

void PushConsumer::subscribe(const std::string& topic, const std::string& expression) {
  if (started_) throw MQException(ErrorKind::kIllegalState, "subscribe before start()");
  subscriptions_[topic] = expression.empty() ? kSubscribeAll : expression;
}

void PushConsumer::setListener(MessageListener listener, bool orderly) {
  listener_ = std::move(listener);
  config_.orderly = orderly;
}

void PushConsumer::clearListener() { listener_ = nullptr; }

void PushConsumer::start() {
  if (stopped_) throw MQException(ErrorKind::kIllegalState, "the consumer was shut down and cannot start again");
  if (started_) return;
  if (subscriptions_.empty()) {
    throw MQException(ErrorKind::kIllegalState, "no subscription: call subscribe(topic, callback) before start()");
  }
  if (!listener_) throw MQException(ErrorKind::kIllegalState, "no message callback registered before start()");
  if (config_.groupName.empty()) throw MQException(ErrorKind::kIllegalArgument, "consumer group is empty");
  auto engine = std::make_shared<ConsumerEngine>(config_, subscriptions_, listener_);
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
