#include "producer/producer.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"
#include "message/compression.h"
#include "message/sysflag.h"
#include "producer/request_reply.h"
#include "producer/validators.h"

namespace rmq {

namespace {

int64_t steadyNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

int64_t wallNowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// How often brokers isolated by the fault strategy are probed (the Java 5
// client's detector runs every 3 s).
constexpr int64_t kFaultProbeIntervalMs = 3000;

// The same failure, with the broker it happened at in front: "which broker"
// is the first thing to know about a failed send in a cluster.
MQException atBroker(const MQException& e, const MessageQueue& queue, const std::string& addr) {
  return MQException(e.kind(), "broker " + queue.brokerName + " at " + addr + ": " + e.what(), e.responseCode());
}

// Appends one pair to an encoded property string (key\x01value, pairs
// separated by \x02).
void appendProperty(std::string& encoded, const char* key, const std::string& value) {
  if (!encoded.empty()) encoded.push_back('\x02');
  encoded += key;
  encoded.push_back('\x01');
  encoded += value;
}

// Runs a user callback; a throwing callback must not take down the
// callback thread or make us report the send twice.
void deliver(const SendCallback& callback, const SendResult* result, const MQException* error) {
  try {
    callback(result, error);
  } catch (const std::exception& e) {
    RMQ_LOG(kError, "send callback threw: " << e.what());
  } catch (...) {
    RMQ_LOG(kError, "send callback threw a non-standard exception");
  }
}

MQException asMQException(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const MQException& e) {
    return e;
  } catch (const std::exception& e) {
    return MQException(ErrorKind::kInternal, e.what());
  } catch (...) {
    return MQException(ErrorKind::kInternal, "unknown error");
  }
}

}  // namespace

bool isRetryableSendError(const MQException& e) {
  switch (e.kind()) {
    case ErrorKind::kConnectFailed:
    case ErrorKind::kTimeout:
      return true;
    case ErrorKind::kBrokerError:
      switch (e.responseCode()) {
        case response_code::kTopicNotExist:
        case response_code::kServiceNotAvailable:
        case response_code::kSystemError:
        case response_code::kSystemBusy:
        case response_code::kNoPermission:
        case response_code::kNoBuyerId:
        case response_code::kNotInCurrentUnit:
          return true;
        default:
          return false;
      }
    default:
      return false;
  }
}

struct Producer::AsyncAttempt {
  std::shared_ptr<ClientInstance> client;
  OutgoingMessage msg;
  ProducerConfig cfg;
  SendCallback callback;
  int attemptsLeft = 1;
  int64_t deadline = 0;
  std::string lastFailedBroker;
  bool fixedQueue = false;  // orderly: always the selected queue
  MessageQueue queue;
  bool quickCallback = false;  // successes delivered on the reading thread (see sendAsync)
};

Producer::Producer(const std::string& groupName) { config_.groupName = groupName; }

Producer::~Producer() {
  try {
    shutdown();
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "producer shutdown failed: " << e.what());
  }
}

// ---- configuration ----

#define RMQ_STARTUP_SETTING(what)                                                  \
  std::lock_guard<std::mutex> lock(mutex_);                                       \
  if (state_ != State::kCreated) {                                                \
    RMQ_LOG(kWarn, what " cannot change after the producer started; ignored");     \
    return;                                                                        \
  }

void Producer::setGroupName(const std::string& group) {
  RMQ_STARTUP_SETTING("group name");
  config_.groupName = group;
}
void Producer::setNamesrvAddr(const std::string& addr) {
  RMQ_STARTUP_SETTING("name server address");
  config_.namesrvAddr = addr;
}
void Producer::setNamesrvDomain(const std::string& domain) {
  RMQ_STARTUP_SETTING("name server domain");
  config_.namesrvDomain = domain;
}
void Producer::setInstanceName(const std::string& name) {
  RMQ_STARTUP_SETTING("instance name");
  config_.instanceName = name;
}
void Producer::setCredentials(const std::string& accessKey, const std::string& secretKey,
                              const std::string& channel) {
  RMQ_STARTUP_SETTING("session credentials");
  config_.accessKey = accessKey;
  config_.secretKey = secretKey;
  config_.onsChannel = channel;
}
void Producer::setTransactionChecker(TransactionChecker checker) {
  RMQ_STARTUP_SETTING("transaction checker");
  checker_ = std::move(checker);
}
#undef RMQ_STARTUP_SETTING

