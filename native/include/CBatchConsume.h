/* Delivering messages to a push consumer's callback in bursts. Not part of
   rocketmq-client-cpp's API. */
#ifndef ROCKETMQ_CFFI_C_BATCH_CONSUME_H
#define ROCKETMQ_CFFI_C_BATCH_CONSUME_H

#include "CCommon.h"
#include "CMessageExt.h"
#include "CPushConsumer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called with `count` messages of one queue, oldest first. Writes one
   CConsumeStatus per message it handled into statuses[0..n) and returns n:
   every message, or when stopAtFailure is set (orderly consumers) up to and
   including the first one not consumed successfully. Messages past n are
   delivered again later. The message handles are valid during the call only.
   One call stands for many messages: a callback that enters an interpreter
   pays for the entry once per burst, not once per message. */
typedef int (*MessageBatchCallBack)(CPushConsumer* consumer, CMessageExt** msgs, int count, int stopAtFailure,
                                    CConsumeStatus* statuses);

/* Use `callback` instead of a MessageCallBack (either registration replaces
   the other). orderly: 1 for an orderly consumer, 0 for a concurrent one. A
   concurrent consumer's bursts are split so that every consume thread gets
   one; up to 32 messages a burst. Before start. */
ROCKETMQCLIENT_API int RegisterMessageBatchCallback(CPushConsumer* consumer, MessageBatchCallBack callback,
                                                    int orderly);

#ifdef __cplusplus
}
#endif
#endif
