// Latency fault tolerance for sends, as the Java client's MQFaultStrategy
// and LatencyFaultToleranceImpl: every send reports how long its broker took
// or that it failed; a broker that was slow is avoided for a while that grows
// with its latency, and one that failed (connection refused, timeout, broker
// busy) is isolated. Queue selection prefers brokers that are available.
//
// One addition to the 4.9.x rules: an isolated broker is probed (a
// heartbeat) every few seconds and used again as soon as it answers, instead
// of staying avoided for the whole back-off (ten minutes after a failure), so
// a broker that restarts or resumes gets traffic back within seconds. A
// broker avoided for being slow is not probed: it answers, just slowly.
//
// Thread safe; no lock is held while calling out.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/message_queue.h"

namespace rmq {

struct TopicPublishInfo;

class FaultStrategy {
 public:
  explicit FaultStrategy(bool enabled = true) : enabled_(enabled) {}

  bool enabled() const;
  void setEnabled(bool enabled);

  // MQFaultStrategy.selectOneMessageQueue: the next queue round robin
  // (`counter` is the topic's position, advanced here), skipping brokers that
  // are not available and, when another is, `lastFailedBroker`. When every
  // broker is unavailable, the least bad one. With the strategy off: round
  // robin avoiding `lastFailedBroker` only, as before.
  MessageQueue select(const TopicPublishInfo& info, uint32_t& counter, const std::string& lastFailedBroker) const;

  // updateFaultItem: a send to `brokerName` took `latencyMs`; `isolation`
  // when it failed in a way that says the broker is not usable now.
  void update(const std::string& brokerName, int64_t latencyMs, bool isolation);

  bool isAvailable(const std::string& brokerName) const;
  // Brokers isolated after a failure and still unavailable: to be probed.
  std::vector<std::string> isolatedBrokers() const;
  // A probe of an isolated broker was answered: it is available again.
  void markRecovered(const std::string& brokerName);
  // The broker left the route: nothing to remember about it.
  void forget(const std::string& brokerName);

  // computeNotAvailableDuration of 4.9.x: how long a broker with this
  // latency is avoided.
  static int64_t notAvailableDurationMs(int64_t latencyMs);
  // The latency a failure counts as (Java's isolation value).
  static constexpr int64_t kIsolationLatencyMs = 30000;

 private:
  struct FaultItem {
    int64_t latencyMs = 0;
    int64_t availableAtMs = 0;  // steady clock
    bool isolated = false;
  };

  bool isAvailableLocked(const std::string& brokerName, int64_t nowMs) const;

  mutable std::mutex mutex_;
  bool enabled_;
  std::map<std::string, FaultItem> items_;
};

}  // namespace rmq
