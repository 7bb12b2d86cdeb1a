// C API of the pull consumer (CPullConsumer.h, CPullResult.h), over
// rmq::PullConsumer.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "CLibraryInfo.h"
#include "CPullConsumer.h"
#include "CRouting.h"
#include "CSubscription.h"
#include "CTls.h"
#include "capi/handles.h"
#include "capi/latest_error.h"
#include "capi/message_queues.h"
#include "common/log.h"
#include "consumer/pull_consumer.h"
#include "consumer/subscription.h"

struct CPullConsumer {
  explicit CPullConsumer(const char* group) : consumer(makeConfig(group)) {}

  static rmq::PullConsumerConfig makeConfig(const char* group) {
    rmq::PullConsumerConfig config;
    config.groupName = group;
    return config;
  }

  rmq::PullConsumer consumer;
};

namespace {

constexpr const char* kPullConsumerVersion = "rocketmq-cffi " ROCKETMQ_CFFI_VERSION " (librocketmq 2.2.0 C API)";

// What pData of a CPullResult points at: the messages and the array of
// handles msgFoundList shows the caller.
struct PulledMessages {
  std::vector<CMessageExt> messages;
  std::vector<CMessageExt*> handles;
};

int nullArgument(const char* what) {
  rmq::capi::setLatestError(std::string(what) + " is null");
  return NULL_POINTER;
}

std::string orEmpty(const char* text) { return text == nullptr ? std::string() : std::string(text); }

CPullStatus toCStatus(rmq::PullStatus status) {
  switch (status) {
    case rmq::PullStatus::kFound: return E_FOUND;
    case rmq::PullStatus::kNoNewMessage: return E_NO_NEW_MSG;
    case rmq::PullStatus::kNoMatchedMessage: return E_NO_MATCHED_MSG;
    case rmq::PullStatus::kOffsetIllegal: return E_OFFSET_ILLEGAL;
    case rmq::PullStatus::kBrokerTimeout: break;
  }
  return E_BROKER_TIMEOUT;
}

}  // namespace

extern "C" {

CPullConsumer* CreatePullConsumer(const char* groupId) {
  if (groupId == nullptr) {
    nullArgument("group id");
    return nullptr;
  }
  try {
    return new CPullConsumer(groupId);
  } catch (const std::exception& e) {
    rmq::capi::setLatestError(e.what());
    return nullptr;
  }
}

int DestroyPullConsumer(CPullConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  delete consumer;
  return OK;
}

int StartPullConsumer(CPullConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  return rmq::capi::guarded(PULLCONSUMER_START_FAILED, [&] {
    consumer->consumer.start();
    return static_cast<int>(OK);
  });
}

int ShutdownPullConsumer(CPullConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  return rmq::capi::guarded(PULLCONSUMER_START_FAILED, [&] {
    consumer->consumer.shutdown();
    return static_cast<int>(OK);
  });
}

const char* ShowPullConsumerVersion(CPullConsumer* consumer) {
  return consumer == nullptr ? nullptr : kPullConsumerVersion;
}

int SetPullConsumerGroupID(CPullConsumer* consumer, const char* groupId) {
  if (consumer == nullptr || groupId == nullptr) return nullArgument("consumer or group id");
  consumer->consumer.config().groupName = groupId;
  return OK;
}

const char* GetPullConsumerGroupID(CPullConsumer* consumer) {
  return consumer == nullptr ? nullptr : consumer->consumer.config().groupName.c_str();
}

int SetPullConsumerNameServerAddress(CPullConsumer* consumer, const char* namesrv) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().namesrvAddr = orEmpty(namesrv);
  return OK;
}

int SetPullConsumerNameServerDomain(CPullConsumer* consumer, const char* domain) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().namesrvDomain = orEmpty(domain);
  return OK;
}

int SetPullConsumerSessionCredentials(CPullConsumer* consumer, const char* accessKey, const char* secretKey,
                                      const char* channel) {
  if (consumer == nullptr) return nullArgument("consumer");
  auto& config = consumer->consumer.config();
  config.accessKey = orEmpty(accessKey);
  config.secretKey = orEmpty(secretKey);
  config.onsChannel = orEmpty(channel);
  return OK;
}

int SetPullConsumerPollNameServerInterval(CPullConsumer* consumer, int intervalMillis) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (intervalMillis <= 0) {
    rmq::capi::setLatestError("the route poll interval must be positive, got " + std::to_string(intervalMillis));
    return NULL_POINTER;
  }
  consumer->consumer.config().pollNameServerIntervalMs = intervalMillis;
  return OK;
}

int SetPullConsumerTls(CPullConsumer* consumer, int enabled, const char* caFile) {
  if (consumer == nullptr) return nullArgument("consumer");
  auto& tls = consumer->consumer.config().tls;
  tls.enabled = enabled != 0;
  tls.caFile = orEmpty(caFile);
  return OK;
}

int SetPullConsumerTlsHostnameVerification(CPullConsumer* consumer, int enabled) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->consumer.config().tls.verifyHostname = enabled != 0;
  return OK;
}

