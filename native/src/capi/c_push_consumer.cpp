// C API of the push consumer (CPushConsumer.h).
//
// The consuming engine (rebalance, pull loop, consume services, offsets) is
// not part of the core yet. Until it is, a consumer can be created and fully
// configured, and StartPushConsumer fails with PUSHCONSUMER_START_FAILED and
// a message saying so, rather than the symbols being missing and a program
// linked against librocketmq failing to load at all.
#include <map>
#include <string>

#include "CPushConsumer.h"
#include "capi/latest_error.h"
#include "common/log.h"

struct CPushConsumer {
  std::string groupId;
  std::string namesrvAddr;
  std::string namesrvDomain;
  std::string instanceName;
  std::map<std::string, std::string> subscriptions;  // topic -> expression
  MessageCallBack callback = nullptr;
  bool orderly = false;
  int threadCount = 0;
  int batchMaxSize = 1;
  CMessageModel messageModel = CLUSTERING;
};

namespace {

int nullArgument(const char* what) {
  rmq::capi::setLatestError(std::string(what) + " is null");
  return NULL_POINTER;
}

std::string orEmpty(const char* text) { return text == nullptr ? std::string() : std::string(text); }

}  // namespace

extern "C" {

CPushConsumer* CreatePushConsumer(const char* groupId) {
  if (groupId == nullptr) {
    nullArgument("group id");
    return nullptr;
  }
  auto* consumer = new CPushConsumer();
  consumer->groupId = groupId;
  return consumer;
}

int DestroyPushConsumer(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  delete consumer;
  return OK;
}

int StartPushConsumer(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  rmq::capi::setLatestError("the push consumer is not available in this version of rocketmq-cffi");
  return PUSHCONSUMER_START_FAILED;
}

int ShutdownPushConsumer(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  return OK;
}

const char* ShowPushConsumerVersion(CPushConsumer* consumer) {
  return consumer == nullptr ? nullptr : "rocketmq-cffi 0.1.0";
}

int SetPushConsumerGroupID(CPushConsumer* consumer, const char* groupId) {
  if (consumer == nullptr || groupId == nullptr) return nullArgument("consumer or group id");
  consumer->groupId = groupId;
  return OK;
}

const char* GetPushConsumerGroupID(CPushConsumer* consumer) {
  return consumer == nullptr ? nullptr : consumer->groupId.c_str();
}

int SetPushConsumerNameServerAddress(CPushConsumer* consumer, const char* namesrv) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->namesrvAddr = orEmpty(namesrv);
  return OK;
}

int SetPushConsumerNameServerDomain(CPushConsumer* consumer, const char* domain) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->namesrvDomain = orEmpty(domain);
  return OK;
}

int Subscribe(CPushConsumer* consumer, const char* topic, const char* expression) {
  if (consumer == nullptr || topic == nullptr) return nullArgument("consumer or topic");
  consumer->subscriptions[topic] = expression == nullptr ? "*" : expression;
  return OK;
}

int RegisterMessageCallbackOrderly(CPushConsumer* consumer, MessageCallBack pCallback) {
  if (consumer == nullptr || pCallback == nullptr) return nullArgument("consumer or callback");
  consumer->callback = pCallback;
  consumer->orderly = true;
  return OK;
}

int RegisterMessageCallback(CPushConsumer* consumer, MessageCallBack pCallback) {
  if (consumer == nullptr || pCallback == nullptr) return nullArgument("consumer or callback");
  consumer->callback = pCallback;
  consumer->orderly = false;
  return OK;
}

int UnregisterMessageCallbackOrderly(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->callback = nullptr;
  return OK;
}

int UnregisterMessageCallback(CPushConsumer* consumer) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->callback = nullptr;
  return OK;
}

int SetPushConsumerThreadCount(CPushConsumer* consumer, int threadCount) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->threadCount = threadCount;
  return OK;
}

int SetPushConsumerMessageBatchMaxSize(CPushConsumer* consumer, int batchSize) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->batchMaxSize = batchSize;
  return OK;
}

int SetPushConsumerInstanceName(CPushConsumer* consumer, const char* instanceName) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->instanceName = orEmpty(instanceName);
  return OK;
}

int SetPushConsumerSessionCredentials(CPushConsumer* consumer, const char*, const char*, const char*) {
  if (consumer == nullptr) return nullArgument("consumer");
  return OK;
}

int SetPushConsumerLogPath(CPushConsumer* consumer, const char* logPath) {
  if (consumer == nullptr) return nullArgument("consumer");
  rmq::setLogFile(orEmpty(logPath), 0, 0);
  return OK;
}

int SetPushConsumerLogFileNumAndSize(CPushConsumer* consumer, int, long) {
  if (consumer == nullptr) return nullArgument("consumer");
  return OK;
}

int SetPushConsumerLogLevel(CPushConsumer* consumer, CLogLevel level) {
  if (consumer == nullptr) return nullArgument("consumer");
  if (level >= E_LOG_LEVEL_FATAL && level <= E_LOG_LEVEL_TRACE) rmq::setLogLevel(static_cast<rmq::LogLevel>(level));
  return OK;
}

int SetPushConsumerMessageModel(CPushConsumer* consumer, CMessageModel messageModel) {
  if (consumer == nullptr) return nullArgument("consumer");
  consumer->messageModel = messageModel;
  return OK;
}

int SetPushConsumerMaxCacheMessageSize(CPushConsumer* consumer, int) {
  if (consumer == nullptr) return nullArgument("consumer");
  return OK;
}

int SetPushConsumerMaxCacheMessageSizeInMb(CPushConsumer* consumer, int) {
  if (consumer == nullptr) return nullArgument("consumer");
  return OK;
}

int SetPushConsumerMessageTrace(CPushConsumer* consumer, CTraceModel) {
  if (consumer == nullptr) return nullArgument("consumer");
  return OK;
}

}  // extern "C"
