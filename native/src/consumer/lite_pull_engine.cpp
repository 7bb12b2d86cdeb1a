#include "consumer/lite_pull_engine.h"

#include <algorithm>

#include "client/admin_api.h"
#include "common/errors.h"
#include "common/log.h"
#include "consumer/allocate.h"
#include "consumer/consume_listener.h"
#include "consumer/process_queue.h"
#include "consumer/pull_api.h"
#include "consumer/subscription.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

constexpr int64_t kRequestTimeoutMs = 3000;
// DefaultLitePullConsumer.brokerSuspendMaxTimeMillis and
// consumerTimeoutMillisWhenSuspend: the broker holds a pull this long when
// the queue has nothing new, and the client waits this long for its answer.
constexpr int64_t kBrokerSuspendMs = 20000;
constexpr int64_t kPullTimeoutMs = 30000;
// DefaultLitePullConsumerImpl's delays: a full cache, a failed pull
// (pullTimeDelayMillsWhenException), no offset to start from yet.
constexpr int64_t kCacheFullDelayMs = 50;
constexpr int64_t kPullFailedDelayMs = 1000;
constexpr int64_t kNoStartOffsetDelayMs = 3000;
// A node that answers "retry" without moving the offset on (a slave behind
// the consumer) is asked again after this pause, not at once.
constexpr int64_t kNoProgressDelayMs = 100;
constexpr int64_t kRebalanceIntervalMs = 20000;
constexpr int64_t kDefaultConsumeTimestampAgeMs = 30 * 60 * 1000;
constexpr int64_t kMiB = 1024 * 1024;

CacheLimits limitsOf(const LitePullConsumerConfig& config) {
  CacheLimits limits;
  limits.perQueueCount = config.pullThresholdForQueue;
  limits.perQueueBytes = int64_t{config.pullThresholdSizeForQueueMiB} * kMiB;
  limits.totalCount = config.pullThresholdForAll;
  return limits;
}

LitePullConsumerConfig withDefaults(LitePullConsumerConfig config) {
  if (config.consumeTimestampMs < 0) config.consumeTimestampMs = wallClockMs() - kDefaultConsumeTimestampAgeMs;
  return config;
}

std::string describe(const MessageQueue& mq) { return queueKey(mq); }

}  // namespace

LitePullEngine::LitePullEngine(LitePullConsumerConfig config)
    : config_(withDefaults(std::move(config))), queues_(limitsOf(config_)) {}

void LitePullEngine::start() {
  client_ = std::make_shared<ClientInstance>(clientConfigOf(config_));
  offsets_ = makeBrokerOffsetStore(client_, config_.groupName);
  pulls_ = std::make_unique<PullWrapper>(client_);
  members_ = std::make_unique<GroupMembers>(client_, config_.groupName);
  nextAutoCommitMs_ = steadyClockMs() + config_.autoCommitIntervalMs;

  std::weak_ptr<LitePullEngine> weak = shared_from_this();
  registerRebalancingConsumer(*client_, config_.groupName, weak_from_this());
  client_->start();
  std::map<std::string, SubscriptionData> topics;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    topics = subscriptions_;
  }
  for (const auto& entry : topics) {
    try {
      client_->findRoute(entry.first, kRequestTimeoutMs);
    } catch (const MQException& e) {
      RMQ_LOG(kWarn, "no route for " << entry.first << " yet: " << e.what());
    }
  }
  client_->sendHeartbeatToAllBrokers();
  client_->scheduler().scheduleAtFixedRate([weak] { if (auto s = weak.lock()) s->rebalance(); }, 200,
                                           kRebalanceIntervalMs);
}

void LitePullEngine::shutdown() {
  if (stopping_.exchange(true)) return;
  queues_.close();
  // persistConsumerOffset: what poll() handed out is committed on the way out.
  if (config_.autoCommit) commitSync();
  client_->unregisterConsumer(config_.groupName);
  client_->shutdown();
}

ConsumerData LitePullEngine::consumerData() const {
  ConsumerData data;
  data.groupName = config_.groupName;
  data.consumeType = "CONSUME_ACTIVELY";
  data.messageModel = "CLUSTERING";
  data.consumeFromWhere = consumeFromWhereName(config_.consumeFromWhere);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& entry : subscriptions_) data.subscriptions.push_back(entry.second);
  return data;
}

// ----- which queues ----------------------------------------------------------------------

void LitePullEngine::subscribe(const std::string& topic, const std::string& expression) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    subscriptions_[topic] = buildSubscription(topic, expression);
  }
  if (client_ == nullptr) return;  // start() announces it
  client_->sendHeartbeatToAllBrokers();
  rebalanceSoon();
}

void LitePullEngine::assign(const std::set<MessageQueue>& queues) { hold(std::string(), queues); }

void LitePullEngine::rebalanceSoon() {
  if (stopping_ || rebalancePending_.exchange(true)) return;
  std::weak_ptr<LitePullEngine> weak = shared_from_this();
  client_->scheduler().scheduleOnce(
      [weak] {
        if (auto s = weak.lock()) {
          s->rebalancePending_ = false;
          s->rebalance();
        }
      },
      0);
}

