// C API of the admin client (CAdmin.h): read-only queries over an
// rmq::ClientInstance, answered as JSON text.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "CAdmin.h"
#include "capi/handles.h"
#include "capi/latest_error.h"
#include "client/admin_api.h"
#include "client/client_instance.h"
#include "client/message_queries.h"
#include "common/errors.h"
#include "common/json.h"
#include "remoting/protocol_codes.h"

struct CAdminClient {
  rmq::ClientConfig config;
  std::atomic<int64_t> timeoutMs{3000};
  std::mutex mutex;  // guards the state and `client` (not the queries themselves)
  enum class State { kCreated, kStarted, kStopped } state = State::kCreated;
  std::shared_ptr<rmq::ClientInstance> client;
};

namespace {

int nullArgument(const char* what) {
  rmq::capi::setLatestError(std::string(what) + " is null");
  return NULL_POINTER;
}

std::string orEmpty(const char* text) { return text == nullptr ? std::string() : std::string(text); }

// Settings are copied into the client instance at start: later changes
// would have no effect, so they are refused.
template <typename Apply>
int configure(CAdminClient* admin, const char* what, Apply&& apply) {
  if (admin == nullptr) return nullArgument("admin client");
  std::lock_guard<std::mutex> lock(admin->mutex);
  if (admin->state != CAdminClient::State::kCreated) {
    rmq::capi::setLatestError(std::string(what) + " must be set before the admin client starts");
    return ADMIN_QUERY_FAILED;
  }
  apply(admin->config);
  return OK;
}

// The started client instance, or an error when not started (or shut down).
std::shared_ptr<rmq::ClientInstance> startedClient(CAdminClient* admin) {
  std::lock_guard<std::mutex> lock(admin->mutex);
  if (admin->state == CAdminClient::State::kCreated) {
    throw rmq::MQException(rmq::ErrorKind::kIllegalState, "the admin client is not started");
  }
  if (admin->state == CAdminClient::State::kStopped) {
    throw rmq::MQException(rmq::ErrorKind::kIllegalState, "the admin client has been shut down");
  }
  return admin->client;
}

// Runs a query: any exception becomes a status and the latest error.
template <typename Body>
int query(Body&& body) noexcept {
  try {
    body();
    return OK;
  } catch (const rmq::MQException& e) {
    rmq::capi::setLatestError(e.what());
    if (e.responseCode() == rmq::kNoMessageResponseCode) return ADMIN_MESSAGE_NOT_FOUND;
    return e.responseCode() == rmq::response_code::kTopicNotExist ? ADMIN_TOPIC_NOT_EXIST : ADMIN_QUERY_FAILED;
  } catch (const std::exception& e) {
    rmq::capi::setLatestError(e.what());
  } catch (...) {
    rmq::capi::setLatestError("unknown error");
  }
  return ADMIN_QUERY_FAILED;
}

// A malloc'ed copy of `text`, for the caller to release.
char* mallocCopy(const std::string& text) {
  char* copy = static_cast<char*>(std::malloc(text.size() + 1));
  if (copy == nullptr) throw std::bad_alloc();
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  return copy;
}

rmq::Json brokerAddrsJson(const std::map<int64_t, std::string>& addrs) {
  rmq::Json out = rmq::Json::object();
  for (const auto& node : addrs) out[std::to_string(node.first)] = node.second;
  return out;
}

rmq::Json routeJson(const std::string& topic, const rmq::TopicRouteData& route) {
  rmq::Json out = rmq::Json::object();
  out["topic"] = topic;
  out["orderTopicConf"] = route.orderTopicConf;
  rmq::Json queues = rmq::Json::array();
  for (const auto& qd : route.queueDatas) {
    rmq::Json q = rmq::Json::object();
    q["brokerName"] = qd.brokerName;
    q["readQueueNums"] = qd.readQueueNums;
    q["writeQueueNums"] = qd.writeQueueNums;
    q["perm"] = qd.perm;
    q["topicSysFlag"] = qd.topicSysFlag;
    queues.push(q);
  }
  out["queueDatas"] = queues;
  rmq::Json brokers = rmq::Json::array();
  for (const auto& bd : route.brokerDatas) {
    rmq::Json b = rmq::Json::object();
    b["cluster"] = bd.cluster;
    b["brokerName"] = bd.brokerName;
    b["brokerAddrs"] = brokerAddrsJson(bd.brokerAddrs);
    brokers.push(b);
  }
  out["brokerDatas"] = brokers;
  return out;
}

// ClusterInfo with only the fields documented in CAdmin.h, every broker id
// a decimal key, whatever the name server's JSON looked like.
rmq::Json clusterJson(const rmq::Json& info) {
  rmq::Json brokers = rmq::Json::object();
  for (const auto& entry : info["brokerAddrTable"].items()) {
    const rmq::Json& data = entry.second;
    std::map<int64_t, std::string> addrs;
    for (const auto& node : data["brokerAddrs"].items()) {
      char* end = nullptr;
      long long id = std::strtoll(node.first.c_str(), &end, 10);
      if (end == node.first.c_str() || *end != '\0') continue;
      addrs[id] = node.second.asString();
    }
    rmq::Json b = rmq::Json::object();
    b["cluster"] = data["cluster"].asString();
    b["brokerName"] = data["brokerName"].asString(entry.first);
    b["brokerAddrs"] = brokerAddrsJson(addrs);
    brokers[entry.first] = b;
  }
  rmq::Json clusters = rmq::Json::object();
  for (const auto& entry : info["clusterAddrTable"].items()) {
    rmq::Json names = rmq::Json::array();
    for (const auto& name : entry.second.elements()) names.push(name.asString());
    clusters[entry.first] = names;
  }
  rmq::Json out = rmq::Json::object();
  out["brokerAddrTable"] = brokers;
  out["clusterAddrTable"] = clusters;
  return out;
}

rmq::MessageQueue queueOf(const char* topic, const char* brokerName, int queueId) {
  if (queueId < 0) {
    throw rmq::MQException(rmq::ErrorKind::kIllegalArgument,
                           "queue id must not be negative, got " + std::to_string(queueId));
  }
  return rmq::MessageQueue{topic, brokerName, queueId};
}

}  // namespace

