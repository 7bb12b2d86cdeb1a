/* Text of the most recent error raised by an API call on the calling thread. */
#ifndef ROCKETMQ_CFFI_C_ERROR_MESSAGE_H
#define ROCKETMQ_CFFI_C_ERROR_MESSAGE_H

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

ROCKETMQCLIENT_API const char* GetLatestErrorMessage();

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_ERROR_MESSAGE_H */
