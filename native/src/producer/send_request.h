// The wire side of a send: SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE requests with
// their one-letter header fields (SendMessageRequestHeaderV2), the
// response-to-SendStatus mapping (MQClientAPIImpl.processSendResponse), and
// END_TRANSACTION requests.
#pragma once

#include <cstdint>
#include <string>

#include "common/message_queue.h"
#include "producer/send_result.h"
#include "remoting/remoting_command.h"

namespace rmq {

namespace request_code {
constexpr int32_t kSendMessageV2 = 310;
constexpr int32_t kSendBatchMessage = 320;
constexpr int32_t kEndTransaction = 37;
constexpr int32_t kCheckTransactionState = 39;
}  // namespace request_code

namespace response_code {
constexpr int32_t kSuccess = 0;
constexpr int32_t kSystemError = 1;
constexpr int32_t kSystemBusy = 2;
constexpr int32_t kFlushDiskTimeout = 10;
constexpr int32_t kSlaveNotAvailable = 11;
constexpr int32_t kFlushSlaveTimeout = 12;
constexpr int32_t kServiceNotAvailable = 14;
constexpr int32_t kNoPermission = 16;
constexpr int32_t kTopicNotExist = 17;
constexpr int32_t kNoBuyerId = 204;
constexpr int32_t kNotInCurrentUnit = 205;
}  // namespace response_code

// A validated message reduced to what goes into the request.
struct OutgoingMessage {
  std::string topic;
  std::string properties;  // already encoded, UNIQ_KEY and WAIT included
  // The body is borrowed from the caller's message when it goes out
  // unchanged and the caller waits for the send; otherwise it is owned
  // (compressed, encoded batch, or kept for a later async retry).
  std::string ownedBody;
  const std::string* borrowedBody = nullptr;
  int sysFlag = 0;
  int flag = 0;
  bool batch = false;
  std::string msgId;  // UNIQ_KEY; comma-separated ids for a batch

  const std::string& body() const { return borrowedBody ? *borrowedBody : ownedBody; }
  // Copies a borrowed body so the message no longer depends on the caller's.
  void takeOwnership() {
    if (borrowedBody) {
      ownedBody = *borrowedBody;
      borrowedBody = nullptr;
    }
  }
};

RemotingCommand buildSendRequest(const std::string& producerGroup, const OutgoingMessage& msg,
                                 const MessageQueue& queue, int64_t bornTimestamp);

// Throws MQException(kBrokerError, remark, code) for codes that are not a
// successful store.
SendResult parseSendResponse(const RemotingCommand& response, const OutgoingMessage& msg,
                             const MessageQueue& queue);

struct EndTransactionFields {
  std::string producerGroup;
  int64_t tranStateTableOffset = 0;
  int64_t commitLogOffset = 0;
  LocalTransactionState state = LocalTransactionState::kUnknown;
  bool fromTransactionCheck = false;
  std::string msgId;
  std::string transactionId;
  std::string brokerName;
};

// Oneway END_TRANSACTION request (commitOrRollback: 8 commit, 12 rollback, 0 unknown).
RemotingCommand buildEndTransactionRequest(const EndTransactionFields& fields, const std::string& remark);

}  // namespace rmq
