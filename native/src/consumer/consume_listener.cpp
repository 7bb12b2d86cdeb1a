#include "consumer/consume_listener.h"

#include <chrono>

#include "message/message.h"

namespace rmq {

namespace {

constexpr const char* kRetryGroupTopicPrefix = "%RETRY%";
// ConsumeReturnType ordinals in SubAfter trace records.
constexpr int kConsumeReturnSuccess = 0;
constexpr int kConsumeReturnFailed = 4;

// The listener sees the original topic of a retried message.
void restoreRetryTopic(MessageExt& message) {
  std::string original = message.property(property::kRetryTopic);
  if (!original.empty() && isRetryTopic(message.topic())) message.setTopic(original);
}

}  // namespace

bool isRetryTopic(const std::string& topic) { return topic.rfind(kRetryGroupTopicPrefix, 0) == 0; }

int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

ConsumeResult ListenerInvoker::call(MessageExt& message) const {
  restoreRetryTopic(message);
  if (!trace_) return callUntraced(message);
  TraceRecord before;
  before.type = TraceType::kSubBefore;
  before.timestampMs = wallClockMs();
  const std::string region = message.property(property::kMsgRegion);
  if (!region.empty()) before.regionId = region;
  before.groupName = group_;
  before.requestId = createUniqueMessageId();
  before.msgId = message.msgId();
  before.retryTimes = message.reconsumeTimes;
  before.keys = message.keys();
  TraceRecord after = before;
  trace_->submit(std::move(before));
  ConsumeResult result = callUntraced(message);
  after.type = TraceType::kSubAfter;
  after.costTimeMs = wallClockMs() - after.timestampMs;
  after.timestampMs = wallClockMs();
  after.success = result == ConsumeResult::kSuccess;
  after.contextCode = after.success ? kConsumeReturnSuccess : kConsumeReturnFailed;
  trace_->submit(std::move(after));
  return result;
}

ConsumeResult ListenerInvoker::callUntraced(MessageExt& message) const {
  try {
    return listener_(message);
  } catch (...) {
    return ConsumeResult::kReconsumeLater;
  }
}

}  // namespace rmq
