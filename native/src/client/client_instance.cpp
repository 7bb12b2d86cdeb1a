#include "client/client_instance.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

#include "client/acl_signer.h"
#include "client/name_server_lookup.h"
#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

constexpr int kPermWrite = 1 << 1;
// The topic brokers auto-create others from (TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC).
constexpr const char* kAutoCreateTopicKey = "TBW102";
constexpr int kDefaultTopicQueueNums = 4;
constexpr int64_t kHeartbeatTimeoutMs = 3000;
constexpr int64_t kUnregisterTimeoutMs = 500;
constexpr int64_t kRouteRefreshTimeoutMs = 3000;
constexpr int64_t kNameServerLookupTimeoutMs = 3000;
// TopAddressing is polled every two minutes by the Java client.
constexpr int64_t kNameServerLookupIntervalMs = 120000;
// How long connections to a broker that left every route stay open, so that
// consumers releasing its queues can still commit their offsets over them.
constexpr int64_t kOfflineBrokerGraceMs = 3000;
constexpr int64_t kMasterId = 0;

std::string detectClientIp() {
  ifaddrs* list = nullptr;
  std::string found;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
      if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
      auto* in = reinterpret_cast<sockaddr_in*>(it->ifa_addr);
      uint32_t host = ntohl(in->sin_addr.s_addr);
      if ((host >> 24) == 127) continue;
      char text[INET_ADDRSTRLEN];
      if (inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text)) != nullptr) {
        found = text;
        break;
      }
    }
    freeifaddrs(list);
  }
  return found.empty() ? "127.0.0.1" : found;
}

