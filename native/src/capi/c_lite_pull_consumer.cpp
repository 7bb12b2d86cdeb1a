// C API of the lite pull consumer (CLitePullConsumer.h), over
// rmq::LitePullConsumer.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "CLitePullConsumer.h"
#include "capi/handles.h"
#include "capi/latest_error.h"
#include "capi/message_queues.h"
#include "consumer/lite_pull_consumer.h"

struct CLitePullConsumer {
  explicit CLitePullConsumer(const char* group) : consumer(makeConfig(group)) {}

  static rmq::LitePullConsumerConfig makeConfig(const char* group) {
    rmq::LitePullConsumerConfig config;
    config.groupName = group;
    return config;
  }

  rmq::LitePullConsumer consumer;
};

namespace {

// What pData of a CLitePullBatch points at: the messages and the array of
// handles the caller sees.
struct PolledMessages {
  std::vector<CMessageExt> messages;
  std::vector<CMessageExt*> handles;
};

int nullArgument(const char* what) {
  rmq::capi::setLatestError(std::string(what) + " is null");
  return NULL_POINTER;
}

std::string orEmpty(const char* text) { return text == nullptr ? std::string() : std::string(text); }

int invalid(const std::string& message) {
  rmq::capi::setLatestError(message);
  return LITEPULL_ILLEGAL_ARGUMENT;
}

int statusOf(rmq::ErrorKind kind) {
  switch (kind) {
    case rmq::ErrorKind::kIllegalArgument: return LITEPULL_ILLEGAL_ARGUMENT;
    case rmq::ErrorKind::kIllegalState: return LITEPULL_ILLEGAL_STATE;
    default: return LITEPULL_FAILED;
  }
}

// Runs `body`; an exception becomes the status its kind stands for.
template <typename Body>
int guardedCall(Body&& body) noexcept {
  try {
    body();
    return OK;
  } catch (const rmq::MQException& e) {
    rmq::capi::setLatestError(e.what());
    return statusOf(e.kind());
  } catch (const std::exception& e) {
    rmq::capi::setLatestError(e.what());
  } catch (...) {
    rmq::capi::setLatestError("unknown error");
  }
  return LITEPULL_FAILED;
}

// The `size` queues at `queues`; false (with the latest error set) for a
// NULL array or a negative size.
bool readQueues(const CMessageQueue* queues, int size, std::vector<rmq::MessageQueue>* out) {
  if (size < 0 || (queues == nullptr && size > 0)) {
    rmq::capi::setLatestError("queue array is null or its size negative");
    return false;
  }
  for (int i = 0; i < size; ++i) out->push_back(rmq::capi::fromCQueue(queues[i]));
  return true;
}

}  // namespace

extern "C" {

CLitePullConsumer* CreateLitePullConsumer(const char* groupId) {
  if (groupId == nullptr) {
    nullArgument("group id");
    return nullptr;
  }
  try {
    return new CLitePullConsumer(groupId);
  } catch (const std::exception& e) {
    rmq::capi::setLatestError(e.what());
    return nullptr;
  }
}

int DestroyLitePullConsumer(CLitePullConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  delete consumer;
  return OK;
}

int StartLitePullConsumer(CLitePullConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  return guardedCall([&] { consumer->consumer.start(); });
}

int ShutdownLitePullConsumer(CLitePullConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  return guardedCall([&] { consumer->consumer.shutdown(); });
}

int SetLitePullConsumerNameServerAddress(CLitePullConsumer* consumer, const char* namesrv) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().namesrvAddr = orEmpty(namesrv);
  return OK;
}

int SetLitePullConsumerNameServerDomain(CLitePullConsumer* consumer, const char* domain) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().namesrvDomain = orEmpty(domain);
  return OK;
}

int SetLitePullConsumerSessionCredentials(CLitePullConsumer* consumer, const char* accessKey, const char* secretKey,
                                          const char* channel) {
  if (consumer == nullptr) return nullArgument("consumer");
  auto& config = consumer->consumer.config();
  config.accessKey = orEmpty(accessKey);
  config.secretKey = orEmpty(secretKey);
  config.onsChannel = orEmpty(channel);
  return OK;
}

