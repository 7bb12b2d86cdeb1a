// Request-reply messaging as the Java 4.9 client does it
// (DefaultMQProducerImpl.request, MessageUtil.createReplyMessage,
// ClientRemotingProcessor.receiveReplyMessage):
//  - the requester sends an ordinary message carrying a correlation id,
//    its own client id (REPLY_TO_CLIENT) and its timeout (TTL);
//  - the broker stamps every stored message with its cluster (CLUSTER);
//  - a responder sends a reply message to "<cluster>_REPLY_TOPIC" with the
//    same correlation id, REPLY_TO_CLIENT and TTL and MSG_TYPE=reply; such a
//    message goes out as SEND_REPLY_MESSAGE_V2 instead of SEND_MESSAGE_V2;
//  - the broker pushes it (PUSH_REPLY_MESSAGE_TO_CLIENT) over the connection
//    of the client that heartbeated with that client id, and the requester
//    matches it to the waiting request by correlation id.
// The Producer methods that implement it live in request_reply.cpp.
#pragma once

#include <string>

#include "message/message.h"
#include "remoting/remoting_command.h"

namespace rmq {

// Property names of MessageConst.java used by request-reply.
namespace property {
constexpr const char* kCorrelationId = "CORRELATION_ID";
constexpr const char* kReplyToClient = "REPLY_TO_CLIENT";
constexpr const char* kMessageTtl = "TTL";
constexpr const char* kReplyMessageArriveTime = "ARRIVE_TIME";
constexpr const char* kCluster = "CLUSTER";
constexpr const char* kMessageType = "MSG_TYPE";
}  // namespace property

// MixAll.REPLY_MESSAGE_FLAG: the MSG_TYPE value of a reply message.
constexpr const char* kReplyMessageFlag = "reply";

// True for a message made by createReplyMessage (sent as SEND_REPLY_MESSAGE_V2).
bool isReplyMessage(const Message& msg);

// CorrelationIdUtil.createCorrelationId: a random (version 4) UUID in its
// usual 36-character text form.
std::string createCorrelationId();

// ClientRemotingProcessor.receiveReplyMessage: the reply a
// PUSH_REPLY_MESSAGE_TO_CLIENT request carries (ReplyMessageRequestHeader
// fields and the body, inflated when its sysFlag says compressed), with
// ARRIVE_TIME set to `arrivedWallMs`. Throws MQException(kProtocol) when the
// request is malformed.
MessageExt decodePushedReply(const RemotingCommand& request, int64_t arrivedWallMs);

}  // namespace rmq
