// Requests waiting for their reply (RequestFutureHolder's table in the Java
// client): each is found by its correlation id when the broker pushes the
// reply, and fails with RequestTimeout when its deadline passes first. A
// reply that finds nothing waiting (its request timed out already) is
// dropped and counted.
//
// Thread safety: every method may be called from any thread. Callbacks run
// on the calling thread with no lock held, exactly once per request.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

#include "common/errors.h"
#include "message/message.h"

namespace rmq {

// No reply came within the request's timeout (RequestTimeoutException).
class RequestTimeout : public MQException {
 public:
  explicit RequestTimeout(const std::string& message) : MQException(ErrorKind::kTimeout, message) {}
};

// Exactly one of `reply` / `error` is non-null; both live only for the call.
using ReplyCallback = std::function<void(const MessageExt* reply, const MQException* error)>;

class ReplyTable {
 public:
  // Registers a request to `topic` that waits `timeoutMs` from `nowMs`
  // (steady clock). Throws MQException(kIllegalState) for an id already
  // waiting.
  void add(const std::string& correlationId, const std::string& topic, int64_t timeoutMs, int64_t nowMs,
           ReplyCallback callback);
  // Remembers the timer that expires the request, so that an earlier end
  // can cancel it. False when the request has ended already.
  bool setTimer(const std::string& correlationId, uint64_t timerId);
  // The request message reached the broker: a timeout now means "no reply"
  // rather than "still sending".
  void markSent(const std::string& correlationId);

  // Hands `reply` to the request waiting for it and sets `*timerId` to its
  // timer (0 when none). False when nothing waited: the reply came late and
  // is counted.
  bool complete(const std::string& correlationId, const MessageExt& reply, uint64_t* timerId);
  // Fails one request (its send failed); false when it had ended already.
  bool fail(const std::string& correlationId, const MQException& error, uint64_t* timerId);
  // Drops a request without running its callback (its send was refused
  // and the caller hears of it directly); false when it had ended already.
  bool forget(const std::string& correlationId, uint64_t* timerId);
  // Fails the request with RequestTimeout if its deadline has passed.
  void expire(const std::string& correlationId, int64_t nowMs);
  // Fails every waiting request (shutdown).
  void failAll(const MQException& error);

  size_t pending() const;
  uint64_t lateReplies() const;

 private:
  struct Waiting {
    std::string topic;
    int64_t deadlineMs = 0;
    int64_t timeoutMs = 0;
    uint64_t timerId = 0;
    bool sent = false;
    ReplyCallback callback;
  };

  // Removes the request; false when it is not waiting (any more).
  bool take(const std::string& correlationId, Waiting* out);

  mutable std::mutex mutex_;
  std::map<std::string, Waiting> waiting_;
  uint64_t lateReplies_ = 0;
};

// Runs a user callback; one that throws must not take down the thread it
// runs on (the remoting callback thread or the timer).
void deliverReply(const ReplyCallback& callback, const MessageExt* reply, const MQException* error) noexcept;

}  // namespace rmq
