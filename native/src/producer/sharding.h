// Queue choice for orderly sends by sharding key.
//
// librocketmq (rocketmq-client-cpp) picks `std::hash<std::string>(key) % n`,
// which on Linux means libstdc++'s 64-bit Murmur-style _Hash_bytes with seed
// 0xc70f6907. It is spelled out here so that the queue a key maps to does not
// change with the C++ standard library the core happens to be built with:
// producers built against either client keep a key's messages in one queue.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rmq {

uint64_t shardingKeyHash(const std::string& key);

// Index of the queue (of `queueCount`) that `key` maps to.
int shardingQueueIndex(const std::string& key, size_t queueCount);

}  // namespace rmq
