#include "client/admin_api.h"

#include "common/errors.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

constexpr int64_t kMasterId = 0;

int64_t offsetQuery(ClientInstance& client, const MessageQueue& mq, RemotingCommand& request, const char* what,
                    int64_t timeoutMs) {
  request.extFields["topic"] = mq.topic;
  request.extFields["queueId"] = std::to_string(mq.queueId);
  const BrokerAddress node = adminAddress(client, mq, timeoutMs);
  auto response = client.remoting().invokeSync(node.addr, request, timeoutMs);
  if (response->code != response_code::kSuccess) {
    throw MQException(ErrorKind::kBrokerError,
                      std::string(what) + " refused by broker " + mq.brokerName + ": " + response->remark,
                      response->code);
  }
  try {
    return std::stoll(response->field("offset", "0"));
  } catch (const std::exception&) {
    throw MQException(ErrorKind::kProtocol, std::string(what) + " answer without a numeric offset");
  }
}

}  // namespace

BrokerAddress adminAddress(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs) {
  BrokerAddress node;
  if (client.findBrokerAddressInSubscribe(mq.brokerName, kMasterId, false, &node)) return node;
  client.updateRouteFromNameServer(mq.topic, timeoutMs);
  if (client.findBrokerAddressInSubscribe(mq.brokerName, kMasterId, false, &node)) return node;
  throw MQException(ErrorKind::kNoRoute, "the broker " + mq.brokerName + " is not in the route of " + mq.topic);
}

int64_t queryMaxOffset(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetMaxOffset);
  return offsetQuery(client, mq, request, "GET_MAX_OFFSET", timeoutMs);
}

int64_t queryMinOffset(ClientInstance& client, const MessageQueue& mq, int64_t timeoutMs) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetMinOffset);
  return offsetQuery(client, mq, request, "GET_MIN_OFFSET", timeoutMs);
}

int64_t queryConsumerOffset(ClientInstance& client, const std::string& group, const MessageQueue& mq,
                            int64_t timeoutMs) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kQueryConsumerOffset);
  request.extFields["consumerGroup"] = group;
  request.extFields["topic"] = mq.topic;
  request.extFields["queueId"] = std::to_string(mq.queueId);
  const BrokerAddress node = adminAddress(client, mq, timeoutMs);
  auto response = client.remoting().invokeSync(node.addr, request, timeoutMs);
  if (response->code == response_code::kQueryNotFound) return -1;
  if (response->code != response_code::kSuccess) {
    throw MQException(ErrorKind::kBrokerError,
                      "QUERY_CONSUMER_OFFSET refused by broker " + mq.brokerName + ": " + response->remark,
                      response->code);
  }
  try {
    return std::stoll(response->field("offset", "-1"));
  } catch (const std::exception&) {
    throw MQException(ErrorKind::kProtocol, "QUERY_CONSUMER_OFFSET answer without a numeric offset");
  }
}

Json queryClusterInfo(ClientInstance& client, int64_t timeoutMs) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetBrokerClusterInfo);
  auto response = client.invokeNameServer(request, timeoutMs);
  if (response->code != response_code::kSuccess) {
    throw MQException(ErrorKind::kBrokerError, "GET_BROKER_CLUSTER_INFO refused by the name server: " +
                                                   response->remark,
                      response->code);
  }
  Json info = Json::parse(response->body);
  if (!info.isObject()) throw MQException(ErrorKind::kProtocol, "cluster info is not a JSON object");
  return info;
}

Json queryBrokerRuntimeInfo(ClientInstance& client, const std::string& addr, int64_t timeoutMs) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetBrokerRuntimeInfo);
  auto response = client.remoting().invokeSync(addr, request, timeoutMs);
  if (response->code != response_code::kSuccess) {
    throw MQException(ErrorKind::kBrokerError,
                      "GET_BROKER_RUNTIME_INFO refused by broker " + addr + ": " + response->remark,
                      response->code);
  }
  const Json answer = Json::parse(response->body);
  Json table = answer["table"];
  if (!table.isObject()) throw MQException(ErrorKind::kProtocol, "runtime info of " + addr + " has no table");
  return table;
}

int64_t searchOffset(ClientInstance& client, const MessageQueue& mq, int64_t timestampMs, int64_t timeoutMs) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kSearchOffsetByTimestamp);
  request.extFields["timestamp"] = std::to_string(timestampMs);
  return offsetQuery(client, mq, request, "SEARCH_OFFSET_BY_TIMESTAMP", timeoutMs);
}

}  // namespace rmq
