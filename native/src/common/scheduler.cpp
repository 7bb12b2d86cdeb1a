#include "common/scheduler.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "common/thread_name.h"

namespace rmq {

namespace {
using Clock = std::chrono::steady_clock;
}

struct Scheduler::Impl {
  struct Task {
    std::function<void()> run;
    int64_t periodMs = 0;  // 0: run once
  };

  std::mutex mutex;
  std::condition_variable wake;
  // Ordered by due time; the id breaks ties and lets cancel() find a task.
  std::multimap<Clock::time_point, uint64_t> due;
  std::map<uint64_t, Task> tasks;
  uint64_t nextId = 1;
  bool stopping = false;
  // Set when shutdown() runs on the timer thread itself: that thread then
  // outlives the Scheduler and frees this state when its loop ends.
  bool ownedByThread = false;
  std::thread thread;

  uint64_t add(std::function<void()> run, int64_t delayMs, int64_t periodMs) {
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping) return 0;
    uint64_t id = nextId++;
    tasks[id] = Task{std::move(run), periodMs};
    due.emplace(Clock::now() + std::chrono::milliseconds(delayMs < 0 ? 0 : delayMs), id);
    wake.notify_one();
    return id;
  }

  void loop() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      if (due.empty()) {
        wake.wait(lock);
        continue;
      }
      auto first = due.begin();
      if (first->first > Clock::now()) {
        // A copy: wait_until reads its deadline again after the wait, when
        // shutdown() may have freed the node the key lives in.
        const Clock::time_point deadline = first->first;
        wake.wait_until(lock, deadline);
        continue;
      }
      uint64_t id = first->second;
      due.erase(first);
      auto found = tasks.find(id);
      if (found == tasks.end()) continue;  // cancelled
      std::function<void()> run = found->second.run;
      int64_t period = found->second.periodMs;
      if (period <= 0) tasks.erase(found);

      lock.unlock();
      try {
        run();
      } catch (const std::exception& e) {
        RMQ_LOG(kError, "scheduled task failed: " << e.what());
      } catch (...) {
        RMQ_LOG(kError, "scheduled task failed with an unknown exception");
      }
      lock.lock();

      // Fixed rate from the moment the run ended keeps a slow task from
      // piling up back-to-back runs.
      if (period > 0 && tasks.count(id) != 0 && !stopping) {
        due.emplace(Clock::now() + std::chrono::milliseconds(period), id);
      }
    }
  }
};

Scheduler::Scheduler() : impl_(new Impl) {}

Scheduler::~Scheduler() { shutdown(); }

void Scheduler::start() {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  if (impl_->thread.joinable() || impl_->stopping) return;
  impl_->thread = std::thread([impl = impl_.get()] {
    impl->loop();
    if (impl->ownedByThread) delete impl;
  });
  nameThread(impl_->thread, "rmq-timer");
}

void Scheduler::shutdown() {
  std::thread worker;
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
    impl_->tasks.clear();
    impl_->due.clear();
    impl_->wake.notify_all();
    worker = std::move(impl_->thread);
  }
  if (!worker.joinable()) return;
  if (worker.get_id() == std::this_thread::get_id()) {
    // Called from a task: the loop exits on its own once the task returns,
    // and takes its state with it; this object keeps an inert replacement.
    worker.detach();
    impl_->ownedByThread = true;
    impl_.release();
    impl_.reset(new Impl);
    impl_->stopping = true;
  } else {
    worker.join();
  }
}

uint64_t Scheduler::scheduleAtFixedRate(std::function<void()> task, int64_t initialDelayMs, int64_t periodMs) {
  return impl_->add(std::move(task), initialDelayMs, periodMs > 0 ? periodMs : 1);
}

uint64_t Scheduler::scheduleOnce(std::function<void()> task, int64_t delayMs) {
  return impl_->add(std::move(task), delayMs, 0);
}

void Scheduler::cancel(uint64_t id) {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  impl_->tasks.erase(id);
}

}  // namespace rmq
