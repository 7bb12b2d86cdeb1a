// Client-side checks of names and messages before anything goes on the wire
// (Validators.java and TopicValidator.java). Each throws
// MQException(kIllegalArgument) with a message saying what is wrong.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "message/message.h"

namespace rmq {

constexpr size_t kTopicMaxLength = 127;
constexpr size_t kGroupMaxLength = 255;
constexpr int kMaxDelayLevel = 18;  // MessageStoreConfig.messageDelayLevel has 18 levels

// True when every character is in [%|a-zA-Z0-9_-], the charset RocketMQ
// allows for topics and groups ('%' and '|' appear in namespaced names).
bool isValidResourceName(const std::string& name);

void checkTopic(const std::string& topic);
void checkGroup(const std::string& group);
// Topic, body size (1..maxBodySize) and delay level of one message.
void checkMessage(const Message& msg, size_t maxBodySize);
// Each message as above, plus: one topic for all, no delay, no retry topic.
void checkBatch(const std::vector<Message>& messages, size_t maxBodySize);

}  // namespace rmq
