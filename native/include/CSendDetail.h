/* A synchronous send whose result also says where the message was stored.
   Not part of rocketmq-client-cpp's API. */
#ifndef ROCKETMQ_CFFI_C_SEND_DETAIL_H
#define ROCKETMQ_CFFI_C_SEND_DETAIL_H

#include "CCommon.h"
#include "CMessage.h"
#include "CMessageQueue.h"
#include "CProducer.h"
#include "CSendResult.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _CSendResultDetail_ {
  CSendStatus sendStatus;
  char msgId[MAX_MESSAGE_ID_LENGTH];       /* the client-generated unique id (UNIQ_KEY) */
  char offsetMsgId[MAX_MESSAGE_ID_LENGTH]; /* the broker's id of it: store host and commit log offset */
  long long offset;                        /* offset of the message in its queue */
  CMessageQueue queue;                     /* the queue it was stored in */
} CSendResultDetail;

/* SendMessageSync, the same in every other respect. */
ROCKETMQCLIENT_API int SendMessageSyncDetailed(CProducer* producer, CMessage* msg, CSendResultDetail* result);

#ifdef __cplusplus
}
#endif
#endif
