// What the producer reports for a message the broker accepted.
#pragma once

#include <cstdint>
#include <string>

#include "common/message_queue.h"

namespace rmq {

// Values match CSendStatus.
enum class SendStatus : int { kSendOk = 0, kFlushDiskTimeout = 1, kFlushSlaveTimeout = 2, kSlaveNotAvailable = 3 };

struct SendResult {
  SendStatus status = SendStatus::kSendOk;
  std::string msgId;        // UNIQ_KEY (comma-separated for a batch)
  std::string offsetMsgId;  // store host + commit log offset, from the broker
  MessageQueue queue;
  int64_t queueOffset = 0;
  std::string transactionId;
  std::string regionId = "DefaultRegion";  // the broker's MSG_REGION
  std::string brokerAddr;                  // where it was stored
};

// Outcome of a local transaction; values match CTransactionStatus.
enum class LocalTransactionState : int { kCommit = 0, kRollback = 1, kUnknown = 2 };

}  // namespace rmq
