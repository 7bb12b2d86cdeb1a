// Request-reply pieces that need no broker: the table of waiting requests
// (reply, late reply, send failure, timeout, shutdown), correlation ids,
// the decoding of a pushed reply, the SEND_REPLY_MESSAGE_V2 code of reply
// messages, and the C API's argument checks.
#include <set>
#include <string>

#include "CErrorMessage.h"
#include "CProducer.h"
#include "CRequestReply.h"
#include "message/compression.h"
#include "message/sysflag.h"
#include "producer/reply_table.h"
#include "producer/request_reply.h"
#include "producer/send_request.h"
#include "remoting/protocol_codes.h"
#include "checks.h"

using namespace rmq;

namespace {

struct Outcome {
  int calls = 0;
  std::string body;
  std::string error;
  bool timeout = false;
};

ReplyCallback recordInto(Outcome* outcome) {
  return [outcome](const MessageExt* reply, const MQException* error) {
    ++outcome->calls;
    if (reply != nullptr) outcome->body = reply->body();
    if (error != nullptr) {
      outcome->error = error->what();
      outcome->timeout = dynamic_cast<const RequestTimeout*>(error) != nullptr;
    }
  };
}

MessageExt replyWithBody(const std::string& body) {
  MessageExt reply;
  reply.setBody(body);
  return reply;
}

void testReplyTable() {
  ReplyTable table;
  Outcome answered, failed, expired, waitingAtShutdown;
  table.add("id-1", "Orders", 1000, 0, recordInto(&answered));
  table.add("id-2", "Orders", 1000, 0, recordInto(&failed));
  table.add("id-3", "Orders", 1000, 0, recordInto(&expired));
  table.add("id-4", "Orders", 1000, 0, recordInto(&waitingAtShutdown));
  CHECK(table.pending() == 4);
  CHECK(table.setTimer("id-1", 7));

  bool duplicateRefused = false;
  try {
    table.add("id-1", "Orders", 1000, 0, recordInto(&answered));
  } catch (const MQException& e) {
    duplicateRefused = e.kind() == ErrorKind::kIllegalState;
  }
  CHECK(duplicateRefused);

  uint64_t timer = 0;
  CHECK(table.complete("id-1", replyWithBody("pong"), &timer));
  CHECK(timer == 7);
  CHECK(answered.calls == 1 && answered.body == "pong" && answered.error.empty());
  // The same reply again, and one nobody asked for: dropped and counted.
  CHECK(!table.complete("id-1", replyWithBody("pong"), &timer));
  CHECK(!table.complete("never-asked", replyWithBody("?"), &timer));
  CHECK(table.lateReplies() == 2);
  CHECK(answered.calls == 1);

  CHECK(table.fail("id-2", MQException(ErrorKind::kConnectFailed, "broker gone"), &timer));
  CHECK(failed.calls == 1 && failed.error == "broker gone" && !failed.timeout);

  // Not yet due: nothing happens; due: a timeout naming the topic.
  table.markSent("id-3");
  table.expire("id-3", 999);
  CHECK(expired.calls == 0);
  table.expire("id-3", 1000);
  CHECK(expired.calls == 1 && expired.timeout);
  CHECK(expired.error.find("<Orders> OK, but wait reply message timeout, 1000 ms") != std::string::npos);
  // A reply after the timeout is late.
  CHECK(!table.complete("id-3", replyWithBody("too late"), &timer));
  CHECK(table.lateReplies() == 3 && expired.calls == 1);

  CHECK(!table.setTimer("id-3", 9));
  table.failAll(MQException(ErrorKind::kIllegalState, "shut down"));
  CHECK(waitingAtShutdown.calls == 1 && waitingAtShutdown.error == "shut down");
  CHECK(table.pending() == 0);

  // A refused send forgets its request without calling back.
  Outcome refused;
  table.add("id-5", "Orders", 1000, 0, recordInto(&refused));
  CHECK(table.forget("id-5", &timer));
  CHECK(!table.forget("id-5", &timer));
  CHECK(refused.calls == 0);

  // A throwing callback is contained.
  table.add("id-6", "Orders", 1000, 0, [](const MessageExt*, const MQException*) { throw std::runtime_error("x"); });
  CHECK(table.complete("id-6", replyWithBody(""), &timer));
}

void testCorrelationIds() {
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = createCorrelationId();
    CHECK(id.size() == 36);
    CHECK(id[8] == '-' && id[13] == '-' && id[18] == '-' && id[23] == '-');
    CHECK(id[14] == '4');                                           // version 4
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);  // IETF variant
    ids.insert(id);
  }
  CHECK(ids.size() == 1000);
}