void Producer::setSendTimeoutMs(int64_t timeoutMs) {
  if (timeoutMs <= 0) throw MQException(ErrorKind::kIllegalArgument, "send timeout must be positive");
  std::lock_guard<std::mutex> lock(mutex_);
  config_.sendTimeoutMs = timeoutMs;
}
void Producer::setCompressLevel(int level) {
  if (level < -1 || level > 9) {
    throw MQException(ErrorKind::kIllegalArgument, "compress level must be between -1 and 9");
  }
  std::lock_guard<std::mutex> lock(mutex_);
  config_.compressLevel = level;
}
void Producer::setMaxMessageSize(size_t size) {
  if (size == 0) throw MQException(ErrorKind::kIllegalArgument, "max message size must be positive");
  std::lock_guard<std::mutex> lock(mutex_);
  config_.maxMessageSize = size;
}
void Producer::setTraceEnabled(bool enabled) {
  std::lock_guard<std::mutex> lock(mutex_);
  config_.traceEnabled = enabled;
}

void Producer::setTls(const TlsOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  config_.tls = options;
}

void Producer::setSendLatencyFaultEnable(bool enabled) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    config_.sendLatencyFaultEnable = enabled;
  }
  faults_.setEnabled(enabled);
}

void Producer::setPollNameServerIntervalMs(int64_t intervalMs) {
  if (intervalMs <= 0) throw MQException(ErrorKind::kIllegalArgument, "the route poll interval must be positive");
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ != State::kCreated) {
    RMQ_LOG(kWarn, "route poll interval cannot change after the producer started; ignored");
    return;
  }
  config_.pollNameServerIntervalMs = intervalMs;
}

ProducerConfig Producer::config() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return config_;
}

// ---- lifecycle ----

void Producer::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ == State::kRunning) return;
  if (state_ == State::kStopped) {
    throw MQException(ErrorKind::kIllegalState, "producer has been shut down and cannot be started again");
  }
  checkGroup(config_.groupName);

  auto client = std::make_shared<ClientInstance>(clientConfigOf(config_));
  client->registerProducer(config_.groupName);
  if (checker_) {
    client->remoting().setRequestHandler(
        request_code::kCheckTransactionState,
        [this](const std::string& addr, RemotingCommand& request) { return onCheckTransactionState(addr, request); });
  }
  client->remoting().setRequestHandler(
      request_code::kPushReplyMessageToClient,
      [this](const std::string& addr, RemotingCommand& request) { return onPushReplyMessage(addr, request); });
  client->start();
  faults_.setEnabled(config_.sendLatencyFaultEnable);
  client->scheduler().scheduleAtFixedRate([this] { probeIsolatedBrokers(); }, kFaultProbeIntervalMs,
                                          kFaultProbeIntervalMs);
  client_ = std::move(client);
  if (config_.traceEnabled) trace_ = startTraceDispatcher(traceOptionsOf(config_, "pub"));
  state_ = State::kRunning;
  RMQ_LOG(kInfo, "producer " << config_.groupName << " started");
}

void Producer::shutdown() {
  std::shared_ptr<ClientInstance> client;
  std::shared_ptr<TraceDispatcher> trace;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kRunning) return;
    client = std::move(client_);
    trace = std::move(trace_);
    state_ = State::kStopped;
  }
  // Outside the lock: pending async sends fail now and their callbacks may
  // call back into this producer.
  client->shutdown();
  replies_->failAll(MQException(ErrorKind::kIllegalState, "the producer was shut down before the reply came"));
  if (trace) trace->stop();
  RMQ_LOG(kInfo, "producer " << config().groupName << " shut down");
}

