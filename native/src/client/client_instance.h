// Everything a producer or consumer shares with the cluster: the name server
// list, topic routes, heartbeats to every broker, the remoting client and the
// timer. One instance per producer/consumer object (each with its own client
// id, as the Java client gets by turning the DEFAULT instance name into
// "pid#nanotime").
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/json.h"
#include "common/message_queue.h"
#include "common/scheduler.h"
#include "remoting/remoting_client.h"

namespace rmq {

struct ClientConfig {
  std::string namesrvAddr;    // "host:port;host:port"
  std::string namesrvDomain;  // resolved over HTTP when namesrvAddr is empty
  std::string instanceName = "DEFAULT";
  std::string unitName;
  std::string groupName;
  // ACL (AclClientRPCHook): empty accessKey means no signing.
  std::string accessKey;
  std::string secretKey;
  std::string onsChannel = "ALIYUN";
  std::string securityToken;
  // Detected at construction when empty (first non-loopback IPv4, else 127.0.0.1).
  std::string clientIp;
  TlsOptions tls;  // to brokers and name servers
  int64_t pollNameServerIntervalMs = 30000;
  int64_t heartbeatBrokerIntervalMs = 30000;
};

// QueueData / BrokerData of TopicRouteData.java.
struct QueueData {
  std::string brokerName;
  int readQueueNums = 0;
  int writeQueueNums = 0;
  int perm = 0;
  int topicSysFlag = 0;
};

struct BrokerData {
  std::string cluster;
  std::string brokerName;
  std::map<int64_t, std::string> brokerAddrs;  // brokerId -> "ip:port"; 0 is the master
};

// The client settings of a producer's or consumer's config (ProducerConfig,
// PushConsumerConfig, PullConsumerConfig all name them the same).
template <typename Config>
ClientConfig clientConfigOf(const Config& config) {
  ClientConfig client;
  client.namesrvAddr = config.namesrvAddr;
  client.namesrvDomain = config.namesrvDomain;
  client.instanceName = config.instanceName;
  client.groupName = config.groupName;
  client.accessKey = config.accessKey;
  client.secretKey = config.secretKey;
  client.onsChannel = config.onsChannel;
  client.tls = config.tls;
  client.pollNameServerIntervalMs = config.pollNameServerIntervalMs;
  return client;
}

struct TopicRouteData {
  std::string orderTopicConf;
  std::vector<QueueData> queueDatas;
  std::vector<BrokerData> brokerDatas;

  bool operator==(const TopicRouteData& o) const;
  // Parses the name server's JSON (tolerates unquoted integer map keys).
  static TopicRouteData fromJson(const std::string& json);
};

// Writable queues of a topic, built as the Java client's
// MQClientInstance.topicRouteData2TopicPublishInfo does.
struct TopicPublishInfo {
  bool orderTopic = false;
  std::vector<MessageQueue> queues;
  std::shared_ptr<const TopicRouteData> route;
};

// Subscriptions a consumer announces in heartbeats (ConsumerData.java).
struct SubscriptionData {
  std::string topic;
  std::string subString;  // "*" or "TagA || TagB"
  std::vector<std::string> tags;
  std::vector<int32_t> codes;  // Java String.hashCode() of each tag
  int64_t subVersion = 0;
  std::string expressionType = "TAG";
};

// SubscriptionData as the Java client serializes it (heartbeats, CHECK_CLIENT_CONFIG).
Json subscriptionJson(const SubscriptionData& sub);

struct ConsumerData {
  std::string groupName;
  std::string consumeType;    // "CONSUME_PASSIVELY" for push consumers
  std::string messageModel;   // "CLUSTERING" / "BROADCASTING"
  std::string consumeFromWhere = "CONSUME_FROM_LAST_OFFSET";
  std::vector<SubscriptionData> subscriptions;
  bool unitMode = false;
};

// Where a request about a broker goes (FindBrokerResult.java).
struct BrokerAddress {
  std::string addr;
  bool slave = false;
};

// Told the topic whose route changed (brokers or queues came or went).
using RouteChangeListener = std::function<void(const std::string& topic)>;

class ClientInstance {
 public:
  explicit ClientInstance(ClientConfig config);
  ~ClientInstance();  // calls shutdown()
  ClientInstance(const ClientInstance&) = delete;
  ClientInstance& operator=(const ClientInstance&) = delete;

  // Starts the remoting client and the scheduler, and schedules route
  // refresh and heartbeats. Throws MQException(kIllegalArgument) when no
  // name server is configured.
  void start();
  // Unregisters this client from every broker (best effort, bounded wait),
  // then stops the timer and the remoting client. Idempotent.
  void shutdown();

  const ClientConfig& config() const { return config_; }
  const std::string& clientId() const { return clientId_; }
  RemotingClient& remoting() { return remoting_; }
  Scheduler& scheduler() { return scheduler_; }

  void registerProducer(const std::string& group);
  // Called at every heartbeat to collect current subscriptions.
  void registerConsumer(const std::string& group, std::function<ConsumerData()> provider);
  void unregisterConsumer(const std::string& group);

