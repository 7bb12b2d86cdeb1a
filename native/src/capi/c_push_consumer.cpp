// C API of the push consumer (CPushConsumer.h), over rmq::PushConsumer.
#include <algorithm>
#include <string>
#include <vector>

#include "CBatchConsume.h"
#include "CPushConsumer.h"
#include "CRouting.h"
#include "CSubscription.h"
#include "CTls.h"
#include "capi/handles.h"
#include "capi/latest_error.h"
#include "consumer/consume_listener.h"
#include "common/log.h"
#include "consumer/push_consumer.h"

struct CPushConsumer {
  explicit CPushConsumer(const char* group) : consumer(makeConfig(group)) {}

  static rmq::PushConsumerConfig makeConfig(const char* group) {
    rmq::PushConsumerConfig config;
    config.groupName = group;
    return config;
  }

  rmq::PushConsumer consumer;
  MessageCallBack callback = nullptr;
  MessageBatchCallBack batchCallback = nullptr;
};

namespace {

int nullArgument(const char* what) {
  rmq::capi::setLatestError(std::string(what) + " is null");
  return NULL_POINTER;
}

std::string orEmpty(const char* text) { return text == nullptr ? std::string() : std::string(text); }

// Anything but the known statuses is "consume later", as rocketmq-client-cpp takes it.
rmq::ConsumeResult consumeResultOf(int status) {
  switch (status) {
    case E_CONSUME_SUCCESS: return rmq::ConsumeResult::kSuccess;
    case E_CONSUME_LISTENER_RAISED: return rmq::ConsumeResult::kListenerFailed;
    default: return rmq::ConsumeResult::kReconsumeLater;
  }
}

}  // namespace

extern "C" {

CPushConsumer* CreatePushConsumer(const char* groupId) {
  if (groupId == nullptr) {
    nullArgument("group id");
    return nullptr;
  }
  return new CPushConsumer(groupId);
}

int DestroyPushConsumer(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  delete consumer;
  return OK;
}

int StartPushConsumer(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (consumer->callback == nullptr && consumer->batchCallback == nullptr) {
    rmq::capi::setLatestError("no message callback registered: subscribe a topic with a callback before start()");
    return PUSHCONSUMER_START_FAILED;
  }
  if (consumer->batchCallback != nullptr) {
    MessageBatchCallBack callback = consumer->batchCallback;
    consumer->consumer.setBatchListener(
        [consumer, callback](const std::vector<const rmq::MessageExt*>& messages, bool stopAtFailure,
                             std::vector<rmq::ConsumeResult>& results) {
          std::vector<CMessageExt> handles;
          handles.reserve(messages.size());
          std::vector<CMessageExt*> pointers;
          pointers.reserve(messages.size());
          for (const rmq::MessageExt* message : messages) {
            handles.emplace_back(message);
            pointers.push_back(&handles.back());
          }
          std::vector<CConsumeStatus> statuses(messages.size(), E_RECONSUME_LATER);
          int handled = callback(consumer, pointers.data(), static_cast<int>(pointers.size()), stopAtFailure ? 1 : 0,
                                 statuses.data());
          handled = std::max(0, std::min(handled, static_cast<int>(messages.size())));
          for (int i = 0; i < handled; ++i) {
            results.push_back(consumeResultOf(statuses[static_cast<size_t>(i)]));
          }
        },
        consumer->consumer.config().orderly);
  } else {
    MessageCallBack callback = consumer->callback;
    consumer->consumer.setListener(
        [consumer, callback](const rmq::MessageExt& message) {
          CMessageExt handle(&message);
          return consumeResultOf(callback(consumer, &handle));
        },
        consumer->consumer.config().orderly);
  }
  return rmq::capi::guarded(PUSHCONSUMER_START_FAILED, [&] {
    consumer->consumer.start();
    return static_cast<int>(OK);
  });
}

int NoteConsumeListenerFailure(const char* description) {
  if (description == nullptr) return nullArgument("description");
  rmq::noteListenerFailure(description);
  return OK;
}

int ShutdownPushConsumer(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  return rmq::capi::guarded(PUSHCONSUMER_START_FAILED, [&] {
    consumer->consumer.shutdown();
    return static_cast<int>(OK);
  });
}

const char* ShowPushConsumerVersion(CPushConsumer* consumer) {
  return consumer == nullptr ? nullptr : "rocketmq-cffi 0.1.0";
}

int SetPushConsumerGroupID(CPushConsumer* consumer, const char* groupId) {
  if (consumer == nullptr || groupId == nullptr) return nullArgument("consumer or group id");
  consumer->consumer.config().groupName = groupId;
  return OK;
}

const char* GetPushConsumerGroupID(CPushConsumer* consumer) {
  return consumer == nullptr ? nullptr : consumer->consumer.config().groupName.c_str();
}

int SetPushConsumerNameServerAddress(CPushConsumer* consumer, const char* namesrv) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().namesrvAddr = orEmpty(namesrv);
  return OK;
}

