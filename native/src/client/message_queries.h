// Looking stored messages up (MQAdminImpl): by offset message id, by unique
// key, by a key of KEYS within a time range; the oldest offset and store
// time of a queue; and asking a consumer client to consume one stored
// message right now (MQAdminExt.consumeMessageDirectly).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "client/client_instance.h"
#include "common/json.h"
#include "common/message_queue.h"
#include "message/message.h"

namespace rmq {

// ResponseCode.NO_MESSAGE: what the queries below throw (as kBrokerError)
// when nothing matched.
constexpr int kNoMessageResponseCode = 208;

// GET_EARLIEST_MSG_STORETIME: the store time of a queue's oldest message (-1
// when the queue holds none).
int64_t queryEarliestMsgStoreTime(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs);

// VIEW_MESSAGE_BY_ID at the store host the offset id names. Throws
// MQException(kIllegalArgument) for a malformed id, kBrokerError with
// kNoMessageResponseCode when the broker holds nothing there.
MessageExt viewMessageByOffsetId(ClientInstance& client, const std::string& offsetMsgId, int64_t timeoutMs);

// QUERY_MESSAGE to one node (the master, else a slave) of every broker of
// `topic`, side by side. By key: the messages whose KEYS hold `key`. By
// unique key: the one whose message id is `key` (the first stored, when a
// resend stored it twice). Throws kBrokerError with kNoMessageResponseCode
// when no broker had a match, MQException(kNoRoute) for an unknown topic.
std::vector<MessageExt> queryMessages(ClientInstance& client, const std::string& topic, const std::string& key,
                                      int maxNum, int64_t beginMs, int64_t endMs, bool uniqueKey,
                                      int64_t timeoutMs);

// Java's viewMessage(topic, msgId): an offset id is read from the broker it
// names; any other id (a producer's UNIQ_KEY) is queried by unique key in
// `topic`. An empty topic accepts offset ids only.
MessageExt viewMessage(ClientInstance& client, const std::string& topic, const std::string& msgId,
                       int64_t timeoutMs);

// GET_CONSUMER_LIST_BY_GROUP at a broker of `topic`: the client ids of the
// group's consumers online there.
std::vector<std::string> queryConsumerIds(ClientInstance& client, const std::string& group,
                                          const std::string& topic, int64_t timeoutMs);

// CONSUME_MESSAGE_DIRECTLY through the broker that stores the message: the
// consumer `clientId` of `group` runs it through its listener and answers
// with ConsumeMessageDirectlyResult's JSON (order, autoCommit,
// consumeResult, remark, spentTimeMills). Throws kBrokerError when the
// broker or consumer refused.
Json consumeMessageDirectly(ClientInstance& client, const std::string& group, const std::string& clientId,
                            const std::string& topic, const std::string& msgId, int64_t timeoutMs);

}  // namespace rmq
