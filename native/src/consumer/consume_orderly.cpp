// ConsumeMessageOrderlyService: one task per queue at a time, oldest message
// first, and (clustering) only while this consumer holds the queue's lock at
// its master: a queue whose lock lapsed, or whose master is gone, pauses
// rather than risk another consumer taking it over. A failure suspends the
// queue and retries the same message; it is never skipped.
#include "common/log.h"
#include "consumer/consume_service.h"

namespace rmq {

namespace {

constexpr int64_t kOrderlySuspendMs = 1000;

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
    while (!ctx_.pool->closed() && !pq->dropped) {
      if (!mayConsume(*pq)) break;
      std::vector<MessageExt> batch;
      {
        std::lock_guard<std::mutex> lock(pq->mutex);
        for (auto it = pq->messages.begin();
             it != pq->messages.end() && static_cast<int>(batch.size()) < ctx_.config.batchMaxSize; ++it) {
          batch.push_back(it->second);
        }
        if (batch.empty()) {
          pq->consuming = false;
          return;
        }
      }
      std::vector<int64_t> done;
      bool suspended = false;
      for (auto& message : batch) {
        MessageExt delivered = message;
        if (ctx_.listener->call(delivered) != ConsumeResult::kSuccess) {
          suspended = true;
          std::lock_guard<std::mutex> lock(pq->mutex);
          auto found = pq->messages.find(message.queueOffset);
          if (found != pq->messages.end()) found->second.reconsumeTimes++;
          break;
        }
        done.push_back(message.queueOffset);
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