// The log is process wide: these configure the one log every client shares.
int SetPullConsumerLogPath(CPullConsumer* consumer, const char* logPath) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (logPath == nullptr) return nullArgument("log path");
  rmq::setLogDirectory(logPath);
  return OK;
}

int SetPullConsumerLogFileNumAndSize(CPullConsumer* consumer, int fileNum, long fileSize) {
  if (consumer == nullptr) return nullArgument("consumer");
  return rmq::capi::guarded(Not_Support, [&] {
    rmq::capi::configureLogRotation(fileNum, fileSize);
    return static_cast<int>(OK);
  });
}

int SetPullConsumerLogLevel(CPullConsumer* consumer, CLogLevel level) {
  if (consumer == nullptr) return nullArgument("consumer");
  return rmq::capi::guarded(Not_Support, [&] {
    rmq::capi::configureLogLevel(level);
    return static_cast<int>(OK);
  });
}

int FetchSubscriptionMessageQueues(CPullConsumer* consumer, const char* topic, CMessageQueue** mqs, int* size) {
  if (mqs != nullptr) *mqs = nullptr;
  if (size != nullptr) *size = 0;
  if (consumer == nullptr) return nullArgument("consumer");
  if (topic == nullptr) return nullArgument("topic");
  if (mqs == nullptr || size == nullptr) return nullArgument("the queue array or size output");
  return rmq::capi::guarded(PULLCONSUMER_FETCH_MQ_FAILED, [&] {
    std::vector<rmq::MessageQueue> queues = consumer->consumer.fetchSubscribeMessageQueues(topic);
    CMessageQueue* array = nullptr;
    if (!rmq::capi::toCQueueArray(queues, &array)) {
      rmq::capi::setLatestError("no memory for " + std::to_string(queues.size()) + " message queues");
      return static_cast<int>(MALLOC_FAILED);
    }
    *mqs = array;
    *size = static_cast<int>(queues.size());
    return static_cast<int>(OK);
  });
}

int ReleaseSubscriptionMessageQueue(CMessageQueue* mqs) {
  if (mqs == nullptr) return nullArgument("message queue array");
  std::free(mqs);
  return OK;
}

CPullResult Pull(CPullConsumer* consumer, const CMessageQueue* mq, const char* subExpression, long long offset,
                 int maxNums) {
  return PullWithType(consumer, mq, subExpression, nullptr, offset, maxNums);
}

CPullResult PullWithType(CPullConsumer* consumer, const CMessageQueue* mq, const char* subExpression,
                         const char* type, long long offset, int maxNums) {
  CPullResult result;
  std::memset(&result, 0, sizeof(result));
  result.pullStatus = E_BROKER_TIMEOUT;
  if (consumer == nullptr || mq == nullptr || subExpression == nullptr) {
    nullArgument(consumer == nullptr ? "consumer" : mq == nullptr ? "message queue" : "subscription expression");
    return result;
  }
  rmq::capi::guarded(PULLCONSUMER_FETCH_MESSAGE_FAILED, [&] {
    rmq::MessageQueue queue = rmq::capi::fromCQueue(*mq);
    rmq::PullResult pulled = consumer->consumer.pull(queue, subExpression, offset, maxNums,
                                                     type == nullptr ? rmq::kExpressionTypeTag : type);
    std::unique_ptr<PulledMessages> owned;
    if (pulled.status == rmq::PullStatus::kFound) {
      owned = std::make_unique<PulledMessages>();
      owned->messages.reserve(pulled.messages.size());  // no reallocation: handles point into it
      owned->handles.reserve(pulled.messages.size());
      for (auto& message : pulled.messages) {
        owned->messages.emplace_back(std::move(message));
        owned->handles.push_back(&owned->messages.back());
      }
    }
    result.pullStatus = toCStatus(pulled.status);
    result.nextBeginOffset = pulled.nextBeginOffset;
    result.minOffset = pulled.minOffset;
    result.maxOffset = pulled.maxOffset;
    if (owned != nullptr) {
      result.size = static_cast<int>(owned->handles.size());
      result.msgFoundList = owned->handles.empty() ? nullptr : owned->handles.data();
      result.pData = owned.release();
    }
    return static_cast<int>(OK);
  });
  return result;
}

int CheckPullSubscription(CPullConsumer* consumer, const CMessageQueue* mq, const char* expression,
                          const char* type) {
  if (consumer == nullptr || mq == nullptr || expression == nullptr) {
    return nullArgument(consumer == nullptr ? "consumer" : mq == nullptr ? "message queue" : "subscription expression");
  }
  return rmq::capi::guarded(PULLCONSUMER_FETCH_MESSAGE_FAILED, [&] {
    rmq::MessageQueue queue = rmq::capi::fromCQueue(*mq);
    consumer->consumer.checkSubscription(queue, expression, type == nullptr ? rmq::kExpressionTypeTag : type);
    return static_cast<int>(OK);
  });
}

int ReleasePullResult(CPullResult pullResult) {
  if (pullResult.pData == nullptr) return nullArgument("the pull result's pData (it owns no messages)");
  delete static_cast<PulledMessages*>(pullResult.pData);
  return OK;
}

}  // extern "C"
