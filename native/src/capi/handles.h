// What the opaque C handles of include/ really are. Shared by every C API
// source file (producer and consumer side).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "CBatchMessage.h"
#include "CMessage.h"
#include "CMessageExt.h"
#include "message/message.h"

struct CMessage {
  rmq::Message message;
};

// Wraps a received message. The id is computed once so GetMessageId can
// hand out a pointer that lives as long as the handle.
struct CMessageExt {
  explicit CMessageExt(rmq::MessageExt m) : message(std::move(m)), messageId(message.msgId()) {}
  rmq::MessageExt message;
  std::string messageId;
};

struct CBatchMessage {
  std::vector<rmq::Message> messages;
};
