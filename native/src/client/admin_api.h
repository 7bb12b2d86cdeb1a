// Offset questions any broker node of a queue can answer (MQAdminImpl):
// the newest offset of a queue, and the first offset stored at or after a
// time. Asked at the master, or at a slave when the master is gone. Also the
// read-only questions of an admin tool (MQAdminExt): a consumer group's
// committed offset, the brokers of the cluster and what each says about
// itself.
#pragma once

#include <cstdint>
#include <string>

#include "client/client_instance.h"
#include "common/json.h"
#include "common/message_queue.h"

namespace rmq {

// GET_MAX_OFFSET. Throws MQException (kNoRoute naming the broker, network
// errors, kBrokerError when refused).
int64_t queryMaxOffset(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs);
// GET_MIN_OFFSET: the oldest offset the queue still holds. Throws as queryMaxOffset.
int64_t queryMinOffset(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs);
// SEARCH_OFFSET_BY_TIMESTAMP.
int64_t searchOffset(ClientInstance& client, const MessageQueue& mq, int64_t timestampMs, int64_t timeoutMs);

// The node offset and admin requests of `brokerName` go to: the master, else
// any node; the route is asked again once when none is known.
BrokerAddress adminAddress(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs);

// QUERY_CONSUMER_OFFSET: the offset `group` committed for `mq`, -1 when it
// committed none (QUERY_NOT_FOUND). Throws as queryMaxOffset.
int64_t queryConsumerOffset(ClientInstance& client, const std::string& group, const MessageQueue& mq,
                            int64_t timeoutMs);

// GET_BROKER_CLUSTER_INFO from the name servers (ClusterInfo.java):
// brokerAddrTable (broker name -> cluster, brokerName, brokerAddrs keyed by
// broker id) and clusterAddrTable (cluster -> broker names). Throws
// MQException (network errors, kBrokerError when refused, kProtocol).
Json queryClusterInfo(ClientInstance& client, int64_t timeoutMs);

// GET_BROKER_RUNTIME_INFO from the broker at `addr`: the table of its
// KVTable answer, every value a string (brokerVersionDesc, brokerVersion,
// msgPutTotalTodayNow, ...). Throws as queryClusterInfo.
Json queryBrokerRuntimeInfo(ClientInstance& client, const std::string& addr, int64_t timeoutMs);

}  // namespace rmq
