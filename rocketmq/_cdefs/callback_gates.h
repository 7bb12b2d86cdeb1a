/* Pasted into the extension's source after the C API headers (see build_ffi.py).
 *
 * A core thread that enters Python after interpreter finalization began
 * crashes or is killed inside the GIL. Exit shuts every client down first,
 * but that wait is bounded, so each callback also passes this gate: once
 * closed, it answers the safe default without touching Python. */
#include <atomic>

static std::atomic<bool> rocketmq_callbacks_open{true};

static void rocketmq_close_callbacks(void) { rocketmq_callbacks_open.store(false); }

static bool rocketmq_python_reachable() { return rocketmq_callbacks_open.load(); }

/* Defined further down by cffi from the extern "Python" declarations. */
static int _rocketmq_select_queue(int size, CMessage* msg, void* arg);
static CTransactionStatus _rocketmq_execute_local_transaction(CProducer* producer, CMessage* msg, void* data);
static CTransactionStatus _rocketmq_check_transaction(CProducer* producer, CMessageExt* msg, void* data);
static int _rocketmq_consume_message(CPushConsumer* consumer, CMessageExt* msg);
static int _rocketmq_consume_batch(CPushConsumer* consumer, CMessageExt** msgs, int count, int stopAtFailure,
                                   CConsumeStatus* statuses);

static int rocketmq_gated_select_queue(int size, CMessage* msg, void* arg) {
  /* A negative queue index makes the send fail. */
  return rocketmq_python_reachable() ? _rocketmq_select_queue(size, msg, arg) : -1;
}

static CTransactionStatus rocketmq_gated_execute_local_transaction(CProducer* producer, CMessage* msg,
                                                                   void* data) {
  return rocketmq_python_reachable() ? _rocketmq_execute_local_transaction(producer, msg, data)
                                     : E_UNKNOWN_TRANSACTION;
}

static CTransactionStatus rocketmq_gated_check_transaction(CProducer* producer, CMessageExt* msg, void* data) {
  return rocketmq_python_reachable() ? _rocketmq_check_transaction(producer, msg, data) : E_UNKNOWN_TRANSACTION;
}

static int rocketmq_gated_consume_message(CPushConsumer* consumer, CMessageExt* msg) {
  return rocketmq_python_reachable() ? _rocketmq_consume_message(consumer, msg) : E_RECONSUME_LATER;
}

/* None handled: the core delivers them again later. Every status starts as
   a success, so the Python side writes only the failures (one write into C
   memory less per message delivered). */
static int rocketmq_gated_consume_batch(CPushConsumer* consumer, CMessageExt** msgs, int count, int stopAtFailure,
                                        CConsumeStatus* statuses) {
  if (!rocketmq_python_reachable()) return 0;
  for (int i = 0; i < count; ++i) statuses[i] = E_CONSUME_SUCCESS;
  return _rocketmq_consume_batch(consumer, msgs, count, stopAtFailure, statuses);
}

static void _rocketmq_log_line(int level, const char* message, void* context);

/* A line logged after the gate closed is dropped: interpreter exit sends the
   log back to its file before closing the gate, so only lines racing that
   switch are lost. */
static void rocketmq_gated_log_line(int level, const char* message, void* context) {
  if (rocketmq_python_reachable()) _rocketmq_log_line(level, message, context);
}
