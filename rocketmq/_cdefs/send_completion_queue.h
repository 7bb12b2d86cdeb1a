/* Pasted into the extension's source after the C API headers (see build_ffi.py).
 *
 * Entering Python from the core's thread for each asynchronous send costs a
 * GIL acquisition per send, and while the application keeps sending, every
 * one of them is a hand-off of the GIL between two threads (futex waits and
 * wake-ups on both). Instead the core is given the rocketmq_queued_*
 * callbacks below: they copy the result into a queue and return without
 * touching Python (so SendAsyncWithQuickCallbacks may run them on the thread
 * that read the broker's answer), and one Python thread
 * (rocketmq._send_completions) takes whatever has piled up in one call with
 * the GIL released, then runs the Python side of all of them under one
 * acquisition. */
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <new>

typedef struct {
  void* user_data;
  int failed;
  CSendResult result;
  CMQException error;
} rocketmq_send_completion;

namespace {

struct QueuedSendCompletion {
  void* userData;
  CSendResult result;
  std::unique_ptr<CMQException> error;  // only failures pay for the (large) error record
};

struct SendCompletionQueue {
  std::mutex mutex;
  std::condition_variable ready;
  std::deque<QueuedSendCompletion> items;
  unsigned long long queued = 0;  // ever queued: rocketmq._send_completions waits for its deliveries to catch up
  bool woken = false;
};

// Never destroyed: a core thread may still report a send while the process
// exits, and must not find the queue gone.
SendCompletionQueue* rocketmq_completion_queue = new SendCompletionQueue();

void rocketmq_queue_send_completion(QueuedSendCompletion completion) {
  SendCompletionQueue& queue = *rocketmq_completion_queue;
  {
    std::lock_guard<std::mutex> lock(queue.mutex);
    queue.items.push_back(std::move(completion));
    ++queue.queued;
  }
  queue.ready.notify_one();
}

}  // namespace

static void rocketmq_queued_on_send_success(CSendResult result, CMessage* msg, void* userData) {
  (void)msg;
  QueuedSendCompletion completion;
  completion.userData = userData;
  completion.result = result;
  rocketmq_queue_send_completion(std::move(completion));
}

static void rocketmq_queued_on_send_exception(CMQException e, CMessage* msg, void* userData) {
  (void)msg;
  QueuedSendCompletion completion;
  completion.userData = userData;
  std::memset(&completion.result, 0, sizeof(completion.result));
  completion.error.reset(new CMQException(e));
  rocketmq_queue_send_completion(std::move(completion));
}

/* Waits up to timeoutMs for a completion (or a wake-up), then moves up to
   capacity of them into out; returns how many. */
static int rocketmq_take_send_completions(rocketmq_send_completion* out, int capacity, int timeoutMs) {
  SendCompletionQueue& queue = *rocketmq_completion_queue;
  std::unique_lock<std::mutex> lock(queue.mutex);
  queue.ready.wait_for(lock, std::chrono::milliseconds(timeoutMs < 0 ? 0 : timeoutMs),
                       [&] { return !queue.items.empty() || queue.woken; });
  queue.woken = false;
  int taken = 0;
  while (taken < capacity && !queue.items.empty()) {
    QueuedSendCompletion& front = queue.items.front();
    rocketmq_send_completion& slot = out[taken++];
    slot.user_data = front.userData;
    slot.result = front.result;
    slot.failed = front.error ? 1 : 0;
    if (front.error) slot.error = *front.error;
    queue.items.pop_front();
  }
  return taken;
}

static unsigned long long rocketmq_send_completions_queued(void) {
  SendCompletionQueue& queue = *rocketmq_completion_queue;
  std::lock_guard<std::mutex> lock(queue.mutex);
  return queue.queued;
}

/* Makes a waiting rocketmq_take_send_completions return (with nothing). */
static void rocketmq_wake_send_completions(void) {
  SendCompletionQueue& queue = *rocketmq_completion_queue;
  {
    std::lock_guard<std::mutex> lock(queue.mutex);
    queue.woken = true;
  }
  queue.ready.notify_all();
}

/* A forked child starts with an empty queue: the parent's sends are the
   parent's, and its lock may have been held by a thread the child does not
   have. The old queue is left as it is (freeing it could touch that lock). */
static void rocketmq_reset_send_completions_after_fork(void) {
  rocketmq_completion_queue = new SendCompletionQueue();
}
