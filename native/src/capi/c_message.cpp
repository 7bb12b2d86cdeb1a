// CMessage.h and CBatchMessage.h.
#include <cstring>
#include <new>

#include "CBatchMessage.h"
#include "CMessage.h"
#include "CMessageFields.h"
#include "capi/handles.h"
#include "capi/latest_error.h"
#include "capi/message_fields.h"

using rmq::capi::guarded;
using rmq::capi::setLatestError;

namespace {

const char* propertyOrEmpty(const rmq::Message& m, const char* key) {
  const char* value = m.properties().find(key);
  return value == nullptr ? "" : value;
}

int nullPointer(const char* what) {
  setLatestError(std::string(what) + " is NULL");
  return NULL_POINTER;
}

}  // namespace

CMessage* CreateMessage(const char* topic) {
  CMessage* msg = new (std::nothrow) CMessage();
  if (msg == nullptr) {
    setLatestError("out of memory creating a message");
    return nullptr;
  }
  if (topic != nullptr) msg->message.setTopic(topic);
  return msg;
}

namespace rmq::capi {

bool acceptableBody(const char* body, int bodyLength) {
  if (bodyLength >= 0 && (body != nullptr || bodyLength == 0)) return true;
  setLatestError(bodyLength < 0 ? "body length is negative" : "body is NULL");
  return false;
}

void setFields(rmq::Message& message, const char* tags, const char* keys, const char* body, int bodyLength) {
  if (tags != nullptr) message.setTags(tags);
  if (keys != nullptr) message.setKeys(keys);
  if (bodyLength > 0) message.setBody(body, static_cast<size_t>(bodyLength));
}

}  // namespace rmq::capi

CMessage* CreateMessageWithFields(const char* topic, const char* tags, const char* keys, const char* body,
                                  int bodyLength) {
  if (!rmq::capi::acceptableBody(body, bodyLength)) return nullptr;
  CMessage* msg = CreateMessage(topic);
  if (msg == nullptr) return nullptr;
  const int status = guarded(MALLOC_FAILED, [&] {
    rmq::capi::setFields(msg->message, tags, keys, body, bodyLength);
    return OK;
  });
  if (status != OK) {
    delete msg;
    return nullptr;
  }
  return msg;
}

int DestroyMessage(CMessage* msg) {
  if (msg == nullptr) return nullPointer("message");
  delete msg;
  return OK;
}

int DestroyMessages(CMessage** msgs, int count) {
  if (count < 0 || (msgs == nullptr && count > 0)) return nullPointer("messages");
  for (int i = 0; i < count; ++i) delete msgs[i];
  return OK;
}

int SetMessageTopic(CMessage* msg, const char* topic) {
  if (msg == nullptr || topic == nullptr) return nullPointer("message or topic");
  return guarded(MALLOC_FAILED, [&] {
    msg->message.setTopic(topic);
    return OK;
  });
}

int SetMessageTags(CMessage* msg, const char* tags) {
  if (msg == nullptr || tags == nullptr) return nullPointer("message or tags");
  return guarded(MALLOC_FAILED, [&] {
    msg->message.setTags(tags);
    return OK;
  });
}

int SetMessageKeys(CMessage* msg, const char* keys) {
  if (msg == nullptr || keys == nullptr) return nullPointer("message or keys");
  return guarded(MALLOC_FAILED, [&] {
    msg->message.setKeys(keys);
    return OK;
  });
}

int SetMessageBody(CMessage* msg, const char* body) {
  if (msg == nullptr || body == nullptr) return nullPointer("message or body");
  return guarded(MALLOC_FAILED, [&] {
    msg->message.setBody(body, std::strlen(body));
    return OK;
  });
}

int SetByteMessageBody(CMessage* msg, const char* body, int len) {
  if (msg == nullptr || (body == nullptr && len > 0)) return nullPointer("message or body");
  if (len < 0) {
    setLatestError("body length is negative");
    return NULL_POINTER;
  }
  return guarded(MALLOC_FAILED, [&] {
    msg->message.setBody(body == nullptr ? "" : body, static_cast<size_t>(len));
    return OK;
  });
}

int SetMessageProperty(CMessage* msg, const char* key, const char* value) {
  if (msg == nullptr || key == nullptr || value == nullptr) return nullPointer("message, key or value");
  return guarded(MALLOC_FAILED, [&] {
    msg->message.putProperty(key, value);
    return OK;
  });
}

int SetDelayTimeLevel(CMessage* msg, int level) {
  if (msg == nullptr) return nullPointer("message");
  return guarded(MALLOC_FAILED, [&] {
    msg->message.setDelayTimeLevel(level);
    return OK;
  });
}

const char* GetOriginMessageTopic(CMessage* msg) { return msg == nullptr ? nullptr : msg->message.topic().c_str(); }

const char* GetOriginMessageTags(CMessage* msg) {
  return msg == nullptr ? nullptr : propertyOrEmpty(msg->message, rmq::property::kTags);
}

const char* GetOriginMessageKeys(CMessage* msg) {
  return msg == nullptr ? nullptr : propertyOrEmpty(msg->message, rmq::property::kKeys);
}

const char* GetOriginMessageBody(CMessage* msg) { return msg == nullptr ? nullptr : msg->message.body().c_str(); }

int GetOriginMessageBodyLength(CMessage* msg) {
  return msg == nullptr ? 0 : static_cast<int>(msg->message.body().size());
}

const char* GetOriginMessageProperty(CMessage* msg, const char* key) {
  if (msg == nullptr || key == nullptr) return nullptr;
  return propertyOrEmpty(msg->message, key);
}

int GetOriginDelayTimeLevel(CMessage* msg) { return msg == nullptr ? -1 : msg->message.delayTimeLevel(); }

CBatchMessage* CreateBatchMessage() {
  CBatchMessage* batch = new (std::nothrow) CBatchMessage();
  if (batch == nullptr) setLatestError("out of memory creating a batch");
  return batch;
}

int AddMessage(CBatchMessage* batchMsg, CMessage* msg) {
  if (batchMsg == nullptr || msg == nullptr) return nullPointer("batch or message");
  return guarded(MALLOC_FAILED, [&] {
    batchMsg->messages.push_back(msg->message);
    return OK;
  });
}

int DestroyBatchMessage(CBatchMessage* batchMsg) {
  if (batchMsg == nullptr) return nullPointer("batch");
  delete batchMsg;
  return OK;
}