extern "C" {

CAdminClient* CreateAdminClient(const char* name) {
  try {
    auto* admin = new CAdminClient();
    if (name != nullptr && *name != '\0') admin->config.instanceName = name;
    return admin;
  } catch (const std::exception& e) {
    rmq::capi::setLatestError(e.what());
    return nullptr;
  }
}

int DestroyAdminClient(CAdminClient* admin) {
  if (admin == nullptr) return nullArgument("admin client");
  ShutdownAdminClient(admin);
  delete admin;
  return OK;
}

int SetAdminClientNameServerAddress(CAdminClient* admin, const char* namesrv) {
  return configure(admin, "the name server address",
                   [&](rmq::ClientConfig& config) { config.namesrvAddr = orEmpty(namesrv); });
}

int SetAdminClientNameServerDomain(CAdminClient* admin, const char* domain) {
  return configure(admin, "the name server domain",
                   [&](rmq::ClientConfig& config) { config.namesrvDomain = orEmpty(domain); });
}

int SetAdminClientSessionCredentials(CAdminClient* admin, const char* accessKey, const char* secretKey,
                                     const char* channel) {
  return configure(admin, "the session credentials", [&](rmq::ClientConfig& config) {
    config.accessKey = orEmpty(accessKey);
    config.secretKey = orEmpty(secretKey);
    if (channel != nullptr && *channel != '\0') config.onsChannel = channel;
  });
}

int SetAdminClientTls(CAdminClient* admin, int enabled, const char* caFile) {
  return configure(admin, "TLS", [&](rmq::ClientConfig& config) {
    config.tls.enabled = enabled != 0;
    config.tls.caFile = orEmpty(caFile);
  });
}

int SetAdminClientTlsHostnameVerification(CAdminClient* admin, int enabled) {
  return configure(admin, "TLS hostname verification",
                   [&](rmq::ClientConfig& config) { config.tls.verifyHostname = enabled != 0; });
}

int SetAdminClientTimeout(CAdminClient* admin, int timeoutMillis) {
  if (admin == nullptr) return nullArgument("admin client");
  if (timeoutMillis <= 0) {
    rmq::capi::setLatestError("the timeout must be positive, got " + std::to_string(timeoutMillis));
    return ADMIN_QUERY_FAILED;
  }
  admin->timeoutMs.store(timeoutMillis);
  return OK;
}

int StartAdminClient(CAdminClient* admin) {
  if (admin == nullptr) return nullArgument("admin client");
  return rmq::capi::guarded(ADMIN_START_FAILED, [&] {
    std::lock_guard<std::mutex> lock(admin->mutex);
    if (admin->state == CAdminClient::State::kStarted) return static_cast<int>(OK);
    if (admin->state == CAdminClient::State::kStopped) {
      throw rmq::MQException(rmq::ErrorKind::kIllegalState, "an admin client that was shut down cannot start again");
    }
    auto client = std::make_shared<rmq::ClientInstance>(admin->config);
    client->start();
    admin->client = std::move(client);
    admin->state = CAdminClient::State::kStarted;
    return static_cast<int>(OK);
  });
}

int ShutdownAdminClient(CAdminClient* admin) {
  if (admin == nullptr) return nullArgument("admin client");
  std::shared_ptr<rmq::ClientInstance> client;
  {
    std::lock_guard<std::mutex> lock(admin->mutex);
    if (admin->state == CAdminClient::State::kStarted) client = std::move(admin->client);
    if (admin->state != CAdminClient::State::kCreated) admin->state = CAdminClient::State::kStopped;
  }
  // Outside the lock; a query still running holds its own reference.
  if (client) client->shutdown();
  return OK;
}

int GetTopicRouteJson(CAdminClient* admin, const char* topic, char** json) {
  if (json != nullptr) *json = nullptr;
  if (admin == nullptr) return nullArgument("admin client");
  if (topic == nullptr || json == nullptr) return nullArgument("topic or json output");
  return query([&] {
    auto client = startedClient(admin);
    auto route = client->queryRouteNow(topic, admin->timeoutMs.load());
    *json = mallocCopy(routeJson(topic, *route).dump());
  });
}

int GetClusterInfoJson(CAdminClient* admin, char** json) {
  if (json != nullptr) *json = nullptr;
  if (admin == nullptr) return nullArgument("admin client");
  if (json == nullptr) return nullArgument("json output");
  return query([&] {
    auto client = startedClient(admin);
    *json = mallocCopy(clusterJson(rmq::queryClusterInfo(*client, admin->timeoutMs.load())).dump());
  });
}

int GetBrokerRuntimeInfoJson(CAdminClient* admin, const char* brokerAddr, char** json) {
  if (json != nullptr) *json = nullptr;
  if (admin == nullptr) return nullArgument("admin client");
  if (brokerAddr == nullptr || json == nullptr) return nullArgument("broker address or json output");
  return query([&] {
    auto client = startedClient(admin);
    rmq::Json table = rmq::queryBrokerRuntimeInfo(*client, brokerAddr, admin->timeoutMs.load());
    // Every value as a string, as the broker's KVTable has them.
    rmq::Json out = rmq::Json::object();
    for (const auto& entry : table.items()) {
      out[entry.first] = entry.second.isString() ? entry.second.asString() : entry.second.dump();
    }
    *json = mallocCopy(out.dump());
  });
}

int ReleaseAdminString(char* json) {
  if (json == nullptr) return nullArgument("json text");
  std::free(json);
  return OK;
}

int GetMaxOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId, long long* offset) {
  if (offset != nullptr) *offset = -1;
  if (admin == nullptr) return nullArgument("admin client");
  if (topic == nullptr || brokerName == nullptr || offset == nullptr) {
    return nullArgument("topic, broker name or offset output");
  }
  return query([&] {
    auto client = startedClient(admin);
    *offset = rmq::queryMaxOffset(*client, queueOf(topic, brokerName, queueId), admin->timeoutMs.load());
  });
}

