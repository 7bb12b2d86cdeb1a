/* Outcome of a successful send. */
#ifndef ROCKETMQ_CFFI_C_SEND_RESULT_H
#define ROCKETMQ_CFFI_C_SEND_RESULT_H

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum E_CSendStatus_ {
  E_SEND_OK = 0,
  E_SEND_FLUSH_DISK_TIMEOUT = 1,
  E_SEND_FLUSH_SLAVE_TIMEOUT = 2,
  E_SEND_SLAVE_NOT_AVAILABLE = 3
} CSendStatus;

typedef struct _SendResult_ {
  CSendStatus sendStatus;
  char msgId[MAX_MESSAGE_ID_LENGTH]; /* the client-generated unique id (UNIQ_KEY) */
  long long offset;                  /* offset of the message in its queue */
} CSendResult;

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_SEND_RESULT_H */
