// MQClientInstance.checkClientInBroker: before a consumer with a non-tag
// (SQL92) subscription starts, one broker of each such topic is asked
// (CHECK_CLIENT_CONFIG) whether it accepts the expression. It refuses when
// property filtering is off or the expression does not compile, and its
// answer's remark says which.
#pragma once

#include <cstdint>
#include <string>

#include "client/client_instance.h"

namespace rmq {

// MQClientInstance.findBrokerAddrByTopic: the master (else any node) of one
// broker of the topic's cached route, picked at random; "" when none is known.
std::string brokerAddressOfTopic(ClientInstance& client, const std::string& topic);

// Throws MQException(kBrokerError, ..., the broker's code) when `addr`
// refuses `subscription`; transport failures throw as invokeSync does.
void checkSubscriptionInBroker(ClientInstance& client, const std::string& addr, const std::string& group,
                               const SubscriptionData& subscription, int64_t timeoutMs);

}  // namespace rmq