std::vector<std::string> splitAddresses(const std::string& list) {
  std::vector<std::string> out;
  std::string current;
  for (char c : list + ";") {
    if (c == ';' || c == ',') {
      // trim spaces around each entry
      size_t b = current.find_first_not_of(" \t");
      size_t e = current.find_last_not_of(" \t");
      if (b != std::string::npos) out.push_back(current.substr(b, e - b + 1));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  return out;
}

Json consumerJson(const ConsumerData& data) {
  Json j = Json::object();
  j["groupName"] = data.groupName;
  j["consumeType"] = data.consumeType;
  j["messageModel"] = data.messageModel;
  j["consumeFromWhere"] = data.consumeFromWhere;
  Json subs = Json::array();
  for (const auto& sub : data.subscriptions) subs.push(subscriptionJson(sub));
  j["subscriptionDataSet"] = subs;
  j["unitMode"] = data.unitMode;
  return j;
}

// MQClientInstance.topicRouteData2TopicPublishInfo.
std::shared_ptr<TopicPublishInfo> toPublishInfo(const std::string& topic,
                                               const std::shared_ptr<const TopicRouteData>& route) {
  auto info = std::make_shared<TopicPublishInfo>();
  info->route = route;
  if (!route->orderTopicConf.empty()) {
    std::stringstream entries(route->orderTopicConf);
    std::string entry;
    while (std::getline(entries, entry, ';')) {
      size_t colon = entry.find(':');
      if (colon == std::string::npos) continue;
      int count = std::atoi(entry.c_str() + colon + 1);
      for (int i = 0; i < count; ++i) info->queues.push_back(MessageQueue{topic, entry.substr(0, colon), i});
    }
    info->orderTopic = true;
    return info;
  }
  std::vector<QueueData> queueDatas = route->queueDatas;
  std::sort(queueDatas.begin(), queueDatas.end(),
            [](const QueueData& a, const QueueData& b) { return a.brokerName < b.brokerName; });
  for (const QueueData& qd : queueDatas) {
    if ((qd.perm & kPermWrite) == 0) continue;
    const BrokerData* broker = nullptr;
    for (const BrokerData& bd : route->brokerDatas) {
      if (bd.brokerName == qd.brokerName) {
        broker = &bd;
        break;
      }
    }
    if (broker == nullptr || broker->brokerAddrs.count(0) == 0) continue;
    for (int i = 0; i < qd.writeQueueNums; ++i) info->queues.push_back(MessageQueue{topic, qd.brokerName, i});
  }
  return info;
}

}  // namespace

Json subscriptionJson(const SubscriptionData& sub) {
  Json j = Json::object();
  j["classFilterMode"] = false;
  j["topic"] = sub.topic;
  j["subString"] = sub.subString;
  Json tags = Json::array();
  for (const auto& tag : sub.tags) tags.push(tag);
  j["tagsSet"] = tags;
  Json codes = Json::array();
  for (int32_t code : sub.codes) codes.push(code);
  j["codeSet"] = codes;
  j["subVersion"] = sub.subVersion;
  j["expressionType"] = sub.expressionType;
  return j;
}

bool TopicRouteData::operator==(const TopicRouteData& o) const {
  if (orderTopicConf != o.orderTopicConf || queueDatas.size() != o.queueDatas.size() ||
      brokerDatas.size() != o.brokerDatas.size()) {
    return false;
  }
  for (size_t i = 0; i < queueDatas.size(); ++i) {
    const auto& a = queueDatas[i];
    const auto& b = o.queueDatas[i];
    if (a.brokerName != b.brokerName || a.readQueueNums != b.readQueueNums ||
        a.writeQueueNums != b.writeQueueNums || a.perm != b.perm || a.topicSysFlag != b.topicSysFlag) {
      return false;
    }
  }
  for (size_t i = 0; i < brokerDatas.size(); ++i) {
    const auto& a = brokerDatas[i];
    const auto& b = o.brokerDatas[i];
    if (a.cluster != b.cluster || a.brokerName != b.brokerName || a.brokerAddrs != b.brokerAddrs) return false;
  }
  return true;
}

TopicRouteData TopicRouteData::fromJson(const std::string& json) {
  Json root = Json::parse(json);
  if (!root.isObject()) throw MQException(ErrorKind::kProtocol, "topic route is not a JSON object");
  TopicRouteData route;
  route.orderTopicConf = root["orderTopicConf"].asString();
  for (const Json& q : root["queueDatas"].elements()) {
    QueueData qd;
    qd.brokerName = q["brokerName"].asString();
    qd.readQueueNums = q["readQueueNums"].asInt();
    qd.writeQueueNums = q["writeQueueNums"].asInt();
    qd.perm = q["perm"].asInt();
    qd.topicSysFlag = q["topicSysFlag"].asInt();
    route.queueDatas.push_back(qd);
  }
  for (const Json& b : root["brokerDatas"].elements()) {
    BrokerData bd;
    bd.cluster = b["cluster"].asString();
    bd.brokerName = b["brokerName"].asString();
    for (const auto& addr : b["brokerAddrs"].items()) {
      char* end = nullptr;
      long long id = std::strtoll(addr.first.c_str(), &end, 10);
      if (end == addr.first.c_str()) continue;
      bd.brokerAddrs[id] = addr.second.asString();
    }
    route.brokerDatas.push_back(bd);
  }
  std::sort(route.queueDatas.begin(), route.queueDatas.end(),
            [](const QueueData& a, const QueueData& b) { return a.brokerName < b.brokerName; });
  std::sort(route.brokerDatas.begin(), route.brokerDatas.end(),
            [](const BrokerData& a, const BrokerData& b) { return a.brokerName < b.brokerName; });
  return route;
}

ClientInstance::ClientInstance(ClientConfig config) : config_(std::move(config)) {
  if (config_.clientIp.empty()) config_.clientIp = detectClientIp();
  if (config_.instanceName.empty() || config_.instanceName == "DEFAULT") {
    // ClientConfig.changeInstanceNameToPID: one client id per client object.
    auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now().time_since_epoch())
                     .count();
    config_.instanceName = std::to_string(::getpid()) + "#" + std::to_string(nanos);
  }
  clientId_ = config_.clientIp + "@" + config_.instanceName;
  if (!config_.unitName.empty()) clientId_ += "@" + config_.unitName;
}

ClientInstance::~ClientInstance() { shutdown(); }

void ClientInstance::start() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (started_) return;
    // Like the Java and C++ clients, starting without a name server is
    // allowed; sends then fail with a message saying what is missing.
    if (nameServerAddressesLocked().empty()) RMQ_LOG(kInfo, "client started without a name server address");
    started_ = true;
  }
  if (!config_.accessKey.empty()) {
    AclCredentials credentials{config_.accessKey, config_.secretKey, config_.onsChannel, config_.securityToken};
    remoting_.setRequestHook(
        [credentials](const std::string&, RemotingCommand& request) { signRequest(request, credentials); });
  }
  remoting_.setTls(config_.tls);
  remoting_.start();
  scheduler_.start();
  if (usesNameServerDomain()) {
    refreshNameServersFromDomain();
    scheduler_.scheduleAtFixedRate([this] { refreshNameServersFromDomain(); }, kNameServerLookupIntervalMs,
                                   kNameServerLookupIntervalMs);
  }
  scheduler_.scheduleAtFixedRate([this] { refreshAllRoutes(); }, 10, config_.pollNameServerIntervalMs);
  scheduler_.scheduleAtFixedRate([this] { sendHeartbeatToAllBrokers(); }, 1000, config_.heartbeatBrokerIntervalMs);
}

