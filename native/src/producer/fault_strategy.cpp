#include "producer/fault_strategy.h"

#include <chrono>
#include <limits>
#include <tuple>

#include "client/client_instance.h"
#include "common/log.h"

namespace rmq {

namespace {

// MQFaultStrategy's tables (4.9.x): a send at least this slow ...
constexpr int64_t kLatencyMaxMs[] = {50, 100, 550, 1000, 2000, 3000, 15000};
// ... makes its broker unavailable for this long.
constexpr int64_t kNotAvailableMs[] = {0, 0, 30000, 60000, 120000, 180000, 600000};

int64_t steadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int64_t FaultStrategy::notAvailableDurationMs(int64_t latencyMs) {
  for (int i = static_cast<int>(sizeof(kLatencyMaxMs) / sizeof(kLatencyMaxMs[0])) - 1; i >= 0; --i) {
    if (latencyMs >= kLatencyMaxMs[i]) return kNotAvailableMs[i];
  }
  return 0;
}

bool FaultStrategy::enabled() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return enabled_;
}

void FaultStrategy::setEnabled(bool enabled) {
  std::lock_guard<std::mutex> lock(mutex_);
  enabled_ = enabled;
  if (!enabled) items_.clear();
}

bool FaultStrategy::isAvailableLocked(const std::string& brokerName, int64_t nowMs) const {
  auto found = items_.find(brokerName);
  return found == items_.end() || nowMs >= found->second.availableAtMs;
}

bool FaultStrategy::isAvailable(const std::string& brokerName) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return isAvailableLocked(brokerName, steadyNowMs());
}

MessageQueue FaultStrategy::select(const TopicPublishInfo& info, uint32_t& counter,
                                   const std::string& lastFailedBroker) const {
  const auto& queues = info.queues;
  const size_t n = queues.size();
  const uint32_t position = counter++;
  auto at = [&](size_t i) -> const MessageQueue& { return queues[(position + i) % n]; };

  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled_ || items_.empty()) {
    if (!lastFailedBroker.empty()) {
      for (size_t i = 0; i < n; ++i) {
        if (at(i).brokerName != lastFailedBroker) return at(i);
      }
    }
    return at(0);
  }
  const int64_t now = steadyNowMs();
  for (size_t i = 0; i < n; ++i) {
    if (at(i).brokerName != lastFailedBroker && isAvailableLocked(at(i).brokerName, now)) return at(i);
  }
  for (size_t i = 0; i < n; ++i) {
    if (isAvailableLocked(at(i).brokerName, now)) return at(i);
  }
  // pickOneAtLeast: every broker of the topic is avoided; take the least bad
  // one (lowest latency, then soonest available), another than the one that
  // just failed when there is a choice.
  const FaultItem* best = nullptr;
  std::string bestName;
  for (size_t i = 0; i < n; ++i) {
    const std::string& name = at(i).brokerName;
    auto found = items_.find(name);
    if (found == items_.end()) continue;
    const FaultItem& item = found->second;
    auto rank = [&](const FaultItem& f, const std::string& broker) {
      return std::make_tuple(broker == lastFailedBroker, f.latencyMs, f.availableAtMs);
    };
    if (best == nullptr || rank(item, name) < rank(*best, bestName)) {
      best = &item;
      bestName = name;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    if (at(i).brokerName == bestName) return at(i);
  }
  return at(0);
}

void FaultStrategy::update(const std::string& brokerName, int64_t latencyMs, bool isolation) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!enabled_) return;
  const int64_t duration = notAvailableDurationMs(isolation ? kIsolationLatencyMs : latencyMs);
  if (duration == 0) {
    // Fast again (or never slow): nothing to remember, and an empty table
    // keeps select() on its plain round robin.
    items_.erase(brokerName);
    return;
  }
  const int64_t now = steadyNowMs();
  FaultItem& item = items_[brokerName];
  // Every answer of a slow broker lands here, thousands a second with many
  // sends in flight: said once when the broker starts being avoided (or
  // goes from slow to failed), not once per answer.
  const bool news = now >= item.availableAtMs || (isolation && !item.isolated);
  item.latencyMs = isolation ? kIsolationLatencyMs : latencyMs;
  item.availableAtMs = now + duration;
  item.isolated = isolation;
  if (!news) return;
  RMQ_LOG(kInfo, "broker " << brokerName
                           << (isolation ? std::string(" failed a send") : " was slow (" + std::to_string(latencyMs) + " ms)")
                           << ": avoided for up to " << duration / 1000 << " s");
}

std::vector<std::string> FaultStrategy::isolatedBrokers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  const int64_t now = steadyNowMs();
  for (const auto& entry : items_) {
    if (entry.second.isolated && now < entry.second.availableAtMs) names.push_back(entry.first);
  }
  return names;
}

void FaultStrategy::markRecovered(const std::string& brokerName) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = items_.find(brokerName);
  if (found == items_.end() || !found->second.isolated) return;
  items_.erase(found);
  RMQ_LOG(kInfo, "broker " << brokerName << " answers again; sends go there again");
}

void FaultStrategy::forget(const std::string& brokerName) {
  std::lock_guard<std::mutex> lock(mutex_);
  items_.erase(brokerName);
}

}  // namespace rmq
