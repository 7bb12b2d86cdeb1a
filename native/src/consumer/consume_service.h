// The two ways a push consumer hands pulled messages to its listener
// (ConsumeMessageConcurrentlyService and ConsumeMessageOrderlyService), on
// the consume pool. No lock is held while the listener runs.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "client/client_instance.h"
#include "consumer/consume_listener.h"
#include "consumer/consume_pool.h"
#include "consumer/process_queue.h"
#include "consumer/push_consumer.h"
#include "consumer/send_back.h"

namespace rmq {

// What both services work with; all outlive the services.
struct ConsumeContext {
  PushConsumerConfig config;  // read-only once started
  std::shared_ptr<ClientInstance> client;
  std::shared_ptr<ConsumePool> pool;
  std::shared_ptr<const ListenerInvoker> listener;
  std::shared_ptr<const SendBack> sendBack;
};

class ConsumeService {
 public:
  virtual ~ConsumeService() = default;
  // Messages at `offsets` just arrived in `pq` (ascending).
  virtual void dispatch(const std::shared_ptr<ProcessQueue>& pq, const std::vector<int64_t>& offsets) = 0;
  // Periodic upkeep over the owned queues.
  virtual void maintain(const std::vector<std::shared_ptr<ProcessQueue>>& queues) = 0;
  // How often maintain() wants to run; 0 for never.
  virtual int64_t maintenanceIntervalMs() const = 0;
};

std::shared_ptr<ConsumeService> makeConcurrentConsumeService(ConsumeContext context);
std::shared_ptr<ConsumeService> makeOrderlyConsumeService(ConsumeContext context);

}  // namespace rmq
