// Latency fault tolerance for sends (FaultStrategy): the 4.9.x back-off
// table, queue selection that skips avoided brokers and the one that just
// failed, the least bad broker when all are avoided, recovery by probe, and
// the plain round robin when off.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "client/client_instance.h"
#include "common/log.h"
#include "producer/fault_strategy.h"
#include "checks.h"

using namespace rmq;

namespace {

TopicPublishInfo twoBrokers() {
  TopicPublishInfo info;
  for (const char* broker : {"broker-a", "broker-b"}) {
    for (int q = 0; q < 4; ++q) info.queues.push_back(MessageQueue{"T", broker, q});
  }
  return info;
}

std::set<std::string> brokersChosen(const FaultStrategy& faults, const TopicPublishInfo& info, int sends,
                                    const std::string& lastFailed = std::string()) {
  std::set<std::string> chosen;
  uint32_t counter = 0;
  for (int i = 0; i < sends; ++i) chosen.insert(faults.select(info, counter, lastFailed).brokerName);
  return chosen;
}

}  // namespace

int main() {
  // MQFaultStrategy's table: latency -> how long the broker is avoided.
  CHECK(FaultStrategy::notAvailableDurationMs(10) == 0);
  CHECK(FaultStrategy::notAvailableDurationMs(99) == 0);
  CHECK(FaultStrategy::notAvailableDurationMs(550) == 30000);
  CHECK(FaultStrategy::notAvailableDurationMs(1000) == 60000);
  CHECK(FaultStrategy::notAvailableDurationMs(2500) == 120000);
  CHECK(FaultStrategy::notAvailableDurationMs(3000) == 180000);
  CHECK(FaultStrategy::notAvailableDurationMs(FaultStrategy::kIsolationLatencyMs) == 600000);

  const TopicPublishInfo info = twoBrokers();
  {
    FaultStrategy faults;
    CHECK((brokersChosen(faults, info, 8) == std::set<std::string>{"broker-a", "broker-b"}));
    // Round robin covers every queue once per cycle.
    std::set<int> positions;
    uint32_t counter = 0;
    for (int i = 0; i < 8; ++i) {
      MessageQueue q = faults.select(info, counter, "");
      positions.insert(q.queueId + (q.brokerName == "broker-b" ? 4 : 0));
    }
    CHECK(positions.size() == 8);
    // A retry avoids the broker that just failed.
    CHECK((brokersChosen(faults, info, 8, "broker-a") == std::set<std::string>{"broker-b"}));
  }
  {
    FaultStrategy faults;
    faults.update("broker-b", 100, true);  // failed: isolated
    CHECK(!faults.isAvailable("broker-b"));
    CHECK(faults.isAvailable("broker-a"));
    CHECK((brokersChosen(faults, info, 16) == std::set<std::string>{"broker-a"}));
    CHECK((faults.isolatedBrokers() == std::vector<std::string>{"broker-b"}));
    // A probe answered: used again at once.
    faults.markRecovered("broker-b");
    CHECK(faults.isAvailable("broker-b"));
    CHECK(faults.isolatedBrokers().empty());
    CHECK((brokersChosen(faults, info, 8) == std::set<std::string>{"broker-a", "broker-b"}));
  }
  {
    FaultStrategy faults;
    faults.update("broker-a", 700, false);  // slow: avoided, but not probed
    CHECK(!faults.isAvailable("broker-a"));
    CHECK(faults.isolatedBrokers().empty());
    faults.markRecovered("broker-a");  // only failures recover by probe
    CHECK(!faults.isAvailable("broker-a"));
    faults.update("broker-a", 5, false);  // fast again: forgotten
    CHECK(faults.isAvailable("broker-a"));
  }
  {
    // Everything avoided: the least bad broker, and not the one that just failed.
    FaultStrategy faults;
    faults.update("broker-a", 700, false);
    faults.update("broker-b", 100, true);
    CHECK((brokersChosen(faults, info, 8) == std::set<std::string>{"broker-a"}));
    CHECK((brokersChosen(faults, info, 8, "broker-a") == std::set<std::string>{"broker-b"}));
  }
  {
    // Off: failures are not remembered, selection only avoids the last failure.
    FaultStrategy faults(false);
    faults.update("broker-b", 100, true);
    CHECK(faults.isAvailable("broker-b"));
    CHECK((brokersChosen(faults, info, 8) == std::set<std::string>{"broker-a", "broker-b"}));
    faults.setEnabled(true);
    faults.update("broker-b", 100, true);
    faults.setEnabled(false);  // turning it off forgets what it knew
    faults.setEnabled(true);
    CHECK(faults.isAvailable("broker-b"));
    faults.forget("broker-b");
  }
  {
    // A slow broker answers many sends: it is reported when it starts being
    // avoided and when it fails, not on every answer.
    static std::vector<std::string> lines;
    setLogHandler([](int, const char* message, void*) { lines.push_back(message); }, nullptr);
    FaultStrategy faults;
    for (int i = 0; i < 1000; ++i) faults.update("broker-a", 700 + i, false);
    CHECK(lines.size() == 1 && lines[0].find("broker-a was slow (700 ms)") != std::string::npos);
    faults.update("broker-a", 100, true);
    faults.update("broker-a", 100, true);
    CHECK(lines.size() == 2 && lines[1].find("broker-a failed a send") != std::string::npos);
    faults.update("broker-a", 5, false);  // fast again: the next slow answer is news
    faults.update("broker-a", 800, false);
    CHECK(lines.size() == 3 && lines[2].find("was slow (800 ms)") != std::string::npos);
    setLogHandler(nullptr, nullptr);
  }
  std::printf("fault strategy: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
