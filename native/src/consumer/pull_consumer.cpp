#include "consumer/pull_consumer.h"

#include <utility>

#include "client/client_instance.h"
#include "common/errors.h"
#include "common/log.h"
#include "consumer/pull_api.h"
#include "consumer/pull_wrapper.h"
#include "consumer/client_check.h"
#include "consumer/subscription.h"
#include "producer/validators.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

constexpr int kPermRead = 1 << 2;  // PermName.PERM_READ
// DefaultMQPullConsumer.brokerSuspendMaxTimeMillis; sent as Java sends it,
// though without pull_flag::kSuspend the broker answers at once.
constexpr int64_t kBrokerSuspendMaxMs = 20000;
// The group name the Java client keeps for itself.
constexpr const char* kReservedConsumerGroup = "DEFAULT_CONSUMER";

bool isBlank(const std::string& text) { return text.find_first_not_of(" \t\r\n") == std::string::npos; }

std::string describe(const MessageQueue& queue) {
  return queue.topic + "@" + queue.brokerName + "#" + std::to_string(queue.queueId);
}

}  // namespace

bool pullStatusOfResponse(int responseCode, PullStatus* status) {
  switch (responseCode) {
    case response_code::kSuccess:
      *status = PullStatus::kFound;
      return true;
    case response_code::kPullNotFound:
      *status = PullStatus::kNoNewMessage;
      return true;
    case response_code::kPullRetryImmediately:
      *status = PullStatus::kNoMatchedMessage;
      return true;
    case response_code::kPullOffsetMoved:
      *status = PullStatus::kOffsetIllegal;
      return true;
    default:
      return false;
  }
}

PullConsumer::PullConsumer(PullConsumerConfig config) : config_(std::move(config)) {}

PullConsumer::~PullConsumer() {
  try {
    shutdown();
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "pull consumer shutdown failed: " << e.what());
  }
}

void PullConsumer::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_) throw MQException(ErrorKind::kIllegalState, "the consumer was shut down and cannot start again");
  if (started_) return;
  checkGroup(config_.groupName);
  if (config_.groupName == kReservedConsumerGroup) {
    throw MQException(ErrorKind::kIllegalArgument,
                      std::string("the consumer group ") + kReservedConsumerGroup + " is reserved; use another name");
  }

  auto session = std::make_shared<Session>();
  session->client = std::make_shared<ClientInstance>(clientConfigOf(config_));
  session->pulls = std::make_shared<PullWrapper>(session->client);
  session->config = config_;

  // What DefaultMQPullConsumerImpl announces: an active consumer of the
  // clustering model with no subscription of its own (no register topics).
  const std::string group = config_.groupName;
  session->client->registerConsumer(group, [group] {
    ConsumerData data;
    data.groupName = group;
    data.consumeType = "CONSUME_ACTIVELY";
    data.messageModel = "CLUSTERING";
    data.consumeFromWhere = "CONSUME_FROM_LAST_OFFSET";
    return data;
  });
  session->client->start();
  session_ = std::move(session);
  started_ = true;
}

void PullConsumer::shutdown() {
  std::shared_ptr<const Session> session;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_ || stopped_) {
      stopped_ = stopped_ || started_;
      return;
    }
    stopped_ = true;
    session = std::move(session_);
  }
  // Calls still running on other threads hold the session: their requests
  // fail once the client stops, and the client is freed with the last one.
  session->client->shutdown();
}

bool PullConsumer::running() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return session_ != nullptr;
}

std::shared_ptr<const PullConsumer::Session> PullConsumer::session() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (session_ == nullptr) {
    throw MQException(ErrorKind::kIllegalState, stopped_ ? "the pull consumer has been shut down"
                                                         : "the pull consumer is not started: call start() first");
  }
  return session_;
}

std::vector<MessageQueue> PullConsumer::fetchSubscribeMessageQueues(const std::string& topic) {
  auto current = session();
  if (isBlank(topic)) throw MQException(ErrorKind::kIllegalArgument, "topic is blank");
  ClientInstance& client = *current->client;
  // MQAdminImpl.fetchSubscribeMessageQueues asks the name server every time.
  client.updateRouteFromNameServer(topic, current->config.routeTimeoutMs);
  auto route = client.findRoute(topic, current->config.routeTimeoutMs);
  std::vector<MessageQueue> queues;
  for (const auto& data : route->queueDatas) {
    if ((data.perm & kPermRead) == 0) continue;
    for (int id = 0; id < data.readQueueNums; ++id) queues.push_back(MessageQueue{topic, data.brokerName, id});
  }
  if (queues.empty()) {
    throw MQException(ErrorKind::kNoRoute, "the name server knows no readable queue of topic " + topic);
  }
  return queues;
}

