// Tag subscriptions as FilterAPI.buildSubscriptionData builds them: the
// expression "*" (or empty) matches everything, otherwise tags are split on
// "||" and each carries its Java String.hashCode, which the broker filters on.
#pragma once

#include <cstdint>
#include <string>

#include "client/client_instance.h"

namespace rmq {

constexpr const char* kSubscribeAll = "*";

int32_t javaStringHash(const std::string& text);

SubscriptionData buildSubscription(const std::string& topic, const std::string& expression);

// Client-side filter applied after a pull, as PullAPIWrapper does: the broker
// filters by hash code only, so a colliding tag must be dropped here.
bool subscriptionMatches(const SubscriptionData& subscription, const std::string& tags);

}  // namespace rmq