void ClientInstance::shutdown() {
  std::vector<std::string> brokers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  scheduler_.shutdown();
  // UNREGISTER_CLIENT goes wherever heartbeats went: slaves know consumers too.
  brokers = allBrokerAddresses(true);
  std::vector<std::string> producers;
  std::vector<std::string> consumers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    producers = producerGroups_;
    for (const auto& c : consumers_) consumers.push_back(c.first);
  }
  // UNREGISTER_CLIENT, oneway with a short connect bound: shutdown must not
  // hang on a broker that is gone.
  for (const auto& addr : brokers) {
    auto unregister = [&](const char* key, const std::string& group) {
      RemotingCommand request = RemotingCommand::makeRequest(request_code::kUnregisterClient);
      request.extFields["clientID"] = clientId_;
      request.extFields[key] = group;
      try {
        remoting_.invokeOneway(addr, request, kUnregisterTimeoutMs);
      } catch (const std::exception& e) {
        RMQ_LOG(kInfo, "unregister from " << addr << " failed: " << e.what());
      }
    };
    for (const auto& group : producers) unregister("producerGroup", group);
    for (const auto& group : consumers) unregister("consumerGroup", group);
  }
  remoting_.shutdown();
}

void ClientInstance::registerProducer(const std::string& group) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (std::find(producerGroups_.begin(), producerGroups_.end(), group) == producerGroups_.end()) {
    producerGroups_.push_back(group);
  }
}

void ClientInstance::registerConsumer(const std::string& group, std::function<ConsumerData()> provider) {
  std::lock_guard<std::mutex> lock(mutex_);
  consumers_[group] = std::move(provider);
}

void ClientInstance::unregisterConsumer(const std::string& group) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    consumers_.erase(group);
    if (!started_ || stopped_) return;
  }
  // MQClientInstance.unregisterConsumer: every broker hears of it at once,
  // so the group rebalances without waiting for the channel to expire. Sync
  // (as Java) so that the oneway offset commits sent before it on the same
  // connections have been read by the broker when this returns; bounded per
  // broker so a hung one cannot hold a shutdown.
  for (const auto& addr : allBrokerAddresses(true)) {
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kUnregisterClient);
    request.extFields["clientID"] = clientId_;
    request.extFields["consumerGroup"] = group;
    try {
      remoting_.invokeSync(addr, request, kUnregisterTimeoutMs);
    } catch (const std::exception& e) {
      RMQ_LOG(kInfo, "unregister of consumer group " << group << " from " << addr << " failed: " << e.what());
    }
  }
}

std::string ClientInstance::heartbeatBody() const {
  std::vector<std::string> producers;
  std::vector<std::function<ConsumerData()>> providers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    producers = producerGroups_;
    for (const auto& c : consumers_) providers.push_back(c.second);
  }
  Json body = Json::object();
  body["clientID"] = clientId_;
  Json producerSet = Json::array();
  for (const auto& group : producers) {
    Json p = Json::object();
    p["groupName"] = group;
    producerSet.push(p);
  }
  body["producerDataSet"] = producerSet;
  Json consumerSet = Json::array();
  for (const auto& provider : providers) consumerSet.push(consumerJson(provider()));
  body["consumerDataSet"] = consumerSet;
  return body.dump();
}

void ClientInstance::setRouteChangeListener(RouteChangeListener listener) {
  std::lock_guard<std::mutex> lock(mutex_);
  routeListener_ = std::move(listener);
}

bool ClientInstance::hasConsumers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !consumers_.empty();
}

void ClientInstance::sendHeartbeatToAllBrokers() {
  sendHeartbeatTo(allBrokerAddresses(hasConsumers()));
}

