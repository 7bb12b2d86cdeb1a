// The consume threads of a push consumer: a fixed pool running listener
// tasks in order of submission. Closing drops what is queued; waiting for the
// workers is bounded, so a listener that hangs cannot hold up shutdown.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/scheduler.h"

namespace rmq {

class ConsumePool : public std::enable_shared_from_this<ConsumePool> {
 public:
  explicit ConsumePool(int threads) : threadCount_(threads) {}
  ~ConsumePool();

  void start();
  // Ignored once closed.
  void submit(std::function<void()> task);
  // Submits `task` after `delayMs`, through `scheduler` (the client's timer).
  void submitLater(Scheduler& scheduler, std::function<void()> task, int64_t delayMs);
  // Stops taking tasks and drops the queued ones; running ones finish.
  void close();
  bool closed() const;
  // Joins the workers that exit within `timeoutMs`. The calling thread (a
  // listener shutting its own consumer down) and workers still inside a
  // listener past the deadline are detached: they hold the pool alive.
  void waitForWorkers(int64_t timeoutMs);

 private:
  void workerLoop();

  const int threadCount_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable exited_;
  std::deque<std::function<void()>> tasks_;
  bool closed_ = false;
  size_t workersDone_ = 0;
  std::vector<std::thread> workers_;
};

}  // namespace rmq
