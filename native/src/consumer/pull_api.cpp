#include "consumer/pull_api.h"

#include <stdexcept>

#include "remoting/protocol_codes.h"

namespace rmq {

RemotingCommand buildPullRequest(const PullRequestSpec& spec) {
  RemotingCommand request = RemotingCommand::makeRequest(request_code::kPullMessage);
  auto& f = request.extFields;
  f["consumerGroup"] = spec.group;
  f["topic"] = spec.queue.topic;
  f["queueId"] = std::to_string(spec.queue.queueId);
  f["queueOffset"] = std::to_string(spec.queueOffset);
  f["maxMsgNums"] = std::to_string(spec.maxMessages);
  f["sysFlag"] = std::to_string(spec.sysFlag);
  f["commitOffset"] = std::to_string(spec.commitOffset);
  f["suspendTimeoutMillis"] = std::to_string(spec.suspendTimeoutMs);
  f["subscription"] = spec.subscription;
  f["subVersion"] = std::to_string(spec.subVersion);
  f["expressionType"] = spec.expressionType;
  return request;
}

int64_t pullResponseNumber(const RemotingCommand& response, const std::string& name, int64_t fallback) {
  const std::string& text = response.field(name);
  if (text.empty()) return fallback;
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return fallback;
  }
}

}  // namespace rmq
