// Identity of one queue of a topic on one broker.
#pragma once

#include <string>
#include <tuple>

namespace rmq {

struct MessageQueue {
  std::string topic;
  std::string brokerName;
  int queueId = 0;

  bool operator<(const MessageQueue& o) const {
    return std::tie(topic, brokerName, queueId) < std::tie(o.topic, o.brokerName, o.queueId);
  }
  bool operator==(const MessageQueue& o) const {
    return queueId == o.queueId && topic == o.topic && brokerName == o.brokerName;
  }
  bool operator!=(const MessageQueue& o) const { return !(*this == o); }
};

}  // namespace rmq
