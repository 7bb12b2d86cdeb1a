// Trace records in TraceDataEncoder's layout, and a dispatcher that never
// blocks the traced client even when its records cannot be sent.
#include <chrono>
#include <cstdio>
#include <string>

#include "trace/trace_dispatcher.h"
#include "checks.h"

namespace {

int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main() {
  rmq::TraceRecord pub;
  pub.type = rmq::TraceType::kPub;
  pub.timestampMs = 1700000000123;
  pub.groupName = "PID_orders";
  pub.topic = "Orders";
  pub.msgId = "ID1";
  pub.tags = "TagA";
  pub.keys = "k1 k2";
  pub.storeHost = "127.0.0.1:10911";
  pub.bodyLength = 42;
  pub.costTimeMs = 3;
  pub.msgType = rmq::TraceMessageType::kDelay;
  pub.offsetMsgId = "OFF1";
  check(rmq::encodeTraceRecord(pub) ==
            "Pub\x01" "1700000000123\x01" "DefaultRegion\x01" "PID_orders\x01" "Orders\x01" "ID1\x01" "TagA\x01"
            "k1 k2\x01" "127.0.0.1:10911\x01" "42\x01" "3\x01" "3\x01" "OFF1\x01" "true\x02",
        "Pub record layout");

  rmq::TraceRecord before;
  before.type = rmq::TraceType::kSubBefore;
  before.timestampMs = 5;
  before.regionId = "R";
  before.groupName = "GID";
  before.requestId = "REQ";
  before.msgId = "ID1";
  before.retryTimes = 2;
  before.keys = "k1";
  check(rmq::encodeTraceRecord(before) == "SubBefore\x01" "5\x01" "R\x01" "GID\x01" "REQ\x01" "ID1\x01" "2\x01" "k1\x02",
        "SubBefore record layout");

  rmq::TraceRecord after = before;
  after.type = rmq::TraceType::kSubAfter;
  after.costTimeMs = 7;
  after.success = false;
  after.contextCode = 4;
  after.timestampMs = 9;
  check(rmq::encodeTraceRecord(after) ==
            "SubAfter\x01" "REQ\x01" "ID1\x01" "7\x01" "false\x01" "k1\x01" "4\x01" "9\x01" "GID\x02",
        "SubAfter record layout");

  // Nothing listens on this port: every trace send fails, yet submitting stays instant.
  rmq::TraceClientOptions options;
  options.namesrvAddr = "127.0.0.1:1";
  options.ownerGroup = "PID_untraceable";
  options.ownerType = "pub";
  rmq::TraceDispatcher dispatcher(options);
  dispatcher.start();
  const int64_t started = steadyMs();
  for (int i = 0; i < 5000; ++i) dispatcher.submit(pub);
  const int64_t submitMs = steadyMs() - started;
  check(submitMs < 500, "5000 submits do not wait for the failing sends");
  const int64_t stopStarted = steadyMs();
  dispatcher.stop(1000);
  check(steadyMs() - stopStarted < 8000, "stop gives up flushing in bounded time");
  check(dispatcher.sent() == 0, "nothing was sent");
  // Each record was dropped: at submit (queue full), after a failed send, or at stop.
  check(dispatcher.dropped() == 5000, "every record is accounted for as dropped");

  std::printf("trace: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
