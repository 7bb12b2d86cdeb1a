#include "consumer/offset_store.h"

#include "client/admin_api.h"
#include "common/errors.h"
#include "common/log.h"
#include "consumer/offset_file.h"
#include "consumer/process_queue.h"
#include "remoting/protocol_codes.h"

namespace rmq {

namespace {

constexpr int64_t kRequestTimeoutMs = 3000;

class BrokerOffsetStore : public OffsetStore {
 public:
  BrokerOffsetStore(std::shared_ptr<ClientInstance> client, std::string group)
      : client_(std::move(client)), group_(std::move(group)) {}

  int64_t read(const MessageQueue& mq) override {
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kQueryConsumerOffset);
    request.extFields["consumerGroup"] = group_;
    request.extFields["topic"] = mq.topic;
    request.extFields["queueId"] = std::to_string(mq.queueId);
    const BrokerAddress node = adminAddress(*client_, mq, kRequestTimeoutMs);
    auto response = client_->remoting().invokeSync(node.addr, request, kRequestTimeoutMs);
    if (response->code == response_code::kSuccess) return std::stoll(response->field("offset", "0"));
    if (response->code == response_code::kQueryNotFound) return -1;
    throw MQException(ErrorKind::kBrokerError, "QUERY_CONSUMER_OFFSET refused by broker " + mq.brokerName + ": " +
                                                   response->remark,
                      response->code);
  }

  void commit(const MessageQueue& mq, int64_t offset, const std::string& lastAddr) override {
    RemotingCommand request = updateRequest(mq, offset);
    try {
      client_->remoting().invokeOneway(addressFor(mq, lastAddr), request, kRequestTimeoutMs);
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "offset commit of " << queueKey(mq) << " failed: " << e.what());
    }
  }

  void storeNow(const MessageQueue& mq, int64_t offset) override {
    RemotingCommand request = updateRequest(mq, offset);
    try {
      client_->remoting().invokeSync(addressFor(mq, std::string()), request, kRequestTimeoutMs);
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "storing the offset of " << queueKey(mq) << " failed: " << e.what());
    }
  }

 private:
  RemotingCommand updateRequest(const MessageQueue& mq, int64_t offset) const {
    RemotingCommand request = RemotingCommand::makeRequest(request_code::kUpdateConsumerOffset);
    request.extFields["consumerGroup"] = group_;
    request.extFields["topic"] = mq.topic;
    request.extFields["queueId"] = std::to_string(mq.queueId);
    request.extFields["commitOffset"] = std::to_string(offset);
    return request;
  }

  std::string addressFor(const MessageQueue& mq, const std::string& lastAddr) {
    BrokerAddress node;
    if (client_->findBrokerAddressInSubscribe(mq.brokerName, 0, false, &node)) return node.addr;
    if (!lastAddr.empty()) return lastAddr;
    throw MQException(ErrorKind::kNoRoute, "no node of broker " + mq.brokerName + " is known");
  }

  std::shared_ptr<ClientInstance> client_;
  const std::string group_;
};

class LocalOffsetStore : public OffsetStore {
 public:
  explicit LocalOffsetStore(std::string path) : path_(std::move(path)), offsets_(readOffsetFile(path_)) {}

  int64_t read(const MessageQueue& mq) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = offsets_.find(queueKey(mq));
    return found == offsets_.end() ? -1 : found->second;
  }

  void commit(const MessageQueue& mq, int64_t offset, const std::string&) override { storeNow(mq, offset); }

  void storeNow(const MessageQueue& mq, int64_t offset) override {
    std::lock_guard<std::mutex> lock(mutex_);
    offsets_[queueKey(mq)] = offset;
  }

  void flush() override {
    std::lock_guard<std::mutex> lock(mutex_);
    try {
      writeOffsetFile(path_, offsets_);
    } catch (const std::exception& e) {
      RMQ_LOG(kWarn, "cannot write offsets to " << path_ << ": " << e.what());
    }
  }

 private:
  const std::string path_;
  std::mutex mutex_;
  std::map<std::string, int64_t> offsets_;
};

}  // namespace

std::unique_ptr<OffsetStore> makeBrokerOffsetStore(std::shared_ptr<ClientInstance> client, std::string group) {
  return std::make_unique<BrokerOffsetStore>(std::move(client), std::move(group));
}

std::unique_ptr<OffsetStore> makeLocalOffsetStore(std::string path) {
  return std::make_unique<LocalOffsetStore>(std::move(path));
}

}  // namespace rmq
