// Runs the user's listener on one message the way both consume services
// need it: the original topic of a retried message restored, a throwing
// listener taken as "consume later", and with message trace on a SubBefore
// and a SubAfter record around the call (ConsumeMessageTraceHookImpl).
#pragma once

#include <memory>
#include <string>

#include "consumer/push_consumer.h"
#include "trace/trace_dispatcher.h"

namespace rmq {

class ListenerInvoker {
 public:
  ListenerInvoker(MessageListener listener, std::string group, std::shared_ptr<TraceDispatcher> trace)
      : listener_(std::move(listener)), group_(std::move(group)), trace_(std::move(trace)) {}

  ConsumeResult call(MessageExt& message) const;

 private:
  ConsumeResult callUntraced(MessageExt& message) const;

  MessageListener listener_;
  std::string group_;
  std::shared_ptr<TraceDispatcher> trace_;  // null when trace is off
};

bool isRetryTopic(const std::string& topic);
int64_t wallClockMs();

}  // namespace rmq
