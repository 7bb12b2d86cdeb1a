// End-to-end producer tests through the C API against a scripted name
// server and broker on 127.0.0.1 (ephemeral ports). The fake broker records
// every request so the tests can check what went on the wire.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "CErrorMessage.h"
#include "CProducer.h"
#include "CSendFields.h"
#include "message/byte_buffer.h"
#include "message/compression.h"
#include "message/message.h"
#include "message/message_id.h"
#include "message/sysflag.h"
#include "remoting/remoting_command.h"
#include "checks.h"
#include "fake_server.h"

using namespace rmq;
using fake::FakeServer;

namespace {


std::string routeJson(const std::string& brokerAddr) {
  return "{\"brokerDatas\":[{\"brokerAddrs\":{0:\"" + brokerAddr +
         "\"},\"brokerName\":\"broker-a\",\"cluster\":\"DefaultCluster\"}],\"filterServerTable\":{},"
         "\"queueDatas\":[{\"brokerName\":\"broker-a\",\"perm\":6,\"readQueueNums\":4,\"topicSysFlag\":0,"
         "\"writeQueueNums\":4}]}";
}

// What the fake broker saw.
struct BrokerLog {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<RemotingCommand> sends;
  std::vector<RemotingCommand> endTransactions;
  std::map<std::string, int> busyLeft;  // topic -> SYSTEM_BUSY answers still to give
  int64_t nextOffset = 100;

  template <typename Pred>
  bool waitFor(Pred pred) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(5), pred);
  }
};

BrokerLog brokerLog;
int brokerPort = 0;
FakeServer* theBroker = nullptr;

bool brokerHandler(int, RemotingCommand& request, RemotingCommand* response) {
  std::lock_guard<std::mutex> lock(brokerLog.mutex);
  if (request.code == 310 || request.code == 320) {
    const std::string topic = request.field("b");
    brokerLog.sends.push_back(request);
    brokerLog.changed.notify_all();
    if (topic == "SilentTopic") return false;
    if (topic == "RejectTopic") {
      response->code = 13;
      response->setRemark("message illegal for this test");
      return true;
    }
    if (brokerLog.busyLeft[topic] > 0) {
      --brokerLog.busyLeft[topic];
      response->code = 2;
      response->setRemark("broker busy");
      return true;
    }
    const int64_t offset = brokerLog.nextOffset++;
    response->extFields["msgId"] = createOffsetMessageId(std::string("\x7f\x00\x00\x01", 4), brokerPort, offset * 1000);
    response->extFields["queueId"] = request.field("e");
    response->extFields["queueOffset"] = std::to_string(offset);
    return true;
  }
  if (request.code == 37) {
    brokerLog.endTransactions.push_back(request);
    brokerLog.changed.notify_all();
    return false;
  }
  return true;  // heartbeats, unregister, anything else: plain success
}

bool nameServerHandler(int, RemotingCommand& request, RemotingCommand* response) {
  if (request.code == 105) {
    if (request.field("topic") == "NoSuchTopic") {
      response->code = 17;
      response->setRemark("No topic route info");
    } else {
      response->body = routeJson("127.0.0.1:" + std::to_string(brokerPort));
    }
  }
  return true;
}

Message propertiesOf(const RemotingCommand& send) {
  Message m;
  const std::string& p = send.field("i");
  m.mutableProperties() = Message::decodeProperties(p.data(), p.size());
  return m;
}

// ---- async plumbing ----
struct AsyncOutcome {
  std::mutex mutex;
  std::condition_variable done;
  int successes = 0;
  int failures = 0;
  CSendResult result{};
  CMQException error{};
  CMessage* msg = nullptr;
};

void onSuccess(CSendResult result, CMessage* msg, void* userData) {
  auto* out = static_cast<AsyncOutcome*>(userData);
  std::lock_guard<std::mutex> lock(out->mutex);
  out->successes++;
  out->result = result;
  out->msg = msg;
  out->done.notify_all();
}

void onException(CMQException e, CMessage* msg, void* userData) {
  auto* out = static_cast<AsyncOutcome*>(userData);
  std::lock_guard<std::mutex> lock(out->mutex);
  out->failures++;
  out->error = e;
  out->msg = msg;
  out->done.notify_all();
}