bool Producer::isRunning() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return state_ == State::kRunning;
}

std::shared_ptr<ClientInstance> Producer::runningClient() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (state_ == State::kCreated) throw MQException(ErrorKind::kIllegalState, "producer is not started");
  if (state_ == State::kStopped) throw MQException(ErrorKind::kIllegalState, "producer has been shut down");
  return client_;
}

// ---- message preparation ----

OutgoingMessage Producer::prepare(const Message& msg, const ProducerConfig& cfg, bool halfMessage) const {
  checkMessage(msg, cfg.maxMessageSize);

  OutgoingMessage out;
  out.topic = msg.topic();
  out.flag = msg.flag();
  out.reply = isReplyMessage(msg);

  if (halfMessage) {
    // Half messages are never delayed (the broker would hide them twice).
    Message headers;
    headers.mutableProperties() = msg.properties();
    headers.clearProperty(property::kDelayLevel);
    headers.putProperty(property::kTransactionPrepared, "true");
    headers.putProperty(property::kProducerGroup, cfg.groupName);
    out.properties = headers.encodedProperties();
    out.sysFlag |= sysflag::kTransactionPreparedType;
  } else {
    out.properties = msg.encodedProperties();
  }

  // Added to the encoded string rather than to the message: the caller's
  // message stays untouched and its property map is not copied.
  out.msgId = msg.property(property::kUniqueClientMessageIdKey);
  if (out.msgId.empty()) {
    out.msgId = createUniqueMessageId();
    appendProperty(out.properties, property::kUniqueClientMessageIdKey, out.msgId);
  }
  if (!msg.hasProperty(property::kWaitStoreMsgOk)) appendProperty(out.properties, property::kWaitStoreMsgOk, "true");
  out.timedDelivery = wantsTimedDelivery(msg);

  if (msg.body().size() >= cfg.compressThreshold) {
    out.ownedBody = zlibCompress(msg.body(), cfg.compressLevel < 0 ? 5 : cfg.compressLevel);
    out.sysFlag |= sysflag::kCompressed | sysflag::kCompressionZlib;
  } else {
    out.borrowedBody = &msg.body();
  }
  return out;
}

OutgoingMessage Producer::prepareBatch(std::vector<Message>& messages, const ProducerConfig& cfg) const {
  checkBatch(messages, cfg.maxMessageSize);
  OutgoingMessage out;
  out.topic = messages.front().topic();
  out.batch = true;
  for (Message& m : messages) {
    std::string id = m.property(property::kUniqueClientMessageIdKey);
    if (id.empty()) {
      id = createUniqueMessageId();
      m.putProperty(property::kUniqueClientMessageIdKey, id);
    }
    if (!m.hasProperty(property::kWaitStoreMsgOk)) m.putProperty(property::kWaitStoreMsgOk, "true");
    if (!out.msgId.empty()) out.msgId.push_back(',');
    out.msgId += id;
    // Brokers apply delivery times to single messages only (5.x puts a batch
    // without its schedule hooks): in a batch the time would be lost.
    if (wantsTimedDelivery(m)) {
      throw MQException(ErrorKind::kIllegalArgument,
                        "a batch cannot carry a message with a delivery time: brokers deliver batched messages at "
                        "once; send it on its own");
    }
  }
  out.ownedBody = encodeBatch(messages);
  if (out.ownedBody.size() > cfg.maxMessageSize) {
    throw MQException(ErrorKind::kIllegalArgument,
                      "batch is " + std::to_string(out.ownedBody.size()) + " bytes encoded, more than the maximum of " +
                          std::to_string(cfg.maxMessageSize));
  }
  appendProperty(out.properties, property::kWaitStoreMsgOk, "true");
  return out;
}

// ---- routing ----

