#include "producer/timer_support.h"

#include <stdexcept>

#include "client/admin_api.h"
#include "common/errors.h"

namespace rmq {

bool wantsTimedDelivery(const Message& msg) {
  return msg.hasProperty(property::kTimerDeliverMs) || msg.hasProperty(property::kTimerDelaySec) ||
         msg.hasProperty(property::kTimerDelayMs);
}

BrokerVersion brokerVersionOf(const Json& runtimeTable) {
  // KVTable values are strings; the ordinal is printed as a decimal number.
  const std::string text = runtimeTable["brokerVersion"].asString();
  BrokerVersion version;
  try {
    size_t used = 0;
    version.ordinal = std::stoi(text, &used);
    if (used != text.size() || version.ordinal < 0) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    throw MQException(ErrorKind::kProtocol, "broker runtime info without a numeric brokerVersion: '" + text + "'");
  }
  version.description = runtimeTable["brokerVersionDesc"].asString();
  return version;
}

std::string timerUnsupportedMessage(const std::string& brokerName, const std::string& addr,
                                    const BrokerVersion& version) {
  const std::string shown = version.description.empty() ? std::to_string(version.ordinal) : version.description;
  return "broker " + brokerName + " at " + addr + " runs RocketMQ " + shown + " and " + kTimerUnsupportedMarker +
         " (it would deliver it at once); timer messages need a 5.0 broker or later";
}

void BrokerVersions::requireTimerSupport(ClientInstance& client, const std::string& brokerName,
                                         const std::string& addr, int64_t timeoutMs) {
  BrokerVersion version;
  bool known = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = byAddress_.find(addr);
    if (found != byAddress_.end() &&
        found->second.connectionGeneration == client.remoting().connectionGeneration(addr)) {
      version = found->second.version;
      known = true;
    }
  }
  if (!known) {
    try {
      version = brokerVersionOf(queryBrokerRuntimeInfo(client, addr, timeoutMs));
    } catch (const MQException& e) {
      throw MQException(e.kind(), "broker " + brokerName + " at " + addr + ": cannot learn its version: " + e.what(),
                        e.responseCode());
    }
    // Read after the query: it went over the connection now current.
    const uint64_t generation = client.remoting().connectionGeneration(addr);
    std::lock_guard<std::mutex> lock(mutex_);
    byAddress_[addr] = Known{generation, version};
  }
  if (version.ordinal < kFirstTimerBrokerVersion) {
    throw MQException(ErrorKind::kIllegalState, timerUnsupportedMessage(brokerName, addr, version));
  }
}

}  // namespace rmq
