/* Sends of a message given as its fields, with no CMessage made for it.
   Not part of rocketmq-client-cpp's API. */
#ifndef ROCKETMQ_CFFI_C_SEND_FIELDS_H
#define ROCKETMQ_CFFI_C_SEND_FIELDS_H

#include "CCommon.h"
#include "CProducer.h"
#include "CSendResult.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SendMessageSync and SendMessageOneway for a message that has nothing but
   a topic, tags, keys and a body, given as CreateMessageWithFields takes
   them (`tags` and `keys` may be NULL; `body` may be NULL when `bodyLength`
   is 0). The message lives for the call only: a binding whose messages
   usually carry nothing else makes and frees no CMessage per send. Returns
   NULL_POINTER for a NULL producer, topic or result, a negative length or a
   NULL body of non-zero length; otherwise as SendMessageSync and
   SendMessageOneway. */
ROCKETMQCLIENT_API int SendMessageSyncWithFields(CProducer* producer,
                                                 const char* topic,
                                                 const char* tags,
                                                 const char* keys,
                                                 const char* body,
                                                 int bodyLength,
                                                 CSendResult* result);
ROCKETMQCLIENT_API int SendMessageOnewayWithFields(CProducer* producer,
                                                   const char* topic,
                                                   const char* tags,
                                                   const char* keys,
                                                   const char* body,
                                                   int bodyLength);

/* SendAsyncWithQuickCallbacks (CQuickSendCallbacks.h) for a message given as
   its fields, with the same checks as SendMessageSyncWithFields. The core
   keeps its own copy until the send ends, so the caller's buffers may go
   once this returns; the callbacks are handed a NULL `msg`. */
ROCKETMQCLIENT_API int SendAsyncWithFieldsAndQuickCallbacks(CProducer* producer,
                                                            const char* topic,
                                                            const char* tags,
                                                            const char* keys,
                                                            const char* body,
                                                            int bodyLength,
                                                            COnSendSuccessCallback cSendSuccessCallback,
                                                            COnSendExceptionCallback cSendExceptionCallback,
                                                            void* userData);

#ifdef __cplusplus
}
#endif
#endif