std::shared_ptr<const TopicPublishInfo> Producer::publishInfo(ClientInstance& client, const std::string& topic,
                                                              int64_t timeoutMs) const {
  auto info = client.findPublishInfo(topic, timeoutMs);
  if (!info || info->queues.empty()) {
    throw MQException(ErrorKind::kNoRoute, "no writable queue known for topic " + topic);
  }
  return info;
}

MessageQueue Producer::selectQueue(const TopicPublishInfo& info, const std::string& avoidBroker) {
  std::lock_guard<std::mutex> lock(mutex_);
  return faults_.select(info, queueCounters_[info.queues.front().topic], avoidBroker);
}

void Producer::probeIsolatedBrokers() {
  std::shared_ptr<ClientInstance> client;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::kRunning) return;
    client = client_;
  }
  for (const std::string& broker : faults_.isolatedBrokers()) {
    const std::string addr = client->findBrokerAddressInPublish(broker);
    if (addr.empty()) {
      faults_.forget(broker);  // left the route: nothing to send there anyway
      continue;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!probing_.insert(broker).second) continue;
    }
    // Runs on the callback thread; the producer outlives its client's threads.
    client->sendHeartbeatTo(addr, [this, broker](bool answered) {
      if (answered) faults_.markRecovered(broker);
      std::lock_guard<std::mutex> lock(mutex_);
      probing_.erase(broker);
    });
  }
}

MessageQueue Producer::selectWithSelector(const TopicPublishInfo& info, const Message& msg,
                                          const QueueSelector& selector) const {
  const int index = selector(info.queues, msg);
  if (index < 0 || static_cast<size_t>(index) >= info.queues.size()) {
    throw MQException(ErrorKind::kIllegalArgument,
                      "queue selector returned index " + std::to_string(index) + ", but topic " + msg.topic() +
                          " has " + std::to_string(info.queues.size()) + " queues");
  }
  return info.queues[static_cast<size_t>(index)];
}

std::string Producer::brokerAddress(ClientInstance& client, const MessageQueue& queue, int64_t timeoutMs) const {
  std::string addr = client.findBrokerAddressInPublish(queue.brokerName);
  if (addr.empty() && client.updateRouteFromNameServer(queue.topic, timeoutMs)) {
    addr = client.findBrokerAddressInPublish(queue.brokerName);
  }
  if (addr.empty()) {
    throw MQException(ErrorKind::kNoRoute, "no master address known for broker " + queue.brokerName);
  }
  return addr;
}

void Producer::requireBrokerFor(ClientInstance& client, const OutgoingMessage& msg, const MessageQueue& queue,
                                const std::string& addr, int64_t timeoutMs) {
  if (msg.timedDelivery) brokerVersions_.requireTimerSupport(client, queue.brokerName, addr, timeoutMs);
}

// ---- sending ----

SendResult Producer::sendToQueue(ClientInstance& client, const OutgoingMessage& prepared, const MessageQueue& queue,
                                 const ProducerConfig& cfg, int64_t timeoutMs) {
  const std::string addr = brokerAddress(client, queue, timeoutMs);
  requireBrokerFor(client, prepared, queue, addr, timeoutMs);
  const int64_t started = wallNowMs();
  const int64_t startedSteady = steadyNowMs();
  RemotingCommand request = buildSendRequest(cfg.groupName, prepared, queue, started);
  try {
    auto response = client.remoting().invokeSync(addr, request, timeoutMs);
    SendResult result = parseSendResponse(*response, prepared, queue);
    faults_.update(queue.brokerName, steadyNowMs() - startedSteady, false);
    if (cfg.traceEnabled) tracePub(prepared, result, cfg.groupName, started, addr);
    return result;
  } catch (const MQException& e) {
    const bool brokerAtFault = isRetryableSendError(e);
    faults_.update(queue.brokerName, steadyNowMs() - startedSteady, brokerAtFault);
    if (e.kind() == ErrorKind::kBrokerError && !brokerAtFault) throw;  // the broker's own words say it all
    throw atBroker(e, queue, addr);
  }
}

