// Giving a message the listener could not consume back to the broker
// (DefaultMQPushConsumerImpl.sendMessageBack): CONSUMER_SEND_MSG_BACK to the
// master of the broker it came from, which stores it again in the group's
// retry topic with a growing delay (or in the DLQ after maxReconsumeTimes);
// when that master is gone or refuses, a copy is sent to the retry topic
// like any message, through whichever master hosts it.
#pragma once

#include <memory>
#include <string>

#include "client/client_instance.h"
#include "message/message.h"

namespace rmq {

class SendBack {
 public:
  SendBack(std::shared_ptr<ClientInstance> client, std::string group, int maxReconsumeTimes)
      : client_(std::move(client)), group_(std::move(group)), maxReconsumeTimes_(maxReconsumeTimes) {}

  // True once the broker has the message again (retry topic or DLQ); false
  // when neither way worked and the caller must keep it and try later.
  // `delayLevel` 0 lets the broker pick the next level.
  bool sendBack(const MessageExt& message, int delayLevel = 0) const;

 private:
  bool resendToRetryTopic(const MessageExt& message) const;

  std::shared_ptr<ClientInstance> client_;
  const std::string group_;
  const int maxReconsumeTimes_;
};

}  // namespace rmq
