// Which node of a broker a pull goes to, as the Java client's PullAPIWrapper
// decides it: the master, or the broker id the last answer for that queue
// suggested (a master under memory pressure sends readers to a slave when
// slaveReadEnable is on), or any node left when the route has no master.
// Shared by the push and the pull consumer.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>

#include "client/client_instance.h"
#include "common/message_queue.h"
#include "consumer/pull_api.h"
#include "remoting/remoting_command.h"

namespace rmq {

class PullWrapper {
 public:
  explicit PullWrapper(std::shared_ptr<ClientInstance> client) : client_(std::move(client)) {}

  // pullKernelImpl's lookup: the suggested node, else any node of the broker
  // (the route is asked again once when no node is known). A node that looks
  // down gives way to another (see ClientInstance). Throws
  // MQException(kNoRoute) naming the broker when it has no node at all.
  BrokerAddress target(const MessageQueue& mq, int64_t routeTimeoutMs);

  // The PULL_MESSAGE for `spec` sent to `node`: a slave never stores the
  // consumer's offset, so the commit flag is cleared for it, as Java does.
  static RemotingCommand buildRequest(PullRequestSpec spec, const BrokerAddress& node);

  // updatePullFromWhichNode: remembers the broker id a pull answer suggested.
  void onResponse(const MessageQueue& mq, const RemotingCommand& response);
  void forget(const MessageQueue& mq);

 private:
  int64_t suggestedNode(const MessageQueue& mq) const;

  std::shared_ptr<ClientInstance> client_;
  mutable std::mutex mutex_;
  std::map<MessageQueue, int64_t> pullFromWhichNode_;
};

}  // namespace rmq
