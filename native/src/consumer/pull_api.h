// The PULL_MESSAGE request both consumers send (PullMessageRequestHeader in
// the Java source) and the numbers they read back from its answer
// (PullMessageResponseHeader). The push consumer long-polls with it from the
// background; the pull consumer sends it synchronously on the caller's thread.
#pragma once

#include <cstdint>
#include <string>

#include "common/message_queue.h"
#include "remoting/remoting_command.h"

namespace rmq {

// Bits of the request's sysFlag (PullSysFlag).
namespace pull_flag {
constexpr int kCommitOffset = 1 << 0;
constexpr int kSuspend = 1 << 1;
constexpr int kSubscription = 1 << 2;
constexpr int kClassFilter = 1 << 3;
constexpr int kLitePull = 1 << 4;
}  // namespace pull_flag

struct PullRequestSpec {
  std::string group;
  MessageQueue queue;
  int64_t queueOffset = 0;
  int maxMessages = 32;
  int sysFlag = 0;
  int64_t commitOffset = 0;
  // How long the broker may hold the request when nothing is there yet; it
  // only does so with pull_flag::kSuspend set.
  int64_t suspendTimeoutMs = 0;
  std::string subscription = "*";  // the tag expression, as the broker parses it
  int64_t subVersion = 0;
  std::string expressionType = "TAG";
};

RemotingCommand buildPullRequest(const PullRequestSpec& spec);

// A numeric field of a pull answer's header ("nextBeginOffset", "minOffset",
// "maxOffset"); `fallback` when it is missing or does not start with a number.
int64_t pullResponseNumber(const RemotingCommand& response, const std::string& name, int64_t fallback);

}  // namespace rmq
