#include "producer/reply_table.h"

#include <utility>

#include "common/log.h"

namespace rmq {

void deliverReply(const ReplyCallback& callback, const MessageExt* reply, const MQException* error) noexcept {
  try {
    callback(reply, error);
  } catch (const std::exception& e) {
    RMQ_LOG(kError, "request callback threw: " << e.what());
  } catch (...) {
    RMQ_LOG(kError, "request callback threw a non-standard exception");
  }
}

void ReplyTable::add(const std::string& correlationId, const std::string& topic, int64_t timeoutMs, int64_t nowMs,
                     ReplyCallback callback) {
  Waiting entry;
  entry.topic = topic;
  entry.deadlineMs = nowMs + timeoutMs;
  entry.timeoutMs = timeoutMs;
  entry.callback = std::move(callback);
  std::lock_guard<std::mutex> lock(mutex_);
  if (!waiting_.emplace(correlationId, std::move(entry)).second) {
    throw MQException(ErrorKind::kIllegalState, "a request with correlation id " + correlationId + " is waiting");
  }
}

bool ReplyTable::setTimer(const std::string& correlationId, uint64_t timerId) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = waiting_.find(correlationId);
  if (found == waiting_.end()) return false;
  found->second.timerId = timerId;
  return true;
}

void ReplyTable::markSent(const std::string& correlationId) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = waiting_.find(correlationId);
  if (found != waiting_.end()) found->second.sent = true;
}

bool ReplyTable::take(const std::string& correlationId, Waiting* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = waiting_.find(correlationId);
  if (found == waiting_.end()) return false;
  *out = std::move(found->second);
  waiting_.erase(found);
  return true;
}

bool ReplyTable::complete(const std::string& correlationId, const MessageExt& reply, uint64_t* timerId) {
  Waiting entry;
  if (!take(correlationId, &entry)) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++lateReplies_;
    return false;
  }
  *timerId = entry.timerId;
  deliverReply(entry.callback, &reply, nullptr);
  return true;
}

bool ReplyTable::fail(const std::string& correlationId, const MQException& error, uint64_t* timerId) {
  Waiting entry;
  if (!take(correlationId, &entry)) return false;
  *timerId = entry.timerId;
  deliverReply(entry.callback, nullptr, &error);
  return true;
}

bool ReplyTable::forget(const std::string& correlationId, uint64_t* timerId) {
  Waiting entry;
  if (!take(correlationId, &entry)) return false;
  *timerId = entry.timerId;
  return true;
}

void ReplyTable::expire(const std::string& correlationId, int64_t nowMs) {
  Waiting entry;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = waiting_.find(correlationId);
    if (found == waiting_.end() || found->second.deadlineMs > nowMs) return;
    entry = std::move(found->second);
    waiting_.erase(found);
  }
  // The Java client's two wordings: after a good send, and while sending.
  const std::string timeout = std::to_string(entry.timeoutMs) + " ms";
  const RequestTimeout error(entry.sent ? "send request message to <" + entry.topic +
                                              "> OK, but wait reply message timeout, " + timeout
                                        : "request to <" + entry.topic + "> timeout, no reply message within " +
                                              timeout);
  deliverReply(entry.callback, nullptr, &error);
}

void ReplyTable::failAll(const MQException& error) {
  std::map<std::string, Waiting> ended;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ended.swap(waiting_);
  }
  for (auto& item : ended) deliverReply(item.second.callback, nullptr, &error);
}

size_t ReplyTable::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return waiting_.size();
}

uint64_t ReplyTable::lateReplies() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lateReplies_;
}

}  // namespace rmq
