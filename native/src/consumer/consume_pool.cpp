#include "consumer/consume_pool.h"

#include <chrono>

#include "common/thread_name.h"

namespace rmq {

ConsumePool::~ConsumePool() {
  // Normally joined or detached by waitForWorkers(); never leave a joinable
  // thread behind (std::terminate).
  for (auto& worker : workers_) {
    if (worker.joinable()) worker.detach();
  }
}

void ConsumePool::start() {
  for (int i = 0; i < threadCount_; ++i) {
    workers_.emplace_back([self = shared_from_this()] { self->workerLoop(); });
    nameThread(workers_.back(), "rmq-consume");
  }
}

void ConsumePool::submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    tasks_.push_back(std::move(task));
  }
  ready_.notify_one();
}

void ConsumePool::submitLater(Scheduler& scheduler, std::function<void()> task, int64_t delayMs) {
  if (closed()) return;
  std::weak_ptr<ConsumePool> weak = shared_from_this();
  scheduler.scheduleOnce(
      [weak, task] {
        if (auto self = weak.lock()) self->submit(task);
      },
      delayMs);
}

void ConsumePool::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    tasks_.clear();
  }
  ready_.notify_all();
}

bool ConsumePool::closed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return closed_;
}

void ConsumePool::workerLoop() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      ready_.wait(lock, [&] { return !tasks_.empty() || closed_; });
      if (closed_) break;
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    task();
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++workersDone_;
  exited_.notify_all();
}

void ConsumePool::waitForWorkers(int64_t timeoutMs) {
  const auto self = std::this_thread::get_id();
  bool insideListener = false;
  for (auto& worker : workers_) insideListener = insideListener || worker.get_id() == self;
  const size_t expected = workers_.size() - (insideListener ? 1 : 0);
  {
    std::unique_lock<std::mutex> lock(mutex_);
    exited_.wait_for(lock, std::chrono::milliseconds(timeoutMs), [&] { return workersDone_ >= expected; });
  }
  for (auto& worker : workers_) {
    if (!worker.joinable()) continue;
    bool exited;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      exited = workersDone_ >= expected;
    }
    if (worker.get_id() == self || !exited) {
      worker.detach();
    } else {
      worker.join();
    }
  }
}

}  // namespace rmq
