/* Results of asynchronous sends, queued in C and taken by Python in bursts
 * (send_completion_queue.h, rocketmq._send_completions). */
typedef struct {
  void* user_data;
  int failed;          /* 1: error is set; 0: result is set */
  CSendResult result;
  CMQException error;
} rocketmq_send_completion;

void rocketmq_queued_on_send_success(CSendResult result, CMessage* msg, void* userData);
void rocketmq_queued_on_send_exception(CMQException e, CMessage* msg, void* userData);
int rocketmq_take_send_completions(rocketmq_send_completion* out, int capacity, int timeoutMs);
unsigned long long rocketmq_send_completions_queued(void);
void rocketmq_wake_send_completions(void);
void rocketmq_reset_send_completions_after_fork(void);
