#include "consumer/rebalance.h"

#include <algorithm>

#include "common/errors.h"
#include "common/json.h"
#include "common/log.h"
#include "consumer/allocate.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

constexpr int64_t kRequestTimeoutMs = 3000;
constexpr int64_t kMasterId = 0;

Json queueJson(const MessageQueue& mq) {
  Json j = Json::object();
  j["topic"] = mq.topic;
  j["brokerName"] = mq.brokerName;
  j["queueId"] = mq.queueId;
  return j;
}

std::map<std::string, std::vector<MessageQueue>> byBroker(const std::vector<MessageQueue>& queues) {
  std::map<std::string, std::vector<MessageQueue>> grouped;
  for (const auto& mq : queues) grouped[mq.brokerName].push_back(mq);
  return grouped;
}

}  // namespace

std::vector<std::shared_ptr<ProcessQueue>> Rebalance::run() {
  std::vector<std::shared_ptr<ProcessQueue>> taken;
  for (const auto& entry : subscriptions_) {
    const std::string& topic = entry.first;
    try {
      client_->updateRouteFromNameServer(topic, kRequestTimeoutMs);
      std::vector<MessageQueue> all = readableQueues(*client_, topic, kRequestTimeoutMs);
      std::vector<MessageQueue> mine;
      if (config_.broadcasting) {
        mine = all;
      } else {
        std::vector<std::string> ids = members_.of(topic);
        if (std::find(ids.begin(), ids.end(), client_->clientId()) == ids.end()) {
          // The brokers do not list us yet (heartbeat in flight): keep what
          // we have and try again soon.
          RMQ_LOG(kInfo, "rebalance of " << topic << ": " << client_->clientId() << " not among the " << ids.size()
                                         << " consumers the brokers list yet");
          client_->sendHeartbeatToAllBrokers();
          continue;
        }
        mine = allocateAveragely(all, ids, client_->clientId());
      }
      auto added = apply(topic, mine);
      taken.insert(taken.end(), added.begin(), added.end());
    } catch (const std::exception& e) {
      RMQ_LOG(kInfo, "rebalance of " << topic << " failed: " << e.what());
    }
  }
  return taken;
}

std::vector<std::shared_ptr<ProcessQueue>> Rebalance::apply(const std::string& topic,
                                                            const std::vector<MessageQueue>& mine) {
  std::set<MessageQueue> wanted(mine.begin(), mine.end());
  for (auto& pq : queues_.removeTopicExcept(topic, wanted)) {
    pq->dropped = true;
    std::string lastAddr;
    {
      std::lock_guard<std::mutex> lock(pq->mutex);
      lastAddr = pq->lastPullAddr;
    }
    offsets_.commit(pq->mq, pq->consumeOffset(), lastAddr);
    if (orderlyClustering()) unlock({pq->mq});
    pulls_.forget(pq->mq);
    RMQ_LOG(kInfo, "released queue " << queueKey(pq->mq));
  }
  std::vector<MessageQueue> added;
  for (const auto& mq : mine) {
    if (!queues_.contains(mq)) added.push_back(mq);
  }
  if (orderlyClustering() && !added.empty()) lock(added);
  std::vector<std::shared_ptr<ProcessQueue>> taken;
  for (const auto& mq : added) {
    int64_t start;
    try {
      start = startOffset(*client_, offsets_, mq, StartPolicy{config_.consumeFromWhere, config_.consumeTimestampMs});
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "cannot find where to start " << queueKey(mq) << ": " << e.what());
      continue;
    }
    auto pq = std::make_shared<ProcessQueue>(mq);
    pq->nextPullOffset = start;
    pq->highestOffset = start - 1;
    if (orderlyClustering()) {
      std::lock_guard<std::mutex> lock(mutex_);
      pq->setLocked(lockedNow_.count(mq) != 0);
    }
    if (!queues_.add(pq)) continue;
    RMQ_LOG(kInfo, "took queue " << queueKey(mq) << " from offset " << start);
    taken.push_back(pq);
  }
  return taken;
}

std::string Rebalance::lockBody(const std::vector<MessageQueue>& queues) const {
  Json body = Json::object();
  body["consumerGroup"] = config_.groupName;
  body["clientId"] = client_->clientId();
  Json set = Json::array();
  for (const auto& mq : queues) set.push(queueJson(mq));
  body["mqSet"] = set;
  return body.dump();
}

void Rebalance::lock(const std::vector<MessageQueue>& queues) {
  for (const auto& entry : byBroker(queues)) {
    std::set<MessageQueue> granted;
    BrokerAddress master;
    if (!client_->findBrokerAddressInSubscribe(entry.first, kMasterId, true, &master)) {
      // Only a master locks. Without one nobody can hold these queues, and
      // consuming them unlocked could overlap with another consumer once
      // the master is back: they pause until it is.
      RMQ_LOG(kInfo, "no master of " << entry.first << " in the route: its queues stay unlocked");
    } else {
      try {
        RemotingCommand request = RemotingCommand::makeRequest(request_code::kLockBatchMq);
        request.body = lockBody(entry.second);
        auto response = client_->remoting().invokeSync(master.addr, request, kRequestTimeoutMs);
        if (response->code == response_code::kSuccess) {
          const Json body = Json::parse(response->body);  // must outlive the loop below
          for (const Json& q : body["lockOKMQSet"].elements()) {
            granted.insert(MessageQueue{q["topic"].asString(), q["brokerName"].asString(), q["queueId"].asInt()});
          }
        }
      } catch (const std::exception& e) {
        // Keep what we held: a lock lapses by itself after kLockMaxLiveMs.
        RMQ_LOG(kWarn, "locking queues on " << entry.first << " failed: " << e.what());
        continue;
      }
    }
    std::lock_guard<std::mutex> guard(mutex_);
    for (const auto& mq : entry.second) {
      const bool ok = granted.count(mq) != 0;
      if (ok) {
        lockedNow_.insert(mq);
      } else {
        lockedNow_.erase(mq);
      }
      if (auto pq = queues_.find(mq)) pq->setLocked(ok);
    }
  }
}

void Rebalance::lockAll() {
  std::vector<MessageQueue> owned;
  for (const auto& pq : queues_.snapshot()) owned.push_back(pq->mq);
  if (!owned.empty()) lock(owned);
}

void Rebalance::unlock(const std::vector<MessageQueue>& queues) {
  for (const auto& entry : byBroker(queues)) {
    BrokerAddress master;
    if (client_->findBrokerAddressInSubscribe(entry.first, kMasterId, true, &master)) {
      try {
        RemotingCommand request = RemotingCommand::makeRequest(request_code::kUnlockBatchMq);
        request.body = lockBody(entry.second);
        client_->remoting().invokeOneway(master.addr, request, kRequestTimeoutMs);
      } catch (const std::exception& e) {
        RMQ_LOG(kInfo, "unlocking queues on " << entry.first << " failed: " << e.what());
      }
    }
    std::lock_guard<std::mutex> guard(mutex_);
    for (const auto& mq : entry.second) lockedNow_.erase(mq);
  }
}

void Rebalance::unlockAll() {
  std::vector<MessageQueue> owned;
  for (const auto& pq : queues_.snapshot()) owned.push_back(pq->mq);
  if (!owned.empty()) unlock(owned);
}

void Rebalance::release(const std::vector<MessageQueue>& reset) {
  for (const auto& mq : reset) {
    if (auto pq = queues_.remove(mq)) {
      pq->dropped = true;
      pulls_.forget(mq);
    }
  }
}

}  // namespace rmq