int SetPushConsumerNameServerDomain(CPushConsumer* consumer, const char* domain) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().namesrvDomain = orEmpty(domain);
  return OK;
}

int Subscribe(CPushConsumer* consumer, const char* topic, const char* expression) {
  if (consumer == nullptr || topic == nullptr) return nullArgument("consumer or topic");
  return rmq::capi::guarded(NULL_POINTER, [&] {
    consumer->consumer.subscribe(topic, expression == nullptr ? "*" : expression);
    return static_cast<int>(OK);
  });
}

int SubscribeWithType(CPushConsumer* consumer, const char* topic, const char* expression, const char* type) {
  if (consumer == nullptr || topic == nullptr) return nullArgument("consumer or topic");
  return rmq::capi::guarded(NULL_POINTER, [&] {
    consumer->consumer.subscribe(topic, expression == nullptr ? "*" : expression,
                                 type == nullptr ? rmq::kExpressionTypeTag : type);
    return static_cast<int>(OK);
  });
}

int RegisterMessageCallbackOrderly(CPushConsumer* consumer, MessageCallBack pCallback) {
  if (consumer == nullptr || pCallback == nullptr) return nullArgument("consumer or callback");
  consumer->callback = pCallback;
  consumer->batchCallback = nullptr;
  consumer->consumer.config().orderly = true;
  return OK;
}

int RegisterMessageCallback(CPushConsumer* consumer, MessageCallBack pCallback) {
  if (consumer == nullptr || pCallback == nullptr) return nullArgument("consumer or callback");
  consumer->callback = pCallback;
  consumer->batchCallback = nullptr;
  consumer->consumer.config().orderly = false;
  return OK;
}

int RegisterMessageBatchCallback(CPushConsumer* consumer, MessageBatchCallBack callback, int orderly) {
  if (consumer == nullptr || callback == nullptr) return nullArgument("consumer or callback");
  consumer->batchCallback = callback;
  consumer->callback = nullptr;
  consumer->consumer.config().orderly = orderly != 0;
  return OK;
}

int UnregisterMessageCallbackOrderly(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->callback = nullptr;
  consumer->batchCallback = nullptr;
  consumer->consumer.clearListener();
  return OK;
}

int UnregisterMessageCallback(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->callback = nullptr;
  consumer->batchCallback = nullptr;
  consumer->consumer.clearListener();
  return OK;
}

int SetPushConsumerThreadCount(CPushConsumer* consumer, int threadCount) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (threadCount < 1) {
    rmq::capi::setLatestError("thread count must be at least 1");
    return NULL_POINTER;
  }
  consumer->consumer.config().threadCount = threadCount;
  return OK;
}

int SetPushConsumerMessageBatchMaxSize(CPushConsumer* consumer, int batchSize) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (batchSize < 1) {
    rmq::capi::setLatestError("batch max size must be at least 1");
    return NULL_POINTER;
  }
  consumer->consumer.config().batchMaxSize = batchSize;
  return OK;
}

int SetPushConsumerInstanceName(CPushConsumer* consumer, const char* instanceName) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().instanceName = orEmpty(instanceName);
  return OK;
}

int SetPushConsumerSessionCredentials(CPushConsumer* consumer, const char* accessKey, const char* secretKey,
                                      const char* channel) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().accessKey = orEmpty(accessKey);
  consumer->consumer.config().secretKey = orEmpty(secretKey);
  consumer->consumer.config().onsChannel = orEmpty(channel);
  return OK;
}

// Logging is process wide (see c_producer.cpp).
int SetPushConsumerLogPath(CPushConsumer* consumer, const char* logPath) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (logPath == nullptr) return nullArgument("log path");
  rmq::setLogDirectory(logPath);
  return OK;
}

