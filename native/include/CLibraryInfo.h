/* What this build of librocketmq is. Not part of rocketmq-client-cpp's API:
   bindings use it to check that a library they load is the one they were
   built for before calling anything else. */
#ifndef ROCKETMQ_CFFI_C_LIBRARY_INFO_H
#define ROCKETMQ_CFFI_C_LIBRARY_INFO_H

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Raised whenever a function, struct layout or enum value of the C API
   changes incompatibly; a binding refuses a library whose level differs. */
#define ROCKETMQ_CFFI_ABI_LEVEL 1
/* The release of rocketmq-cffi this library belongs to. */
#define ROCKETMQ_CFFI_VERSION "0.1.0"

ROCKETMQCLIENT_API int GetRocketMQCffiAbiLevel(void);
ROCKETMQCLIENT_API const char* GetRocketMQCffiVersion(void);

#ifdef __cplusplus
}
#endif
#endif
