/* One queue of a topic on one broker. */
#ifndef ROCKETMQ_CFFI_C_MESSAGE_QUEUE_H
#define ROCKETMQ_CFFI_C_MESSAGE_QUEUE_H

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _CMessageQueue_ {
  char topic[MAX_TOPIC_LENGTH];
  char brokerName[MAX_BROKER_NAME_ID_LENGTH];
  int queueId;
} CMessageQueue;

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_MESSAGE_QUEUE_H */
