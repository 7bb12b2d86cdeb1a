// AllocateMessageQueueAveragely: the Java client's default way of sharing a
// topic's queues among the consumers of a group. Every consumer computes the
// same answer from the same sorted inputs, so no coordination is needed.
#pragma once

#include <string>
#include <vector>

#include "common/message_queue.h"

namespace rmq {

// `queues` and `clientIds` must be sorted. Returns this client's share;
// empty when `clientId` is not among `clientIds`.
std::vector<MessageQueue> allocateAveragely(const std::vector<MessageQueue>& queues,
                                            const std::vector<std::string>& clientIds, const std::string& clientId);

}  // namespace rmq
