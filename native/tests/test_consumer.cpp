// Pure logic of the push consumer: tag hash codes (Java String.hashCode),
// subscription parsing, averaged queue allocation and the offset file.
#include <cstdio>
#include <cstdlib>
#include <unistd.h>
#include <string>
#include <vector>

#include "consumer/allocate.h"
#include "consumer/offset_file.h"
#include "common/errors.h"
#include "consumer/subscription.h"
#include "checks.h"

namespace {

std::vector<rmq::MessageQueue> queues(int count) {
  std::vector<rmq::MessageQueue> out;
  for (int i = 0; i < count; ++i) out.push_back(rmq::MessageQueue{"T", "broker-a", i});
  return out;
}

}  // namespace

int main() {
  // Values computed with Java's String.hashCode.
  check(rmq::javaStringHash("") == 0, "empty string hash");
  check(rmq::javaStringHash("TagA") == 2598919, "TagA hash");
  check(rmq::javaStringHash("orders-2026") == -1815790870, "overflowing hash wraps like a Java int");
  check(rmq::javaStringHash("\xe4\xb8\xad\xe6\x96\x87\xe6\xa0\x87\xe7\xad\xbe") == 622041809, "CJK hash");
  check(rmq::javaStringHash("\xf0\x9f\x98\x80tag") == 1276941143, "surrogate pair hash");

  auto all = rmq::buildSubscription("T", "*");
  check(all.subString == "*" && all.tags.empty(), "star subscribes to everything");
  check(rmq::subscriptionMatches(all, "anything"), "star matches any tag");
  auto some = rmq::buildSubscription("T", " TagA || TagB ||TagA");
  check(some.tags.size() == 2 && some.tags[0] == "TagA" && some.tags[1] == "TagB", "tags split on ||");
  check(some.codes.size() == 2 && some.codes[0] == 2598919 && some.codes[1] == 2598920, "tag codes");
  check(rmq::subscriptionMatches(some, "TagB") && !rmq::subscriptionMatches(some, "TagC"), "client-side filter");

  // FilterAPI.build for SQL92: the expression whole, no tags, so no client-side filtering.
  auto sql = rmq::buildSubscription("T", "a > 1 || b", "SQL92");
  check(sql.subString == "a > 1 || b" && sql.expressionType == "SQL92", "SQL92 keeps its expression and type");
  check(sql.tags.empty() && sql.codes.empty() && sql.subVersion > 0, "SQL92 has no tags, a version");
  check(rmq::subscriptionMatches(sql, "AnyTag"), "the broker alone filters SQL92");
  check(rmq::buildSubscription("T", "TagA", "").expressionType == "TAG", "no type means TAG");
  bool refused = false;
  try {
    rmq::buildSubscription("T", "   ", "SQL92");
  } catch (const rmq::MQException& e) {
    refused = e.kind() == rmq::ErrorKind::kIllegalArgument;
  }
  check(refused, "an empty SQL92 expression is refused");
  refused = false;
  try {
    rmq::buildSubscription("T", "a = 1", "CLASS");
  } catch (const rmq::MQException& e) {
    refused = e.kind() == rmq::ErrorKind::kIllegalArgument;
  }
  check(refused, "an unknown expression type is refused");

  std::vector<std::string> ids = {"a", "b", "c"};
  auto first = rmq::allocateAveragely(queues(8), ids, "a");
  auto second = rmq::allocateAveragely(queues(8), ids, "b");
  auto third = rmq::allocateAveragely(queues(8), ids, "c");
  check(first.size() == 3 && second.size() == 3 && third.size() == 2, "8 queues over 3 clients: 3, 3, 2");
  check(first[0].queueId == 0 && second[0].queueId == 3 && third[0].queueId == 6, "contiguous ranges");
  check(rmq::allocateAveragely(queues(2), ids, "c").empty(), "more clients than queues: the last gets none");
  check(rmq::allocateAveragely(queues(4), ids, "stranger").empty(), "unknown client gets nothing");

  char dirTemplate[] = "/tmp/rocketmq-cffi-offsets-XXXXXX";
  const char* made = ::mkdtemp(dirTemplate);
  check(made != nullptr, "temporary directory");
  std::string dir = made != nullptr ? made : "/tmp";
  std::string path = rmq::offsetFilePath(dir, "127.0.0.1@instance", "group/with/slash");
  check(rmq::readOffsetFile(path).empty(), "missing offset file reads as empty");
  rmq::writeOffsetFile(path, {{"T@broker-a@0", 42}, {"T@broker-a@1", 7}});
  auto loaded = rmq::readOffsetFile(path);
  check(loaded.size() == 2 && loaded["T@broker-a@0"] == 42 && loaded["T@broker-a@1"] == 7, "offset file round trip");
  std::system(("rm -rf '" + dir + "'").c_str());

  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
