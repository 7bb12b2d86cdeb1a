#include "consumer/assigned_queues.h"

#include <algorithm>
#include <chrono>

namespace rmq {

std::vector<MessageQueue> AssignedQueues::replace(const std::string& topic, const std::set<MessageQueue>& queues,
                                                  std::map<MessageQueue, QueuePosition>* released) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = held_.begin(); it != held_.end();) {
    const bool inScope = topic.empty() || it->first.topic == topic;
    if (inScope && queues.count(it->first) == 0) {
      if (released != nullptr) (*released)[it->first] = it->second.position;
      dropBatchesOf(it->first);
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  std::vector<MessageQueue> added;
  for (const auto& mq : queues) {
    if (held_.count(mq) != 0) continue;
    Held fresh;
    fresh.position.generation = nextGeneration_++;
    held_.emplace(mq, fresh);
    added.push_back(mq);
  }
  return added;
}

bool AssignedQueues::holds(const MessageQueue& mq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return held_.count(mq) != 0;
}

std::vector<MessageQueue> AssignedQueues::queues() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<MessageQueue> all;
  for (const auto& entry : held_) all.push_back(entry.first);
  return all;
}

bool AssignedQueues::position(const MessageQueue& mq, QueuePosition* out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = held_.find(mq);
  if (found == held_.end()) return false;
  *out = found->second.position;
  return true;
}

int AssignedQueues::room(const MessageQueue& mq, int batchSize) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = held_.find(mq);
  if (found == held_.end()) return 0;
  const Held& held = found->second;
  if (held.cachedBytes >= limits_.perQueueBytes || totalCount_ >= limits_.totalCount) return 0;
  // Ask for no more than fits, so the count limit holds exactly, not only
  // to within one batch.
  const int64_t free = std::min<int64_t>(limits_.perQueueCount - held.cachedCount, limits_.totalCount - totalCount_);
  return static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(batchSize, free)));
}

bool AssignedQueues::arrived(const MessageQueue& mq, uint64_t generation, std::vector<MessageExt> messages,
                             int64_t nextOffset) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = held_.find(mq);
    if (found == held_.end() || found->second.position.generation != generation) return false;
    Held& held = found->second;
    if (nextOffset >= 0) held.position.pullOffset = nextOffset;
    if (messages.empty()) return true;
    Batch batch{mq, generation, nextOffset, 0, std::move(messages)};
    for (const auto& message : batch.messages) batch.bytes += static_cast<int64_t>(message.body().size());
    held.cachedCount += static_cast<int64_t>(batch.messages.size());
    held.cachedBytes += batch.bytes;
    totalCount_ += static_cast<int64_t>(batch.messages.size());
    batches_.push_back(std::move(batch));
  }
  ready_.notify_all();
  return true;
}

void AssignedQueues::startAt(const MessageQueue& mq, uint64_t generation, int64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = held_.find(mq);
  if (found == held_.end() || found->second.position.generation != generation) return;
  if (found->second.position.pullOffset < 0) found->second.position.pullOffset = offset;
}

bool AssignedQueues::take(int64_t timeoutMs, MessageQueue* queue, std::vector<MessageExt>* messages) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max<int64_t>(0, timeoutMs));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!closed_) {
    for (auto it = batches_.begin(); it != batches_.end(); ++it) {
      auto owner = held_.find(it->queue);
      if (owner == held_.end() || owner->second.position.paused) continue;
      Held& held = owner->second;
      held.cachedCount -= static_cast<int64_t>(it->messages.size());
      held.cachedBytes -= it->bytes;
      totalCount_ -= static_cast<int64_t>(it->messages.size());
      held.position.consumeOffset = it->nextOffset >= 0 ? it->nextOffset : it->messages.back().queueOffset + 1;
      *queue = it->queue;
      *messages = std::move(it->messages);
      batches_.erase(it);
      return true;
    }
    if (ready_.wait_until(lock, deadline) == std::cv_status::timeout) return false;
  }
  return false;
}

void AssignedQueues::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
  }
  ready_.notify_all();
}

bool AssignedQueues::seek(const MessageQueue& mq, int64_t offset, uint64_t* generation) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = held_.find(mq);
  if (found == held_.end()) return false;
  dropBatchesOf(mq);
  QueuePosition& position = found->second.position;
  position.generation = nextGeneration_++;
  position.pullOffset = offset;
  // As Java's nextPullOffset does with a seek offset: what poll() returned
  // is now counted from there.
  position.consumeOffset = offset;
  *generation = position.generation;
  return true;
}

std::vector<MessageQueue> AssignedQueues::pause(const std::vector<MessageQueue>& queues, bool paused,
                                                std::vector<uint64_t>* generations) {
  std::vector<MessageQueue> changed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& mq : queues) {
      auto found = held_.find(mq);
      if (found == held_.end() || found->second.position.paused == paused) continue;
      QueuePosition& position = found->second.position;
      position.paused = paused;
      if (!paused) {
        position.generation = nextGeneration_++;
        if (generations != nullptr) generations->push_back(position.generation);
      }
      changed.push_back(mq);
    }
  }
  if (!paused) ready_.notify_all();  // its cached batches may be polled again
  return changed;
}

std::map<MessageQueue, int64_t> AssignedQueues::uncommitted() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::map<MessageQueue, int64_t> offsets;
  for (auto& entry : held_) {
    QueuePosition& position = entry.second.position;
    if (position.consumeOffset < 0 || position.consumeOffset == position.committedOffset) continue;
    position.committedOffset = position.consumeOffset;
    offsets[entry.first] = position.consumeOffset;
  }
  return offsets;
}

int64_t AssignedQueues::committed(const MessageQueue& mq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = held_.find(mq);
  return found == held_.end() ? -1 : found->second.position.committedOffset;
}

int64_t AssignedQueues::cachedCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return totalCount_;
}

int64_t AssignedQueues::cachedCount(const MessageQueue& mq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = held_.find(mq);
  return found == held_.end() ? 0 : found->second.cachedCount;
}

void AssignedQueues::dropBatchesOf(const MessageQueue& mq) {
  auto found = held_.find(mq);
  for (auto it = batches_.begin(); it != batches_.end();) {
    if (it->queue == mq) {
      totalCount_ -= static_cast<int64_t>(it->messages.size());
      it = batches_.erase(it);
    } else {
      ++it;
    }
  }
  if (found != held_.end()) {
    found->second.cachedCount = 0;
    found->second.cachedBytes = 0;
  }
}

}  // namespace rmq