int SetLitePullConsumerInstanceName(CLitePullConsumer* consumer, const char* instanceName) {
  if (consumer == nullptr || instanceName == nullptr) return nullArgument("consumer or instance name");
  consumer->consumer.config().instanceName = instanceName;
  return OK;
}

int SetLitePullConsumerTls(CLitePullConsumer* consumer, int enabled, const char* caFile) {
  if (consumer == nullptr) return nullArgument("consumer");
  auto& tls = consumer->consumer.config().tls;
  tls.enabled = enabled != 0;
  tls.caFile = orEmpty(caFile);
  return OK;
}

int SetLitePullConsumerTlsHostnameVerification(CLitePullConsumer* consumer, int enabled) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().tls.verifyHostname = enabled != 0;
  return OK;
}

int SetLitePullConsumerPollNameServerInterval(CLitePullConsumer* consumer, int intervalMillis) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (intervalMillis <= 0) return invalid("the route poll interval must be positive");
  consumer->consumer.config().pollNameServerIntervalMs = intervalMillis;
  return OK;
}

int SetLitePullConsumerConsumeFromWhere(CLitePullConsumer* consumer, int where, long long timestampMillis) {
  if (consumer == nullptr) return nullArgument("consumer");
  auto& config = consumer->consumer.config();
  switch (where) {
    case static_cast<int>(rmq::ConsumeFromWhere::kLastOffset):
    case static_cast<int>(rmq::ConsumeFromWhere::kFirstOffset):
    case static_cast<int>(rmq::ConsumeFromWhere::kTimestamp):
      config.consumeFromWhere = static_cast<rmq::ConsumeFromWhere>(where);
      config.consumeTimestampMs = timestampMillis;
      return OK;
    default:
      return invalid("unknown consume-from-where value " + std::to_string(where));
  }
}

int SetLitePullConsumerAutoCommit(CLitePullConsumer* consumer, int enabled, long long intervalMillis) {
  if (consumer == nullptr) return nullArgument("consumer");
  // DefaultLitePullConsumer.MIN_AUTOCOMMIT_INTERVAL_MILLIS.
  if (intervalMillis < 1000) return invalid("the auto-commit interval must be at least 1000 ms");
  auto& config = consumer->consumer.config();
  config.autoCommit = enabled != 0;
  config.autoCommitIntervalMs = intervalMillis;
  return OK;
}

int SetLitePullConsumerPullBatchSize(CLitePullConsumer* consumer, int batchSize) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (batchSize < 1 || batchSize > 1024) return invalid("the pull batch size must lie in [1, 1024]");
  consumer->consumer.config().pullBatchSize = batchSize;
  return OK;
}

int SetLitePullConsumerPullThresholds(CLitePullConsumer* consumer, int forQueue, int sizeForQueueMiB,
                                      long long forAll) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (forQueue < 1 || forQueue > 65535) return invalid("the per-queue message threshold must lie in [1, 65535]");
  if (sizeForQueueMiB < 1 || sizeForQueueMiB > 1024) {
    return invalid("the per-queue size threshold must lie in [1, 1024] MiB");
  }
  if (forAll < 1) return invalid("the threshold for all queues must be positive");
  auto& config = consumer->consumer.config();
  config.pullThresholdForQueue = forQueue;
  config.pullThresholdSizeForQueueMiB = sizeForQueueMiB;
  config.pullThresholdForAll = forAll;
  return OK;
}

int LitePullConsumerSubscribe(CLitePullConsumer* consumer, const char* topic, const char* expression) {
  if (consumer == nullptr || topic == nullptr) return nullArgument("consumer or topic");
  return guardedCall([&] { consumer->consumer.subscribe(topic, expression == nullptr ? "*" : expression); });
}

int LitePullConsumerAssign(CLitePullConsumer* consumer, const CMessageQueue* queues, int size) {
  if (consumer == nullptr) return nullArgument("consumer");
  std::vector<rmq::MessageQueue> list;
  if (!readQueues(queues, size, &list)) return LITEPULL_ILLEGAL_ARGUMENT;
  return guardedCall([&] { consumer->consumer.assign(list); });
}

