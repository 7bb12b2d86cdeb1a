// ConsumeMessageOrderlyService: one task per queue at a time, oldest message
// first, and (clustering) only while this consumer holds the queue's lock at
// its master: a queue whose lock lapsed, or whose master is gone, pauses
// rather than risk another consumer taking it over. A failure suspends the
// queue and retries the same message; it is never skipped.
#include <algorithm>

#include "common/log.h"
#include "consumer/consume_service.h"

namespace rmq {

namespace {

constexpr int64_t kOrderlySuspendMs = 1000;
// The largest burst a batch listener gets at once (stopping at a failure).
constexpr size_t kMaxBurst = 32;

class OrderlyConsumeService : public ConsumeService, public std::enable_shared_from_this<OrderlyConsumeService> {
 public:
  explicit OrderlyConsumeService(ConsumeContext context) : ctx_(std::move(context)) {}

  void dispatch(const std::shared_ptr<ProcessQueue>& pq, const std::vector<int64_t>&) override {
    {
      std::lock_guard<std::mutex> lock(pq->mutex);
      if (pq->consuming) return;
      pq->consuming = true;
    }
    submit(pq, 0);
  }

  void maintain(const std::vector<std::shared_ptr<ProcessQueue>>&) override {}
  int64_t maintenanceIntervalMs() const override { return 0; }

 private:
  bool mayConsume(const ProcessQueue& pq) const { return ctx_.config.broadcasting || pq.holdsLock(); }

  void submit(const std::shared_ptr<ProcessQueue>& pq, int64_t delayMs) {
    std::weak_ptr<OrderlyConsumeService> weak = shared_from_this();
    auto task = [weak, pq] { if (auto s = weak.lock()) s->consume(pq); };
    if (delayMs == 0) {
      ctx_.pool->submit(task);
    } else {
      ctx_.pool->submitLater(ctx_.client->scheduler(), task, delayMs);
    }
  }

  void consume(const std::shared_ptr<ProcessQueue>& pq) {
    const size_t burst = ctx_.listener->takesBursts()
                             ? std::max(kMaxBurst, static_cast<size_t>(ctx_.config.batchMaxSize))
                             : static_cast<size_t>(ctx_.config.batchMaxSize);
    while (!ctx_.pool->closed() && !pq->dropped) {
      if (!mayConsume(*pq)) break;
      std::vector<std::shared_ptr<MessageExt>> batch;
      {
        std::lock_guard<std::mutex> lock(pq->mutex);
        for (auto it = pq->messages.begin(); it != pq->messages.end() && batch.size() < burst; ++it) {
          batch.push_back(it->second);
        }
        if (batch.empty()) {
          pq->consuming = false;
          return;
        }
      }
      const std::vector<ConsumeResult> results = ctx_.listener->consume(batch, true);
      std::vector<int64_t> done;
      // Stopped at a failure, or before the end (shutting down): the same
      // message is tried again, never skipped.
      bool suspended = results.size() < batch.size();
      for (size_t i = 0; i < results.size(); ++i) {
        if (results[i] != ConsumeResult::kSuccess) {
          suspended = true;
          std::lock_guard<std::mutex> lock(pq->mutex);
          batch[i]->reconsumeTimes++;
          break;
        }
        done.push_back(batch[i]->queueOffset);
      }
      pq->remove(done);
      if (suspended) {
        submit(pq, kOrderlySuspendMs);
        return;
      }
    }
    std::lock_guard<std::mutex> lock(pq->mutex);
    pq->consuming = false;
    if (!ctx_.pool->closed() && !pq->dropped && !pq->messages.empty()) {
      // No lock now: look again once the renewal had a chance.
      pq->consuming = true;
      submit(pq, kOrderlySuspendMs);
    }
  }

  ConsumeContext ctx_;
};

}  // namespace

std::shared_ptr<ConsumeService> makeOrderlyConsumeService(ConsumeContext context) {
  return std::make_shared<OrderlyConsumeService>(std::move(context));
}

}  // namespace rmq