int SetPushConsumerLogFileNumAndSize(CPushConsumer* consumer, int fileNum, long fileSize) {
  if (consumer == nullptr) return nullArgument("consumer");
  return rmq::capi::guarded(Not_Support, [&] {
    rmq::capi::configureLogRotation(fileNum, fileSize);
    return OK;
  });
}

int SetPushConsumerLogLevel(CPushConsumer* consumer, CLogLevel level) {
  if (consumer == nullptr) return nullArgument("consumer");
  return rmq::capi::guarded(Not_Support, [&] {
    rmq::capi::configureLogLevel(level);
    return OK;
  });
}

int SetPushConsumerMessageModel(CPushConsumer* consumer, CMessageModel messageModel) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().broadcasting = messageModel == BROADCASTING;
  return OK;
}

int SetPushConsumerMaxCacheMessageSize(CPushConsumer* consumer, int maxCacheSize) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (maxCacheSize > 0) consumer->consumer.config().maxCacheCount = maxCacheSize;
  return OK;
}

int SetPushConsumerMaxCacheMessageSizeInMb(CPushConsumer* consumer, int maxCacheSizeInMb) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (maxCacheSizeInMb > 0) consumer->consumer.config().maxCacheSizeMiB = maxCacheSizeInMb;
  return OK;
}

int GetPushConsumerCachedMessageCount(CPushConsumer* consumer) {
  if (consumer == nullptr) return -1;
  int64_t cached = consumer->consumer.cachedMessageCount();
  return cached > INT32_MAX ? INT32_MAX : static_cast<int>(cached);
}

int SetPushConsumerPollNameServerInterval(CPushConsumer* consumer, int intervalMillis) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (intervalMillis <= 0) {
    rmq::capi::setLatestError("the route poll interval must be positive, got " + std::to_string(intervalMillis));
    return NULL_POINTER;
  }
  consumer->consumer.config().pollNameServerIntervalMs = intervalMillis;
  return OK;
}

int SetPushConsumerTls(CPushConsumer* consumer, int enabled, const char* caFile) {
  if (consumer == nullptr) return nullArgument("consumer");
  auto& tls = consumer->consumer.config().tls;
  tls.enabled = enabled != 0;
  tls.caFile = caFile == nullptr ? std::string() : std::string(caFile);
  return OK;
}

int SetPushConsumerTlsHostnameVerification(CPushConsumer* consumer, int enabled) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().tls.verifyHostname = enabled != 0;
  return OK;
}

int SetPushConsumerConsumeFromWhere(CPushConsumer* consumer, CConsumeFromWhere where, long long timestampMs) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (where != E_CONSUME_FROM_LAST_OFFSET && where != E_CONSUME_FROM_FIRST_OFFSET &&
      where != E_CONSUME_FROM_TIMESTAMP) {
    rmq::capi::setLatestError("consume-from-where must be LAST_OFFSET (0), FIRST_OFFSET (4) or TIMESTAMP (5)");
    return Not_Support;
  }
  auto& config = consumer->consumer.config();
  config.consumeFromWhere = static_cast<rmq::ConsumeFromWhere>(where);
  config.consumeTimestampMs = timestampMs;
  return OK;
}

int SetPushConsumerMaxReconsumeTimes(CPushConsumer* consumer, int maxReconsumeTimes) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (maxReconsumeTimes < -1) {
    rmq::capi::setLatestError("max reconsume times must be -1 (default 16) or more");
    return Not_Support;
  }
  consumer->consumer.config().maxReconsumeTimes = maxReconsumeTimes == -1 ? 16 : maxReconsumeTimes;
  return OK;
}

int SetPushConsumerConsumeTimeout(CPushConsumer* consumer, long long timeoutMs) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (timeoutMs <= 0) {
    rmq::capi::setLatestError("consume timeout must be positive");
    return Not_Support;
  }
  consumer->consumer.config().consumeTimeoutMs = timeoutMs;
  return OK;
}

int ResetPushConsumerOffsetByTimestamp(CPushConsumer* consumer, const char* topic, long long timestampMs) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (topic == nullptr) return nullArgument("topic");
  return rmq::capi::guarded(PUSHCONSUMER_ERROR_CODE_START, [&] {
    consumer->consumer.resetOffsetsByTimestamp(topic, timestampMs);
    return OK;
  });
}

int SetPushConsumerMessageTrace(CPushConsumer* consumer, CTraceModel openTrace) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().traceEnabled = openTrace == OPEN;
  return OK;
}

}  // extern "C"
