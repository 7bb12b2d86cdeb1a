// The sharding-key hash must equal libstdc++'s std::hash<std::string>, which
// is what librocketmq uses, for every length class of key.
#include <cstdio>
#include <functional>
#include <string>

#include "producer/sharding.h"
#include "checks.h"

int main() {
  std::string key;
  for (int length = 0; length < 40; ++length) {
    key.push_back(static_cast<char>('a' + (length * 7) % 26));
    std::string variant = key + "\xff\x01";
#if defined(__GLIBCXX__)
    check(rmq::shardingKeyHash(key) == std::hash<std::string>{}(key), "libstdc++ hash of " + key);
    check(rmq::shardingKeyHash(variant) == std::hash<std::string>{}(variant), "libstdc++ hash of binary key");
#endif
    int index = rmq::shardingQueueIndex(key, 8);
    check(index >= 0 && index < 8, "index in range for " + key);
  }
  check(rmq::shardingQueueIndex("anything", 0) == 0, "no queues gives index 0");
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