RemotingCommand pushedReply() {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kPushReplyMessageToClient);
  auto& f = request.extFields;
  f["producerGroup"] = "responders";
  f["topic"] = "DefaultCluster_REPLY_TOPIC";
  f["defaultTopic"] = "TBW102";
  f["defaultTopicQueueNums"] = "4";
  f["queueId"] = "0";
  f["sysFlag"] = "0";
  f["bornTimestamp"] = "1700000000000";
  f["flag"] = "3";
  f["properties"] = std::string("CORRELATION_ID\x01") + "abc" + "\x02" + "MSG_TYPE\x01reply";
  f["reconsumeTimes"] = "0";
  f["unitMode"] = "false";
  f["bornHost"] = "127.0.0.1:40000";
  f["storeHost"] = "0:0:0:0:0:0:0:1:10911";
  f["storeTimestamp"] = "1700000000123";
  request.body = "answer";
  return request;
}

void testDecodePushedReply() {
  const MessageExt reply = decodePushedReply(pushedReply(), 1700000000200);
  CHECK(reply.topic() == "DefaultCluster_REPLY_TOPIC");
  CHECK(reply.body() == "answer");
  CHECK(reply.flag() == 3);
  CHECK(reply.property("CORRELATION_ID") == "abc");
  CHECK(reply.property("ARRIVE_TIME") == "1700000000200");
  CHECK(reply.bornTimestamp == 1700000000000 && reply.storeTimestamp == 1700000000123);
  CHECK(reply.bornHost() == "127.0.0.1:40000");
  CHECK(reply.storeHostBytes.ipLength == 16 && reply.storeHostBytes.port == 10911);

  RemotingCommand compressed = pushedReply();
  compressed.extFields["sysFlag"] = std::to_string(sysflag::kCompressed);
  compressed.body = zlibCompress(std::string(5000, 'z'), 5);
  CHECK(decodePushedReply(compressed, 0).body() == std::string(5000, 'z'));

  for (const char* field : {"topic", "queueId", "storeTimestamp", "bornTimestamp", "sysFlag"}) {
    RemotingCommand broken = pushedReply();
    broken.extFields.erase(field);
    bool refused = false;
    try {
      decodePushedReply(broken, 0);
    } catch (const MQException& e) {
      refused = e.kind() == ErrorKind::kProtocol;
    }
    CHECK(refused);
  }
  RemotingCommand garbled = pushedReply();
  garbled.extFields["queueId"] = "zero";
  bool refused = false;
  try {
    decodePushedReply(garbled, 0);
  } catch (const MQException& e) {
    refused = e.kind() == ErrorKind::kProtocol;
  }
  CHECK(refused);
}

void testReplyRequestCode() {
  OutgoingMessage plain;
  plain.topic = "Orders";
  MessageQueue queue;
  queue.topic = "Orders";
  queue.brokerName = "broker-a";
  CHECK(buildSendRequest("g", plain, queue, 0).code == request_code::kSendMessageV2);
  OutgoingMessage reply = plain;
  reply.reply = true;
  RemotingCommand request = buildSendRequest("g", reply, queue, 0);
  request.expandEncodedFields();
  CHECK(request.code == request_code::kSendReplyMessageV2);
  CHECK(request.field("b") == "Orders");  // the same V2 header as a plain send

  Message marked("DefaultCluster_REPLY_TOPIC");
  CHECK(!isReplyMessage(marked));
  marked.putProperty(property::kMessageType, kReplyMessageFlag);
  CHECK(isReplyMessage(marked));
}

void testCApiArguments() {
  CProducer* producer = CreateProducer("request_args");
  CMessage* msg = CreateMessage("Orders");
  CMessageExt* reply = nullptr;
  CHECK(RequestMessage(nullptr, msg, 1000, &reply) == NULL_POINTER);
  CHECK(RequestMessage(producer, msg, 1000, nullptr) == NULL_POINTER);
  CHECK(RequestMessage(producer, msg, 0, &reply) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(std::string(GetLatestErrorMessage()).find("timeout must be positive") != std::string::npos);
  CHECK(RequestMessage(producer, msg, 1LL << 40, &reply) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(std::string(GetLatestErrorMessage()).find("between 1 and 2147483647 ms") != std::string::npos);
  // Not started.
  CHECK(RequestMessage(producer, msg, 1000, &reply) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(reply == nullptr);
  CHECK(RequestMessageAsync(producer, msg, 1000, nullptr, nullptr, nullptr) == PRODUCER_SEND_ASYNC_FAILED);
  CHECK(RequestMessageAsync(producer, nullptr, 1000, nullptr, nullptr, nullptr) == NULL_POINTER);
  CHECK(DestroyReplyMessage(nullptr) == NULL_POINTER);
  CHECK(GetProducerLateReplyCount(producer) == 0);
  CHECK(GetProducerLateReplyCount(nullptr) == -1);
  DestroyMessage(msg);
  DestroyProducer(producer);
}

}  // namespace

int main() {
  testReplyTable();
  testCorrelationIds();
  testDecodePushedReply();
  testReplyRequestCode();
  testCApiArguments();
  std::printf("request_reply: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
