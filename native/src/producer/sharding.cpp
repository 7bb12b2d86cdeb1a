#include "producer/sharding.h"

namespace rmq {

namespace {

constexpr uint64_t kMultiplier = (uint64_t{0xc6a4a793} << 32) + uint64_t{0x5bd1e995};
constexpr uint64_t kSeed = 0xc70f6907;

uint64_t shiftMix(uint64_t v) { return v ^ (v >> 47); }

// Little-endian load of `n` (< 8) trailing bytes.
uint64_t loadTail(const unsigned char* p, size_t n) {
  uint64_t value = 0;
  while (n > 0) {
    --n;
    value = (value << 8) + p[n];
  }
  return value;
}

uint64_t loadWord(const unsigned char* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) + p[i];
  return value;
}

}  // namespace

uint64_t shardingKeyHash(const std::string& key) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(key.data());
  const size_t len = key.size();
  const size_t aligned = len & ~size_t{7};
  uint64_t hash = kSeed ^ (static_cast<uint64_t>(len) * kMultiplier);
  for (size_t i = 0; i < aligned; i += 8) {
    hash ^= shiftMix(loadWord(bytes + i) * kMultiplier) * kMultiplier;
    hash *= kMultiplier;
  }
  if ((len & 7) != 0) {
    hash ^= loadTail(bytes + aligned, len & 7);
    hash *= kMultiplier;
  }
  hash = shiftMix(hash) * kMultiplier;
  return shiftMix(hash);
}

int shardingQueueIndex(const std::string& key, size_t queueCount) {
  if (queueCount == 0) return 0;
  return static_cast<int>(shardingKeyHash(key) % queueCount);
}

}  // namespace rmq