void LitePullEngine::rebalance() {
  if (stopping_) return;
  std::map<std::string, SubscriptionData> topics;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    topics = subscriptions_;
  }
  for (const auto& entry : topics) {
    const std::string& topic = entry.first;
    try {
      client_->updateRouteFromNameServer(topic, kRequestTimeoutMs);
      std::vector<MessageQueue> all = readableQueues(*client_, topic, kRequestTimeoutMs);
      std::vector<std::string> ids = members_->of(topic);
      if (std::find(ids.begin(), ids.end(), client_->clientId()) == ids.end()) {
        // The brokers do not list us yet: the heartbeat makes them tell the
        // group, which brings the next rebalance.
        client_->sendHeartbeatToAllBrokers();
        continue;
      }
      std::vector<MessageQueue> mine = allocateAveragely(all, ids, client_->clientId());
      hold(topic, std::set<MessageQueue>(mine.begin(), mine.end()));
    } catch (const std::exception& e) {
      RMQ_LOG(kInfo, "rebalance of " << topic << " failed: " << e.what());
    }
  }
}

void LitePullEngine::hold(const std::string& topic, const std::set<MessageQueue>& queues) {
  std::map<MessageQueue, QueuePosition> released;
  std::vector<MessageQueue> added = queues_.replace(topic, queues, &released);
  for (const auto& entry : released) {
    // With auto-commit, what poll() handed out of a queue given away is
    // committed now, so that its next owner does not get it again.
    const int64_t offset = entry.second.consumeOffset;
    if (config_.autoCommit && offset >= 0 && offset != entry.second.committedOffset) {
      offsets_->commit(entry.first, offset, std::string());
    }
    pulls_->forget(entry.first);
    RMQ_LOG(kInfo, "released queue " << describe(entry.first));
  }
  for (const auto& mq : added) {
    QueuePosition position;
    if (queues_.position(mq, &position)) pullLater(mq, position.generation, 0);
    RMQ_LOG(kInfo, "took queue " << describe(mq));
  }
}

// ----- polling and offsets ---------------------------------------------------------------

PolledBatch LitePullEngine::poll(int64_t timeoutMs) {
  if (config_.autoCommit) {
    bool due = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      const int64_t now = steadyClockMs();
      if (now >= nextAutoCommitMs_) {
        due = true;
        nextAutoCommitMs_ = now + config_.autoCommitIntervalMs;
      }
    }
    if (due) commitAsync();
  }
  PolledBatch batch;
  queues_.take(timeoutMs, &batch.queue, &batch.messages);
  return batch;
}

void LitePullEngine::commitAsync() {
  for (const auto& entry : queues_.uncommitted()) offsets_->commit(entry.first, entry.second, std::string());
}

void LitePullEngine::commitSync() {
  for (const auto& entry : queues_.uncommitted()) offsets_->storeNow(entry.first, entry.second);
}

int64_t LitePullEngine::committed(const MessageQueue& mq) {
  // ReadOffsetType.MEMORY_FIRST_THEN_STORE.
  const int64_t mine = queues_.committed(mq);
  return mine >= 0 ? mine : offsets_->read(mq);
}

int64_t LitePullEngine::minOffset(const MessageQueue& mq) { return queryMinOffset(*client_, mq, kRequestTimeoutMs); }

int64_t LitePullEngine::maxOffset(const MessageQueue& mq) { return queryMaxOffset(*client_, mq, kRequestTimeoutMs); }

void LitePullEngine::seek(const MessageQueue& mq, int64_t offset) {
  bool subscribed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    subscribed = !subscriptions_.empty();
  }
  if (!queues_.holds(mq)) {
    throw MQException(ErrorKind::kIllegalArgument, "The message queue is not in assigned list" +
                                                       std::string(subscribed ? ", may be rebalancing" : "") +
                                                       ", message queue: " + describe(mq));
  }
  const int64_t min = minOffset(mq);
  const int64_t max = maxOffset(mq);
  if (offset < min || offset > max) {
    throw MQException(ErrorKind::kIllegalArgument, "Seek offset illegal, seek offset = " + std::to_string(offset) +
                                                       ", min offset = " + std::to_string(min) +
                                                       ", max offset = " + std::to_string(max));
  }
  uint64_t generation = 0;
  if (!queues_.seek(mq, offset, &generation)) {
    throw MQException(ErrorKind::kIllegalArgument, "The message queue is no longer assigned: " + describe(mq));
  }
  pullLater(mq, generation, 0);
}

void LitePullEngine::pause(const std::vector<MessageQueue>& queues) { queues_.pause(queues, true, nullptr); }

void LitePullEngine::resume(const std::vector<MessageQueue>& queues) {
  std::vector<uint64_t> generations;
  std::vector<MessageQueue> resumed = queues_.pause(queues, false, &generations);
  for (size_t i = 0; i < resumed.size(); ++i) pullLater(resumed[i], generations[i], 0);
}

// ----- pulling ---------------------------------------------------------------------------

SubscriptionData LitePullEngine::subscriptionOf(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = subscriptions_.find(topic);
  // Assigned queues take every message (Java's SUB_ALL without setSubExpressionForAssign).
  return found != subscriptions_.end() ? found->second : buildSubscription(topic, kSubscribeAll);
}

