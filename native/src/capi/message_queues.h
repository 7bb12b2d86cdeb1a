// CMessageQueue <-> rmq::MessageQueue, for the C API files that take or
// hand out queues. The struct's char arrays are never read or written past
// their size.
#pragma once

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "CMessageQueue.h"
#include "common/message_queue.h"

namespace rmq {
namespace capi {

inline std::string fixedField(const char* field, size_t capacity) { return std::string(field, strnlen(field, capacity)); }

inline void copyField(char* target, size_t capacity, const std::string& value) {
  size_t length = value.size() < capacity - 1 ? value.size() : capacity - 1;
  std::memcpy(target, value.data(), length);
  target[length] = '\0';
}

inline MessageQueue fromCQueue(const CMessageQueue& queue) {
  return MessageQueue{fixedField(queue.topic, sizeof(queue.topic)),
                      fixedField(queue.brokerName, sizeof(queue.brokerName)), queue.queueId};
}

inline void toCQueue(const MessageQueue& queue, CMessageQueue* out) {
  copyField(out->topic, sizeof(out->topic), queue.topic);
  copyField(out->brokerName, sizeof(out->brokerName), queue.brokerName);
  out->queueId = queue.queueId;
}

// A calloc'ed array of `queues` (NULL when empty) for the caller to free();
// false when out of memory.
inline bool toCQueueArray(const std::vector<MessageQueue>& queues, CMessageQueue** out) {
  *out = nullptr;
  if (queues.empty()) return true;
  auto* array = static_cast<CMessageQueue*>(std::calloc(queues.size(), sizeof(CMessageQueue)));
  if (array == nullptr) return false;
  for (size_t i = 0; i < queues.size(); ++i) toCQueue(queues[i], &array[i]);
  *out = array;
  return true;
}

}  // namespace capi
}  // namespace rmq
