// Producer tests that need no broker: request headers, response mapping,
// END_TRANSACTION fields, retry classification, lifecycle errors, and the
// producer functions of the C API.
#include <cstring>
#include <functional>
#include <iostream>
#include <string>

#include "CErrorMessage.h"
#include "CProducer.h"
#include "CSendFields.h"
#include "common/errors.h"
#include "producer/producer.h"
#include "producer/send_request.h"
#include "checks.h"

using namespace rmq;

namespace {

// Returns the error text when `body` throws MQException of `kind`, else "".
std::string errorOf(ErrorKind kind, const std::function<void()>& body) {
  try {
    body();
  } catch (const MQException& e) {
    if (e.kind() == kind) return e.what();
    return std::string("wrong kind: ") + e.what();
  }
  return "";
}

std::string latestError() { return GetLatestErrorMessage(); }

// The SEND_MESSAGE_V2 request as a field map, the way RemotingCommand
// encodes any request: what buildSendRequest writes at once must be these
// bytes exactly.
RemotingCommand sendRequestByField(const std::string& group, const OutgoingMessage& msg, const MessageQueue& queue,
                                   int64_t born) {
  RemotingCommand request = RemotingCommand::makeRequest(msg.batch   ? request_code::kSendBatchMessage
                                                         : msg.reply ? request_code::kSendReplyMessageV2
                                                                     : request_code::kSendMessageV2);
  auto& f = request.extFields;
  f["a"] = group;
  f["b"] = msg.topic;
  f["c"] = "TBW102";
  f["d"] = "4";
  f["e"] = std::to_string(queue.queueId);
  f["f"] = std::to_string(msg.sysFlag);
  f["g"] = std::to_string(born);
  f["h"] = std::to_string(msg.flag);
  f["i"] = msg.properties;
  f["j"] = "0";
  f["k"] = "false";
  f["m"] = msg.batch ? "true" : "false";
  f["n"] = queue.brokerName;
  request.body = msg.body();
  return request;
}

void checkSameOnTheWire(const std::string& group, const OutgoingMessage& msg, const MessageQueue& queue,
                        int64_t born) {
  RemotingCommand byField = sendRequestByField(group, msg, queue, born);
  RemotingCommand built = buildSendRequest(group, msg, queue, born);
  CHECK(built.extFields.size() == 0);
  CHECK(!built.encodedExtFields.empty());
  built.opaque = byField.opaque;
  CHECK(built.code == byField.code);
  CHECK(built.encode() == byField.encode());
  built.expandEncodedFields();
  CHECK(built.encodedExtFields.empty());
  CHECK(built.extFields.size() == byField.extFields.size());
  for (const auto& field : byField.extFields) CHECK(built.field(field.first) == field.second);
  CHECK(built.encode() == byField.encode());
  const std::string frame = built.encode();
  const RemotingCommand decoded = RemotingCommand::decode(frame.data() + 4, frame.size() - 4);
  CHECK(decoded.field("i") == msg.properties);
  CHECK(decoded.field("b") == msg.topic);
}

void testSendRequestOnTheWire(OutgoingMessage msg, MessageQueue queue) {
  checkSameOnTheWire("GroupA", msg, queue, 1234);
  // Text the JSON writer must escape, in every field that takes text.
  msg.topic = std::string("T\"q\\\x01\x7f") + "\xc5\xbc";
  msg.properties = "KEYS\x01" "a b\x02" "TAGS\x01\"\\\x02" "p\x01\x1f\xe2\x82\xac\x02";
  queue.brokerName = "broker\tb";
  checkSameOnTheWire("Group\nB", msg, queue, -1);
  msg.batch = true;
  msg.sysFlag = -7;
  msg.flag = 2147483647;
  queue.queueId = 0;
  checkSameOnTheWire("", msg, queue, INT64_MIN);
  msg.batch = false;
  msg.reply = true;
  msg.properties.assign(5000, '\x01');
  checkSameOnTheWire("GroupC", msg, queue, INT64_MAX);
}

void testSendRequest() {
  OutgoingMessage msg;
  msg.topic = "TopicA";
  msg.properties = "UNIQ_KEY\x01" "ID\x02WAIT\x01true";
  const std::string body = "payload";
  msg.borrowedBody = &body;
  msg.sysFlag = 1;
  msg.flag = 9;
  msg.msgId = "ID";
  MessageQueue queue{"TopicA", "broker-a", 2};
  RemotingCommand request = buildSendRequest("GroupA", msg, queue, 1234);
  request.expandEncodedFields();
  CHECK(request.code == 310);
  CHECK(request.field("a") == "GroupA");
  CHECK(request.field("b") == "TopicA");
  CHECK(request.field("c") == "TBW102");
  CHECK(request.field("d") == "4");
  CHECK(request.field("e") == "2");
  CHECK(request.field("f") == "1");
  CHECK(request.field("g") == "1234");
  CHECK(request.field("h") == "9");
  CHECK(request.field("i") == msg.properties);
  CHECK(request.field("j") == "0");
  CHECK(request.field("k") == "false");
  CHECK(request.field("m") == "false");
  CHECK(request.field("n") == "broker-a");
  CHECK(request.body == "payload");

  msg.batch = true;
  RemotingCommand batch = buildSendRequest("GroupA", msg, queue, 1);
  batch.expandEncodedFields();
  CHECK(batch.code == 320);
  CHECK(batch.field("m") == "true");
  msg.batch = false;

  testSendRequestOnTheWire(msg, queue);

  RemotingCommand ok = RemotingCommand::makeResponse(request, 0);
  ok.extFields["msgId"] = "7F00000100002A9F0000000000000010";
  ok.extFields["queueId"] = "2";
  ok.extFields["queueOffset"] = "77";
  const SendResult result = parseSendResponse(ok, msg, queue);
  CHECK(result.status == SendStatus::kSendOk);
  CHECK(result.msgId == "ID");
  CHECK(result.offsetMsgId == "7F00000100002A9F0000000000000010");
  CHECK(result.queueOffset == 77);
  CHECK(result.queue.brokerName == "broker-a");

  const int codes[] = {10, 12, 11};
  const SendStatus statuses[] = {SendStatus::kFlushDiskTimeout, SendStatus::kFlushSlaveTimeout,
                                 SendStatus::kSlaveNotAvailable};
  for (int i = 0; i < 3; ++i) {
    RemotingCommand r = RemotingCommand::makeResponse(request, codes[i]);
    CHECK(parseSendResponse(r, msg, queue).status == statuses[i]);
  }

  RemotingCommand busy = RemotingCommand::makeResponse(request, 2, "too busy");
  try {
    parseSendResponse(busy, msg, queue);
    CHECK(false);
  } catch (const MQException& e) {
    CHECK(e.kind() == ErrorKind::kBrokerError);
    CHECK(e.responseCode() == 2);
    CHECK(std::string(e.what()).find("too busy") != std::string::npos);
    CHECK(isRetryableSendError(e));
  }
  CHECK(!isRetryableSendError(MQException(ErrorKind::kBrokerError, "bad", 13)));
  CHECK(isRetryableSendError(MQException(ErrorKind::kBrokerError, "no topic", 17)));
  CHECK(isRetryableSendError(MQException(ErrorKind::kTimeout, "t")));
  CHECK(isRetryableSendError(MQException(ErrorKind::kConnectFailed, "c")));
  CHECK(!isRetryableSendError(MQException(ErrorKind::kIllegalArgument, "i")));
}

void testEndTransaction() {
  EndTransactionFields f;
  f.producerGroup = "G";
  f.tranStateTableOffset = 5;
  f.commitLogOffset = 16;
  f.state = LocalTransactionState::kCommit;
  f.msgId = "M";
  f.transactionId = "T";
  RemotingCommand commit = buildEndTransactionRequest(f, "");
  CHECK(commit.code == 37);
  CHECK(commit.field("producerGroup") == "G");
  CHECK(commit.field("tranStateTableOffset") == "5");
  CHECK(commit.field("commitLogOffset") == "16");
  CHECK(commit.field("commitOrRollback") == "8");
  CHECK(commit.field("fromTransactionCheck") == "false");
  CHECK(commit.field("msgId") == "M");
  CHECK(commit.field("transactionId") == "T");
  f.state = LocalTransactionState::kRollback;
  f.fromTransactionCheck = true;
  RemotingCommand rollback = buildEndTransactionRequest(f, "why");
  CHECK(rollback.field("commitOrRollback") == "12");
  CHECK(rollback.field("fromTransactionCheck") == "true");
  CHECK(rollback.remark == "why");
  f.state = LocalTransactionState::kUnknown;
  CHECK(buildEndTransactionRequest(f, "").field("commitOrRollback") == "0");
}

void testLifecycle() {
  Producer producer("GroupL");
  Message msg("TopicL");
  msg.setBody("x");
  CHECK(errorOf(ErrorKind::kIllegalState, [&] { producer.send(msg); }) == "producer is not started");
  CHECK(!errorOf(ErrorKind::kIllegalState, [&] { producer.sendOneway(msg); }).empty());
  producer.shutdown();  // not started: nothing to do
  CHECK(!producer.isRunning());

  Producer badGroup("bad group");
  badGroup.setNamesrvAddr("127.0.0.1:1");
  CHECK(errorOf(ErrorKind::kIllegalArgument, [&] { badGroup.start(); }).find("group name") != std::string::npos);
  CHECK(!errorOf(ErrorKind::kIllegalArgument, [&] { producer.setSendTimeoutMs(0); }).empty());
  CHECK(!errorOf(ErrorKind::kIllegalArgument, [&] { producer.setCompressLevel(10); }).empty());
  producer.setSendTimeoutMs(1500);
  CHECK(producer.config().sendTimeoutMs == 1500);
  CHECK(producer.config().compressLevel == 5);
  CHECK(producer.config().compressThreshold == 4096);
  CHECK(producer.config().maxMessageSize == 4u * 1024 * 1024);
  CHECK(producer.config().retryTimesWhenSendFailed == 2);
}

CTransactionStatus checkNothing(CProducer*, CMessageExt*, void*) { return E_UNKNOWN_TRANSACTION; }

void testCApi() {
  CHECK(CreateProducer(nullptr) == nullptr);
  CProducer* producer = CreateProducer("GroupC");
  CHECK(producer != nullptr);
  CHECK(std::strlen(ShowProducerVersion(producer)) > 0);
  CHECK(SetProducerNameServerAddress(producer, "127.0.0.1:9876") == OK);
  CHECK(SetProducerSendMsgTimeout(producer, 2000) == OK);
  CHECK(SetProducerCompressLevel(producer, 6) == OK);
  CHECK(SetProducerMaxMessageSize(producer, 1024) == OK);
  CHECK(SetProducerMaxMessageSize(producer, 0) != OK);
  CHECK(SetProducerMessageTrace(producer, CLOSE) == OK);
  CHECK(SetProducerInstanceName(producer, "inst") == OK);
  CHECK(SetProducerSessionCredentials(producer, "ak", "sk", "ALIYUN") == OK);
  CHECK(SetProducerNameServerAddress(nullptr, "x") == NULL_POINTER);

  CMessage* msg = CreateMessage("TopicC");
  SetMessageBody(msg, "body");
  CSendResult result;
  CHECK(SendMessageSync(producer, msg, &result) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(latestError() == "producer is not started");
  CHECK(SendMessageOneway(producer, msg) == PRODUCER_SEND_ONEWAY_FAILED);
  CHECK(SendMessageSyncWithFields(producer, "TopicC", "t", "k", "body", 4, &result) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(latestError() == "producer is not started");
  CHECK(SendMessageOnewayWithFields(producer, "TopicC", nullptr, nullptr, nullptr, 0) == PRODUCER_SEND_ONEWAY_FAILED);
  CHECK(SendMessageSyncWithFields(producer, nullptr, nullptr, nullptr, nullptr, 0, &result) == NULL_POINTER);
  CHECK(SendMessageSyncWithFields(producer, "TopicC", nullptr, nullptr, nullptr, 0, nullptr) == NULL_POINTER);
  CHECK(SendMessageSyncWithFields(producer, "TopicC", nullptr, nullptr, "body", -1, &result) == NULL_POINTER);
  CHECK(latestError() == "body length is negative");
  CHECK(SendMessageOnewayWithFields(producer, "TopicC", nullptr, nullptr, nullptr, 2) == NULL_POINTER);
  CHECK(latestError() == "body is NULL");
  CHECK(SendMessageOnewayWithFields(nullptr, "TopicC", nullptr, nullptr, nullptr, 0) == NULL_POINTER);
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(producer, "TopicC", "t", "k", "body", 4, nullptr, nullptr, nullptr) ==
        PRODUCER_SEND_ASYNC_FAILED);
  CHECK(latestError() == "producer is not started");
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(nullptr, "TopicC", nullptr, nullptr, nullptr, 0, nullptr, nullptr,
                                             nullptr) == NULL_POINTER);
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(producer, nullptr, nullptr, nullptr, nullptr, 0, nullptr, nullptr,
                                             nullptr) == NULL_POINTER);
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(producer, "TopicC", nullptr, nullptr, "body", -1, nullptr, nullptr,
                                             nullptr) == NULL_POINTER);
  CHECK(latestError() == "body length is negative");
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(producer, "TopicC", nullptr, nullptr, nullptr, 2, nullptr, nullptr,
                                             nullptr) == NULL_POINTER);
  CHECK(latestError() == "body is NULL");
  CHECK(SendMessageSync(producer, nullptr, &result) == NULL_POINTER);
  CHECK(SendMessageSync(producer, msg, nullptr) == NULL_POINTER);
  CHECK(SendAsync(producer, msg, nullptr, nullptr, nullptr) == PRODUCER_SEND_ASYNC_FAILED);
  CHECK(SendMessageOrderlyByShardingKey(producer, msg, "key", &result) == PRODUCER_SEND_ORDERLY_FAILED);
  CHECK(std::string(GetOriginMessageProperty(msg, "__SHARDINGKEY")) == "key");
  CHECK(ShutdownProducer(producer) == OK);
  CHECK(DestroyProducer(producer) == OK);
  CHECK(DestroyProducer(nullptr) == NULL_POINTER);

  CHECK(CreateTransactionProducer("GroupT", nullptr, nullptr) == nullptr);
  CProducer* tx = CreateTransactionProducer("GroupT", checkNothing, nullptr);
  CHECK(tx != nullptr);
  CHECK(DestroyProducer(tx) == OK);
  DestroyMessage(msg);
}

}  // namespace

int main() {
  testSendRequest();
  testEndTransaction();
  testLifecycle();
  testCApi();
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
