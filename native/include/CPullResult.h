/* What one Pull() answers: a status, the offsets the broker reported and,
   for E_FOUND, the messages. */
#ifndef ROCKETMQ_CFFI_C_PULL_RESULT_H
#define ROCKETMQ_CFFI_C_PULL_RESULT_H

#include "CCommon.h"
#include "CMessageExt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum E_CPullStatus {
  E_FOUND,           /* messages in msgFoundList */
  E_NO_NEW_MSG,      /* nothing at or after the offset yet */
  E_NO_MATCHED_MSG,  /* messages there, none of them matching the expression */
  E_OFFSET_ILLEGAL,  /* the offset is outside the queue; see nextBeginOffset */
  E_BROKER_TIMEOUT   /* no usable answer: timeout, failure or bad arguments;
                        GetLatestErrorMessage() says which */
} CPullStatus;

typedef struct _CPullResult_ {
  CPullStatus pullStatus;
  long long nextBeginOffset; /* where the next pull of this queue starts */
  long long minOffset;       /* first offset still stored in the queue */
  long long maxOffset;       /* one past the last message of the queue */
  CMessageExt** msgFoundList;
  int size;                  /* entries of msgFoundList */
  void* pData;               /* owner of the messages; ReleasePullResult frees it */
} CPullResult;

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_PULL_RESULT_H */