void ClientInstance::sendHeartbeatTo(const std::vector<std::string>& brokers) {
  if (brokers.empty()) return;
  std::string body = heartbeatBody();
  for (const auto& addr : brokers) {
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kHeartBeat);
    request.body = body;
    // Async: a slow or dead broker must not hold up the others or the timer.
    remoting_.invokeAsync(addr, request, kHeartbeatTimeoutMs,
                          [addr](std::unique_ptr<RemotingCommand> response, std::exception_ptr error) {
                            if (error) {
                              try {
                                std::rethrow_exception(error);
                              } catch (const std::exception& e) {
                                RMQ_LOG(kWarn, "heartbeat to " << addr << " failed: " << e.what());
                              }
                            } else if (response && response->code != response_code::kSuccess) {
                              RMQ_LOG(kWarn, "heartbeat to " << addr << " refused: " << response->remark);
                            }
                          });
  }
}

void ClientInstance::sendHeartbeatTo(const std::string& addr, std::function<void(bool)> done) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kHeartBeat);
  request.body = heartbeatBody();
  remoting_.invokeAsync(addr, request, kHeartbeatTimeoutMs,
                        [done](std::unique_ptr<RemotingCommand> response, std::exception_ptr error) {
                          done(!error && response && response->code == response_code::kSuccess);
                        });
}

std::vector<std::string> ClientInstance::nameServerAddressesLocked() const {
  return splitAddresses(config_.namesrvAddr.empty() ? domainAddresses_ : config_.namesrvAddr);
}

bool ClientInstance::usesNameServerDomain() const {
  return config_.namesrvAddr.empty() && !config_.namesrvDomain.empty();
}

bool ClientInstance::refreshNameServersFromDomain() {
  std::string url = nameServerLookupUrl(config_.namesrvDomain);
  try {
    std::string addresses = fetchNameServerAddresses(url, kNameServerLookupTimeoutMs);
    std::lock_guard<std::mutex> lock(mutex_);
    if (addresses != domainAddresses_) RMQ_LOG(kInfo, "name servers from " << url << ": " << addresses);
    domainAddresses_ = addresses;
    return true;
  } catch (const std::exception& e) {
    // Keep the last list that worked; a lookup service hiccup must not
    // take the name servers away.
    RMQ_LOG(kWarn, "name server lookup " << url << " failed: " << e.what());
    return false;
  }
}

std::vector<std::string> ClientInstance::nameServerAddresses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return nameServerAddressesLocked();
}

std::unique_ptr<RemotingCommand> ClientInstance::invokeNameServer(RemotingCommand& request, int64_t timeoutMs) {
  std::vector<std::string> addresses = nameServerAddresses();
  if (addresses.empty() && usesNameServerDomain() && refreshNameServersFromDomain()) {
    addresses = nameServerAddresses();
  }
  if (addresses.empty()) {
    throw MQException(ErrorKind::kIllegalArgument,
                      usesNameServerDomain()
                          ? "no name server address: the lookup at " + nameServerLookupUrl(config_.namesrvDomain) +
                                " gave none"
                          : "no name server address set: call set_name_server_address(\"host:port\") before sending");
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
  size_t first;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    first = nameServerIndex_;
  }
  std::string lastError;
  ErrorKind lastKind = ErrorKind::kConnectFailed;
  for (size_t attempt = 0; attempt < addresses.size(); ++attempt) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      lastKind = ErrorKind::kTimeout;
      break;
    }
    size_t index = (first + attempt) % addresses.size();
    const std::string& addr = addresses[index];
    // Each attempt needs a fresh copy: invoke* consumes the body.
    RemotingCommand copy = request;
    copy.opaque = RemotingCommand::makeRequest(request.code).opaque;
    try {
      auto response = remoting_.invokeSync(addr, copy, left);
      std::lock_guard<std::mutex> lock(mutex_);
      nameServerIndex_ = index;  // stick with the one that answered
      return response;
    } catch (const MQException& e) {
      lastError = e.what();
      lastKind = e.kind();
      RMQ_LOG(kWarn, "name server " << addr << " failed: " << e.what());
    }
  }
  throw MQException(lastKind, "no name server answered (" + config_.namesrvAddr + "): " + lastError);
}

std::shared_ptr<const TopicRouteData> ClientInstance::queryRoute(const std::string& topic, int64_t timeoutMs) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kGetRouteInfoByTopic);
  request.extFields["topic"] = topic;
  auto response = invokeNameServer(request, timeoutMs);
  if (response->code == response_code::kTopicNotExist) {
    throw MQException(ErrorKind::kNoRoute, "No route info of this topic: " + topic, response->code);
  }
  if (response->code != response_code::kSuccess) {
    throw MQException(ErrorKind::kBrokerError,
                      "name server refused route of " + topic + ": " + response->remark, response->code);
  }
  return std::make_shared<const TopicRouteData>(TopicRouteData::fromJson(response->body));
}