void Producer::tracePub(const OutgoingMessage& msg, const SendResult& result, const std::string& groupName,
                        int64_t startedWallMs, const std::string& brokerAddr) {
  std::shared_ptr<TraceDispatcher> trace;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    trace = trace_;
  }
  if (!trace || msg.batch) return;
  try {
    submitPubRecord(*trace, msg, result, groupName, startedWallMs, brokerAddr);
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "trace record of " << result.msgId << " dropped: " << e.what());
  }
}

void Producer::submitPubRecord(TraceDispatcher& trace, const OutgoingMessage& msg, const SendResult& result,
                               const std::string& groupName, int64_t startedWallMs, const std::string& brokerAddr) {
  const auto properties = Message::decodeProperties(msg.properties.data(), msg.properties.size());
  auto valueOf = [&properties](const char* key) { return properties.get(key); };
  TraceRecord record;
  record.type = TraceType::kPub;
  record.timestampMs = startedWallMs;
  record.regionId = result.regionId;
  record.groupName = groupName;
  record.topic = msg.topic;
  record.msgId = result.msgId;
  record.tags = valueOf(property::kTags);
  record.keys = valueOf(property::kKeys);
  record.storeHost = brokerAddr;
  record.bodyLength = static_cast<int64_t>(msg.body().size());
  record.costTimeMs = wallNowMs() - startedWallMs;
  const std::string delay = valueOf(property::kDelayLevel);
  if (msg.sysFlag & sysflag::kTransactionPreparedType) {
    record.msgType = TraceMessageType::kTransactionHalf;
  } else if (!delay.empty() && delay != "0") {
    record.msgType = TraceMessageType::kDelay;
  }
  record.offsetMsgId = result.offsetMsgId;
  record.success = result.status == SendStatus::kSendOk;
  trace.submit(std::move(record));
}

SendResult Producer::sendWithRetries(ClientInstance& client, const OutgoingMessage& prepared,
                                     const ProducerConfig& cfg) {
  const int64_t deadline = steadyNowMs() + cfg.sendTimeoutMs;
  auto info = publishInfo(client, prepared.topic, cfg.sendTimeoutMs);
  const int attempts = 1 + std::max(0, cfg.retryTimesWhenSendFailed);
  std::string lastFailedBroker;
  std::exception_ptr lastError;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const int64_t remaining = deadline - steadyNowMs();
    if (remaining <= 0) break;
    const MessageQueue queue = selectQueue(*info, lastFailedBroker);
    try {
      return sendToQueue(client, prepared, queue, cfg, remaining);
    } catch (const MQException& e) {
      if (!isRetryableSendError(e)) throw;
      RMQ_LOG(kWarn, "send to " << queue.brokerName << " queue " << queue.queueId << " failed (attempt "
                                << attempt + 1 << " of " << attempts << "): " << e.what());
      lastError = std::current_exception();
      lastFailedBroker = queue.brokerName;
    }
  }
  if (lastError) std::rethrow_exception(lastError);
  throw MQException(ErrorKind::kTimeout, "sending to topic " + prepared.topic + " timed out after " +
                                             std::to_string(cfg.sendTimeoutMs) + " ms");
}

SendResult Producer::send(const Message& msg) {
  auto client = runningClient();
  const ProducerConfig cfg = config();
  const OutgoingMessage prepared = prepare(msg, cfg, false);
  return sendWithRetries(*client, prepared, cfg);
}

SendResult Producer::sendBatch(std::vector<Message>& messages) {
  auto client = runningClient();
  const ProducerConfig cfg = config();
  const OutgoingMessage prepared = prepareBatch(messages, cfg);
  return sendWithRetries(*client, prepared, cfg);
}