bool waitOutcome(AsyncOutcome& out, int seconds) {
  std::unique_lock<std::mutex> lock(out.mutex);
  return out.done.wait_for(lock, std::chrono::seconds(seconds), [&] { return out.successes + out.failures > 0; });
}

int pickThree(int, CMessage*, void*) { return 3; }
int pickOutOfRange(int size, CMessage*, void*) { return size; }

CTransactionStatus commitLocal(CProducer*, CMessage*, void* data) {
  *static_cast<int*>(data) += 1;
  return E_COMMIT_TRANSACTION;
}

std::string checkedMessageId;
CTransactionStatus rollbackOnCheck(CProducer*, CMessageExt* msg, void*) {
  checkedMessageId = GetMessageId(msg);
  return E_ROLLBACK_TRANSACTION;
}

CProducer* startedProducer(const std::string& namesrv, CProducer* producer) {
  SetProducerNameServerAddress(producer, namesrv.c_str());
  SetProducerSendMsgTimeout(producer, 2000);
  if (StartProducer(producer) != OK) {
    std::cerr << "start failed: " << GetLatestErrorMessage() << "\n";
  }
  return producer;
}

void run(const std::string& namesrv) {
  CProducer* producer = startedProducer(namesrv, CreateProducer("E2EGroup"));
  CMessage* msg = CreateMessage("E2ETopic");
  SetMessageTags(msg, "TagA");
  SetMessageKeys(msg, "KeyA");
  SetMessageBody(msg, "hello broker");
  CSendResult result{};

  // Sync send.
  CHECK(SendMessageSync(producer, msg, &result) == OK);
  CHECK(result.sendStatus == E_SEND_OK);
  CHECK(std::strlen(result.msgId) == 32);
  CHECK(result.offset >= 100);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    CHECK(!brokerLog.sends.empty());
    if (!brokerLog.sends.empty()) {
      const RemotingCommand& sent = brokerLog.sends.back();
      CHECK(sent.code == 310);
      CHECK(sent.field("a") == "E2EGroup");
      CHECK(sent.field("b") == "E2ETopic");
      CHECK(sent.body == "hello broker");
      CHECK(sent.field("f") == "0");
      const Message props = propertiesOf(sent);
      CHECK(props.property("UNIQ_KEY") == result.msgId);
      CHECK(props.property("WAIT") == "true");
      CHECK(props.tags() == "TagA");
      CHECK(props.keys() == "KeyA");
    }
  }

  // The same message given as its fields: the same request, no CMessage.
  const char binary[] = {'h', '\0', 'i'};
  CHECK(SendMessageSyncWithFields(producer, "E2ETopic", "TagF", "KeyF", binary, 3, &result) == OK);
  CHECK(result.sendStatus == E_SEND_OK && std::strlen(result.msgId) == 32);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    const RemotingCommand& sent = brokerLog.sends.back();
    CHECK(sent.code == 310 && sent.field("b") == "E2ETopic" && sent.body == std::string(binary, 3));
    const Message props = propertiesOf(sent);
    CHECK(props.tags() == "TagF" && props.keys() == "KeyF" && props.property("UNIQ_KEY") == result.msgId);
    CHECK(props.property("WAIT") == "true");
  }
  const size_t sendsBefore = [] {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    return brokerLog.sends.size();
  }();
  CHECK(SendMessageOnewayWithFields(producer, "E2ETopic", nullptr, nullptr, nullptr, 0) == PRODUCER_SEND_ONEWAY_FAILED);
  CHECK(std::string(GetLatestErrorMessage()).find("message body is empty") != std::string::npos);
  CHECK(SendMessageOnewayWithFields(producer, "E2ETopic", nullptr, nullptr, "o", 1) == OK);
  for (int i = 0; i < 200; ++i) {
    {
      std::lock_guard<std::mutex> lock(brokerLog.mutex);
      if (brokerLog.sends.size() > sendsBefore) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    CHECK(brokerLog.sends.size() == sendsBefore + 1);
    if (brokerLog.sends.size() > sendsBefore) {
      const RemotingCommand& sent = brokerLog.sends.back();
      const Message props = propertiesOf(sent);
      CHECK(sent.body == "o" && props.tags().empty() && props.keys().empty());
    }
  }

  // Round robin over the four queues.
  std::map<std::string, int> queuesUsed;
  for (int i = 0; i < 4; ++i) {
    CHECK(SendMessageSync(producer, msg, &result) == OK);
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    queuesUsed[brokerLog.sends.back().field("e")]++;
  }
  CHECK(queuesUsed.size() == 4);

  // Large bodies are compressed.
  const std::string big(6000, 'b');
  CMessage* bigMsg = CreateMessage("E2ETopic");
  SetByteMessageBody(bigMsg, big.data(), static_cast<int>(big.size()));
  CHECK(SendMessageSync(producer, bigMsg, &result) == OK);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    const RemotingCommand& sent = brokerLog.sends.back();
    const int sysFlag = std::atoi(sent.field("f").c_str());
    CHECK((sysFlag & sysflag::kCompressed) != 0);
    CHECK(sent.body.size() < big.size());
    CHECK(zlibDecompress(sent.body.data(), sent.body.size()) == big);
  }
  DestroyMessage(bigMsg);

  // Broker rejection: clear error, no retry.
  CMessage* rejected = CreateMessage("RejectTopic");
  SetMessageBody(rejected, "x");
  CHECK(SendMessageSync(producer, rejected, &result) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(std::string(GetLatestErrorMessage()).find("message illegal for this test") != std::string::npos);
  DestroyMessage(rejected);

  // Broker busy once: retried.
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    brokerLog.busyLeft["FlakyTopic"] = 1;
  }
  CMessage* flaky = CreateMessage("FlakyTopic");
  SetMessageBody(flaky, "x");
  size_t before;
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    before = brokerLog.sends.size();
  }
  CHECK(SendMessageSync(producer, flaky, &result) == OK);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    CHECK(brokerLog.sends.size() == before + 2);
  }
  DestroyMessage(flaky);

  // Validation errors are reported before anything is sent.
  CMessage* badTopic = CreateMessage("bad topic");
  SetMessageBody(badTopic, "x");
  CHECK(SendMessageSync(producer, badTopic, &result) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(std::string(GetLatestErrorMessage()).find("illegal characters") != std::string::npos);
  DestroyMessage(badTopic);

  // Async send.
  AsyncOutcome outcome;
  CHECK(SendAsync(producer, msg, onSuccess, onException, &outcome) == OK);
  CHECK(waitOutcome(outcome, 5));
  CHECK(outcome.successes == 1 && outcome.failures == 0);
  CHECK(outcome.msg == msg);
  CHECK(std::strlen(outcome.result.msgId) == 32);

  // Async send of fields: the core keeps its own copy (the caller's buffers
  // are overwritten at once) and the callbacks see no CMessage.
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    before = brokerLog.sends.size();
  }
  char asyncTags[] = "TagA";
  char asyncKeys[] = "KeyA";
  char asyncBody[] = {'a', '\0', 'z'};
  AsyncOutcome fieldsOutcome;
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(producer, "E2ETopic", asyncTags, asyncKeys, asyncBody, 3, onSuccess,
                                             onException, &fieldsOutcome) == OK);
  std::memset(asyncTags, 'x', 4);
  std::memset(asyncKeys, 'x', 4);
  std::memset(asyncBody, 'x', 3);
  CHECK(waitOutcome(fieldsOutcome, 5));
  CHECK(fieldsOutcome.successes == 1 && fieldsOutcome.failures == 0 && fieldsOutcome.msg == nullptr);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    CHECK(brokerLog.sends.size() == before + 1);
    const RemotingCommand& sent = brokerLog.sends.back();
    CHECK(sent.code == 310 && sent.field("b") == "E2ETopic" && sent.body == std::string("a\0z", 3));
    const Message props = propertiesOf(sent);
    CHECK(props.tags() == "TagA" && props.keys() == "KeyA" && props.property("UNIQ_KEY") == fieldsOutcome.result.msgId);
  }
  // Busy once: the retry sends the body the first attempt took over.
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    brokerLog.busyLeft["FlakyTopic"] = 1;
    before = brokerLog.sends.size();
  }
  const std::string retriedBody(3000, 'r');
  AsyncOutcome retried;
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(producer, "FlakyTopic", nullptr, nullptr, retriedBody.data(),
                                             static_cast<int>(retriedBody.size()), onSuccess, onException,
                                             &retried) == OK);
  CHECK(waitOutcome(retried, 5));
  CHECK(retried.successes == 1 && retried.failures == 0);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    CHECK(brokerLog.sends.size() == before + 2);
    if (brokerLog.sends.size() == before + 2) {
      CHECK(brokerLog.sends[before].body == retriedBody && brokerLog.sends[before + 1].body == retriedBody);
    }
  }
  AsyncOutcome emptyOutcome;
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(producer, "E2ETopic", nullptr, nullptr, nullptr, 0, onSuccess,
                                             onException, &emptyOutcome) == PRODUCER_SEND_ASYNC_FAILED);
  CHECK(std::string(GetLatestErrorMessage()).find("message body is empty") != std::string::npos);

  // Async send that never gets an answer: one failure after the timeout.
  SetProducerSendMsgTimeout(producer, 400);
  CMessage* silent = CreateMessage("SilentTopic");
  SetMessageBody(silent, "x");
  AsyncOutcome timedOut;
  CHECK(SendAsync(producer, silent, onSuccess, onException, &timedOut) == OK);
  CHECK(waitOutcome(timedOut, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(timedOut.failures == 1 && timedOut.successes == 0);
  CHECK(std::strlen(timedOut.error.msg) > 0);
  AsyncOutcome fieldsTimedOut;
  CHECK(SendAsyncWithFieldsAndQuickCallbacks(producer, "SilentTopic", nullptr, nullptr, "x", 1, onSuccess, onException,
                                             &fieldsTimedOut) == OK);
  CHECK(waitOutcome(fieldsTimedOut, 5));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(fieldsTimedOut.failures == 1 && fieldsTimedOut.successes == 0 && fieldsTimedOut.msg == nullptr);
  SetProducerSendMsgTimeout(producer, 2000);
  DestroyMessage(silent);

  // Oneway.
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    before = brokerLog.sends.size();
  }
  CHECK(SendMessageOneway(producer, msg) == OK);
  CHECK(brokerLog.waitFor([&] { return brokerLog.sends.size() > before; }));

  // Orderly: the selector decides the queue.
  CHECK(SendMessageOrderly(producer, msg, pickThree, nullptr, 0, &result) == OK);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    CHECK(brokerLog.sends.back().field("e") == "3");
  }
  CHECK(SendMessageOrderly(producer, msg, pickOutOfRange, nullptr, 0, &result) == PRODUCER_SEND_ORDERLY_FAILED);
  CHECK(std::string(GetLatestErrorMessage()).find("queue selector returned index 4") != std::string::npos);

  // Sharding key: stable queue.
  CHECK(SendMessageOrderlyByShardingKey(producer, msg, "order-17", &result) == OK);
  std::string firstQueue;
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    firstQueue = brokerLog.sends.back().field("e");
    CHECK(firstQueue == std::to_string(std::hash<std::string>{}("order-17") % 4));
  }
  CHECK(SendMessageOrderlyByShardingKey(producer, msg, "order-17", &result) == OK);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    CHECK(brokerLog.sends.back().field("e") == firstQueue);
  }

  // Batch.
  CBatchMessage* batch = CreateBatchMessage();
  AddMessage(batch, msg);
  AddMessage(batch, msg);
  CHECK(SendBatchMessage(producer, batch, &result) == OK);
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    const RemotingCommand& sent = brokerLog.sends.back();
    CHECK(sent.code == 320);
    CHECK(sent.field("m") == "true");
    CHECK(std::string(result.msgId).find(',') == 32);
  }
  DestroyBatchMessage(batch);

  // Not started / shut down.
  CHECK(ShutdownProducer(producer) == OK);
  CHECK(ShutdownProducer(producer) == OK);
  CHECK(SendMessageSync(producer, msg, &result) == PRODUCER_SEND_SYNC_FAILED);
  CHECK(std::string(GetLatestErrorMessage()) == "producer has been shut down");
  CHECK(DestroyProducer(producer) == OK);

  // Transactions: commit after the local transaction, then a broker check.
  CProducer* tx = startedProducer(namesrv, CreateTransactionProducer("E2ETxGroup", rollbackOnCheck, nullptr));
  int executed = 0;
  CHECK(SendMessageTransaction(tx, msg, commitLocal, &executed, &result) == OK);
  CHECK(executed == 1);
  CHECK(brokerLog.waitFor([&] { return !brokerLog.endTransactions.empty(); }));
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    const RemotingCommand& half = brokerLog.sends.back();
    const Message props = propertiesOf(half);
    CHECK(props.property("TRAN_MSG") == "true");
    CHECK(props.property("PGROUP") == "E2ETxGroup");
    CHECK((std::atoi(half.field("f").c_str()) & sysflag::kTransactionPreparedType) != 0);
    const RemotingCommand& end = brokerLog.endTransactions.back();
    CHECK(end.field("commitOrRollback") == "8");
    CHECK(end.field("fromTransactionCheck") == "false");
    CHECK(end.field("msgId") == result.msgId);
    CHECK(end.field("producerGroup") == "E2ETxGroup");
    CHECK(end.field("tranStateTableOffset") == std::to_string(result.offset));
    CHECK(end.field("commitLogOffset") == std::to_string(result.offset * 1000));
  }

  // The broker asks about a pending transaction.
  Message stored("E2ETopic");
  stored.putProperty("UNIQ_KEY", "CHECKME0000000000000000000000001");
  stored.putProperty("PGROUP", "E2ETxGroup");
  std::string record;
  {
    std::string rest;
    appendI32(rest, 0);
    appendI32(rest, 0);
    appendI32(rest, 1);
    appendI32(rest, 0);
    appendI64(rest, 5);
    appendI64(rest, 5555);
    appendI32(rest, 0);
    appendI64(rest, 1);
    rest += std::string("\x7f\x00\x00\x01", 4);
    appendI32(rest, 1);
    appendI64(rest, 2);
    rest += std::string("\x7f\x00\x00\x01", 4);
    appendI32(rest, brokerPort);
    appendI32(rest, 0);
    appendI64(rest, 0);
    appendI32(rest, 1);
    rest += "b";
    rest.push_back(static_cast<char>(stored.topic().size()));
    rest += stored.topic();
    const std::string props = stored.encodedProperties();
    appendI16(rest, static_cast<int16_t>(props.size()));
    rest += props;
    appendI32(record, static_cast<int32_t>(rest.size() + 4));
    record += rest;
  }
  RemotingCommand check = RemotingCommand::makeRequest(39);
  check.markOneway();
  check.extFields["tranStateTableOffset"] = "5";
  check.extFields["commitLogOffset"] = "5555";
  check.extFields["msgId"] = "CHECKME0000000000000000000000001";
  check.extFields["transactionId"] = "CHECKME0000000000000000000000001";
  check.body = record;
  size_t endsBefore;
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    endsBefore = brokerLog.endTransactions.size();
  }
  CHECK(theBroker->pushToClient(check));
  CHECK(brokerLog.waitFor([&] { return brokerLog.endTransactions.size() > endsBefore; }));
  {
    std::lock_guard<std::mutex> lock(brokerLog.mutex);
    if (brokerLog.endTransactions.size() > endsBefore) {
      const RemotingCommand& end = brokerLog.endTransactions.back();
      CHECK(end.field("fromTransactionCheck") == "true");
      CHECK(end.field("commitOrRollback") == "12");
      CHECK(end.field("commitLogOffset") == "5555");
      CHECK(end.field("tranStateTableOffset") == "5");
      CHECK(end.field("msgId") == "CHECKME0000000000000000000000001");
    }
  }
  CHECK(checkedMessageId == "CHECKME0000000000000000000000001");
  CHECK(DestroyProducer(tx) == OK);
  DestroyMessage(msg);
}

}  // namespace

int main() {
  FakeServer broker(brokerHandler);
  brokerPort = broker.port();
  theBroker = &broker;
  FakeServer nameServer(nameServerHandler);
  run(nameServer.address());
  std::cout << passed << " passed, " << failed << " failed" << std::endl;
  return failed == 0 ? 0 : 1;
}
