// Subscriptions as FilterAPI.build makes them. A tag expression: "*" (or
// empty) matches everything, otherwise tags are split on "||" and each
// carries its Java String.hashCode, which the broker filters on. Any other
// type (SQL92) keeps its expression whole for the broker to evaluate and has
// no tags, so nothing is filtered again on the client.
#pragma once

#include <cstdint>
#include <string>

#include "client/client_instance.h"

namespace rmq {

constexpr const char* kSubscribeAll = "*";
constexpr const char* kExpressionTypeTag = "TAG";
constexpr const char* kExpressionTypeSql92 = "SQL92";

// ExpressionType.isTagType: empty means TAG too.
bool isTagType(const std::string& expressionType);
// The types brokers know (FilterFactory): TAG and SQL92.
bool isKnownExpressionType(const std::string& expressionType);

// A subscription before it is built: the expression and its type.
struct SubscriptionSpec {
  std::string expression;
  std::string expressionType = kExpressionTypeTag;
};

int32_t javaStringHash(const std::string& text);

// Throws MQException(kIllegalArgument) for an unknown type or an empty
// non-tag expression.
SubscriptionData buildSubscription(const std::string& topic, const std::string& expression,
                                   const std::string& expressionType = kExpressionTypeTag);

// Client-side filter applied after a pull, as PullAPIWrapper does: the broker
// filters by hash code only, so a colliding tag must be dropped here.
bool subscriptionMatches(const SubscriptionData& subscription, const std::string& tags);

}  // namespace rmq