void PullConsumer::checkAccepted(const Session& current, const SubscriptionData& subscription,
                                 const std::string& addr) {
  if (isTagType(subscription.expressionType)) return;
  const std::string key = subscription.topic + "\n" + subscription.subString;
  {
    std::lock_guard<std::mutex> lock(current.acceptedMutex);
    if (current.acceptedSelectors.count(key) > 0) return;
  }
  checkSubscriptionInBroker(*current.client, addr, current.config.groupName, subscription,
                            current.config.pullTimeoutMs);
  std::lock_guard<std::mutex> lock(current.acceptedMutex);
  current.acceptedSelectors.insert(key);
}

void PullConsumer::checkSubscription(const MessageQueue& queue, const std::string& expression,
                                     const std::string& expressionType) {
  auto current = session();
  if (isBlank(queue.topic)) throw MQException(ErrorKind::kIllegalArgument, "the queue's topic is blank");
  if (isBlank(queue.brokerName)) throw MQException(ErrorKind::kIllegalArgument, "the queue's broker name is blank");
  const SubscriptionData subscription = buildSubscription(queue.topic, expression, expressionType);
  if (isTagType(subscription.expressionType)) return;
  checkAccepted(*current, subscription, current->pulls->target(queue, current->config.routeTimeoutMs).addr);
}

PullResult PullConsumer::pull(const MessageQueue& queue, const std::string& expression, int64_t offset,
                              int maxNums, const std::string& expressionType) {
  auto current = session();
  if (isBlank(queue.topic)) throw MQException(ErrorKind::kIllegalArgument, "the queue's topic is blank");
  if (isBlank(queue.brokerName)) throw MQException(ErrorKind::kIllegalArgument, "the queue's broker name is blank");
  if (queue.queueId < 0) {
    throw MQException(ErrorKind::kIllegalArgument, "queue id is negative: " + std::to_string(queue.queueId));
  }
  if (offset < 0) throw MQException(ErrorKind::kIllegalArgument, "offset < 0: " + std::to_string(offset));
  if (maxNums <= 0) throw MQException(ErrorKind::kIllegalArgument, "maxNums <= 0: " + std::to_string(maxNums));

  ClientInstance& client = *current->client;
  const SubscriptionData subscription = buildSubscription(queue.topic, expression, expressionType);

  // PullAPIWrapper.pullKernelImpl: the master, a slave it suggested, or any
  // node of the broker left in the route.
  const BrokerAddress node = current->pulls->target(queue, current->config.routeTimeoutMs);
  checkAccepted(*current, subscription, node.addr);

  PullRequestSpec spec;
  spec.group = current->config.groupName;
  spec.queue = queue;
  spec.queueOffset = offset;
  spec.maxMessages = maxNums;
  spec.sysFlag = pull_flag::kSubscription;  // no offset commit, no suspension
  spec.suspendTimeoutMs = kBrokerSuspendMaxMs;
  spec.subscription = subscription.subString;
  spec.subVersion = 0;  // DefaultMQPullConsumer sends no subscription version
  spec.expressionType = subscription.expressionType;
  RemotingCommand request = PullWrapper::buildRequest(spec, node);
  auto response = client.remoting().invokeSync(node.addr, request, current->config.pullTimeoutMs);
  current->pulls->onResponse(queue, *response);

  PullResult result;
  if (!pullStatusOfResponse(response->code, &result.status)) {
    throw MQException(ErrorKind::kBrokerError,
                      "the broker refused to pull " + describe(queue) + " (code " + std::to_string(response->code) +
                          "): " + response->remark,
                      response->code);
  }
  result.nextBeginOffset = pullResponseNumber(*response, "nextBeginOffset", 0);
  result.minOffset = pullResponseNumber(*response, "minOffset", 0);
  result.maxOffset = pullResponseNumber(*response, "maxOffset", 0);
  if (result.status != PullStatus::kFound) return result;

  std::vector<MessageExt> found;
  try {
    found = decodeMessages(response->body.data(), response->body.size());
  } catch (const std::exception& e) {
    throw MQException(ErrorKind::kProtocol, "undecodable pull result from " + describe(queue) + ": " + e.what());
  }
  // PullAPIWrapper.processPullResult: the broker filters on tag hash codes
  // only, so the tags themselves are compared here; every message learns
  // the queue's offset range and its broker.
  const std::string minOffset = std::to_string(result.minOffset);
  const std::string maxOffset = std::to_string(result.maxOffset);
  result.messages.reserve(found.size());
  for (auto& message : found) {
    if (!subscriptionMatches(subscription, message.tags())) continue;
    message.putProperty(property::kMinOffset, minOffset);
    message.putProperty(property::kMaxOffset, maxOffset);
    message.brokerName = queue.brokerName;
    result.messages.push_back(std::move(message));
  }
  return result;
}

}  // namespace rmq
