#include "consumer/consume_listener.h"

#include <chrono>

#include "message/message.h"

namespace rmq {

namespace {

constexpr const char* kRetryGroupTopicPrefix = "%RETRY%";
// ConsumeReturnType ordinals in SubAfter trace records.
constexpr int kConsumeReturnSuccess = 0;
constexpr int kConsumeReturnFailed = 4;

// What the listener now running on this thread said about its failure.
thread_local std::string listenerFailure;

}  // namespace

bool isRetryTopic(const std::string& topic) { return topic.rfind(kRetryGroupTopicPrefix, 0) == 0; }

int64_t wallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void restoreRetryTopic(MessageExt& message) {
  std::string original = message.property(property::kRetryTopic);
  if (!original.empty() && isRetryTopic(message.topic())) message.setTopic(original);
}

std::vector<ConsumeResult> ListenerInvoker::consume(const std::vector<std::shared_ptr<MessageExt>>& messages,
                                                    bool stopAtFailure) const {
  std::vector<const MessageExt*> views;
  views.reserve(messages.size());
  for (const auto& message : messages) views.push_back(message.get());
  if (!trace_) return consumeUntraced(views, stopAtFailure);
  // A SubBefore record per message, the call, a SubAfter record per message
  // handled; with a burst, each carries the time of the whole call.
  std::vector<TraceRecord> after;
  after.reserve(views.size());
  const int64_t started = wallClockMs();
  for (const MessageExt* message : views) {
    TraceRecord before;
    before.type = TraceType::kSubBefore;
    before.timestampMs = started;
    const std::string region = message->property(property::kMsgRegion);
    if (!region.empty()) before.regionId = region;
    before.groupName = group_;
    before.requestId = createUniqueMessageId();
    before.msgId = message->msgId();
    before.retryTimes = message->reconsumeTimes;
    before.keys = message->keys();
    after.push_back(before);
    trace_->submit(std::move(before));
  }
  std::vector<ConsumeResult> results = consumeUntraced(views, stopAtFailure);
  const int64_t ended = wallClockMs();
  for (size_t i = 0; i < results.size(); ++i) {
    TraceRecord& record = after[i];
    record.type = TraceType::kSubAfter;
    record.costTimeMs = ended - started;
    record.timestampMs = ended;
    record.success = results[i] == ConsumeResult::kSuccess;
    record.contextCode = record.success ? kConsumeReturnSuccess : kConsumeReturnFailed;
    trace_->submit(std::move(record));
  }
  return results;
}

std::vector<ConsumeResult> ListenerInvoker::consumeUntraced(const std::vector<const MessageExt*>& messages,
                                                            bool stopAtFailure) const {
  std::vector<ConsumeResult> results;
  results.reserve(messages.size());
  if (batchListener_) {
    try {
      batchListener_(messages, stopAtFailure, results);
    } catch (...) {
      results.clear();
    }
    if (results.size() > messages.size()) results.resize(messages.size());
    return results;
  }
  for (const MessageExt* message : messages) {
    ConsumeResult result;
    try {
      result = listener_(*message);
    } catch (const std::exception& e) {
      noteListenerFailure(e.what());
      result = ConsumeResult::kListenerFailed;
    } catch (...) {
      result = ConsumeResult::kListenerFailed;
    }
    results.push_back(result);
    if (stopAtFailure && result != ConsumeResult::kSuccess) break;
  }
  return results;
}

ConsumeResult ListenerInvoker::consumeOne(const MessageExt& message, std::string* failure) const {
  listenerFailure.clear();
  const std::vector<ConsumeResult> results = consumeUntraced({&message}, false);
  // A batch listener that handled nothing (its consumer is stopping) did not consume it.
  const ConsumeResult result = results.empty() ? ConsumeResult::kReconsumeLater : results.front();
  if (failure != nullptr && result == ConsumeResult::kListenerFailed) *failure = listenerFailure;
  listenerFailure.clear();
  return result;
}

void noteListenerFailure(std::string description) { listenerFailure = std::move(description); }

}  // namespace rmq
