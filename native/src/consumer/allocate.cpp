#include "consumer/allocate.h"

#include <algorithm>

namespace rmq {

std::vector<MessageQueue> allocateAveragely(const std::vector<MessageQueue>& queues,
                                            const std::vector<std::string>& clientIds, const std::string& clientId) {
  std::vector<MessageQueue> mine;
  auto found = std::find(clientIds.begin(), clientIds.end(), clientId);
  if (found == clientIds.end() || queues.empty()) return mine;
  const size_t index = static_cast<size_t>(found - clientIds.begin());
  const size_t queueCount = queues.size();
  const size_t clientCount = clientIds.size();
  const size_t remainder = queueCount % clientCount;
  // The first `remainder` clients take one queue more than the others.
  size_t share;
  if (queueCount <= clientCount) {
    share = 1;
  } else {
    share = queueCount / clientCount + ((remainder > 0 && index < remainder) ? 1 : 0);
  }
  const size_t start = (remainder > 0 && index < remainder) ? index * share : index * share + remainder;
  if (start >= queueCount) return mine;
  const size_t count = std::min(share, queueCount - start);
  for (size_t i = 0; i < count; ++i) mine.push_back(queues[(start + i) % queueCount]);
  return mine;
}

}  // namespace rmq