void LitePullEngine::pullLater(const MessageQueue& mq, uint64_t generation, int64_t delayMs) {
  if (stopping_) return;
  std::weak_ptr<LitePullEngine> weak = shared_from_this();
  client_->scheduler().scheduleOnce([weak, mq, generation] { if (auto s = weak.lock()) s->pull(mq, generation); },
                                    delayMs);
}

void LitePullEngine::pull(const MessageQueue& mq, uint64_t generation) {
  if (stopping_) return;
  QueuePosition position;
  if (!queues_.position(mq, &position) || position.generation != generation || position.paused) return;
  const int room = queues_.room(mq, config_.pullBatchSize);
  if (room <= 0) {
    pullLater(mq, generation, kCacheFullDelayMs);
    return;
  }
  int64_t offset = position.pullOffset;
  if (offset < 0) {
    try {
      offset = startOffset(*client_, *offsets_, mq, StartPolicy{config_.consumeFromWhere, config_.consumeTimestampMs});
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "cannot find where to start " << describe(mq) << ": " << e.what());
      pullLater(mq, generation, kNoStartOffsetDelayMs);
      return;
    }
    queues_.startAt(mq, generation, offset);
    RMQ_LOG(kInfo, "pulling " << describe(mq) << " from offset " << offset);
  }
  BrokerAddress node;
  try {
    node = pulls_->target(mq, kRequestTimeoutMs);
  } catch (const std::exception& e) {
    RMQ_LOG(kInfo, "cannot pull " << describe(mq) << ": " << e.what());
    pullLater(mq, generation, kPullFailedDelayMs);
    return;
  }
  const SubscriptionData subscription = subscriptionOf(mq.topic);
  PullRequestSpec spec;
  spec.group = config_.groupName;
  spec.queue = mq;
  spec.queueOffset = offset;
  spec.maxMessages = room;
  // PullSysFlag.buildSysFlag(false, true, true, false, true): no offset
  // commit with the pull, suspended at the broker, a lite pull.
  spec.sysFlag = pull_flag::kSuspend | pull_flag::kSubscription | pull_flag::kLitePull;
  spec.suspendTimeoutMs = kBrokerSuspendMs;
  spec.subscription = subscription.subString;
  spec.subVersion = 0;  // tag expressions carry no version
  RemotingCommand request = PullWrapper::buildRequest(spec, node);
  std::weak_ptr<LitePullEngine> weak = shared_from_this();
  try {
    client_->remoting().invokeAsync(
        node.addr, request, kPullTimeoutMs,
        [weak, mq, generation, offset](std::unique_ptr<RemotingCommand> response, std::exception_ptr error) {
          if (auto self = weak.lock()) self->onPulled(mq, generation, offset, std::move(response), error);
        },
        RemotingClient::kWriteAtOnce);
  } catch (const std::exception& e) {
    RMQ_LOG(kInfo, "pull of " << describe(mq) << " not sent: " << e.what());
    pullLater(mq, generation, kPullFailedDelayMs);
  }
}

void LitePullEngine::onPulled(const MessageQueue& mq, uint64_t generation, int64_t requestedOffset,
                              std::unique_ptr<RemotingCommand> response, std::exception_ptr error) {
  if (stopping_) return;
  if (error || !response) {
    rebalanceSoon();
    pullLater(mq, generation, kPullFailedDelayMs);
    return;
  }
  pulls_->onResponse(mq, *response);
  const int64_t next = pullResponseNumber(*response, "nextBeginOffset", -1);
  std::vector<MessageExt> found;
  switch (response->code) {
    case response_code::kSuccess: {
      std::vector<MessageExt> decoded;
      try {
        decoded = decodeMessages(response->body.data(), response->body.size());
      } catch (const std::exception& e) {
        RMQ_LOG(kWarn, "undecodable pull result from " << describe(mq) << ": " << e.what());
        pullLater(mq, generation, kPullFailedDelayMs);
        return;
      }
      // processPullResult: the broker filters by tag hash code only.
      const SubscriptionData subscription = subscriptionOf(mq.topic);
      for (auto& message : decoded) {
        if (message.queueOffset < requestedOffset || !subscriptionMatches(subscription, message.tags())) continue;
        message.brokerName = mq.brokerName;
        found.push_back(std::move(message));
      }
      break;
    }
    case response_code::kPullNotFound:
    case response_code::kPullRetryImmediately:
    case response_code::kPullOffsetMoved:
      break;
    default:
      RMQ_LOG(kInfo, "pull from " << describe(mq) << " refused (" << response->code << "): " << response->remark);
      pullLater(mq, generation, kPullFailedDelayMs);
      return;
  }
  if (!queues_.arrived(mq, generation, std::move(found), next)) return;  // sought, resumed or released meanwhile
  const bool noProgress = response->code == response_code::kPullRetryImmediately && next == requestedOffset;
  if (noProgress) {
    pullLater(mq, generation, kNoProgressDelayMs);
  } else {
    pull(mq, generation);
  }
}

}  // namespace rmq