void Producer::sendOneway(const Message& msg) {
  auto client = runningClient();
  const ProducerConfig cfg = config();
  const OutgoingMessage prepared = prepare(msg, cfg, false);
  auto info = publishInfo(*client, prepared.topic, cfg.sendTimeoutMs);
  const MessageQueue queue = selectQueue(*info, std::string());
  const std::string addr = brokerAddress(*client, queue, cfg.sendTimeoutMs);
  requireBrokerFor(*client, prepared, queue, addr, cfg.sendTimeoutMs);
  RemotingCommand request = buildSendRequest(cfg.groupName, prepared, queue, wallNowMs());
  try {
    client->remoting().invokeOneway(addr, request, cfg.sendTimeoutMs);
  } catch (const MQException& e) {
    faults_.update(queue.brokerName, FaultStrategy::kIsolationLatencyMs, true);
    throw atBroker(e, queue, addr);
  }
}

SendResult Producer::sendOrderly(const Message& msg, const QueueSelector& selector, int retries) {
  auto client = runningClient();
  const ProducerConfig cfg = config();
  const OutgoingMessage prepared = prepare(msg, cfg, false);
  const int64_t deadline = steadyNowMs() + cfg.sendTimeoutMs;
  auto info = publishInfo(*client, prepared.topic, cfg.sendTimeoutMs);
  const MessageQueue queue = selectWithSelector(*info, msg, selector);
  const int attempts = 1 + std::max(0, retries);
  std::exception_ptr lastError;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    const int64_t remaining = deadline - steadyNowMs();
    if (remaining <= 0) break;
    try {
      return sendToQueue(*client, prepared, queue, cfg, remaining);
    } catch (const MQException& e) {
      if (!isRetryableSendError(e)) throw;
      lastError = std::current_exception();
    }
  }
  if (lastError) std::rethrow_exception(lastError);
  throw MQException(ErrorKind::kTimeout, "orderly send to topic " + prepared.topic + " timed out");
}

void Producer::sendOrderlyOneway(const Message& msg, const QueueSelector& selector) {
  auto client = runningClient();
  const ProducerConfig cfg = config();
  const OutgoingMessage prepared = prepare(msg, cfg, false);
  auto info = publishInfo(*client, prepared.topic, cfg.sendTimeoutMs);
  const MessageQueue queue = selectWithSelector(*info, msg, selector);
  const std::string addr = brokerAddress(*client, queue, cfg.sendTimeoutMs);
  requireBrokerFor(*client, prepared, queue, addr, cfg.sendTimeoutMs);
  RemotingCommand request = buildSendRequest(cfg.groupName, prepared, queue, wallNowMs());
  client->remoting().invokeOneway(addr, request, cfg.sendTimeoutMs);
}

// ---- async ----

void Producer::sendAsync(const Message& msg, SendCallback callback, bool quickCallback) {
  auto attempt = newAsyncAttempt(msg, std::move(callback), quickCallback);
  attempt->msg.takeOwnership();  // retries run after the caller returned
  startAsyncAttempt(attempt);
}

void Producer::sendAsync(Message&& msg, SendCallback callback, bool quickCallback) {
  auto attempt = newAsyncAttempt(msg, std::move(callback), quickCallback);
  attempt->msg.takeOwnership(std::move(msg.mutableBody()));
  startAsyncAttempt(attempt);
}

std::shared_ptr<Producer::AsyncAttempt> Producer::newAsyncAttempt(const Message& msg, SendCallback callback,
                                                                  bool quickCallback) {
  auto attempt = std::make_shared<AsyncAttempt>();
  attempt->client = runningClient();
  attempt->cfg = config();
  attempt->msg = prepare(msg, attempt->cfg, false);
  attempt->callback = std::move(callback);
  attempt->quickCallback = quickCallback;
  attempt->attemptsLeft = 1 + std::max(0, attempt->cfg.retryTimesWhenSendFailed);
  attempt->deadline = steadyNowMs() + attempt->cfg.sendTimeoutMs;
  return attempt;
}

