// One timer thread running periodic and delayed tasks for a client instance
// (route refresh, heartbeats, offset commits, rebalance, lock renewal).
// Tasks run one at a time, so each must be bounded: network calls made here
// carry their own short timeouts.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

namespace rmq {

class Scheduler {
 public:
  Scheduler();
  ~Scheduler();  // calls shutdown()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void start();
  // Cancels every pending task, waits for a running one to finish and joins
  // the thread. Idempotent; safe to call from a task (does not self-join).
  void shutdown();

  // Returns an id usable with cancel(). A task that throws is logged and
  // stays scheduled.
  uint64_t scheduleAtFixedRate(std::function<void()> task, int64_t initialDelayMs, int64_t periodMs);
  uint64_t scheduleOnce(std::function<void()> task, int64_t delayMs);
  void cancel(uint64_t id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rmq
