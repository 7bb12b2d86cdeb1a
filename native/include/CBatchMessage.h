/* Several messages of one topic sent in a single request. */
#ifndef ROCKETMQ_CFFI_C_BATCH_MESSAGE_H
#define ROCKETMQ_CFFI_C_BATCH_MESSAGE_H

#include "CCommon.h"
#include "CMessage.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CBatchMessage CBatchMessage;

ROCKETMQCLIENT_API CBatchMessage* CreateBatchMessage();
/* Copies `msg`; the caller still owns and destroys it. */
ROCKETMQCLIENT_API int AddMessage(CBatchMessage* batchMsg, CMessage* msg);
ROCKETMQCLIENT_API int DestroyBatchMessage(CBatchMessage* batchMsg);

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_BATCH_MESSAGE_H */