  // Heartbeat (HEART_BEAT, code 34) now to every broker of the cached
  // routes: masters and slaves when a consumer is registered (it may read
  // from a slave), masters only for producers, as the Java client does.
  void sendHeartbeatToAllBrokers();
  // One heartbeat to `addr`; `done(true)` once it was answered with success,
  // `done(false)` on any failure. Used to probe a broker that failed.
  void sendHeartbeatTo(const std::string& addr, std::function<void(bool)> done);

  // Called (on the thread that refreshed the route, no lock held) whenever a
  // topic's route changed. One listener per instance; set before start().
  void setRouteChangeListener(RouteChangeListener listener);

  // Route lookup, cached and refreshed every pollNameServerIntervalMs. On a
  // cache miss asks the name servers (failing over in order) with at most
  // `timeoutMs`. Throws MQException(kNoRoute / kConnectFailed / kTimeout).
  std::shared_ptr<const TopicPublishInfo> findPublishInfo(const std::string& topic, int64_t timeoutMs);
  std::shared_ptr<const TopicRouteData> findRoute(const std::string& topic, int64_t timeoutMs);
  // Forces a route query now; returns false if the name servers did not answer.
  bool updateRouteFromNameServer(const std::string& topic, int64_t timeoutMs);
  // The route as the name servers tell it now, never from the cache (admin
  // queries); stored as findRoute stores it. Throws as findRoute does, and
  // never falls back on the auto-create topic's route.
  std::shared_ptr<const TopicRouteData> queryRouteNow(const std::string& topic, int64_t timeoutMs);

  // MQClientInstance.findBrokerAddressInPublish: the master's address, ""
  // when the routes know no master of `brokerName`.
  std::string findBrokerAddressInPublish(const std::string& brokerName) const;
  // findBrokerAddressInSubscribe: broker `brokerId` of `brokerName`, else
  // (a slave id) the next slave, else unless `onlyThisBroker` any node of
  // it. Unless `onlyThisBroker`, a node that looks down (see
  // RemotingClient::downReason) gives way to one that does not, so a read
  // moves to a slave as soon as its master stops answering, before the
  // name server says so. False when no node of the broker is known.
  bool findBrokerAddressInSubscribe(const std::string& brokerName, int64_t brokerId, bool onlyThisBroker,
                                    BrokerAddress* out) const;
  // findBrokerAddressInAdmin: the master, else a slave (offsets, admin
  // queries); a node that looks down gives way as above.
  bool findBrokerAddressInAdmin(const std::string& brokerName, BrokerAddress* out) const;
  // Every address of the cached routes (masters, and slaves when asked).
  std::vector<std::string> allBrokerAddresses(bool withSlaves) const;
  // Broker names of `topic`'s cached route.
  std::vector<std::string> brokerNamesOf(const std::string& topic) const;

  // Sends a request to a name server, trying each configured address in turn.
  std::unique_ptr<RemotingCommand> invokeNameServer(RemotingCommand& request, int64_t timeoutMs);

 private:
  void refreshAllRoutes();
  // cleanOfflineBroker: forgets addresses no cached route names any more and
  // closes their connections (after a grace period, so that consumers that
  // release the broker's queues can still commit their offsets there).
  void cleanOfflineBrokers();
  std::vector<std::string> nameServerAddresses() const;
  std::vector<std::string> nameServerAddressesLocked() const;
  std::string heartbeatBody() const;
  void sendHeartbeatTo(const std::vector<std::string>& brokers);
  bool hasConsumers() const;
  // Picks from the nodes of one broker: `preferred` unless it looks down and
  // another does not.
  bool pickNode(const std::map<int64_t, std::string>& nodes, std::map<int64_t, std::string>::const_iterator preferred,
                bool allowOthers, BrokerAddress* out) const;
  std::shared_ptr<const TopicRouteData> queryRoute(const std::string& topic, int64_t timeoutMs);
  // queryRoute, falling back to the auto-create topic's route for producers.
  std::shared_ptr<const TopicRouteData> queryPublishRoute(const std::string& topic, int64_t timeoutMs);
  void storeRoute(const std::string& topic, std::shared_ptr<const TopicRouteData> route,
                  std::shared_ptr<const TopicPublishInfo> info);
  bool hasProducers() const;
  bool usesNameServerDomain() const;
  // Fetches the name server list from namesrvDomain; keeps the last good list on failure.
  bool refreshNameServersFromDomain();
  bool isStopped() const;

  ClientConfig config_;
  std::string clientId_;
  RemotingClient remoting_;
  Scheduler scheduler_;

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const TopicRouteData>> routes_;
  std::map<std::string, std::shared_ptr<const TopicPublishInfo>> publishInfos_;
  // brokerAddrTable: broker name -> broker id -> address, as the newest
  // route naming that broker says.
  std::map<std::string, std::map<int64_t, std::string>> brokerAddrTable_;
  RouteChangeListener routeListener_;
  std::vector<std::string> producerGroups_;
  std::map<std::string, std::function<ConsumerData()>> consumers_;
  size_t nameServerIndex_ = 0;
  std::string domainAddresses_;  // last list fetched from namesrvDomain
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace rmq
