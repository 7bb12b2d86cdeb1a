/* Entry points the core calls back into.
 *
 * The _rocketmq_* functions are implemented in Python (@ffi.def_extern). The
 * core is handed the rocketmq_gated_* wrappers instead (callback_gates.h):
 * they answer without entering Python once rocketmq_close_callbacks() ran at
 * interpreter exit. Asynchronous sends report through a queue instead
 * (send_completions.h), which never enters Python from a core thread. */
extern "Python" int _rocketmq_select_queue(int size, CMessage* msg, void* arg);
extern "Python" CTransactionStatus _rocketmq_execute_local_transaction(CProducer* producer, CMessage* msg,
                                                                      void* data);
extern "Python" CTransactionStatus _rocketmq_check_transaction(CProducer* producer, CMessageExt* msg,
                                                              void* data);
extern "Python" int _rocketmq_consume_message(CPushConsumer* consumer, CMessageExt* msg);
extern "Python" int _rocketmq_consume_batch(CPushConsumer* consumer, CMessageExt** msgs, int count,
                                            int stopAtFailure, CConsumeStatus* statuses);
extern "Python" void _rocketmq_log_line(int level, const char* message, void* context);

int rocketmq_gated_select_queue(int size, CMessage* msg, void* arg);
CTransactionStatus rocketmq_gated_execute_local_transaction(CProducer* producer, CMessage* msg, void* data);
CTransactionStatus rocketmq_gated_check_transaction(CProducer* producer, CMessageExt* msg, void* data);
int rocketmq_gated_consume_message(CPushConsumer* consumer, CMessageExt* msg);
int rocketmq_gated_consume_batch(CPushConsumer* consumer, CMessageExt** msgs, int count, int stopAtFailure,
                                 CConsumeStatus* statuses);
void rocketmq_gated_log_line(int level, const char* message, void* context);
void rocketmq_close_callbacks(void);
