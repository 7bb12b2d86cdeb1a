// Messages to be delivered at a chosen time (TIMER_DELIVER_MS,
// TIMER_DELAY_SEC, TIMER_DELAY_MS) are held by RocketMQ 5.x brokers until
// then. A 4.x broker does not know these properties and delivers such a
// message at once, so the producer refuses to send one to a broker older
// than 5.0 instead of letting the time be lost silently.
//
// The version comes from GET_BROKER_RUNTIME_INFO, asked once per broker
// address and asked again only after the connection to it was lost or
// re-established (the process behind the address may have been replaced by
// a newer one).
// Messages without a delivery time never look at it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "client/client_instance.h"
#include "common/json.h"
#include "message/message.h"

namespace rmq {

// MQVersion.Version.V5_0_0.ordinal(): the first release with timer messages.
constexpr int kFirstTimerBrokerVersion = 413;

// True when `msg` asks for delivery at a chosen time.
bool wantsTimedDelivery(const Message& msg);

// The broker version (MQVersion ordinal) in a GET_BROKER_RUNTIME_INFO table,
// with its description ("V5_3_1"). Throws MQException(kProtocol) when the
// table has no numeric brokerVersion.
struct BrokerVersion {
  int ordinal = 0;
  std::string description;
};
BrokerVersion brokerVersionOf(const Json& runtimeTable);

// The text of the refusal; C and Python callers recognize it by
// kTimerUnsupportedMarker.
constexpr const char* kTimerUnsupportedMarker = "cannot hold a message for a delivery time";
std::string timerUnsupportedMessage(const std::string& brokerName, const std::string& addr,
                                    const BrokerVersion& version);

class BrokerVersions {
 public:
  // Returns when the broker at `addr` holds timer messages; throws
  // MQException(kIllegalState, timerUnsupportedMessage(...)) when it is
  // older than 5.0, and the query's own errors (named after the broker)
  // when it cannot be asked.
  void requireTimerSupport(ClientInstance& client, const std::string& brokerName, const std::string& addr,
                           int64_t timeoutMs);

 private:
  struct Known {
    uint64_t connectionGeneration = 0;
    BrokerVersion version;
  };
  std::mutex mutex_;
  std::map<std::string, Known> byAddress_;
};

}  // namespace rmq
