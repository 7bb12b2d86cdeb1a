/* Asynchronous sends whose callbacks return at once. Not part of
   rocketmq-client-cpp's API. */
#ifndef ROCKETMQ_CFFI_C_QUICK_SEND_CALLBACKS_H
#define ROCKETMQ_CFFI_C_QUICK_SEND_CALLBACKS_H

#include "CCommon.h"
#include "CMessage.h"
#include "CProducer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SendAsync for callbacks that only record the outcome (copy it into a
   queue, set a flag) and return, without calling into the client or waiting.
   The success callback then runs on the client thread that read the broker's
   answer rather than being handed to the callback thread: one thread switch
   less per send. The exception callback runs on the callback thread, as with
   SendAsync (a failed attempt may be retried first). Exactly one of them
   runs, once; `msg` must stay alive until then. */
ROCKETMQCLIENT_API int SendAsyncWithQuickCallbacks(CProducer* producer,
                                                   CMessage* msg,
                                                   COnSendSuccessCallback cSendSuccessCallback,
                                                   COnSendExceptionCallback cSendExceptionCallback,
                                                   void* userData);

#ifdef __cplusplus
}
#endif
#endif
