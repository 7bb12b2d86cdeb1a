#include "consumer/client_check.h"

#include <random>

#include "common/errors.h"
#include "remoting/protocol_codes.h"

namespace rmq {

std::string brokerAddressOfTopic(ClientInstance& client, const std::string& topic) {
  std::vector<std::string> brokers = client.brokerNamesOf(topic);
  if (brokers.empty()) return std::string();
  // Any broker will do: the brokers of a cluster are assumed to share their filter settings.
  static thread_local std::mt19937 random{std::random_device{}()};
  const std::string& name = brokers[std::uniform_int_distribution<size_t>(0, brokers.size() - 1)(random)];
  BrokerAddress node;
  if (!client.findBrokerAddressInSubscribe(name, 0, false, &node)) return std::string();
  return node.addr;
}

void checkSubscriptionInBroker(ClientInstance& client, const std::string& addr, const std::string& group,
                               const SubscriptionData& subscription, int64_t timeoutMs) {
  // CheckClientRequestBody: the client id, the group and the SubscriptionData.
  Json body = Json::object();
  body["clientId"] = client.clientId();
  body["group"] = group;
  body["subscriptionData"] = subscriptionJson(subscription);
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kCheckClientConfig);
  request.body = body.dump();
  auto response = client.remoting().invokeSync(addr, request, timeoutMs);
  if (response->code == response_code::kSuccess) return;
  throw MQException(ErrorKind::kBrokerError,
                    "the broker at " + addr + " refused the " + subscription.expressionType + " subscription \"" +
                        subscription.subString + "\" of topic " + subscription.topic + " (code " +
                        std::to_string(response->code) + "): " + response->remark,
                    response->code);
}

}  // namespace rmq
