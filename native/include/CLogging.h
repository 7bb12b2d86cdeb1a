/* Process-wide logging of the core. Not part of rocketmq-client-cpp's API,
   whose per-client setters (SetProducerLogPath, ...LogLevel,
   ...LogFileNumAndSize) configure the same process-wide log. */
#ifndef ROCKETMQ_CFFI_C_LOGGING_H
#define ROCKETMQ_CFFI_C_LOGGING_H

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Turns logging off when passed to SetRocketMQLogLevel. */
#define ROCKETMQ_LOG_OFF 0

/* Directory of <pid>_rocketmq-cpp.log; NULL or "" restores the default
   ($ROCKETMQ_CLIENT_LOG_DIR, else $HOME/logs/rocketmq-cpp). */
ROCKETMQCLIENT_API int SetRocketMQLogDirectory(const char* directory);
/* ROCKETMQ_LOG_OFF or a CLogLevel value. */
ROCKETMQCLIENT_API int SetRocketMQLogLevel(int level);
/* Rotate at fileSizeBytes, keeping fileNum files. */
ROCKETMQCLIENT_API int SetRocketMQLogRotation(int fileNum, long long fileSizeBytes);
/* The file lines currently go to ("" while a handler is set). The pointer
   stays valid until the calling thread calls this again. */
ROCKETMQCLIENT_API const char* GetRocketMQLogFilePath(void);

/* Receives every line instead of the file: level is a CLogLevel value and
   message reads "file.cpp:123 text". Called on the logging thread, with no
   lock of the core held. NULL goes back to the file. */
typedef void (*RocketMQLogHandler)(int level, const char* message, void* context);
ROCKETMQCLIENT_API int SetRocketMQLogHandler(RocketMQLogHandler handler, void* context);

#ifdef __cplusplus
}
#endif
#endif
