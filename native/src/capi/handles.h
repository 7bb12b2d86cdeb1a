// What the opaque C handles of include/ really are. Shared by every C API
// source file (producer and consumer side).
#pragma once

#include <memory>
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

// Wraps a received message: either its own copy (pull results) or, for the
// length of a callback, one the core keeps alive meanwhile (push delivery,
// transaction checks), so delivering a message copies nothing. The id is
// computed on first use and kept, so GetMessageId can hand out a pointer that
// lives as long as the handle. A handle is used by one thread at a time.
struct CMessageExt {
  explicit CMessageExt(rmq::MessageExt m)
      : owned(std::make_unique<rmq::MessageExt>(std::move(m))), message(owned.get()) {}
  explicit CMessageExt(const rmq::MessageExt* borrowed) : message(borrowed) {}

  const std::string& id() const {
    if (!idKnown) {
      messageId = message->msgId();
      idKnown = true;
    }
    return messageId;
  }

  std::unique_ptr<rmq::MessageExt> owned;
  const rmq::MessageExt* message;
  mutable std::string messageId;
  mutable bool idKnown = false;
};

struct CBatchMessage {
  std::vector<rmq::Message> messages;
};
