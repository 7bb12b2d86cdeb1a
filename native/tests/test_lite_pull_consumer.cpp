// Pure logic of the lite pull consumer: the held queues and their bounded
// caches (room, batches handed out in order, pause, seek generations,
// release), the consumer's state and argument checks, and the C API's
// handling of NULL and misuse (no broker is involved).
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "CErrorMessage.h"
#include "CLitePullConsumer.h"
#include "checks.h"
#include "common/errors.h"
#include "consumer/assigned_queues.h"
#include "consumer/lite_pull_consumer.h"

namespace {

const rmq::MessageQueue kQ0{"T", "broker-a", 0};
const rmq::MessageQueue kQ1{"T", "broker-a", 1};

std::vector<rmq::MessageExt> messages(int64_t first, int count, size_t bodySize = 1) {
  std::vector<rmq::MessageExt> out;
  for (int i = 0; i < count; ++i) {
    rmq::MessageExt message;
    message.queueOffset = first + i;
    message.setBody(std::string(bodySize, 'x'));
    out.push_back(message);
  }
  return out;
}

uint64_t generationOf(const rmq::AssignedQueues& queues, const rmq::MessageQueue& mq) {
  rmq::QueuePosition position;
  return queues.position(mq, &position) ? position.generation : 0;
}

template <typename Call>
rmq::ErrorKind kindOf(Call call) {
  try {
    call();
  } catch (const rmq::MQException& e) {
    return e.kind();
  }
  return rmq::ErrorKind::kInternal;
}

void testRoomAndOrder() {
  rmq::CacheLimits limits;
  limits.perQueueCount = 25;
  limits.perQueueBytes = 1000;
  limits.totalCount = 40;
  rmq::AssignedQueues queues(limits);
  CHECK(queues.replace("", {kQ0, kQ1}, nullptr).size() == 2);
  CHECK(queues.room(kQ0, 10) == 10);
  const uint64_t g0 = generationOf(queues, kQ0);
  CHECK(queues.arrived(kQ0, g0, messages(0, 10), 10));
  CHECK(queues.arrived(kQ0, g0, messages(10, 10), 20));
  CHECK(queues.room(kQ0, 10) == 5);  // never more than fits under the count limit
  CHECK(queues.arrived(kQ0, g0, messages(20, 5), 25));
  CHECK(queues.room(kQ0, 10) == 0);
  // The limit over all queues: 25 cached of 40.
  CHECK(queues.room(kQ1, 32) == 15);
  CHECK(!queues.arrived(kQ0, g0 + 100, messages(25, 1), 26));  // a stale pull chain
  CHECK(queues.cachedCount() == 25);

  rmq::MessageQueue from;
  std::vector<rmq::MessageExt> batch;
  CHECK(queues.take(0, &from, &batch) && from == kQ0 && batch.size() == 10 && batch.front().queueOffset == 0);
  CHECK(queues.cachedCount(kQ0) == 15 && queues.room(kQ0, 32) == 10);
  CHECK(queues.uncommitted() == (std::map<rmq::MessageQueue, int64_t>{{kQ0, 10}}));
  CHECK(queues.uncommitted().empty());  // committed already
  CHECK(queues.committed(kQ0) == 10);

  // The byte limit: a queue holding 1000 bytes is not pulled.
  CHECK(queues.arrived(kQ1, generationOf(queues, kQ1), messages(0, 1, 1000), 1));
  CHECK(queues.room(kQ1, 10) == 0);
}

void testPauseSeekAndRelease() {
  rmq::AssignedQueues queues(rmq::CacheLimits{});
  queues.replace("T", {kQ0, kQ1}, nullptr);
  CHECK(queues.arrived(kQ0, generationOf(queues, kQ0), messages(0, 3), 3));
  CHECK(queues.arrived(kQ1, generationOf(queues, kQ1), messages(0, 2), 2));

  std::vector<uint64_t> generations;
  CHECK(queues.pause({kQ0}, true, &generations).size() == 1 && generations.empty());
  rmq::MessageQueue from;
  std::vector<rmq::MessageExt> batch;
  CHECK(queues.take(0, &from, &batch) && from == kQ1);  // the paused queue's batch waits
  CHECK(!queues.take(0, &from, &batch));
  const uint64_t before = generationOf(queues, kQ0);
  CHECK(queues.pause({kQ0}, false, &generations).size() == 1 && generations.size() == 1);
  CHECK(generations[0] != before && generationOf(queues, kQ0) == generations[0]);
  CHECK(queues.take(0, &from, &batch) && from == kQ0 && batch.size() == 3);

  CHECK(queues.arrived(kQ0, generationOf(queues, kQ0), messages(3, 4), 7));
  uint64_t sought = 0;
  CHECK(queues.seek(kQ0, 1, &sought) && sought != generations[0]);
  CHECK(queues.cachedCount(kQ0) == 0 && !queues.take(0, &from, &batch));  // the cache was dropped
  rmq::QueuePosition position;
  CHECK(queues.position(kQ0, &position) && position.pullOffset == 1 && position.consumeOffset == 1);
  CHECK(!queues.seek(rmq::MessageQueue{"T", "broker-a", 9}, 0, &sought));

  std::map<rmq::MessageQueue, rmq::QueuePosition> released;
  CHECK(queues.replace("T", {kQ1}, &released).empty());
  CHECK(released.size() == 1 && released.count(kQ0) == 1 && released[kQ0].consumeOffset == 1);
  CHECK(!queues.holds(kQ0) && queues.holds(kQ1));
  CHECK(queues.replace("Other", {}, nullptr).empty() && queues.holds(kQ1));  // another topic's scope

  queues.close();
  CHECK(!queues.take(1000, &from, &batch));  // returns at once once closed
}

void testConsumerChecks() {
  rmq::LitePullConsumerConfig config;
  config.groupName = "G";
  config.namesrvAddr = "127.0.0.1:1";
  rmq::LitePullConsumer consumer(config);
  CHECK(kindOf([&] { consumer.poll(0); }) == rmq::ErrorKind::kIllegalState);
  CHECK(kindOf([&] { consumer.assign({}); }) == rmq::ErrorKind::kIllegalArgument);
  CHECK(kindOf([&] { consumer.assign({rmq::MessageQueue{"T", "", 0}}); }) == rmq::ErrorKind::kIllegalArgument);
  consumer.subscribe("T", "*");
  CHECK(kindOf([&] { consumer.assign({kQ0}); }) == rmq::ErrorKind::kIllegalState);
  consumer.config().pullBatchSize = 0;
  CHECK(kindOf([&] { consumer.start(); }) == rmq::ErrorKind::kIllegalArgument);
}

void testCApiMisuse() {
  CHECK(CreateLitePullConsumer(nullptr) == nullptr);
  CLitePullBatch batch;
  std::memset(&batch, 0x5a, sizeof(batch));
  CHECK(LitePullConsumerPoll(nullptr, 0, &batch) == NULL_POINTER && batch.size == 0 && batch.pData == nullptr);
  CHECK(ReleaseLitePullBatch(nullptr) == NULL_POINTER);
  CHECK(ReleaseLitePullBatch(&batch) == OK);  // an empty batch owns nothing

  CLitePullConsumer* consumer = CreateLitePullConsumer("G");
  CHECK(consumer != nullptr);
  CHECK(LitePullConsumerPoll(consumer, 0, &batch) == LITEPULL_ILLEGAL_STATE);
  CHECK(std::string(GetLatestErrorMessage()).find("not running") != std::string::npos);
  CHECK(SetLitePullConsumerPullBatchSize(consumer, 1025) == LITEPULL_ILLEGAL_ARGUMENT);
  CHECK(SetLitePullConsumerAutoCommit(consumer, 1, 999) == LITEPULL_ILLEGAL_ARGUMENT);
  CHECK(SetLitePullConsumerPullThresholds(consumer, 10, 0, 100) == LITEPULL_ILLEGAL_ARGUMENT);
  CHECK(SetLitePullConsumerConsumeFromWhere(consumer, 3, -1) == LITEPULL_ILLEGAL_ARGUMENT);
  CHECK(LitePullConsumerAssign(consumer, nullptr, 1) == LITEPULL_ILLEGAL_ARGUMENT);
  CHECK(LitePullConsumerPause(consumer, nullptr, -1) == LITEPULL_ILLEGAL_ARGUMENT);
  CMessageQueue* held = nullptr;
  int size = 7;
  CHECK(LitePullConsumerAssignment(consumer, &held, &size) == LITEPULL_ILLEGAL_STATE && held == nullptr && size == 0);
  long long offset = 0;
  CHECK(LitePullConsumerCommitted(consumer, nullptr, &offset) == NULL_POINTER);
  CHECK(ShutdownLitePullConsumer(consumer) == OK);  // before start: nothing to do
  CHECK(DestroyLitePullConsumer(consumer) == OK);
}

}  // namespace

int main() {
  testRoomAndOrder();
  testPauseSeekAndRelease();
  testConsumerChecks();
  testCApiMisuse();
  std::printf("lite pull consumer: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
