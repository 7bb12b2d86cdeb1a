// Where a push consumer keeps the offsets it has consumed up to: at the
// brokers for clustering consumers (RemoteBrokerOffsetStore: the master of
// the queue's broker, else a slave while the master is gone), in a local file
// for broadcasting ones (LocalFileOffsetStore).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "client/client_instance.h"
#include "common/message_queue.h"

namespace rmq {

class OffsetStore {
 public:
  virtual ~OffsetStore() = default;
  // The committed offset of `mq`, or -1 when there is none. Throws
  // MQException when the store cannot be asked.
  virtual int64_t read(const MessageQueue& mq) = 0;
  // Records `offset` (best effort, never throws). `lastAddr` is where the
  // queue was last read from, used when the route no longer names its broker
  // (a broker leaving the cluster) so the offset still reaches it.
  virtual void commit(const MessageQueue& mq, int64_t offset, const std::string& lastAddr) = 0;
  // An operator reset the offset: store it now, waiting for the answer.
  virtual void storeNow(const MessageQueue& mq, int64_t offset) = 0;
  // Makes what commit() recorded durable (the local file); brokers need nothing.
  virtual void flush() {}
};

std::unique_ptr<OffsetStore> makeBrokerOffsetStore(std::shared_ptr<ClientInstance> client, std::string group);
// `path` from offsetFilePath(); the file is read now.
std::unique_ptr<OffsetStore> makeLocalOffsetStore(std::string path);

}  // namespace rmq
