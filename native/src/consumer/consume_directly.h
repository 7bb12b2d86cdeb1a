// CONSUME_MESSAGE_DIRECTLY (ClientRemotingProcessor.consumeMessageDirectly):
// a console, through the broker, hands this consumer one stored message to
// run through its listener now. The answer is a ConsumeMessageDirectlyResult
// in JSON. Offsets and the process queues are left alone, as in Java.
#pragma once

#include <memory>
#include <string>

#include "client/client_instance.h"
#include "consumer/consume_listener.h"
#include "consumer/consume_pool.h"

namespace rmq {

struct DirectConsumer {
  std::string group;
  bool orderly = false;
  std::weak_ptr<ClientInstance> client;  // weak: the client's own request handler holds this
  std::shared_ptr<ConsumePool> pool;  // the listener runs here, never on an I/O thread
  std::shared_ptr<const ListenerInvoker> listener;
};

// Takes the request from the remoting callback thread; the answer is sent
// later from a consume thread (or at once when the request cannot be run).
void consumeDirectly(const DirectConsumer& consumer, const std::string& addr, const RemotingCommand& request);

// The ConsumeMessageDirectlyResult JSON of one listener call; `failure`
// is the remark of a failed one ("" for a generic remark).
std::string directResultJson(ConsumeResult result, bool orderly, int64_t spentMs,
                             const std::string& failure = std::string());

}  // namespace rmq