int LitePullConsumerPoll(CLitePullConsumer* consumer, long long timeoutMillis, CLitePullBatch* batch) {
  if (batch != nullptr) std::memset(batch, 0, sizeof(*batch));
  if (consumer == nullptr || batch == nullptr) return nullArgument("consumer or batch");
  return guardedCall([&] {
    rmq::PolledBatch polled = consumer->consumer.poll(timeoutMillis);
    if (polled.messages.empty()) return;
    auto owned = std::make_unique<PolledMessages>();
    owned->messages.reserve(polled.messages.size());  // no reallocation: handles point into it
    owned->handles.reserve(polled.messages.size());
    for (auto& message : polled.messages) {
      owned->messages.emplace_back(std::move(message));
      owned->handles.push_back(&owned->messages.back());
    }
    rmq::capi::toCQueue(polled.queue, &batch->queue);
    batch->size = static_cast<int>(owned->handles.size());
    batch->messages = owned->handles.data();
    batch->pData = owned.release();
  });
}

int ReleaseLitePullBatch(CLitePullBatch* batch) {
  if (batch == nullptr) return nullArgument("batch");
  delete static_cast<PolledMessages*>(batch->pData);
  std::memset(batch, 0, sizeof(*batch));
  return OK;
}

int LitePullConsumerCommit(CLitePullConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  return guardedCall([&] { consumer->consumer.commit(); });
}

int LitePullConsumerCommitted(CLitePullConsumer* consumer, const CMessageQueue* queue, long long* offset) {
  if (consumer == nullptr || queue == nullptr || offset == nullptr) return nullArgument("consumer, queue or offset");
  return guardedCall([&] { *offset = consumer->consumer.committed(rmq::capi::fromCQueue(*queue)); });
}

int LitePullConsumerSeek(CLitePullConsumer* consumer, const CMessageQueue* queue, long long offset) {
  if (consumer == nullptr || queue == nullptr) return nullArgument("consumer or queue");
  return guardedCall([&] { consumer->consumer.seek(rmq::capi::fromCQueue(*queue), offset); });
}

int LitePullConsumerSeekToBegin(CLitePullConsumer* consumer, const CMessageQueue* queue) {
  if (consumer == nullptr || queue == nullptr) return nullArgument("consumer or queue");
  return guardedCall([&] { consumer->consumer.seekToBegin(rmq::capi::fromCQueue(*queue)); });
}

int LitePullConsumerSeekToEnd(CLitePullConsumer* consumer, const CMessageQueue* queue) {
  if (consumer == nullptr || queue == nullptr) return nullArgument("consumer or queue");
  return guardedCall([&] { consumer->consumer.seekToEnd(rmq::capi::fromCQueue(*queue)); });
}

int LitePullConsumerPause(CLitePullConsumer* consumer, const CMessageQueue* queues, int size) {
  if (consumer == nullptr) return nullArgument("consumer");
  std::vector<rmq::MessageQueue> list;
  if (!readQueues(queues, size, &list)) return LITEPULL_ILLEGAL_ARGUMENT;
  return guardedCall([&] { consumer->consumer.pause(list); });
}

int LitePullConsumerResume(CLitePullConsumer* consumer, const CMessageQueue* queues, int size) {
  if (consumer == nullptr) return nullArgument("consumer");
  std::vector<rmq::MessageQueue> list;
  if (!readQueues(queues, size, &list)) return LITEPULL_ILLEGAL_ARGUMENT;
  return guardedCall([&] { consumer->consumer.resume(list); });
}

int LitePullConsumerAssignment(CLitePullConsumer* consumer, CMessageQueue** queues, int* size) {
  if (queues != nullptr) *queues = nullptr;
  if (size != nullptr) *size = 0;
  if (consumer == nullptr || queues == nullptr || size == nullptr) return nullArgument("consumer or outputs");
  std::vector<rmq::MessageQueue> held;
  const int status = guardedCall([&] { held = consumer->consumer.assignment(); });
  if (status != OK) return status;
  if (!rmq::capi::toCQueueArray(held, queues)) {
    rmq::capi::setLatestError("no memory for " + std::to_string(held.size()) + " message queues");
    return MALLOC_FAILED;
  }
  *size = static_cast<int>(held.size());
  return OK;
}

long long GetLitePullConsumerCachedMessageCount(CLitePullConsumer* consumer) {
  return consumer == nullptr ? 0 : consumer->consumer.cachedMessageCount();
}

}  // extern "C"
