// The admin client's C API (CAdmin.h) and SendMessageSyncDetailed
// (CSendDetail.h) against a scripted name server and broker on 127.0.0.1:
// what goes on the wire, the JSON handed back, the statuses and messages of
// failures, and misuse (NULL, setters after start, queries outside
// start/shutdown).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "CAdmin.h"
#include "CErrorMessage.h"
#include "CMessage.h"
#include "CProducer.h"
#include "CSendDetail.h"
#include "common/json.h"
#include "message/byte_buffer.h"
#include "message/message_id.h"
#include "remoting/remoting_command.h"
#include "checks.h"
#include "fake_server.h"

using rmq::Json;
using rmq::RemotingCommand;

namespace {


// A handler that always answers, as FakeServer's handlers say with `true`.
fake::FakeServer::Handler answering(void (*handler)(const RemotingCommand&, RemotingCommand*)) {
  return [handler](int, RemotingCommand& request, RemotingCommand* response) {
    handler(request, response);
    return true;
  };
}

std::string brokerAddr;
std::string slaveAddr = "127.0.0.1:1";  // nothing listens there; only named in routes

void brokerHandler(const RemotingCommand& request, RemotingCommand* response) {
  switch (request.code) {
    case 30:  // GET_MAX_OFFSET
      response->extFields["offset"] = "42";
      break;
    case 14:  // QUERY_CONSUMER_OFFSET
      if (request.field("consumerGroup") == "GID_none") {
        response->code = 22;
        response->setRemark("Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first");
      } else if (request.field("consumerGroup") == "GID_denied") {
        response->code = 1;
        response->setRemark("org.apache.rocketmq.acl.common.AclException: No default permission for group:GID_denied");
      } else {
        response->extFields["offset"] = "7";
      }
      break;
    case 28:  // GET_BROKER_RUNTIME_INFO
      response->body = "{\"table\":{\"brokerVersionDesc\":\"V4_9_8\",\"brokerVersion\":\"409\",\"bootTimestamp\":1}}";
      break;
    case 310:  // SEND_MESSAGE_V2
      response->extFields["msgId"] =
          rmq::createOffsetMessageId(std::string("\x7f\x00\x00\x01", 4), 10911, 123456);
      response->extFields["queueId"] = request.field("e");
      response->extFields["queueOffset"] = "99";
      break;
    default:
      break;  // heartbeats and anything else: plain success
  }
}

void nameServerHandler(const RemotingCommand& request, RemotingCommand* response) {
  if (request.code == 105) {  // GET_ROUTEINFO_BY_TOPIC, as a Java name server writes it
    // No auto-create template either: a producer cannot fall back on it.
    if (request.field("topic") == "NoSuchTopic" || request.field("topic") == "TBW102") {
      response->code = 17;
      response->setRemark("No topic route info in name server for the topic: NoSuchTopic");
      return;
    }
    response->body = "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"" + brokerAddr + "\",1:\"" + slaveAddr +
                     "\"},\"brokerName\":\"broker-a\",\"cluster\":\"DefaultCluster\"}],\"filterServerTable\":{},"
                     "\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":6,\"readQueueNums\":4,"
                     "\"topicSysFlag\":0,\"writeQueueNums\":2}]}";
  } else if (request.code == 106) {  // GET_BROKER_CLUSTER_INFO
    response->body = "{\"brokerAddrTable\":{\"broker-a\":{\"brokerAddrs\":{0:\"" + brokerAddr + "\",1:\"" +
                     slaveAddr + "\"},\"brokerName\":\"broker-a\",\"cluster\":\"DefaultCluster\"}},"
                     "\"clusterAddrTable\":{\"DefaultCluster\":[\"broker-a\"]}}";
  }
}

bool latestErrorHas(const std::string& text) {
  return std::string(GetLatestErrorMessage()).find(text) != std::string::npos;
}

// The JSON a query handed back, parsed, and released.
Json takeJson(char* text) {
  if (text == nullptr) return Json();
  Json parsed = Json::parse(text);
  CHECK(ReleaseAdminString(text) == OK);
  return parsed;
}

void misuse() {
  char* json = reinterpret_cast<char*>(&json);  // not NULL: the call must clear it
  long long offset = 5;
  CHECK(GetTopicRouteJson(nullptr, "T", &json) == NULL_POINTER && json == nullptr);
  CHECK(GetMaxOffset(nullptr, "T", "broker-a", 0, &offset) == NULL_POINTER && offset == -1);
  CHECK(SetAdminClientNameServerAddress(nullptr, "x") == NULL_POINTER);
  CHECK(StartAdminClient(nullptr) == NULL_POINTER);
  CHECK(DestroyAdminClient(nullptr) == NULL_POINTER);
  CHECK(ReleaseAdminString(nullptr) == NULL_POINTER);

  CAdminClient* admin = CreateAdminClient(nullptr);
  CHECK(admin != nullptr);
  CHECK(GetClusterInfoJson(admin, nullptr) == NULL_POINTER);
  CHECK(GetTopicRouteJson(admin, nullptr, &json) == NULL_POINTER);
  CHECK(GetClusterInfoJson(admin, &json) == ADMIN_QUERY_FAILED && json == nullptr);
  CHECK(latestErrorHas("not started"));
  CHECK(SetAdminClientTimeout(admin, 0) == ADMIN_QUERY_FAILED && latestErrorHas("must be positive"));
  CHECK(ShutdownAdminClient(admin) == OK);  // before start: nothing to do, may still start
  CHECK(StartAdminClient(admin) == OK);     // no name server: allowed, queries fail
  CHECK(StartAdminClient(admin) == OK);     // idempotent
  CHECK(GetClusterInfoJson(admin, &json) == ADMIN_QUERY_FAILED && latestErrorHas("no name server address"));
  CHECK(SetAdminClientNameServerAddress(admin, "127.0.0.1:9876") == ADMIN_QUERY_FAILED);
  CHECK(latestErrorHas("before the admin client starts"));
  CHECK(SetAdminClientSessionCredentials(admin, "ak", "sk", nullptr) == ADMIN_QUERY_FAILED);
  CHECK(SetAdminClientTls(admin, 1, nullptr) == ADMIN_QUERY_FAILED);
  CHECK(GetMaxOffset(admin, "T", "broker-a", -1, &offset) == ADMIN_QUERY_FAILED && latestErrorHas("negative"));
  CHECK(ShutdownAdminClient(admin) == OK);
  CHECK(ShutdownAdminClient(admin) == OK);
  CHECK(GetClusterInfoJson(admin, &json) == ADMIN_QUERY_FAILED && latestErrorHas("shut down"));
  CHECK(StartAdminClient(admin) == ADMIN_START_FAILED && latestErrorHas("cannot start again"));
  CHECK(DestroyAdminClient(admin) == OK);
}

void queries(fake::FakeServer& nameServer, fake::FakeServer& broker) {
  CAdminClient* admin = CreateAdminClient("admin-test");
  // A dead name server first: the client fails over to the live one.
  CHECK(SetAdminClientNameServerAddress(admin, ("127.0.0.1:1;" + nameServer.address()).c_str()) == OK);
  CHECK(SetAdminClientSessionCredentials(admin, "RocketMQ", "12345678", "") == OK);
  CHECK(SetAdminClientTimeout(admin, 2000) == OK);
  CHECK(StartAdminClient(admin) == OK);

  char* json = nullptr;
  CHECK(GetTopicRouteJson(admin, "Orders", &json) == OK);
  Json route = takeJson(json);
  CHECK(route["topic"].asString() == "Orders");
  CHECK(route["queueDatas"].size() == 1 && route["brokerDatas"].size() == 1);
  const Json& queue = route["queueDatas"].elements().at(0);
  CHECK(queue["brokerName"].asString() == "broker-a" && queue["readQueueNums"].asInt() == 4);
  CHECK(queue["writeQueueNums"].asInt() == 2 && queue["perm"].asInt() == 6);
  const Json& brokerData = route["brokerDatas"].elements().at(0);
  CHECK(brokerData["cluster"].asString() == "DefaultCluster");
  CHECK(brokerData["brokerAddrs"]["0"].asString() == brokerAddr);
  CHECK(brokerData["brokerAddrs"]["1"].asString() == slaveAddr);
  // Strict JSON: broker ids are quoted keys.
  const std::string routeText = route.dump();
  CHECK(routeText.find("{0:") == std::string::npos);
  // Signed as producers sign (AclClientRPCHook).
  RemotingCommand routeRequest = nameServer.last(105);
  CHECK(routeRequest.field("AccessKey") == "RocketMQ" && !routeRequest.field("Signature").empty());
  CHECK(routeRequest.field("OnsChannel") == "ALIYUN");

  CHECK(GetTopicRouteJson(admin, "NoSuchTopic", &json) == ADMIN_TOPIC_NOT_EXIST && json == nullptr);
  CHECK(latestErrorHas("NoSuchTopic"));

  CHECK(GetClusterInfoJson(admin, &json) == OK);
  Json cluster = takeJson(json);
  CHECK(cluster["clusterAddrTable"]["DefaultCluster"].size() == 1);
  CHECK(cluster["brokerAddrTable"]["broker-a"]["brokerAddrs"]["0"].asString() == brokerAddr);
  CHECK(cluster["brokerAddrTable"]["broker-a"]["brokerAddrs"]["1"].asString() == slaveAddr);
  CHECK(cluster["brokerAddrTable"]["broker-a"]["cluster"].asString() == "DefaultCluster");

  CHECK(GetBrokerRuntimeInfoJson(admin, brokerAddr.c_str(), &json) == OK);
  Json runtime = takeJson(json);
  CHECK(runtime["brokerVersionDesc"].asString() == "V4_9_8");
  CHECK(runtime["bootTimestamp"].isString() && runtime["bootTimestamp"].asString() == "1");
  CHECK(GetBrokerRuntimeInfoJson(admin, slaveAddr.c_str(), &json) == ADMIN_QUERY_FAILED && json == nullptr);

  long long offset = 0;
  CHECK(GetMaxOffset(admin, "Orders", "broker-a", 3, &offset) == OK && offset == 42);
  RemotingCommand maxRequest = broker.last(30);
  CHECK(maxRequest.field("topic") == "Orders" && maxRequest.field("queueId") == "3");
  CHECK(!maxRequest.field("Signature").empty());
  CHECK(GetMaxOffset(admin, "Orders", "broker-z", 0, &offset) == ADMIN_QUERY_FAILED && offset == -1);
  CHECK(latestErrorHas("broker-z"));

  CHECK(QueryConsumerOffset(admin, "GID_some", "Orders", "broker-a", 1, &offset) == OK && offset == 7);
  RemotingCommand offsetRequest = broker.last(14);
  CHECK(offsetRequest.field("consumerGroup") == "GID_some" && offsetRequest.field("queueId") == "1");
  CHECK(QueryConsumerOffset(admin, "GID_none", "Orders", "broker-a", 1, &offset) == OK && offset == -1);
  CHECK(QueryConsumerOffset(admin, "GID_denied", "Orders", "broker-a", 1, &offset) == ADMIN_QUERY_FAILED);
  CHECK(latestErrorHas("AclException: No default permission for group:GID_denied"));

  CHECK(DestroyAdminClient(admin) == OK);  // shuts down first
}

void unreachableNameServer() {
  CAdminClient* admin = CreateAdminClient(nullptr);
  CHECK(SetAdminClientNameServerAddress(admin, "127.0.0.1:1") == OK);
  CHECK(StartAdminClient(admin) == OK);
  char* json = nullptr;
  CHECK(GetTopicRouteJson(admin, "Orders", &json) == ADMIN_QUERY_FAILED && json == nullptr);
  CHECK(latestErrorHas("no name server answered"));
  CHECK(GetClusterInfoJson(admin, &json) == ADMIN_QUERY_FAILED && latestErrorHas("127.0.0.1:1"));
  CHECK(DestroyAdminClient(admin) == OK);
}

void detailedSend(fake::FakeServer& nameServer) {
  CSendResultDetail result;
  CHECK(SendMessageSyncDetailed(nullptr, nullptr, &result) == NULL_POINTER);
  CProducer* producer = CreateProducer("PID_detail");
  CHECK(SetProducerNameServerAddress(producer, nameServer.address().c_str()) == OK);
  CHECK(StartProducer(producer) == OK);
  CMessage* msg = CreateMessage("Orders");
  CHECK(SetMessageBody(msg, "hello") == OK);
  CHECK(SendMessageSyncDetailed(producer, msg, nullptr) == NULL_POINTER);
  std::memset(&result, 0x7f, sizeof(result));
  CHECK(SendMessageSyncDetailed(producer, msg, &result) == OK);
  CHECK(result.sendStatus == E_SEND_OK && result.offset == 99);
  CHECK(std::string(result.queue.topic) == "Orders" && std::string(result.queue.brokerName) == "broker-a");
  CHECK(result.queue.queueId >= 0 && result.queue.queueId < 2);  // the route's two write queues
  CHECK(std::strlen(result.msgId) == 32);
  CHECK(std::string(result.offsetMsgId) ==
        rmq::createOffsetMessageId(std::string("\x7f\x00\x00\x01", 4), 10911, 123456));
  CMessage* lost = CreateMessage("NoSuchTopic");
  CHECK(SetMessageBody(lost, "x") == OK);
  CHECK(SendMessageSyncDetailed(producer, lost, &result) == PRODUCER_SEND_SYNC_FAILED);
  DestroyMessage(lost);
  DestroyMessage(msg);
  CHECK(DestroyProducer(producer) == OK);
}

}  // namespace

int main() {
  fake::FakeServer broker(answering(brokerHandler));
  brokerAddr = broker.address();
  fake::FakeServer nameServer(answering(nameServerHandler));
  misuse();
  queries(nameServer, broker);
  unreachableNameServer();
  detailedSend(nameServer);
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
