// CRequestReply.h: requests that wait for a reply message.
#include <cstring>
#include <memory>
#include <string>

#include "CRequestReply.h"
#include "capi/latest_error.h"
#include "capi/producer_handle.h"
#include "producer/reply_table.h"

using rmq::capi::guarded;
using rmq::capi::setLatestError;

namespace {

template <size_t N>
void copyText(char (&dst)[N], const std::string& src) {
  const size_t n = src.size() < N - 1 ? src.size() : N - 1;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

bool isTimeout(const rmq::MQException& error) { return dynamic_cast<const rmq::RequestTimeout*>(&error) != nullptr; }

CMQException toCMQException(const rmq::MQException& error) {
  CMQException out;
  std::memset(&out, 0, sizeof(out));
  if (isTimeout(error)) {
    out.error = REQUEST_REPLY_TIMEOUT;
    copyText(out.type, "RequestTimeoutException");
  } else {
    out.error = error.responseCode() >= 0 ? error.responseCode() : PRODUCER_SEND_SYNC_FAILED;
    copyText(out.type, error.kind() == rmq::ErrorKind::kBrokerError ? "MQBrokerException" : "MQClientException");
  }
  out.line = __LINE__;
  copyText(out.file, __FILE__);
  copyText(out.msg, error.what());
  return out;
}

int checkArguments(CProducer* producer, CMessage* msg, long long timeoutMs) {
  if (producer == nullptr || msg == nullptr) {
    setLatestError("producer or message is NULL");
    return NULL_POINTER;
  }
  if (timeoutMs <= 0) {
    setLatestError("request timeout must be positive, not " + std::to_string(timeoutMs));
    return PRODUCER_SEND_SYNC_FAILED;
  }
  return OK;
}

}  // namespace

extern "C" {

int RequestMessage(CProducer* producer, CMessage* msg, long long timeoutMs, CMessageExt** reply) {
  if (reply == nullptr) {
    setLatestError("reply is NULL");
    return NULL_POINTER;
  }
  *reply = nullptr;
  const int status = checkArguments(producer, msg, timeoutMs);
  if (status != OK) return status;
  try {
    *reply = new CMessageExt(producer->producer.request(msg->message, timeoutMs));
    return OK;
  } catch (const rmq::RequestTimeout& e) {
    setLatestError(e.what());
    return REQUEST_REPLY_TIMEOUT;
  } catch (const std::exception& e) {
    setLatestError(e.what());
  } catch (...) {
    setLatestError("unknown error");
  }
  return PRODUCER_SEND_SYNC_FAILED;
}

int RequestMessageAsync(CProducer* producer, CMessage* msg, long long timeoutMs, CRequestReplyCallback onReply,
                        CRequestFailureCallback onFailure, void* userData) {
  const int status = checkArguments(producer, msg, timeoutMs);
  if (status != OK) return status;
  return guarded(PRODUCER_SEND_ASYNC_FAILED, [&] {
    producer->producer.requestAsync(
        msg->message, timeoutMs,
        [onReply, onFailure, userData](const rmq::MessageExt* received, const rmq::MQException* error) {
          if (received != nullptr) {
            // Borrowed for the call: nothing is copied.
            CMessageExt handle(received);
            if (onReply != nullptr) onReply(&handle, userData);
          } else if (onFailure != nullptr) {
            onFailure(toCMQException(*error), userData);
          }
        });
    return static_cast<int>(OK);
  });
}

int DestroyReplyMessage(CMessageExt* reply) {
  if (reply == nullptr) {
    setLatestError("reply is NULL");
    return NULL_POINTER;
  }
  delete reply;
  return OK;
}

long long GetProducerLateReplyCount(CProducer* producer) {
  if (producer == nullptr) return -1;
  return static_cast<long long>(producer->producer.lateReplies());
}

}  // extern "C"
