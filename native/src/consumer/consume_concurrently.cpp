// ConsumeMessageConcurrentlyService: batches of up to batchMaxSize messages
// on any consume thread; a failed message goes back to the broker for a
// later retry (or is retried here when the broker cannot take it), and a
// listener call running past consumeTimeout gives its message back.
#include <algorithm>

#include "common/log.h"
#include "consumer/consume_service.h"

namespace rmq {

namespace {

constexpr int64_t kSendBackRetryMs = 5000;
// The largest burst a batch listener gets at once.
constexpr size_t kMaxBurst = 32;
// cleanExpireMsg sends a timed-out message back with this delay level.
constexpr int kExpiredMessageDelayLevel = 3;
constexpr int64_t kMaxExpiryScanIntervalMs = 60 * 1000;

class ConcurrentConsumeService : public ConsumeService,
                                 public std::enable_shared_from_this<ConcurrentConsumeService> {
 public:
  explicit ConcurrentConsumeService(ConsumeContext context) : ctx_(std::move(context)) {}

  void dispatch(const std::shared_ptr<ProcessQueue>& pq, const std::vector<int64_t>& offsets) override {
    const size_t step = burstSize(offsets.size());
    for (size_t i = 0; i < offsets.size(); i += step) {
      size_t end = std::min(offsets.size(), i + step);
      std::vector<int64_t> batch(offsets.begin() + static_cast<long>(i), offsets.begin() + static_cast<long>(end));
      std::weak_ptr<ConcurrentConsumeService> weak = shared_from_this();
      ctx_.pool->submit([weak, pq, batch] { if (auto s = weak.lock()) s->consume(pq, batch); });
    }
  }

  int64_t maintenanceIntervalMs() const override {
    if (ctx_.config.broadcasting) return 0;
    return std::min(kMaxExpiryScanIntervalMs, std::max<int64_t>(ctx_.config.consumeTimeoutMs / 4, 100));
  }

  // cleanExpireMsg: a listener call running past consumeTimeout gives its
  // message back to the broker (delay level 3) and drops it from the queue,
  // so the queue's offset can move on; the late result is then ignored.
  void maintain(const std::vector<std::shared_ptr<ProcessQueue>>& queues) override {
    if (ctx_.config.broadcasting) return;
    const int64_t now = steadyClockMs();
    for (const auto& pq : queues) {
      std::vector<std::pair<int64_t, std::shared_ptr<MessageExt>>> expired;
      {
        std::lock_guard<std::mutex> lock(pq->mutex);
        for (const auto& call : pq->listenerCalls) {
          if (now - call.sinceMs < ctx_.config.consumeTimeoutMs) continue;
          for (int64_t offset : call.offsets) {
            auto found = pq->messages.find(offset);
            if (found != pq->messages.end()) expired.emplace_back(offset, found->second);
          }
        }
      }
      for (const auto& entry : expired) {
        RMQ_LOG(kWarn, "listener call on " << entry.second->msgId() << " ran past " << ctx_.config.consumeTimeoutMs
                                           << " ms; the message is sent back for a later retry");
        if (ctx_.sendBack->sendBack(*entry.second, kExpiredMessageDelayLevel)) pq->remove({entry.first});
      }
    }
  }

 private:
  // batchMaxSize messages a call; a batch listener gets bursts as large as
  // keeps every consume thread busy (one entry into Python for many messages,
  // without serialising what the threads could consume side by side).
  size_t burstSize(size_t arrived) const {
    size_t step = static_cast<size_t>(ctx_.config.batchMaxSize);
    if (ctx_.listener->takesBursts()) {
      const size_t threads = static_cast<size_t>(std::max(1, ctx_.config.threadCount));
      step = std::max(step, std::min(kMaxBurst, (arrived + threads - 1) / threads));
    }
    return std::max<size_t>(step, 1);
  }

  void consume(const std::shared_ptr<ProcessQueue>& pq, const std::vector<int64_t>& offsets) {
    if (pq->dropped) return;
    std::vector<std::shared_ptr<MessageExt>> messages;
    std::vector<int64_t> present;
    std::list<ProcessQueue::ListenerCall>::iterator call;
    messages.reserve(offsets.size());
    present.reserve(offsets.size());
    {
      std::lock_guard<std::mutex> lock(pq->mutex);
      for (int64_t offset : offsets) {
        auto found = pq->messages.find(offset);
        if (found == pq->messages.end()) continue;
        messages.push_back(found->second);
        present.push_back(offset);
      }
      if (messages.empty()) return;
      call = pq->listenerCalls.insert(pq->listenerCalls.end(), {steadyClockMs(), present});
    }
    const std::vector<ConsumeResult> results = ctx_.listener->consume(messages, false);
    std::vector<bool> stillHeld(messages.size());
    {
      std::lock_guard<std::mutex> lock(pq->mutex);
      pq->listenerCalls.erase(call);
      for (size_t i = 0; i < present.size(); ++i) {
        // Gone meanwhile: the call timed out and the message was sent back
        // already (or the queue was reset); its result no longer matters.
        stillHeld[i] = pq->messages.count(present[i]) != 0;
      }
    }
    std::vector<int64_t> finished;
    std::vector<int64_t> retryLocally;
    for (size_t i = 0; i < messages.size(); ++i) {
      if (!stillHeld[i]) continue;
      if (i >= results.size()) {
        retryLocally.push_back(present[i]);  // the listener did not get to it
        continue;
      }
      if (results[i] == ConsumeResult::kSuccess || ctx_.config.broadcasting) {
        // Broadcasting has no retry topic: a failure is logged and dropped,
        // as the Java client does.
        if (results[i] != ConsumeResult::kSuccess) {
          RMQ_LOG(kWarn, "broadcast message " << messages[i]->msgId() << " failed and is not retried");
        }
        finished.push_back(present[i]);
      } else if (ctx_.sendBack->sendBack(*messages[i])) {
        finished.push_back(present[i]);
      } else {
        retryLocally.push_back(present[i]);
      }
    }
    pq->remove(finished);
    if (!retryLocally.empty()) {
      std::weak_ptr<ConcurrentConsumeService> weak = shared_from_this();
      ctx_.pool->submitLater(
          ctx_.client->scheduler(),
          [weak, pq, retryLocally] { if (auto s = weak.lock()) s->consume(pq, retryLocally); }, kSendBackRetryMs);
    }
  }

  ConsumeContext ctx_;
};

}  // namespace

std::shared_ptr<ConsumeService> makeConcurrentConsumeService(ConsumeContext context) {
  return std::make_shared<ConcurrentConsumeService>(std::move(context));
}

}  // namespace rmq
