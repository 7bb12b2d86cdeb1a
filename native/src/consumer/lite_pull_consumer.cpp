#include "consumer/lite_pull_consumer.h"

#include <utility>

#include "common/errors.h"
#include "common/log.h"
#include "consumer/lite_pull_engine.h"
#include "producer/validators.h"

namespace rmq {

namespace {

void checkQueue(const MessageQueue& mq) {
  if (mq.topic.empty() || mq.brokerName.empty() || mq.queueId < 0) {
    throw MQException(ErrorKind::kIllegalArgument, "not a message queue: topic '" + mq.topic + "', broker '" +
                                                       mq.brokerName + "', queue id " + std::to_string(mq.queueId));
  }
}

void checkConfig(const LitePullConsumerConfig& config) {
  checkGroup(config.groupName);
  // The ranges DefaultLitePullConsumerImpl.checkConfig enforces.
  if (config.pullBatchSize < 1 || config.pullBatchSize > 1024) {
    throw MQException(ErrorKind::kIllegalArgument, "pullBatchSize out of range [1, 1024]");
  }
  if (config.pullThresholdForQueue < 1 || config.pullThresholdForQueue > 65535) {
    throw MQException(ErrorKind::kIllegalArgument, "pullThresholdForQueue out of range [1, 65535]");
  }
  if (config.pullThresholdSizeForQueueMiB < 1 || config.pullThresholdSizeForQueueMiB > 1024) {
    throw MQException(ErrorKind::kIllegalArgument, "pullThresholdSizeForQueue out of range [1, 1024] MiB");
  }
  if (config.pullThresholdForAll < 1) throw MQException(ErrorKind::kIllegalArgument, "pullThresholdForAll < 1");
  if (config.autoCommitIntervalMs < 1000) {
    throw MQException(ErrorKind::kIllegalArgument, "autoCommitIntervalMillis must be at least 1000");
  }
}

}  // namespace

LitePullConsumer::LitePullConsumer(LitePullConsumerConfig config) : config_(std::move(config)) {}

LitePullConsumer::~LitePullConsumer() {
  try {
    shutdown();
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "lite pull consumer shutdown failed: " << e.what());
  }
}

void LitePullConsumer::setMode(Mode mode) {
  if (mode_ != Mode::kNone && mode_ != mode) {
    throw MQException(ErrorKind::kIllegalState, "Subscribe and assign are mutually exclusive.");
  }
  mode_ = mode;
}

void LitePullConsumer::subscribe(const std::string& topic, const std::string& expression) {
  checkTopic(topic);
  std::shared_ptr<LitePullEngine> running;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) throw MQException(ErrorKind::kIllegalState, "the lite pull consumer has been shut down");
    setMode(Mode::kSubscribe);
    subscriptions_[topic] = expression;
    running = engine_;
  }
  if (running) running->subscribe(topic, expression);
}

void LitePullConsumer::assign(const std::vector<MessageQueue>& queues) {
  if (queues.empty()) throw MQException(ErrorKind::kIllegalArgument, "Message queues can not be null or empty.");
  for (const auto& mq : queues) checkQueue(mq);
  std::shared_ptr<LitePullEngine> running;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) throw MQException(ErrorKind::kIllegalState, "the lite pull consumer has been shut down");
    setMode(Mode::kAssign);
    assigned_ = std::set<MessageQueue>(queues.begin(), queues.end());
    running = engine_;
  }
  if (running) running->assign(std::set<MessageQueue>(queues.begin(), queues.end()));
}

void LitePullConsumer::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopped_) throw MQException(ErrorKind::kIllegalState, "the consumer was shut down and cannot start again");
  if (started_) return;
  checkConfig(config_);
  auto engine = std::make_shared<LitePullEngine>(config_);
  for (const auto& entry : subscriptions_) engine->subscribe(entry.first, entry.second);
  engine->start();
  if (!assigned_.empty()) engine->assign(assigned_);
  engine_ = std::move(engine);
  started_ = true;
}

void LitePullConsumer::shutdown() {
  std::shared_ptr<LitePullEngine> engine;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_ || stopped_) {
      stopped_ = stopped_ || started_;
      return;
    }
    stopped_ = true;
    engine = std::move(engine_);
  }
  engine->shutdown();
}

std::shared_ptr<LitePullEngine> LitePullConsumer::engine() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (engine_ == nullptr) {
    throw MQException(ErrorKind::kIllegalState, stopped_ ? "the lite pull consumer has been shut down"
                                                         : "The consumer not running, please start it first.");
  }
  return engine_;
}

PolledBatch LitePullConsumer::poll(int64_t timeoutMs) {
  auto running = engine();
  if (timeoutMs < 0) throw MQException(ErrorKind::kIllegalArgument, "Timeout must not be negative");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (mode_ == Mode::kNone) {
      throw MQException(ErrorKind::kIllegalState, "nothing to poll: subscribe() to a topic or assign() queues first");
    }
  }
  return running->poll(timeoutMs);
}

void LitePullConsumer::commit() { engine()->commitSync(); }

int64_t LitePullConsumer::committed(const MessageQueue& queue) {
  checkQueue(queue);
  return engine()->committed(queue);
}

void LitePullConsumer::seek(const MessageQueue& queue, int64_t offset) {
  checkQueue(queue);
  engine()->seek(queue, offset);
}

void LitePullConsumer::seekToBegin(const MessageQueue& queue) {
  checkQueue(queue);
  auto running = engine();
  running->seek(queue, running->minOffset(queue));
}

void LitePullConsumer::seekToEnd(const MessageQueue& queue) {
  checkQueue(queue);
  auto running = engine();
  running->seek(queue, running->maxOffset(queue));
}

void LitePullConsumer::pause(const std::vector<MessageQueue>& queues) { engine()->pause(queues); }

void LitePullConsumer::resume(const std::vector<MessageQueue>& queues) { engine()->resume(queues); }

std::vector<MessageQueue> LitePullConsumer::assignment() const { return engine()->assignment(); }

int64_t LitePullConsumer::cachedMessageCount() const {
  std::shared_ptr<LitePullEngine> running;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running = engine_;
  }
  return running ? running->cachedMessageCount() : 0;
}

}  // namespace rmq