void Producer::sendOrderlyAsync(const Message& msg, const QueueSelector& selector, SendCallback callback) {
  auto attempt = std::make_shared<AsyncAttempt>();
  attempt->client = runningClient();
  attempt->cfg = config();
  attempt->msg = prepare(msg, attempt->cfg, false);
  attempt->msg.takeOwnership();
  attempt->callback = std::move(callback);
  attempt->deadline = steadyNowMs() + attempt->cfg.sendTimeoutMs;
  // The selector runs now, on the caller's thread: its argument may live on
  // the caller's stack.
  auto info = publishInfo(*attempt->client, attempt->msg.topic, attempt->cfg.sendTimeoutMs);
  attempt->queue = selectWithSelector(*info, msg, selector);
  attempt->fixedQueue = true;
  startAsyncAttempt(attempt);
}

void Producer::startAsyncAttempt(const std::shared_ptr<AsyncAttempt>& attempt) {
  MessageQueue queue;
  try {
    const int64_t remaining = attempt->deadline - steadyNowMs();
    if (remaining <= 0) {
      throw MQException(ErrorKind::kTimeout, "sending to topic " + attempt->msg.topic + " timed out after " +
                                                 std::to_string(attempt->cfg.sendTimeoutMs) + " ms");
    }
    if (attempt->fixedQueue) {
      queue = attempt->queue;
    } else {
      auto info = publishInfo(*attempt->client, attempt->msg.topic, remaining);
      queue = selectQueue(*info, attempt->lastFailedBroker);
    }
    const std::string addr = brokerAddress(*attempt->client, queue, remaining);
    requireBrokerFor(*attempt->client, attempt->msg, queue, addr, remaining);
    const int64_t started = wallNowMs();
    const int64_t startedSteady = steadyNowMs();
    RemotingCommand request = buildSendRequest(attempt->cfg.groupName, attempt->msg, queue, started);
    --attempt->attemptsLeft;
    attempt->client->remoting().invokeAsync(
        addr, request, remaining,
        [this, attempt, queue, addr, started, startedSteady](std::unique_ptr<RemotingCommand> response,
                                                             std::exception_ptr error) {
          if (!error) {
            try {
              const SendResult result = parseSendResponse(*response, attempt->msg, queue);
              if (!attempt->fixedQueue) faults_.update(queue.brokerName, steadyNowMs() - startedSteady, false);
              if (attempt->cfg.traceEnabled) tracePub(attempt->msg, result, attempt->cfg.groupName, started, addr);
              deliver(attempt->callback, &result, nullptr);
              return;
            } catch (...) {
              error = std::current_exception();
            }
          }
          MQException failure = asMQException(error);
          const bool brokerAtFault = isRetryableSendError(failure);
          if (!attempt->fixedQueue) faults_.update(queue.brokerName, steadyNowMs() - startedSteady, brokerAtFault);
          if (failure.kind() != ErrorKind::kBrokerError || brokerAtFault) failure = atBroker(failure, queue, addr);
          if (attempt->quickCallback) {
            // On the reading thread: a retry may look up routes and connect,
            // which the callback thread may wait for and this one may not.
            attempt->client->remoting().post(
                [this, attempt, queue, failure] { onAsyncFailure(attempt, queue, failure); });
            return;
          }
          onAsyncFailure(attempt, queue, failure);
        },
        attempt->quickCallback ? RemotingClient::kCallbackOnReader : 0u);
  } catch (const MQException& e) {
    // Report on the callback thread, like every other outcome of an async send.
    MQException failure = e;
    attempt->client->remoting().post([attempt, failure]() { deliver(attempt->callback, nullptr, &failure); });
  }
}

void Producer::onAsyncFailure(const std::shared_ptr<AsyncAttempt>& attempt, const MessageQueue& queue,
                              const MQException& error) {
  const bool retry = isRetryableSendError(error) && attempt->attemptsLeft > 0 &&
                     attempt->deadline > steadyNowMs() && isRunning();
  if (!retry) {
    deliver(attempt->callback, nullptr, &error);
    return;
  }
  RMQ_LOG(kWarn, "async send to " << queue.brokerName << " failed, retrying: " << error.what());
  attempt->lastFailedBroker = queue.brokerName;
  startAsyncAttempt(attempt);
}

}  // namespace rmq
