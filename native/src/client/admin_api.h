// Offset questions any broker node of a queue can answer (MQAdminImpl):
// the newest offset of a queue, and the first offset stored at or after a
// time. Asked at the master, or at a slave when the master is gone.
#pragma once

#include <cstdint>

#include "client/client_instance.h"
#include "common/message_queue.h"

namespace rmq {

// GET_MAX_OFFSET. Throws MQException (kNoRoute naming the broker, network
// errors, kBrokerError when refused).
int64_t queryMaxOffset(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs);
// SEARCH_OFFSET_BY_TIMESTAMP.
int64_t searchOffset(ClientInstance& client, const MessageQueue& mq, int64_t timestampMs, int64_t timeoutMs);

// The node offset and admin requests of `brokerName` go to: the master, else
// any node; the route is asked again once when none is known.
BrokerAddress adminAddress(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs);

}  // namespace rmq
