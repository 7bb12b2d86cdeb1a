// createUniqueMessageId: the UNIQ_KEY layout of MessageClientIDSetter.
// A fixed prefix (client IPv4, low 16 bits of the pid, a per-process random
// number standing in for Java's class loader hash) followed by the
// milliseconds since the start of the current month and a wrapping counter.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <unistd.h>

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <mutex>
#include <random>

#include "message/byte_buffer.h"
#include "message/message.h"

namespace rmq {

namespace {

// First non-loopback IPv4 address of this host, else 127.0.0.1.
std::string localIpv4Bytes() {
  std::string result("\x7f\x00\x00\x01", 4);
  struct ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return result;
  for (struct ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    const auto* addr = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    const uint32_t hostOrder = ntohl(addr->sin_addr.s_addr);
    if ((hostOrder >> 24) == 127) continue;
    result.assign(reinterpret_cast<const char*>(&addr->sin_addr.s_addr), 4);
    break;
  }
  freeifaddrs(list);
  return result;
}

int64_t nowMillis() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Local-time start of the month containing `millis`, and of the next month
// (Java uses the default time zone's calendar).
void monthBounds(int64_t millis, int64_t* start, int64_t* next) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  std::tm local{};
  localtime_r(&seconds, &local);
  local.tm_mday = 1;
  local.tm_hour = 0;
  local.tm_min = 0;
  local.tm_sec = 0;
  local.tm_isdst = -1;
  *start = static_cast<int64_t>(std::mktime(&local)) * 1000;
  local.tm_mon += 1;
  local.tm_isdst = -1;
  *next = static_cast<int64_t>(std::mktime(&local)) * 1000;
}

// `digits` upper-case hex digits of `value`, most significant first (as
// toHex writes the big-endian bytes).
void writeHex(char* to, uint32_t value, int digits) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (int i = digits - 1; i >= 0; --i) {
    to[i] = kDigits[value & 0xF];
    value >>= 4;
  }
}

class UniqueIdGenerator {
 public:
  UniqueIdGenerator() {
    renewPrefix();
    monthBounds(nowMillis(), &monthStart_, &nextMonthStart_);
  }

  // A forked child is another producer process: it gets its own prefix (pid
  // and random part), or its ids would repeat the parent's. The mutex is
  // held across fork() so the child never inherits it locked.
  void lockForFork() { mutex_.lock(); }
  void unlockInParent() { mutex_.unlock(); }
  void renewInChild() {
    renewPrefix();
    counter_.store(0, std::memory_order_relaxed);
    mutex_.unlock();
  }

  std::string next() {
    const int64_t now = nowMillis();
    int64_t start;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (now >= nextMonthStart_) monthBounds(now, &monthStart_, &nextMonthStart_);
      start = monthStart_;
    }
    int64_t elapsed = now - start;
    if (elapsed < 0) elapsed = 0;  // clock stepped back (e.g. NTP)
    const uint16_t count = static_cast<uint16_t>(counter_.fetch_add(1, std::memory_order_relaxed));
    // The prefix, then the time (4 bytes) and the counter (2 bytes) in hex,
    // written into the id in place: this runs for every message sent.
    std::string id(prefix_.size() + 12, '0');
    std::memcpy(&id[0], prefix_.data(), prefix_.size());
    writeHex(&id[prefix_.size()], static_cast<uint32_t>(elapsed), 8);
    writeHex(&id[prefix_.size() + 8], count, 4);
    return id;
  }

 private:
  void renewPrefix() {
    std::string fixed = localIpv4Bytes();
    appendI16(fixed, static_cast<int16_t>(getpid()));
    std::random_device entropy;
    appendI32(fixed, static_cast<int32_t>(entropy()));
    prefix_ = toHex(fixed.data(), fixed.size());
  }

  std::string prefix_;
  std::mutex mutex_;
  int64_t monthStart_ = 0;
  int64_t nextMonthStart_ = 0;
  std::atomic<uint32_t> counter_{0};
};

}  // namespace

namespace {

UniqueIdGenerator& generator() {
  static UniqueIdGenerator* instance = [] {
    auto* created = new UniqueIdGenerator();  // never destroyed: ids may be made during exit
    pthread_atfork([] { generator().lockForFork(); }, [] { generator().unlockInParent(); },
                   [] { generator().renewInChild(); });
    return created;
  }();
  return *instance;
}

}  // namespace

std::string createUniqueMessageId() { return generator().next(); }

}  // namespace rmq
