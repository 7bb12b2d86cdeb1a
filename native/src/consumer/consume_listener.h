// Runs the user's listener on messages of one queue the way both consume
// services need it: a burst at once through a batch listener, else one call
// per message; a throwing listener taken as "consume later"; and with message
// trace on, SubBefore and SubAfter records around the calls
// (ConsumeMessageTraceHookImpl).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "consumer/push_consumer.h"
#include "trace/trace_dispatcher.h"

namespace rmq {

class ListenerInvoker {
 public:
  ListenerInvoker(MessageListener listener, BatchListener batchListener, std::string group,
                  std::shared_ptr<TraceDispatcher> trace)
      : listener_(std::move(listener)),
        batchListener_(std::move(batchListener)),
        group_(std::move(group)),
        trace_(std::move(trace)) {}

  // One result per message handled, in order: every message, or with
  // `stopAtFailure` up to and including the first failure (see BatchListener).
  std::vector<ConsumeResult> consume(const std::vector<std::shared_ptr<MessageExt>>& messages,
                                     bool stopAtFailure) const;
  // One message through the listener, without trace records: what a
  // console's CONSUME_MESSAGE_DIRECTLY runs (Java's consumeMessageDirectly
  // calls the listener without the consume hooks).
  // `failure` receives what the listener said went wrong when it failed
  // (see noteListenerFailure), else is left empty.
  ConsumeResult consumeOne(const MessageExt& message, std::string* failure) const;
  // True when a call takes a whole burst: the services then hand over more
  // than batchMaxSize messages at once.
  bool takesBursts() const { return static_cast<bool>(batchListener_); }

 private:
  std::vector<ConsumeResult> consumeUntraced(const std::vector<const MessageExt*>& messages,
                                             bool stopAtFailure) const;

  MessageListener listener_;
  BatchListener batchListener_;
  std::string group_;
  std::shared_ptr<TraceDispatcher> trace_;  // null when trace is off
};

// A listener about to report kListenerFailed (through the C API: a callback
// whose own handler raised) says why; kept for the calling thread's current
// listener call, where a consume-directly answer picks it up as its remark.
void noteListenerFailure(std::string description);

// A retried message arrives in the group's retry topic; its listener sees
// the topic it was first sent to.
void restoreRetryTopic(MessageExt& message);

bool isRetryTopic(const std::string& topic);
int64_t wallClockMs();

}  // namespace rmq
