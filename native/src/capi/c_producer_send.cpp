// CProducer.h: the send functions. Results and errors are converted to the
// C structs here; callbacks into user code never run under a lock.
#include <cstring>
#include <functional>
#include <string>

#include "CProducer.h"
#include "CQuickSendCallbacks.h"
#include "CSendFields.h"
#include "capi/latest_error.h"
#include "capi/message_fields.h"
#include "capi/producer_handle.h"
#include "producer/sharding.h"

using rmq::capi::guarded;
using rmq::capi::setLatestError;

namespace {

int nullPointer(const char* what) {
  setLatestError(std::string(what) + " is NULL");
  return NULL_POINTER;
}

// Copies with truncation and a guaranteed terminator.
template <size_t N>
void copyText(char (&dst)[N], const std::string& src) {
  const size_t n = src.size() < N - 1 ? src.size() : N - 1;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

CSendResult toCSendResult(const rmq::SendResult& result) {
  CSendResult out;
  std::memset(&out, 0, sizeof(out));
  out.sendStatus = static_cast<CSendStatus>(result.status);
  copyText(out.msgId, result.msgId);
  out.offset = result.queueOffset;
  return out;
}

const char* exceptionType(rmq::ErrorKind kind) {
  switch (kind) {
    case rmq::ErrorKind::kBrokerError:
      return "MQBrokerException";
    case rmq::ErrorKind::kConnectFailed:
    case rmq::ErrorKind::kTimeout:
    case rmq::ErrorKind::kProtocol:
      return "RemotingException";
    default:
      return "MQClientException";
  }
}

CMQException toCMQException(const rmq::MQException& error, int fallbackCode) {
  CMQException out;
  std::memset(&out, 0, sizeof(out));
  out.error = error.responseCode() >= 0 ? error.responseCode() : fallbackCode;
  out.line = __LINE__;
  copyText(out.file, __FILE__);
  copyText(out.msg, error.what());
  copyText(out.type, exceptionType(error.kind()));
  return out;
}

// Turns a C selector into the core's: the user sees the queue count and
// its own message handle.
rmq::QueueSelector wrapSelector(QueueSelectorCallback selector, CMessage* msg, void* arg) {
  return [selector, msg, arg](const std::vector<rmq::MessageQueue>& queues, const rmq::Message&) {
    return selector(static_cast<int>(queues.size()), msg, arg);
  };
}

// Same queue for the same key, as librocketmq maps it (see sharding.h).
rmq::QueueSelector shardingKeySelector(const std::string& key) {
  return [key](const std::vector<rmq::MessageQueue>& queues, const rmq::Message&) {
    return rmq::shardingQueueIndex(key, queues.size());
  };
}

rmq::SendCallback plainCallbacks(CSendSuccessCallback onSuccess, CSendExceptionCallback onError, int failCode) {
  return [onSuccess, onError, failCode](const rmq::SendResult* result, const rmq::MQException* error) {
    if (result != nullptr) {
      if (onSuccess != nullptr) onSuccess(toCSendResult(*result));
    } else if (onError != nullptr) {
      onError(toCMQException(*error, failCode));
    }
  };
}

// librocketmq retries sharding-key sends this many times.
constexpr int kShardingKeyRetries = 3;

// The callbacks of an async send, handed `msg` (NULL for a send of fields).
rmq::SendCallback asyncCallbacks(CMessage* msg, COnSendSuccessCallback cSendSuccessCallback,
                                 COnSendExceptionCallback cSendExceptionCallback, void* userData) {
  return [msg, userData, cSendSuccessCallback, cSendExceptionCallback](const rmq::SendResult* result,
                                                                       const rmq::MQException* error) {
    if (result != nullptr) {
      if (cSendSuccessCallback != nullptr) cSendSuccessCallback(toCSendResult(*result), msg, userData);
    } else if (cSendExceptionCallback != nullptr) {
      cSendExceptionCallback(toCMQException(*error, PRODUCER_SEND_ASYNC_FAILED), msg, userData);
    }
  };
}

// SendAsync and SendAsyncWithQuickCallbacks: the same but for where a
// success is reported (see Producer::sendAsync).
int sendAsyncWith(CProducer* producer, CMessage* msg, COnSendSuccessCallback cSendSuccessCallback,
                  COnSendExceptionCallback cSendExceptionCallback, void* userData, bool quickCallbacks) {
  if (producer == nullptr || msg == nullptr) return nullPointer("producer or message");
  return guarded(PRODUCER_SEND_ASYNC_FAILED, [&] {
    producer->producer.sendAsync(
        msg->message, asyncCallbacks(msg, cSendSuccessCallback, cSendExceptionCallback, userData), quickCallbacks);
    return OK;
  });
}

}  // namespace

int SendMessageSync(CProducer* producer, CMessage* msg, CSendResult* result) {
  if (producer == nullptr || msg == nullptr || result == nullptr) return nullPointer("producer, message or result");
  return guarded(PRODUCER_SEND_SYNC_FAILED, [&] {
    *result = toCSendResult(producer->producer.send(msg->message));
    return OK;
  });
}

int SendMessageSyncWithFields(CProducer* producer, const char* topic, const char* tags, const char* keys,
                              const char* body, int bodyLength, CSendResult* result) {
  if (producer == nullptr || topic == nullptr || result == nullptr) return nullPointer("producer, topic or result");
  if (!rmq::capi::acceptableBody(body, bodyLength)) return NULL_POINTER;
  return guarded(PRODUCER_SEND_SYNC_FAILED, [&] {
    rmq::Message message(topic);
    rmq::capi::setFields(message, tags, keys, body, bodyLength);
    *result = toCSendResult(producer->producer.send(message));
    return OK;
  });
}

int SendBatchMessage(CProducer* producer, CBatchMessage* batch, CSendResult* result) {
  if (producer == nullptr || batch == nullptr || result == nullptr) return nullPointer("producer, batch or result");
  return guarded(PRODUCER_SEND_SYNC_FAILED, [&] {
    *result = toCSendResult(producer->producer.sendBatch(batch->messages));
    return OK;
  });
}

int SendMessageAsync(CProducer* producer, CMessage* msg, CSendSuccessCallback cSendSuccessCallback,
                     CSendExceptionCallback cSendExceptionCallback) {
  if (producer == nullptr || msg == nullptr) return nullPointer("producer or message");
  return guarded(PRODUCER_SEND_ASYNC_FAILED, [&] {
    producer->producer.sendAsync(msg->message, plainCallbacks(cSendSuccessCallback, cSendExceptionCallback,
                                                              PRODUCER_SEND_ASYNC_FAILED));
    return OK;
  });
}

int SendAsync(CProducer* producer, CMessage* msg, COnSendSuccessCallback cSendSuccessCallback,
              COnSendExceptionCallback cSendExceptionCallback, void* userData) {
  return sendAsyncWith(producer, msg, cSendSuccessCallback, cSendExceptionCallback, userData, false);
}

int SendAsyncWithQuickCallbacks(CProducer* producer, CMessage* msg, COnSendSuccessCallback cSendSuccessCallback,
                                COnSendExceptionCallback cSendExceptionCallback, void* userData) {
  return sendAsyncWith(producer, msg, cSendSuccessCallback, cSendExceptionCallback, userData, true);
}

int SendAsyncWithFieldsAndQuickCallbacks(CProducer* producer, const char* topic, const char* tags, const char* keys,
                                         const char* body, int bodyLength, COnSendSuccessCallback cSendSuccessCallback,
                                         COnSendExceptionCallback cSendExceptionCallback, void* userData) {
  if (producer == nullptr || topic == nullptr) return nullPointer("producer or topic");
  if (!rmq::capi::acceptableBody(body, bodyLength)) return NULL_POINTER;
  return guarded(PRODUCER_SEND_ASYNC_FAILED, [&] {
    rmq::Message message(topic);
    rmq::capi::setFields(message, tags, keys, body, bodyLength);
    producer->producer.sendAsync(std::move(message),
                                 asyncCallbacks(nullptr, cSendSuccessCallback, cSendExceptionCallback, userData), true);
    return OK;
  });
}

int SendMessageOneway(CProducer* producer, CMessage* msg) {
  if (producer == nullptr || msg == nullptr) return nullPointer("producer or message");
  return guarded(PRODUCER_SEND_ONEWAY_FAILED, [&] {
    producer->producer.sendOneway(msg->message);
    return OK;
  });
}

int SendMessageOnewayWithFields(CProducer* producer, const char* topic, const char* tags, const char* keys,
                                const char* body, int bodyLength) {
  if (producer == nullptr || topic == nullptr) return nullPointer("producer or topic");
  if (!rmq::capi::acceptableBody(body, bodyLength)) return NULL_POINTER;
  return guarded(PRODUCER_SEND_ONEWAY_FAILED, [&] {
    rmq::Message message(topic);
    rmq::capi::setFields(message, tags, keys, body, bodyLength);
    producer->producer.sendOneway(message);
    return OK;
  });
}

int SendMessageOnewayOrderly(CProducer* producer, CMessage* msg, QueueSelectorCallback selector, void* arg) {
  if (producer == nullptr || msg == nullptr || selector == nullptr) {
    return nullPointer("producer, message or selector");
  }
  return guarded(PRODUCER_SEND_ONEWAY_FAILED, [&] {
    producer->producer.sendOrderlyOneway(msg->message, wrapSelector(selector, msg, arg));
    return OK;
  });
}

int SendMessageOrderly(CProducer* producer, CMessage* msg, QueueSelectorCallback callback, void* arg,
                       int autoRetryTimes, CSendResult* result) {
  if (producer == nullptr || msg == nullptr || callback == nullptr || result == nullptr) {
    return nullPointer("producer, message, selector or result");
  }
  return guarded(PRODUCER_SEND_ORDERLY_FAILED, [&] {
    *result = toCSendResult(
        producer->producer.sendOrderly(msg->message, wrapSelector(callback, msg, arg), autoRetryTimes));
    return OK;
  });
}

int SendMessageOrderlyAsync(CProducer* producer, CMessage* msg, QueueSelectorCallback callback, void* arg,
                            CSendSuccessCallback cSendSuccessCallback, CSendExceptionCallback cSendExceptionCallback) {
  if (producer == nullptr || msg == nullptr || callback == nullptr) {
    return nullPointer("producer, message or selector");
  }
  return guarded(PRODUCER_SEND_ORDERLYASYNC_FAILED, [&] {
    producer->producer.sendOrderlyAsync(
        msg->message, wrapSelector(callback, msg, arg),
        plainCallbacks(cSendSuccessCallback, cSendExceptionCallback, PRODUCER_SEND_ORDERLYASYNC_FAILED));
    return OK;
  });
}

int SendMessageOrderlyByShardingKey(CProducer* producer, CMessage* msg, const char* shardingKey,
                                    CSendResult* result) {
  if (producer == nullptr || msg == nullptr || shardingKey == nullptr || result == nullptr) {
    return nullPointer("producer, message, sharding key or result");
  }
  return guarded(PRODUCER_SEND_ORDERLY_FAILED, [&] {
    const std::string key(shardingKey);
    msg->message.putProperty(rmq::property::kShardingKey, key);
    *result = toCSendResult(producer->producer.sendOrderly(msg->message, shardingKeySelector(key), kShardingKeyRetries));
    return OK;
  });
}

int SendMessageTransaction(CProducer* producer, CMessage* msg, CLocalTransactionExecutorCallback callback,
                           void* userData, CSendResult* result) {
  if (producer == nullptr || msg == nullptr || callback == nullptr || result == nullptr) {
    return nullPointer("producer, message, executor or result");
  }
  return guarded(PRODUCER_SEND_TRANSACTION_FAILED, [&] {
    const rmq::SendResult half = producer->producer.sendTransaction(msg->message, [&](const rmq::Message&) {
      return static_cast<rmq::LocalTransactionState>(callback(producer, msg, userData));
    });
    *result = toCSendResult(half);
    return OK;
  });
}
