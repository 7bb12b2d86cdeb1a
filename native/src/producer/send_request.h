// The wire side of a send: SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE requests with
// their one-letter header fields (SendMessageRequestHeaderV2), the
// response-to-SendStatus mapping (MQClientAPIImpl.processSendResponse), and
// END_TRANSACTION requests.
#pragma once

#include <cstdint>
#include <string>

#include "common/message_queue.h"
#include "producer/send_result.h"
#include "remoting/protocol_codes.h"
#include "remoting/remoting_command.h"

namespace rmq {


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
  bool reply = false;  // a reply message (MSG_TYPE=reply): SEND_REPLY_MESSAGE_V2
  std::string msgId;  // UNIQ_KEY; comma-separated ids for a batch
  // Asks for delivery at a chosen time: only brokers from 5.0 on may take
  // it. Never set for a batch (prepareBatch refuses such messages).
  bool timedDelivery = false;

  const std::string& body() const { return borrowedBody ? *borrowedBody : ownedBody; }
  // Copies a borrowed body so the message no longer depends on the caller's.
  void takeOwnership() {
    if (borrowedBody) {
      ownedBody = *borrowedBody;
      borrowedBody = nullptr;
    }
  }
  // The same for a body the caller gives up (the one borrowed): moved, not copied.
  void takeOwnership(std::string&& callersBody) {
    if (borrowedBody) {
      ownedBody = std::move(callersBody);
      borrowedBody = nullptr;
    }
  }
};

// The SEND_MESSAGE_V2 request (SendMessageRequestHeaderV2) for `msg`, its
// header fields written as JSON at once (encodedExtFields) rather than
// kept in a field map, as every send writes one: call expandEncodedFields()
// on it before reading or changing fields.
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
