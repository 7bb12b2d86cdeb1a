#include "producer/validators.h"

#include <set>

#include "common/errors.h"

namespace rmq {

namespace {

[[noreturn]] void reject(const std::string& why) { throw MQException(ErrorKind::kIllegalArgument, why); }

bool isBlank(const std::string& s) {
  for (char c : s) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  }
  return true;
}

// Topics a client may not send to: the auto-create template topic and the
// broker's internal topics.
const std::set<std::string>& reservedTopics() {
  static const std::set<std::string> topics = {
      "TBW102",
      "SCHEDULE_TOPIC_XXXX",
      "RMQ_SYS_TRANS_HALF_TOPIC",
      "RMQ_SYS_TRANS_OP_HALF_TOPIC",
      "TRANS_CHECK_MAX_TIME_TOPIC",
      "SELF_TEST_TOPIC",
      "OFFSET_MOVED_EVENT",
  };
  return topics;
}

constexpr const char* kAllowedCharset = "^[%|a-zA-Z0-9_-]+$";
constexpr const char* kRetryTopicPrefix = "%RETRY%";

}  // namespace

bool isValidResourceName(const std::string& name) {
  for (unsigned char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '%' ||
                    c == '|' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return !name.empty();
}

void checkTopic(const std::string& topic) {
  if (isBlank(topic)) reject("topic name is blank");
  if (topic.size() > kTopicMaxLength) {
    reject("topic name is longer than " + std::to_string(kTopicMaxLength) + " characters: " + topic);
  }
  if (!isValidResourceName(topic)) {
    reject("topic name contains illegal characters: " + topic + " (allowed: " + kAllowedCharset + ")");
  }
  if (reservedTopics().count(topic) != 0) reject("sending to the reserved topic " + topic + " is forbidden");
}

void checkGroup(const std::string& group) {
  if (isBlank(group)) reject("group name is blank");
  if (group.size() > kGroupMaxLength) {
    reject("group name is longer than " + std::to_string(kGroupMaxLength) + " characters: " + group);
  }
  if (!isValidResourceName(group)) {
    reject("group name contains illegal characters: " + group + " (allowed: " + kAllowedCharset + ")");
  }
}

void checkMessage(const Message& msg, size_t maxBodySize) {
  checkTopic(msg.topic());
  if (msg.body().empty()) reject("message body is empty");
  if (msg.body().size() > maxBodySize) {
    reject("message body is " + std::to_string(msg.body().size()) + " bytes, more than the maximum of " +
           std::to_string(maxBodySize));
  }
  const int level = msg.delayTimeLevel();
  if (level < 0 || level > kMaxDelayLevel) {
    reject("delay level " + std::to_string(level) + " is out of range 0.." + std::to_string(kMaxDelayLevel));
  }
}

void checkBatch(const std::vector<Message>& messages, size_t maxBodySize) {
  if (messages.empty()) reject("batch holds no messages");
  const std::string& topic = messages.front().topic();
  for (const Message& msg : messages) {
    checkMessage(msg, maxBodySize);
    if (msg.topic() != topic) reject("all messages of a batch must have the same topic");
    if (msg.delayTimeLevel() > 0) reject("delayed messages cannot be sent in a batch");
    if (msg.topic().compare(0, 7, kRetryTopicPrefix) == 0) reject("retry messages cannot be sent in a batch");
  }
}

}  // namespace rmq
