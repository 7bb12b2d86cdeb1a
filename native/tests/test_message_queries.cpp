// Message lookups of the admin C API (ViewMessage, QueryMessage, the queue
// positions) against a scripted name server and broker on 127.0.0.1: the
// request headers on the wire, which answers count as matches, the
// not-found status, misuse; and the ConsumeMessageDirectlyResult JSON a
// consumer answers with.
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "CAdmin.h"
#include "CErrorMessage.h"
#include "CMessageExt.h"
#include "CPushConsumer.h"
#include "checks.h"
#include "common/json.h"
#include "consumer/consume_directly.h"
#include "consumer/consume_listener.h"
#include "fake_server.h"
#include "message/byte_buffer.h"
#include "message/message_id.h"
#include "remoting/remoting_command.h"

using rmq::RemotingCommand;

namespace {

const std::string kLoopback("\x7f\x00\x00\x01", 4);
int brokerPort = 0;
std::string brokerAddr;

// One message in the stored layout (MessageDecoder.encode), stored by the fake broker.
struct Stored {
  std::string topic = "Orders";
  std::string body;
  std::string keys;
  std::string uniqKey;
  int64_t commitLogOffset = 0;
  int64_t storeTimestamp = 1700000000000LL;

  std::string encode() const {
    std::string properties;
    if (!keys.empty()) properties += "KEYS\x01" + keys + "\x02";
    if (!uniqKey.empty()) properties += "UNIQ_KEY\x01" + uniqKey + "\x02";
    std::string rest;
    rmq::appendI32(rest, -626843481);  // MESSAGE_MAGIC_CODE
    rmq::appendI32(rest, 0);           // body CRC
    rmq::appendI32(rest, 1);           // queue id
    rmq::appendI32(rest, 0);           // flag
    rmq::appendI64(rest, 5);           // queue offset
    rmq::appendI64(rest, commitLogOffset);
    rmq::appendI32(rest, 0);  // sysflag
    rmq::appendI64(rest, storeTimestamp - 3);
    rest += kLoopback;
    rmq::appendI32(rest, 40000);
    rmq::appendI64(rest, storeTimestamp);
    rest += kLoopback;
    rmq::appendI32(rest, brokerPort);
    rmq::appendI32(rest, 0);  // reconsume times
    rmq::appendI64(rest, 0);  // prepared transaction offset
    rmq::appendI32(rest, static_cast<int32_t>(body.size()));
    rest += body;
    rest.push_back(static_cast<char>(topic.size()));
    rest += topic;
    rmq::appendI16(rest, static_cast<int16_t>(properties.size()));
    rest += properties;
    std::string out;
    rmq::appendI32(out, static_cast<int32_t>(rest.size() + 4));
    return out + rest;
  }
};

// A producer id as MessageClientIDSetter lays it out, from a made-up host no broker has.
const std::string kUniqueId = "0A010203" "1234" "ABCDEF01" "00000010" "0001";

void brokerHandler(const RemotingCommand& request, RemotingCommand* response) {
  switch (request.code) {
    case 31:  // GET_MIN_OFFSET
      response->extFields["offset"] = "3";
      break;
    case 32:  // GET_EARLIEST_MSG_STORETIME
      response->extFields["timestamp"] = "1700000000123";
      break;
    case 29:  // SEARCH_OFFSET_BY_TIMESTAMP
      response->extFields["offset"] = "2";
      break;
    case 33: {  // VIEW_MESSAGE_BY_ID
      if (request.field("offset") != "4096") {
        response->code = 1;
        response->setRemark("can not find message by the offset, " + request.field("offset"));
        break;
      }
      Stored found;
      found.body = "viewed";
      found.commitLogOffset = 4096;
      response->body = found.encode();
      break;
    }
    case 12: {  // QUERY_MESSAGE
      response->extFields["indexLastUpdateTimestamp"] = "1700000000999";
      response->extFields["indexLastUpdatePhyoffset"] = "8192";
      if (request.field("key") == "missing") {
        response->code = 22;
        response->setRemark("can not find message, maybe time range not correct");
        break;
      }
      Stored keyed, wordPart, otherTopic, later, earlier, stranger;
      keyed.body = "keyed";
      keyed.keys = "k1 k2";
      wordPart.body = "word-part";
      wordPart.keys = "k10";
      otherTopic.body = "other-topic";
      otherTopic.topic = "Other";
      otherTopic.keys = "k1";
      later.body = "later-copy";
      later.uniqKey = kUniqueId;
      later.storeTimestamp += 50;
      earlier.body = "first-copy";
      earlier.uniqKey = kUniqueId;
      stranger.body = "stranger";
      stranger.uniqKey = "0A0102031234ABCDEF010000001000FF";
      response->body = keyed.encode() + wordPart.encode() + otherTopic.encode() + later.encode() +
                       earlier.encode() + stranger.encode();
      break;
    }
    default:
      break;
  }
}

void nameServerHandler(const RemotingCommand& request, RemotingCommand* response) {
  if (request.code == 105) {
    response->body = "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"" + brokerAddr +
                     "\"},\"brokerName\":\"broker-a\",\"cluster\":\"DefaultCluster\"}],\"queueDatas\":[{"
                     "\"brokerName\":\"broker-a\",\"perm\":6,\"readQueueNums\":4,\"topicSysFlag\":0,"
                     "\"writeQueueNums\":4}]}";
  }
}

fake::FakeServer::Handler answering(void (*handler)(const RemotingCommand&, RemotingCommand*)) {
  return [handler](int, RemotingCommand& request, RemotingCommand* response) {
    handler(request, response);
    return true;
  };
}

bool latestErrorHas(const std::string& text) {
  return std::string(GetLatestErrorMessage()).find(text) != std::string::npos;
}

std::vector<std::string> bodiesOf(CMessageExt** messages, int count) {
  std::vector<std::string> bodies;
  for (int i = 0; i < count; ++i) bodies.emplace_back(GetMessageBody(messages[i]));
  return bodies;
}

void misuse() {
  CMessageExt* message = reinterpret_cast<CMessageExt*>(&message);
  CMessageExt** messages = reinterpret_cast<CMessageExt**>(&messages);
  int count = 7;
  long long value = 5;
  char* json = reinterpret_cast<char*>(&json);
  CHECK(ViewMessage(nullptr, nullptr, "x", &message) == NULL_POINTER && message == nullptr);
  CHECK(QueryMessage(nullptr, "T", "k", 0, 1, 1, &messages, &count) == NULL_POINTER);
  CHECK(messages == nullptr && count == 0);
  CHECK(GetMinOffset(nullptr, "T", "b", 0, &value) == NULL_POINTER && value == -1);
  CHECK(ConsumeMessageDirectlyJson(nullptr, "G", "c", "id", nullptr, &json) == NULL_POINTER && json == nullptr);
  CHECK(ReleaseAdminMessage(nullptr) == NULL_POINTER && ReleaseAdminMessages(nullptr, 0) == NULL_POINTER);
  CAdminClient* admin = CreateAdminClient(nullptr);
  CHECK(ViewMessage(admin, nullptr, nullptr, &message) == NULL_POINTER);
  CHECK(QueryMessage(admin, "T", nullptr, 0, 1, 1, &messages, &count) == NULL_POINTER);
  CHECK(GetConsumerIdListJson(admin, nullptr, nullptr, &json) == NULL_POINTER);
  CHECK(ViewMessage(admin, nullptr, "00", &message) == ADMIN_QUERY_FAILED && latestErrorHas("not started"));
  CHECK(DestroyAdminClient(admin) == OK);
}

void lookups(fake::FakeServer& nameServer, fake::FakeServer& broker) {
  CAdminClient* admin = CreateAdminClient("lookups");
  CHECK(SetAdminClientNameServerAddress(admin, nameServer.address().c_str()) == OK);
  CHECK(StartAdminClient(admin) == OK);

  long long value = 0;
  CHECK(GetMinOffset(admin, "Orders", "broker-a", 2, &value) == OK && value == 3);
  CHECK(broker.last(31).field("topic") == "Orders" && broker.last(31).field("queueId") == "2");
  CHECK(GetEarliestMsgStoreTime(admin, "Orders", "broker-a", 1, &value) == OK && value == 1700000000123LL);
  CHECK(SearchOffset(admin, "Orders", "broker-a", 1, 1700000000000LL, &value) == OK && value == 2);
  CHECK(broker.last(29).field("timestamp") == "1700000000000");
  CHECK(GetMinOffset(admin, "Orders", "broker-z", 0, &value) == ADMIN_QUERY_FAILED && latestErrorHas("broker-z"));

  // By offset id: straight to the store host it names, at that commit-log offset.
  CMessageExt* message = nullptr;
  const std::string offsetId = rmq::createOffsetMessageId(kLoopback, brokerPort, 4096);
  CHECK(ViewMessage(admin, nullptr, offsetId.c_str(), &message) == OK && message != nullptr);
  CHECK(broker.last(33).field("offset") == "4096");
  if (message != nullptr) {
    CHECK(std::string(GetMessageBody(message)) == "viewed" && GetMessageCommitLogOffset(message) == 4096);
    CHECK(ReleaseAdminMessage(message) == OK);
  }
  const std::string elsewhere = rmq::createOffsetMessageId(kLoopback, brokerPort, 1);
  CHECK(ViewMessage(admin, nullptr, elsewhere.c_str(), &message) == ADMIN_MESSAGE_NOT_FOUND && message == nullptr);
  CHECK(latestErrorHas("can not find message by the offset, 1"));
  CHECK(ViewMessage(admin, nullptr, "XYZ", &message) == ADMIN_QUERY_FAILED);
  // A producer id without a topic cannot be looked up by unique key.
  CHECK(ViewMessage(admin, nullptr, kUniqueId.c_str(), &message) != OK);

  // By producer id: a unique-key query; the first stored copy of the id wins.
  CHECK(ViewMessage(admin, "Orders", kUniqueId.c_str(), &message) == OK && message != nullptr);
  const RemotingCommand unique = broker.last(12);
  CHECK(unique.field("_UNIQUE_KEY_QUERY") == "true" && unique.field("key") == kUniqueId);
  CHECK(unique.field("maxNum") == "32" && unique.field("endTimestamp") == "9223372036854775807");
  if (message != nullptr) {
    CHECK(std::string(GetMessageBody(message)) == "first-copy");
    CHECK(ReleaseAdminMessage(message) == OK);
  }

  // By key: whole words of KEYS, in the asked topic only.
  CMessageExt** messages = nullptr;
  int count = 0;
  CHECK(QueryMessage(admin, "Orders", "k1", 10, 20, 5, &messages, &count) == OK);
  CHECK(bodiesOf(messages, count) == std::vector<std::string>{"keyed"});
  const RemotingCommand byKey = broker.last(12);
  CHECK(byKey.field("topic") == "Orders" && byKey.field("maxNum") == "5");
  CHECK(byKey.field("beginTimestamp") == "10" && byKey.field("endTimestamp") == "20");
  CHECK(byKey.extFields.count("_UNIQUE_KEY_QUERY") == 0);
  CHECK(ReleaseAdminMessages(messages, count) == OK);
  CHECK(QueryMessage(admin, "Orders", "missing", 0, 1, 5, &messages, &count) == ADMIN_MESSAGE_NOT_FOUND);
  CHECK(messages == nullptr && count == 0 && latestErrorHas("no message with key missing"));
  CHECK(QueryMessage(admin, "Orders", "k", 0, 1, 5, &messages, &count) == ADMIN_MESSAGE_NOT_FOUND);
  CHECK(QueryMessage(admin, "Orders", "k1", 0, 1, 0, &messages, &count) == ADMIN_QUERY_FAILED);
  CHECK(latestErrorHas("maxNum must be positive"));

  CHECK(DestroyAdminClient(admin) == OK);
}

void directResults() {
  const rmq::Json success = rmq::Json::parse(rmq::directResultJson(rmq::ConsumeResult::kSuccess, false, 12));
  CHECK(success["consumeResult"].asString() == "CR_SUCCESS" && success["spentTimeMills"].asInt64() == 12);
  CHECK(!success["order"].asBool() && success["autoCommit"].asBool() && !success.contains("remark"));
  const rmq::Json later = rmq::Json::parse(rmq::directResultJson(rmq::ConsumeResult::kReconsumeLater, true, 0));
  CHECK(later["consumeResult"].asString() == "CR_LATER" && later["order"].asBool());
  const rmq::Json threw = rmq::Json::parse(rmq::directResultJson(rmq::ConsumeResult::kListenerFailed, false, 1));
  CHECK(threw["consumeResult"].asString() == "CR_THROW_EXCEPTION" && !threw["remark"].asString().empty());
  const rmq::Json told =
      rmq::Json::parse(rmq::directResultJson(rmq::ConsumeResult::kListenerFailed, false, 1, "ValueError: bad"));
  CHECK(told["remark"].asString() == "ValueError: bad");
}

// A listener that throws is kListenerFailed, and what it threw is the failure a
// consume-directly answer reports; a later call starts with no failure noted.
void listenerFailures() {
  rmq::MessageExt message;
  rmq::ListenerInvoker throwing(
      [](const rmq::MessageExt&) -> rmq::ConsumeResult { throw std::runtime_error("no stock for item 9"); },
      rmq::BatchListener(), "GID", nullptr);
  std::string failure;
  CHECK(throwing.consumeOne(message, &failure) == rmq::ConsumeResult::kListenerFailed);
  CHECK(failure == "no stock for item 9");
  rmq::ListenerInvoker noting(
      [](const rmq::MessageExt&) {
        rmq::noteListenerFailure("told by the callback");
        return rmq::ConsumeResult::kListenerFailed;
      },
      rmq::BatchListener(), "GID", nullptr);
  failure.clear();
  CHECK(noting.consumeOne(message, &failure) == rmq::ConsumeResult::kListenerFailed);
  CHECK(failure == "told by the callback");
  rmq::ListenerInvoker later([](const rmq::MessageExt&) { return rmq::ConsumeResult::kReconsumeLater; },
                             rmq::BatchListener(), "GID", nullptr);
  failure.clear();
  CHECK(later.consumeOne(message, &failure) == rmq::ConsumeResult::kReconsumeLater && failure.empty());
  CHECK(NoteConsumeListenerFailure(nullptr) == NULL_POINTER);
}

}  // namespace

int main() {
  fake::FakeServer broker(answering(brokerHandler));
  brokerAddr = broker.address();
  brokerPort = std::stoi(brokerAddr.substr(brokerAddr.rfind(':') + 1));
  fake::FakeServer nameServer(answering(nameServerHandler));
  misuse();
  lookups(nameServer, broker);
  directResults();
  listenerFailures();
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
