// Pure logic of the pull consumer and the PULL_MESSAGE helpers both
// consumers share: the request header, numbers read from the answer, the
// status mapping, argument and state checks, and the C API's handling of
// NULL and misuse (no broker is involved).
#include <cstdio>
#include <cstring>
#include <string>

#include "CPullConsumer.h"
#include "CErrorMessage.h"
#include "common/errors.h"
#include "consumer/pull_api.h"
#include "consumer/pull_consumer.h"
#include "remoting/protocol_codes.h"
#include "checks.h"

namespace {

// Runs `body`; true when it throws MQException of `kind`.
template <typename Body>
bool throwsKind(rmq::ErrorKind kind, Body&& body) {
  try {
    body();
  } catch (const rmq::MQException& e) {
    return e.kind() == kind;
  }
  return false;
}

bool latestErrorHas(const char* text) { return std::strstr(GetLatestErrorMessage(), text) != nullptr; }

void requestHeader() {
  rmq::PullRequestSpec spec;
  spec.group = "CID_g";
  spec.queue = rmq::MessageQueue{"T", "broker-a", 3};
  spec.queueOffset = 42;
  spec.maxMessages = 16;
  spec.sysFlag = rmq::pull_flag::kSubscription | rmq::pull_flag::kSuspend;
  spec.commitOffset = 7;
  spec.suspendTimeoutMs = 15000;
  spec.subscription = "TagA || TagB";
  spec.subVersion = 99;
  rmq::RemotingCommand request = rmq::buildPullRequest(spec);
  check(request.code == rmq::request_code::kPullMessage, "PULL_MESSAGE code");
  check(request.field("consumerGroup") == "CID_g" && request.field("topic") == "T", "group and topic");
  check(request.field("queueId") == "3" && request.field("queueOffset") == "42", "queue and offset");
  check(request.field("maxMsgNums") == "16" && request.field("sysFlag") == "6", "batch size and sysFlag");
  check(request.field("commitOffset") == "7" && request.field("suspendTimeoutMillis") == "15000", "commit, suspend");
  check(request.field("subscription") == "TagA || TagB" && request.field("subVersion") == "99", "subscription");
  check(request.field("expressionType") == "TAG", "tag expressions");
  check(request.extFields.size() == 11, "no other header field");
}

void responseNumbers() {
  rmq::RemotingCommand response;
  response.extFields["nextBeginOffset"] = "12";
  response.extFields["minOffset"] = "-3";
  response.extFields["maxOffset"] = "x";
  response.extFields["empty"] = "";
  check(rmq::pullResponseNumber(response, "nextBeginOffset", -1) == 12, "a number");
  check(rmq::pullResponseNumber(response, "minOffset", 0) == -3, "a negative number");
  check(rmq::pullResponseNumber(response, "maxOffset", -1) == -1, "not a number: fallback");
  check(rmq::pullResponseNumber(response, "empty", -1) == -1, "empty: fallback");
  check(rmq::pullResponseNumber(response, "missing", 5) == 5, "missing: fallback");
}

void statusMapping() {
  rmq::PullStatus status = rmq::PullStatus::kBrokerTimeout;
  check(rmq::pullStatusOfResponse(rmq::response_code::kSuccess, &status) && status == rmq::PullStatus::kFound,
        "SUCCESS is FOUND");
  check(rmq::pullStatusOfResponse(rmq::response_code::kPullNotFound, &status) &&
            status == rmq::PullStatus::kNoNewMessage,
        "PULL_NOT_FOUND is NO_NEW_MSG");
  check(rmq::pullStatusOfResponse(rmq::response_code::kPullRetryImmediately, &status) &&
            status == rmq::PullStatus::kNoMatchedMessage,
        "PULL_RETRY_IMMEDIATELY is NO_MATCHED_MSG");
  check(rmq::pullStatusOfResponse(rmq::response_code::kPullOffsetMoved, &status) &&
            status == rmq::PullStatus::kOffsetIllegal,
        "PULL_OFFSET_MOVED is OFFSET_ILLEGAL");
  check(!rmq::pullStatusOfResponse(rmq::response_code::kSystemError, &status), "SYSTEM_ERROR is no status");
  check(!rmq::pullStatusOfResponse(rmq::response_code::kTopicNotExist, &status), "TOPIC_NOT_EXIST is no status");
  check(static_cast<int>(rmq::PullStatus::kBrokerTimeout) == E_BROKER_TIMEOUT &&
            static_cast<int>(rmq::PullStatus::kOffsetIllegal) == E_OFFSET_ILLEGAL &&
            static_cast<int>(rmq::PullStatus::kFound) == E_FOUND,
        "engine statuses have the C values");
}

void engineStates() {
  rmq::PullConsumerConfig config;
  config.groupName = "CID_states";
  rmq::PullConsumer consumer(config);
  const rmq::MessageQueue queue{"T", "broker-a", 0};
  check(!consumer.running(), "not running before start");
  check(throwsKind(rmq::ErrorKind::kIllegalState, [&] { consumer.pull(queue, "*", 0, 1); }), "pull before start");
  check(throwsKind(rmq::ErrorKind::kIllegalState, [&] { consumer.fetchSubscribeMessageQueues("T"); }),
        "fetch before start");
  consumer.start();  // no name server: allowed, calls fail later
  check(consumer.running(), "running after start");
  check(throwsKind(rmq::ErrorKind::kIllegalArgument, [&] { consumer.pull(queue, "*", -1, 1); }), "negative offset");
  check(throwsKind(rmq::ErrorKind::kIllegalArgument, [&] { consumer.pull(queue, "*", 0, 0); }), "maxNums 0");
  check(throwsKind(rmq::ErrorKind::kIllegalArgument, [&] { consumer.pull({"", "broker-a", 0}, "*", 0, 1); }),
        "blank topic");
  check(throwsKind(rmq::ErrorKind::kIllegalArgument, [&] { consumer.pull({"T", "b", -2}, "*", 0, 1); }),
        "negative queue id");
  check(throwsKind(rmq::ErrorKind::kIllegalArgument, [&] { consumer.fetchSubscribeMessageQueues(" "); }),
        "blank topic to fetch");
  consumer.shutdown();
  consumer.shutdown();
  check(!consumer.running(), "not running after shutdown");
  check(throwsKind(rmq::ErrorKind::kIllegalState, [&] { consumer.start(); }), "no restart");
  check(throwsKind(rmq::ErrorKind::kIllegalState, [&] { consumer.pull(queue, "*", 0, 1); }), "pull after shutdown");

  rmq::PullConsumerConfig bad;
  bad.groupName = "no spaces allowed";
  rmq::PullConsumer badConsumer(bad);
  check(throwsKind(rmq::ErrorKind::kIllegalArgument, [&] { badConsumer.start(); }), "invalid group name");
  bad.groupName = "DEFAULT_CONSUMER";
  rmq::PullConsumer reserved(bad);
  check(throwsKind(rmq::ErrorKind::kIllegalArgument, [&] { reserved.start(); }), "reserved group name");
}

void cApi() {
  check(CreatePullConsumer(nullptr) == nullptr && latestErrorHas("null"), "create without group");
  CMessageQueue queue;
  std::memset(&queue, 0, sizeof(queue));
  CPullResult result = Pull(nullptr, &queue, "*", 0, 1);
  check(result.pullStatus == E_BROKER_TIMEOUT && result.pData == nullptr && result.size == 0, "pull on NULL");
  check(ReleasePullResult(result) == NULL_POINTER, "nothing to release");
  check(ReleaseSubscriptionMessageQueue(nullptr) == NULL_POINTER, "release NULL queues");

  CPullConsumer* consumer = CreatePullConsumer("CID_capi");
  check(consumer != nullptr && std::strcmp(GetPullConsumerGroupID(consumer), "CID_capi") == 0, "group id");
  check(SetPullConsumerGroupID(consumer, "CID_other") == OK &&
            std::strcmp(GetPullConsumerGroupID(consumer), "CID_other") == 0,
        "group id changed");
  check(std::strstr(ShowPullConsumerVersion(consumer), "rocketmq-cffi") != nullptr, "version");
  CMessageQueue* mqs = reinterpret_cast<CMessageQueue*>(&queue);  // must be overwritten
  int size = 5;
  check(FetchSubscriptionMessageQueues(consumer, "T", &mqs, &size) == PULLCONSUMER_FETCH_MQ_FAILED &&
            mqs == nullptr && size == 0 && latestErrorHas("not started"),
        "fetch before start");
  check(FetchSubscriptionMessageQueues(consumer, "T", nullptr, &size) == NULL_POINTER, "fetch without output");
  result = Pull(consumer, &queue, "*", 0, 1);
  check(result.pullStatus == E_BROKER_TIMEOUT && latestErrorHas("not started"), "pull before start");
  result = Pull(consumer, &queue, nullptr, 0, 1);
  check(result.pullStatus == E_BROKER_TIMEOUT && latestErrorHas("expression"), "pull without expression");
  // A topic filling its whole array is read without running past it.
  std::memset(queue.topic, 'T', sizeof(queue.topic));
  check(StartPullConsumer(consumer) == OK, "start");
  result = Pull(consumer, &queue, "*", 0, 1);
  check(result.pullStatus == E_BROKER_TIMEOUT && latestErrorHas("broker name"), "blank broker name");
  check(ShutdownPullConsumer(consumer) == OK && ShutdownPullConsumer(consumer) == OK, "shutdown twice");
  check(StartPullConsumer(consumer) == PULLCONSUMER_START_FAILED, "no restart through C");
  check(DestroyPullConsumer(consumer) == OK, "destroy");
  check(DestroyPullConsumer(nullptr) == NULL_POINTER, "destroy NULL");
}

}  // namespace

int main() {
  requestHeader();
  responseNumbers();
  statusMapping();
  engineStates();
  cApi();
  std::printf("pull consumer: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