void ClientInstance::storeRoute(const std::string& topic, std::shared_ptr<const TopicRouteData> route,
                                std::shared_ptr<const TopicPublishInfo> info) {
  std::vector<std::string> newBrokers;
  RouteChangeListener listener;
  bool changed;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto old = routes_.find(topic);
    changed = old == routes_.end() || !(*old->second == *route);
    const bool withSlaves = !consumers_.empty();
    for (const auto& bd : route->brokerDatas) {
      auto& known = brokerAddrTable_[bd.brokerName];
      for (const auto& node : bd.brokerAddrs) {
        if (node.first != kMasterId && !withSlaves) continue;
        bool seen = false;
        for (const auto& k : known) seen = seen || k.second == node.second;
        if (!seen) newBrokers.push_back(node.second);
      }
      // The newest route's view of a broker replaces the old one (a master
      // that died is gone from it, one that joined is in it).
      known = bd.brokerAddrs;
    }
    routes_[topic] = route;
    publishInfos_[topic] = std::move(info);
    if (changed && old != routes_.end()) listener = routeListener_;
  }
  // A broker we never talked to (or that came back) learns about this client
  // right away, so it can reach the producer group (transaction checks) or
  // the consumer, and our old failures there are forgotten.
  for (const auto& addr : newBrokers) remoting_.forgetFailures(addr);
  if (!newBrokers.empty()) sendHeartbeatTo(newBrokers);
  if (listener) {
    RMQ_LOG(kInfo, "route of " << topic << " changed");
    listener(topic);
  }
}

std::shared_ptr<const TopicRouteData> ClientInstance::queryPublishRoute(const std::string& topic,
                                                                      int64_t timeoutMs) {
  try {
    return queryRoute(topic, timeoutMs);
  } catch (const MQException& e) {
    if (e.kind() != ErrorKind::kNoRoute || !hasProducers()) throw;
  }
  // DefaultMQProducerImpl: an unknown topic is sent through the route of the
  // auto-create topic, and the broker creates the topic on its first message.
  auto fallback = queryRoute(kAutoCreateTopicKey, timeoutMs);
  auto adjusted = std::make_shared<TopicRouteData>(*fallback);
  for (auto& qd : adjusted->queueDatas) {
    int n = std::min(kDefaultTopicQueueNums, qd.readQueueNums);
    qd.readQueueNums = n;
    qd.writeQueueNums = n;
  }
  return adjusted;
}

bool ClientInstance::updateRouteFromNameServer(const std::string& topic, int64_t timeoutMs) {
  try {
    auto route = queryPublishRoute(topic, timeoutMs);
    storeRoute(topic, route, toPublishInfo(topic, route));
    return true;
  } catch (const MQException& e) {
    RMQ_LOG(kInfo, "route update of " << topic << " failed: " << e.what());
    return false;
  }
}

bool ClientInstance::hasProducers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !producerGroups_.empty();
}

std::shared_ptr<const TopicPublishInfo> ClientInstance::findPublishInfo(const std::string& topic,
                                                                        int64_t timeoutMs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = publishInfos_.find(topic);
    if (found != publishInfos_.end() && !found->second->queues.empty()) return found->second;
  }
  auto route = queryPublishRoute(topic, timeoutMs);
  auto info = toPublishInfo(topic, route);
  if (info->queues.empty()) {
    throw MQException(ErrorKind::kNoRoute, "No route info of this topic: " + topic + " (no writable queue)");
  }
  storeRoute(topic, route, info);
  return info;
}

std::shared_ptr<const TopicRouteData> ClientInstance::findRoute(const std::string& topic, int64_t timeoutMs) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = routes_.find(topic);
    if (found != routes_.end()) return found->second;
  }
  auto route = queryRoute(topic, timeoutMs);
  storeRoute(topic, route, toPublishInfo(topic, route));
  return route;
}

std::shared_ptr<const TopicRouteData> ClientInstance::queryRouteNow(const std::string& topic, int64_t timeoutMs) {
  auto route = queryRoute(topic, timeoutMs);
  storeRoute(topic, route, toPublishInfo(topic, route));
  return route;
}