int QueryConsumerOffset(CAdminClient* admin, const char* group, const char* topic, const char* brokerName,
                        int queueId, long long* offset) {
  if (offset != nullptr) *offset = -1;
  if (admin == nullptr) return nullArgument("admin client");
  if (group == nullptr || topic == nullptr || brokerName == nullptr || offset == nullptr) {
    return nullArgument("group, topic, broker name or offset output");
  }
  return query([&] {
    auto client = startedClient(admin);
    *offset = rmq::queryConsumerOffset(*client, group, queueOf(topic, brokerName, queueId),
                                       admin->timeoutMs.load());
  });
}

}  // extern "C"

namespace {

// The queue-position queries below share their argument checks.
template <typename Ask>
int queueQuery(CAdminClient* admin, const char* topic, const char* brokerName, int queueId, long long* out,
               Ask&& ask) {
  if (out != nullptr) *out = -1;
  if (admin == nullptr) return nullArgument("admin client");
  if (topic == nullptr || brokerName == nullptr || out == nullptr) {
    return nullArgument("topic, broker name or output");
  }
  return query([&] {
    auto client = startedClient(admin);
    *out = ask(*client, queueOf(topic, brokerName, queueId), admin->timeoutMs.load());
  });
}

}  // namespace

extern "C" {

int GetMinOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId, long long* offset) {
  return queueQuery(admin, topic, brokerName, queueId, offset,
                    [](rmq::ClientInstance& client, const rmq::MessageQueue& mq, int64_t timeoutMs) {
                      return rmq::queryMinOffset(client, mq, timeoutMs);
                    });
}

int SearchOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId, long long timestampMs,
                 long long* offset) {
  return queueQuery(admin, topic, brokerName, queueId, offset,
                    [timestampMs](rmq::ClientInstance& client, const rmq::MessageQueue& mq, int64_t timeoutMs) {
                      return rmq::searchOffset(client, mq, timestampMs, timeoutMs);
                    });
}

int GetEarliestMsgStoreTime(CAdminClient* admin, const char* topic, const char* brokerName, int queueId,
                            long long* timestampMs) {
  return queueQuery(admin, topic, brokerName, queueId, timestampMs,
                    [](rmq::ClientInstance& client, const rmq::MessageQueue& mq, int64_t timeoutMs) {
                      return rmq::queryEarliestMsgStoreTime(client, mq, timeoutMs);
                    });
}

int ViewMessage(CAdminClient* admin, const char* topic, const char* msgId, CMessageExt** message) {
  if (message != nullptr) *message = nullptr;
  if (admin == nullptr) return nullArgument("admin client");
  if (msgId == nullptr || message == nullptr) return nullArgument("message id or message output");
  return query([&] {
    auto client = startedClient(admin);
    *message = new CMessageExt(rmq::viewMessage(*client, orEmpty(topic), msgId, admin->timeoutMs.load()));
  });
}

int ReleaseAdminMessage(CMessageExt* message) {
  if (message == nullptr) return nullArgument("message");
  delete message;
  return OK;
}

int QueryMessage(CAdminClient* admin, const char* topic, const char* key, long long beginMs, long long endMs,
                 int maxNum, CMessageExt*** messages, int* count) {
  if (messages != nullptr) *messages = nullptr;
  if (count != nullptr) *count = 0;
  if (admin == nullptr) return nullArgument("admin client");
  if (topic == nullptr || key == nullptr || messages == nullptr || count == nullptr) {
    return nullArgument("topic, key or output");
  }
  return query([&] {
    if (maxNum <= 0) {
      throw rmq::MQException(rmq::ErrorKind::kIllegalArgument, "maxNum must be positive, got " + std::to_string(maxNum));
    }
    auto client = startedClient(admin);
    std::vector<rmq::MessageExt> found =
        rmq::queryMessages(*client, topic, key, maxNum, beginMs, endMs, false, admin->timeoutMs.load());
    auto handles = std::make_unique<CMessageExt*[]>(found.size());
    size_t made = 0;
    try {
      for (auto& message : found) handles[made++] = new CMessageExt(std::move(message));
    } catch (...) {
      for (size_t i = 0; i < made; ++i) delete handles[i];
      throw;
    }
    *count = static_cast<int>(found.size());
    *messages = handles.release();
  });
}

int ReleaseAdminMessages(CMessageExt** messages, int count) {
  if (messages == nullptr) return nullArgument("messages");
  for (int i = 0; i < count; ++i) delete messages[i];
  delete[] messages;
  return OK;
}

int GetConsumerIdListJson(CAdminClient* admin, const char* group, const char* topic, char** json) {
  if (json != nullptr) *json = nullptr;
  if (admin == nullptr) return nullArgument("admin client");
  if (group == nullptr || json == nullptr) return nullArgument("group or json output");
  return query([&] {
    auto client = startedClient(admin);
    const std::string where = orEmpty(topic).empty() ? "%RETRY%" + std::string(group) : std::string(topic);
    rmq::Json ids = rmq::Json::array();
    for (const auto& id : rmq::queryConsumerIds(*client, group, where, admin->timeoutMs.load())) ids.push(id);
    *json = mallocCopy(ids.dump());
  });
}

int ConsumeMessageDirectlyJson(CAdminClient* admin, const char* group, const char* clientId, const char* msgId,
                               const char* topic, char** json) {
  if (json != nullptr) *json = nullptr;
  if (admin == nullptr) return nullArgument("admin client");
  if (group == nullptr || clientId == nullptr || msgId == nullptr || json == nullptr) {
    return nullArgument("group, client id, message id or json output");
  }
  return query([&] {
    auto client = startedClient(admin);
    rmq::Json result =
        rmq::consumeMessageDirectly(*client, group, clientId, orEmpty(topic), msgId, admin->timeoutMs.load());
    *json = mallocCopy(result.dump());
  });
}

}  // extern "C"
