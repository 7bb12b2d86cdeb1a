// CMessageExt.h: read-only accessors of a received message.
#include "CMessageExt.h"
#include "capi/handles.h"

namespace {
const char* propertyOrEmpty(const rmq::Message& m, const char* key) {
  const char* value = m.properties().find(key);
  return value == nullptr ? "" : value;
}
}  // namespace

const char* GetMessageTopic(CMessageExt* msgExt) {
  return msgExt == nullptr ? nullptr : msgExt->message->topic().c_str();
}
const char* GetMessageTags(CMessageExt* msgExt) {
  return msgExt == nullptr ? nullptr : propertyOrEmpty(*msgExt->message, rmq::property::kTags);
}
const char* GetMessageKeys(CMessageExt* msgExt) {
  return msgExt == nullptr ? nullptr : propertyOrEmpty(*msgExt->message, rmq::property::kKeys);
}
const char* GetMessageBody(CMessageExt* msgExt) {
  return msgExt == nullptr ? nullptr : msgExt->message->body().c_str();
}
int GetMessageBodyLength(CMessageExt* msgExt) {
  return msgExt == nullptr ? 0 : static_cast<int>(msgExt->message->body().size());
}
const char* GetMessageProperty(CMessageExt* msgExt, const char* key) {
  if (msgExt == nullptr || key == nullptr) return nullptr;
  return propertyOrEmpty(*msgExt->message, key);
}
int GetMessagePropertyCount(CMessageExt* msgExt) {
  return msgExt == nullptr ? 0 : static_cast<int>(msgExt->message->properties().size());
}
const char* GetMessagePropertyName(CMessageExt* msgExt, int index) {
  if (msgExt == nullptr || index < 0) return nullptr;
  return msgExt->message->properties().nameAt(static_cast<size_t>(index));
}
const char* GetMessageId(CMessageExt* msgExt) { return msgExt == nullptr ? nullptr : msgExt->id().c_str(); }
int GetMessageDelayTimeLevel(CMessageExt* msgExt) {
  return msgExt == nullptr ? -1 : msgExt->message->delayTimeLevel();
}
int GetMessageQueueId(CMessageExt* msgExt) { return msgExt == nullptr ? -1 : msgExt->message->queueId; }
int GetMessageReconsumeTimes(CMessageExt* msgExt) {
  return msgExt == nullptr ? -1 : msgExt->message->reconsumeTimes;
}
int GetMessageStoreSize(CMessageExt* msgExt) { return msgExt == nullptr ? -1 : msgExt->message->storeSize; }
long long GetMessageBornTimestamp(CMessageExt* msgExt) {
  return msgExt == nullptr ? -1 : msgExt->message->bornTimestamp;
}
long long GetMessageStoreTimestamp(CMessageExt* msgExt) {
  return msgExt == nullptr ? -1 : msgExt->message->storeTimestamp;
}
long long GetMessageQueueOffset(CMessageExt* msgExt) {
  return msgExt == nullptr ? -1 : msgExt->message->queueOffset;
}
long long GetMessageCommitLogOffset(CMessageExt* msgExt) {
  return msgExt == nullptr ? -1 : msgExt->message->commitLogOffset;
}
long long GetMessagePreparedTransactionOffset(CMessageExt* msgExt) {
  return msgExt == nullptr ? -1 : msgExt->message->preparedTransactionOffset;
}
