// Two-phase transactional sends: the half message, the local transaction,
// END_TRANSACTION, and the broker's later CHECK_TRANSACTION_STATE requests
// (DefaultMQProducerImpl.sendMessageInTransaction / checkTransactionState).
#include <cstdlib>

#include "common/log.h"
#include "message/message_id.h"
#include "producer/producer.h"

namespace rmq {

namespace {

// A broker's own transaction checks are answered with this timeout, as the
// Java client does.
constexpr int64_t kCheckAnswerTimeoutMs = 3000;

int64_t parseLong(const std::string& text) { return std::strtoll(text.c_str(), nullptr, 10); }

const char* stateName(LocalTransactionState state) {
  switch (state) {
    case LocalTransactionState::kCommit:
      return "COMMIT";
    case LocalTransactionState::kRollback:
      return "ROLLBACK";
    case LocalTransactionState::kUnknown:
      break;
  }
  return "UNKNOWN";
}

}  // namespace

SendResult Producer::sendTransaction(const Message& msg, const TransactionExecutor& executor) {
  auto client = runningClient();
  const ProducerConfig cfg = config();
  const OutgoingMessage prepared = prepare(msg, cfg, true);
  const SendResult half = sendWithRetries(*client, prepared, cfg);

  LocalTransactionState state = LocalTransactionState::kRollback;
  std::string remark;
  if (half.status == SendStatus::kSendOk) {
    try {
      state = executor(msg);
    } catch (const std::exception& e) {
      state = LocalTransactionState::kUnknown;
      remark = std::string("executeLocalTransactionBranch exception: ") + e.what();
    }
  }
  // The half message is stored either way; a failed END_TRANSACTION only
  // means the broker will ask again through a transaction check.
  try {
    endTransaction(*client, half, state, remark, cfg.sendTimeoutMs);
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "END_TRANSACTION for " << half.msgId << " failed: " << e.what());
  }
  return half;
}

void Producer::endTransaction(ClientInstance& client, const SendResult& half, LocalTransactionState state,
                              const std::string& remark, int64_t timeoutMs) {
  // The commit log offset is encoded in the broker's offset message id.
  const OffsetMessageId stored = decodeOffsetMessageId(half.offsetMsgId.empty() ? half.msgId : half.offsetMsgId);
  const std::string addr = client.findBrokerAddressInPublish(half.queue.brokerName);
  if (addr.empty()) {
    throw MQException(ErrorKind::kNoRoute, "no master address known for broker " + half.queue.brokerName);
  }
  EndTransactionFields fields;
  fields.producerGroup = config().groupName;
  fields.tranStateTableOffset = half.queueOffset;
  fields.commitLogOffset = stored.commitLogOffset;
  fields.state = state;
  fields.fromTransactionCheck = false;
  fields.msgId = half.msgId;
  fields.transactionId = half.transactionId.empty() ? half.msgId : half.transactionId;
  fields.brokerName = half.queue.brokerName;
  RemotingCommand request = buildEndTransactionRequest(fields, remark);
  client.remoting().invokeOneway(addr, request, timeoutMs);
  RMQ_LOG(kDebug, "END_TRANSACTION " << stateName(state) << " for " << half.msgId);
}

std::unique_ptr<RemotingCommand> Producer::onCheckTransactionState(const std::string& addr,
                                                                   RemotingCommand& request) {
  TransactionChecker checker;
  std::shared_ptr<ClientInstance> client;
  std::string group;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    checker = checker_;
    client = client_;
    group = config_.groupName;
  }
  if (!checker || !client) return nullptr;

  try {
    std::vector<MessageExt> messages = decodeMessages(request.body.data(), request.body.size());
    if (messages.empty()) {
      RMQ_LOG(kWarn, "transaction check from " << addr << " carries no message");
      return nullptr;
    }
    const MessageExt& msg = messages.front();

    LocalTransactionState state = LocalTransactionState::kUnknown;
    std::string remark;
    try {
      state = checker(msg);  // user code; no lock held
    } catch (const std::exception& e) {
      remark = std::string("checkLocalTransactionState Exception: ") + e.what();
    }

    EndTransactionFields fields;
    fields.producerGroup = group;
    fields.tranStateTableOffset = parseLong(request.field("tranStateTableOffset", "0"));
    fields.commitLogOffset = parseLong(request.field("commitLogOffset", "0"));
    fields.state = state;
    fields.fromTransactionCheck = true;
    fields.msgId = msg.msgId();
    fields.transactionId = request.field("transactionId");
    fields.brokerName = request.field("bname");
    RemotingCommand answer = buildEndTransactionRequest(fields, remark);
    client->remoting().invokeOneway(addr, answer, kCheckAnswerTimeoutMs);
    RMQ_LOG(kDebug, "answered transaction check for " << fields.msgId << " with " << stateName(state));
  } catch (const std::exception& e) {
    RMQ_LOG(kWarn, "transaction check from " << addr << " failed: " << e.what());
  }
  return nullptr;  // the broker sent the check oneway; the answer is END_TRANSACTION
}

}  // namespace rmq
