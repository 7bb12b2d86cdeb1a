#include "consumer/process_queue.h"

#include <chrono>

namespace rmq {

int64_t steadyClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string queueKey(const MessageQueue& mq) {
  return mq.topic + "@" + mq.brokerName + "@" + std::to_string(mq.queueId);
}

void ProcessQueue::remove(const std::vector<int64_t>& offsets) {
  std::lock_guard<std::mutex> lock(mutex);
  for (int64_t offset : offsets) {
    auto found = messages.find(offset);
    if (found == messages.end()) continue;
    cachedBytes -= static_cast<int64_t>(found->second->body().size());
    messages.erase(found);
  }
}

std::vector<std::shared_ptr<ProcessQueue>> ProcessQueueTable::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<ProcessQueue>> all;
  all.reserve(queues_.size());
  for (const auto& entry : queues_) all.push_back(entry.second);
  return all;
}

std::shared_ptr<ProcessQueue> ProcessQueueTable::find(const MessageQueue& mq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = queues_.find(mq);
  return found == queues_.end() ? nullptr : found->second;
}

bool ProcessQueueTable::contains(const MessageQueue& mq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queues_.count(mq) != 0;
}

bool ProcessQueueTable::add(const std::shared_ptr<ProcessQueue>& pq) {
  std::lock_guard<std::mutex> lock(mutex_);
  return queues_.emplace(pq->mq, pq).second;
}

std::vector<std::shared_ptr<ProcessQueue>> ProcessQueueTable::removeTopicExcept(const std::string& topic,
                                                                                const std::set<MessageQueue>& keep) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::shared_ptr<ProcessQueue>> removed;
  for (auto it = queues_.begin(); it != queues_.end();) {
    if (it->first.topic == topic && keep.count(it->first) == 0) {
      removed.push_back(it->second);
      it = queues_.erase(it);
    } else {
      ++it;
    }
  }
  return removed;
}

std::shared_ptr<ProcessQueue> ProcessQueueTable::remove(const MessageQueue& mq) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = queues_.find(mq);
  if (found == queues_.end()) return nullptr;
  auto pq = found->second;
  queues_.erase(found);
  return pq;
}

int64_t ProcessQueueTable::cachedMessageCount() const {
  int64_t total = 0;
  // Queue locks are taken outside the table's lock.
  for (const auto& pq : snapshot()) {
    std::lock_guard<std::mutex> lock(pq->mutex);
    total += static_cast<int64_t>(pq->messages.size());
  }
  return total;
}

}  // namespace rmq
