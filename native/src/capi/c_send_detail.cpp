// CSendDetail.h: SendMessageSync with the queue and broker id in the result.
#include <cstring>
#include <string>

#include "CSendDetail.h"
#include "capi/latest_error.h"
#include "capi/producer_handle.h"

namespace {

template <size_t N>
void copyText(char (&dst)[N], const std::string& src) {
  const size_t n = src.size() < N - 1 ? src.size() : N - 1;
  std::memcpy(dst, src.data(), n);
  dst[n] = '\0';
}

}  // namespace

extern "C" {

int SendMessageSyncDetailed(CProducer* producer, CMessage* msg, CSendResultDetail* result) {
  if (producer == nullptr || msg == nullptr || result == nullptr) {
    rmq::capi::setLatestError("producer, message or result is NULL");
    return NULL_POINTER;
  }
  return rmq::capi::guarded(PRODUCER_SEND_SYNC_FAILED, [&] {
    const rmq::SendResult sent = producer->producer.send(msg->message);
    std::memset(result, 0, sizeof(*result));
    result->sendStatus = static_cast<CSendStatus>(sent.status);
    copyText(result->msgId, sent.msgId);
    copyText(result->offsetMsgId, sent.offsetMsgId);
    result->offset = sent.queueOffset;
    copyText(result->queue.topic, sent.queue.topic);
    copyText(result->queue.brokerName, sent.queue.brokerName);
    result->queue.queueId = sent.queue.queueId;
    return static_cast<int>(OK);
  });
}

}  // extern "C"
