#include "consumer/pull_wrapper.h"

#include "common/errors.h"

namespace rmq {

namespace {
constexpr int64_t kMasterId = 0;
}  // namespace

int64_t PullWrapper::suggestedNode(const MessageQueue& mq) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = pullFromWhichNode_.find(mq);
  return found == pullFromWhichNode_.end() ? kMasterId : found->second;
}

BrokerAddress PullWrapper::target(const MessageQueue& mq, int64_t routeTimeoutMs) {
  BrokerAddress node;
  if (client_->findBrokerAddressInSubscribe(mq.brokerName, suggestedNode(mq), false, &node)) return node;
  client_->updateRouteFromNameServer(mq.topic, routeTimeoutMs);
  if (client_->findBrokerAddressInSubscribe(mq.brokerName, suggestedNode(mq), false, &node)) return node;
  throw MQException(ErrorKind::kNoRoute, "the broker " + mq.brokerName + " of topic " + mq.topic +
                                             " has no node in the route (all of its brokers are down?)");
}

RemotingCommand PullWrapper::buildRequest(PullRequestSpec spec, const BrokerAddress& node) {
  if (node.slave) spec.sysFlag &= ~pull_flag::kCommitOffset;
  return buildPullRequest(spec);
}

void PullWrapper::onResponse(const MessageQueue& mq, const RemotingCommand& response) {
  const int64_t suggested = pullResponseNumber(response, "suggestWhichBrokerId", kMasterId);
  std::lock_guard<std::mutex> lock(mutex_);
  if (suggested == kMasterId) {
    pullFromWhichNode_.erase(mq);  // the default: keeps the table small
  } else {
    pullFromWhichNode_[mq] = suggested;
  }
}

void PullWrapper::forget(const MessageQueue& mq) {
  std::lock_guard<std::mutex> lock(mutex_);
  pullFromWhichNode_.erase(mq);
}

}  // namespace rmq
