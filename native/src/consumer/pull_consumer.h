// The pull consumer: the application picks the queues and offsets itself
// and asks for messages synchronously, as with the Java DefaultMQPullConsumer.
// Nothing runs in the background besides the client instance's route
// refresh and heartbeats (the group is announced with CONSUME_ACTIVELY);
// offsets are the caller's business.
//
// Thread safety: fetchSubscribeMessageQueues() and pull() may be called from
// any number of threads at once, also while another thread shuts the
// consumer down (they then fail with kIllegalState). No lock is held while
// a request is on the wire.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "client/client_instance.h"
#include "common/message_queue.h"
#include "message/message.h"
#include "remoting/tls.h"

namespace rmq {

class ClientInstance;
class PullWrapper;

struct PullConsumerConfig {
  std::string groupName;
  std::string namesrvAddr;
  std::string namesrvDomain;
  std::string instanceName = "DEFAULT";
  std::string accessKey;
  std::string secretKey;
  std::string onsChannel = "ALIYUN";
  TlsOptions tls;
  int64_t pollNameServerIntervalMs = 30000;  // route refresh
  int64_t pullTimeoutMs = 10000;   // DefaultMQPullConsumer.consumerPullTimeoutMillis
  int64_t routeTimeoutMs = 3000;   // name server queries
};

// PullStatus.java; the values are CPullStatus's.
enum class PullStatus { kFound = 0, kNoNewMessage = 1, kNoMatchedMessage = 2, kOffsetIllegal = 3, kBrokerTimeout = 4 };

struct PullResult {
  PullStatus status = PullStatus::kBrokerTimeout;
  int64_t nextBeginOffset = 0;
  int64_t minOffset = 0;
  int64_t maxOffset = 0;
  // kFound only: the messages left after the client-side tag filter (may
  // be empty when every message of the batch was a hash-code collision).
  std::vector<MessageExt> messages;
};

// The status a PULL_MESSAGE response code stands for (as
// MQClientAPIImpl.processPullResponse maps it); false for any other code.
bool pullStatusOfResponse(int responseCode, PullStatus* status);

class PullConsumer {
 public:
  explicit PullConsumer(PullConsumerConfig config);
  ~PullConsumer();  // shuts down if running
  PullConsumer(const PullConsumer&) = delete;
  PullConsumer& operator=(const PullConsumer&) = delete;

  // Read at start(); changes afterwards have no effect.
  PullConsumerConfig& config() { return config_; }

  // Throws MQException(kIllegalArgument) for a bad group name, and
  // kIllegalState when the consumer was shut down before.
  void start();
  // Unregisters the group from the brokers. Idempotent.
  void shutdown();
  bool running() const;

  // The readable queues of `topic`, from a fresh name server answer (the
  // cached route if the name servers cannot be reached). Throws MQException
  // (kIllegalState, kIllegalArgument, kNoRoute, kConnectFailed, kTimeout).
  std::vector<MessageQueue> fetchSubscribeMessageQueues(const std::string& topic);

  // Up to `maxNums` messages of `queue` from `offset` on that match
  // `expression`, from the queue's master broker, without waiting for new
  // ones. A TAG expression is "*", "" or "TagA || TagB"; a SQL92 one is a
  // selector over properties, which the first pull of each (topic,
  // expression) has a broker check (CHECK_CLIENT_CONFIG) so that a syntax
  // error or a broker with property filtering off fails clearly. Throws
  // MQException: kIllegalState when not running, kIllegalArgument for a bad
  // queue / negative offset / maxNums <= 0 / unknown type, kNoRoute,
  // kConnectFailed, kTimeout, kProtocol, and kBrokerError for a refused
  // expression or any response code that is not a pull status.
  PullResult pull(const MessageQueue& queue, const std::string& expression, int64_t offset, int maxNums,
                  const std::string& expressionType = "TAG");

  // Has the broker of `queue` check a non-tag expression once (the check
  // pull() makes before its first pull of it); nothing for TAG. Throws as
  // pull() does for a refused expression.
  void checkSubscription(const MessageQueue& queue, const std::string& expression,
                         const std::string& expressionType);

 private:
  // What a running consumer works with: its client instance and the
  // configuration as it was at start().
  struct Session {
    std::shared_ptr<ClientInstance> client;
    std::shared_ptr<PullWrapper> pulls;
    PullConsumerConfig config;
    // "topic\nexpression" of the SQL92 expressions a broker accepted; each is checked once.
    mutable std::mutex acceptedMutex;
    mutable std::set<std::string> acceptedSelectors;
  };

  // Throws MQException(kIllegalState) unless running.
  std::shared_ptr<const Session> session() const;
  void checkAccepted(const Session& current, const SubscriptionData& subscription, const std::string& addr);

  PullConsumerConfig config_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Session> session_;  // set while running
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace rmq
