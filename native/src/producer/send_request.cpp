#include "producer/send_request.h"

#include <charconv>
#include <cstdlib>
#include <system_error>

#include "common/errors.h"
#include "common/json.h"
#include "message/sysflag.h"

namespace rmq {

namespace {

// A broker's number, read as strtoll reads it; the usual plain digits
// without the library call.
int64_t parseLong(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto parsed = std::from_chars(text.data(), end, value);
  if (parsed.ec == std::errc() && parsed.ptr == end) return value;
  return std::strtoll(text.c_str(), nullptr, 10);
}

int commitOrRollbackFlag(LocalTransactionState state) {
  switch (state) {
    case LocalTransactionState::kCommit:
      return sysflag::kTransactionCommitType;
    case LocalTransactionState::kRollback:
      return sysflag::kTransactionRollbackType;
    case LocalTransactionState::kUnknown:
      break;
  }
  return sysflag::kTransactionNotType;
}

// MQClientAPIImpl.sendMessage: a reply message takes its own code, with the same header.
int32_t sendRequestCode(const OutgoingMessage& msg) {
  return msg.batch ? request_code::kSendBatchMessage
         : msg.reply ? request_code::kSendReplyMessageV2
                     : request_code::kSendMessageV2;
}
}  // namespace

RemotingCommand buildSendRequest(const std::string& producerGroup, const OutgoingMessage& msg,
                                 const MessageQueue& queue, int64_t bornTimestamp) {
  RemotingCommand request = RemotingCommand::makeRequest(sendRequestCode(msg));
  // The fields in name order, as extFields would keep them. The room
  // made first is what the writer asks for short texts (six bytes a byte,
  // as if all needed escaping), twice the properties (measured, with their
  // separators escaped) and the rest: it grows only for unusual properties.
  const size_t shortTexts = producerGroup.size() + msg.topic.size() + queue.brokerName.size();
  JsonMembers f(request.encodedExtFields, 320 + 6 * shortTexts + 2 * msg.properties.size());
  // The constant ones are written out: c is the topic new topics are made
  // from (TBW102), d their default queue count.
  f.add("a", producerGroup);
  f.add("b", msg.topic);
  f.addWritten(R"("c":"TBW102","d":"4")");
  f.add("e", queue.queueId);
  f.add("f", msg.sysFlag);
  f.add("g", bornTimestamp);
  f.add("h", msg.flag);
  f.add("i", msg.properties);
  f.addWritten(msg.batch ? R"("j":"0","k":"false","m":"true")" : R"("j":"0","k":"false","m":"false")");
  f.add("n", queue.brokerName);
  f.finish();
  request.body = msg.body();
  return request;
}

SendResult parseSendResponse(const RemotingCommand& response, const OutgoingMessage& msg,
                             const MessageQueue& queue) {
  SendResult result;
  switch (response.code) {
    case response_code::kSuccess:
      result.status = SendStatus::kSendOk;
      break;
    case response_code::kFlushDiskTimeout:
      result.status = SendStatus::kFlushDiskTimeout;
      break;
    case response_code::kFlushSlaveTimeout:
      result.status = SendStatus::kFlushSlaveTimeout;
      break;
    case response_code::kSlaveNotAvailable:
      result.status = SendStatus::kSlaveNotAvailable;
      break;
    default:
      throw MQException(ErrorKind::kBrokerError,
                        "broker " + queue.brokerName + " rejected the message (code " +
                            std::to_string(response.code) + "): " + response.remark,
                        response.code);
  }
  result.msgId = msg.msgId;
  result.offsetMsgId = response.field("msgId");
  result.queue = queue;
  const std::string& queueId = response.field("queueId");
  if (!queueId.empty()) result.queue.queueId = static_cast<int>(parseLong(queueId));
  result.queueOffset = parseLong(response.field("queueOffset", "0"));
  result.transactionId = response.field("transactionId");
  const std::string& region = response.field("MSG_REGION");
  if (!region.empty()) result.regionId = region;
  return result;
}

RemotingCommand buildEndTransactionRequest(const EndTransactionFields& fields, const std::string& remark) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kEndTransaction);
  auto& f = request.extFields;
  f["producerGroup"] = fields.producerGroup;
  f["tranStateTableOffset"] = std::to_string(fields.tranStateTableOffset);
  f["commitLogOffset"] = std::to_string(fields.commitLogOffset);
  f["commitOrRollback"] = std::to_string(commitOrRollbackFlag(fields.state));
  f["fromTransactionCheck"] = fields.fromTransactionCheck ? "true" : "false";
  f["msgId"] = fields.msgId;
  if (!fields.transactionId.empty()) f["transactionId"] = fields.transactionId;
  if (!fields.brokerName.empty()) f["bname"] = fields.brokerName;
  if (!remark.empty()) request.setRemark(remark);
  return request;
}

}  // namespace rmq