void ClientInstance::refreshAllRoutes() {
  std::vector<std::string> topics;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& entry : routes_) topics.push_back(entry.first);
  }
  for (const auto& topic : topics) {
    if (isStopped()) return;
    updateRouteFromNameServer(topic, kRouteRefreshTimeoutMs);
  }
  cleanOfflineBrokers();
}

void ClientInstance::cleanOfflineBrokers() {
  std::vector<std::string> offline;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::set<std::string> named;
    for (const auto& entry : routes_) {
      for (const auto& bd : entry.second->brokerDatas) {
        for (const auto& node : bd.brokerAddrs) named.insert(node.second);
      }
    }
    for (auto broker = brokerAddrTable_.begin(); broker != brokerAddrTable_.end();) {
      auto& nodes = broker->second;
      for (auto node = nodes.begin(); node != nodes.end();) {
        if (named.count(node->second) != 0) {
          ++node;
          continue;
        }
        RMQ_LOG(kInfo, "broker " << broker->first << " node " << node->first << " at " << node->second
                                 << " left every route; forgetting it");
        offline.push_back(node->second);
        node = nodes.erase(node);
      }
      broker = nodes.empty() ? brokerAddrTable_.erase(broker) : std::next(broker);
    }
  }
  if (offline.empty() || isStopped()) return;
  scheduler_.scheduleOnce(
      [this, offline] {
        std::set<std::string> current;
        for (const auto& addr : allBrokerAddresses(true)) current.insert(addr);
        for (const auto& addr : offline) {
          if (current.count(addr) == 0) remoting_.closeConnection(addr, "the broker left the route");
        }
      },
      kOfflineBrokerGraceMs);
}

bool ClientInstance::isStopped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopped_;
}

std::string ClientInstance::findBrokerAddressInPublish(const std::string& brokerName) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto broker = brokerAddrTable_.find(brokerName);
  if (broker == brokerAddrTable_.end()) return std::string();
  auto master = broker->second.find(kMasterId);
  return master == broker->second.end() ? std::string() : master->second;
}

bool ClientInstance::pickNode(const std::map<int64_t, std::string>& nodes,
                              std::map<int64_t, std::string>::const_iterator preferred, bool allowOthers,
                              BrokerAddress* out) const {
  if (preferred == nodes.end()) return false;
  auto chosen = preferred;
  if (allowOthers && !remoting_.downReason(preferred->second).empty()) {
    for (auto node = nodes.begin(); node != nodes.end(); ++node) {
      if (node != preferred && remoting_.downReason(node->second).empty()) {
        chosen = node;
        break;
      }
    }
  }
  out->addr = chosen->second;
  out->slave = chosen->first != kMasterId;
  return true;
}

bool ClientInstance::findBrokerAddressInSubscribe(const std::string& brokerName, int64_t brokerId,
                                                  bool onlyThisBroker, BrokerAddress* out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto broker = brokerAddrTable_.find(brokerName);
  if (broker == brokerAddrTable_.end() || broker->second.empty()) return false;
  const auto& nodes = broker->second;
  auto found = nodes.find(brokerId);
  if (found == nodes.end() && brokerId != kMasterId) found = nodes.find(brokerId + 1);
  if (found == nodes.end() && !onlyThisBroker) found = nodes.begin();
  return pickNode(nodes, found, !onlyThisBroker, out);
}

bool ClientInstance::findBrokerAddressInAdmin(const std::string& brokerName, BrokerAddress* out) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto broker = brokerAddrTable_.find(brokerName);
  if (broker == brokerAddrTable_.end() || broker->second.empty()) return false;
  // Ordered by id: the master first, else the lowest slave.
  return pickNode(broker->second, broker->second.begin(), true, out);
}

std::vector<std::string> ClientInstance::allBrokerAddresses(bool withSlaves) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::set<std::string> unique;
  for (const auto& broker : brokerAddrTable_) {
    for (const auto& node : broker.second) {
      if (withSlaves || node.first == kMasterId) unique.insert(node.second);
    }
  }
  return std::vector<std::string>(unique.begin(), unique.end());
}

std::vector<std::string> ClientInstance::brokerNamesOf(const std::string& topic) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::string> names;
  auto route = routes_.find(topic);
  if (route == routes_.end()) return names;
  for (const auto& bd : route->second->brokerDatas) names.push_back(bd.brokerName);
  return names;
}

}  // namespace rmq
