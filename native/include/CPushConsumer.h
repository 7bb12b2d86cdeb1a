/* Push consumers: the client pulls in the background and hands each message
   to the registered callback. */
#ifndef ROCKETMQ_CFFI_C_PUSH_CONSUMER_H
#define ROCKETMQ_CFFI_C_PUSH_CONSUMER_H

#include "CCommon.h"
#include "CMessageExt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CPushConsumer CPushConsumer;

/* E_CONSUME_LISTENER_RAISED (an extension): the callback's own handler
   failed with an error. The message is consumed again later as with
   E_RECONSUME_LATER; a console asking for the message to be consumed
   directly is told CR_THROW_EXCEPTION instead of CR_LATER. */
typedef enum E_CConsumeStatus {
  E_CONSUME_SUCCESS = 0,
  E_RECONSUME_LATER = 1,
  E_CONSUME_LISTENER_RAISED = 2
} CConsumeStatus;

/* Returns a CConsumeStatus. */
typedef int (*MessageCallBack)(CPushConsumer*, CMessageExt*);

/* Extension: a callback about to return E_CONSUME_LISTENER_RAISED may first
   say what went wrong (e.g. "ValueError: bad order, handler.py:12"), from the
   thread it runs on; a console that asked for the message to be consumed
   directly gets it as the remark of its CR_THROW_EXCEPTION answer. */
ROCKETMQCLIENT_API int NoteConsumeListenerFailure(const char* description);

ROCKETMQCLIENT_API CPushConsumer* CreatePushConsumer(const char* groupId);
ROCKETMQCLIENT_API int DestroyPushConsumer(CPushConsumer* consumer);
ROCKETMQCLIENT_API int StartPushConsumer(CPushConsumer* consumer);
ROCKETMQCLIENT_API int ShutdownPushConsumer(CPushConsumer* consumer);
ROCKETMQCLIENT_API const char* ShowPushConsumerVersion(CPushConsumer* consumer);
ROCKETMQCLIENT_API int SetPushConsumerGroupID(CPushConsumer* consumer, const char* groupId);
ROCKETMQCLIENT_API const char* GetPushConsumerGroupID(CPushConsumer* consumer);
ROCKETMQCLIENT_API int SetPushConsumerNameServerAddress(CPushConsumer* consumer, const char* namesrv);
ROCKETMQCLIENT_API int SetPushConsumerNameServerDomain(CPushConsumer* consumer, const char* domain);
ROCKETMQCLIENT_API int Subscribe(CPushConsumer* consumer, const char* topic, const char* expression);
ROCKETMQCLIENT_API int RegisterMessageCallbackOrderly(CPushConsumer* consumer, MessageCallBack pCallback);
ROCKETMQCLIENT_API int RegisterMessageCallback(CPushConsumer* consumer, MessageCallBack pCallback);
ROCKETMQCLIENT_API int UnregisterMessageCallbackOrderly(CPushConsumer* consumer);
ROCKETMQCLIENT_API int UnregisterMessageCallback(CPushConsumer* consumer);
ROCKETMQCLIENT_API int SetPushConsumerThreadCount(CPushConsumer* consumer, int threadCount);
ROCKETMQCLIENT_API int SetPushConsumerMessageBatchMaxSize(CPushConsumer* consumer, int batchSize);
ROCKETMQCLIENT_API int SetPushConsumerInstanceName(CPushConsumer* consumer, const char* instanceName);
ROCKETMQCLIENT_API int SetPushConsumerSessionCredentials(CPushConsumer* consumer,
                                                         const char* accessKey,
                                                         const char* secretKey,
                                                         const char* channel);
ROCKETMQCLIENT_API int SetPushConsumerLogPath(CPushConsumer* consumer, const char* logPath);
ROCKETMQCLIENT_API int SetPushConsumerLogFileNumAndSize(CPushConsumer* consumer, int fileNum, long fileSize);
ROCKETMQCLIENT_API int SetPushConsumerLogLevel(CPushConsumer* consumer, CLogLevel level);
ROCKETMQCLIENT_API int SetPushConsumerMessageModel(CPushConsumer* consumer, CMessageModel messageModel);
ROCKETMQCLIENT_API int SetPushConsumerMaxCacheMessageSize(CPushConsumer* consumer, int maxCacheSize);
ROCKETMQCLIENT_API int SetPushConsumerMaxCacheMessageSizeInMb(CPushConsumer* consumer, int maxCacheSizeInMb);
/* Extension: messages pulled and not yet consumed (those in a callback
   included); 0 when the consumer is not running, -1 for NULL. */
ROCKETMQCLIENT_API int GetPushConsumerCachedMessageCount(CPushConsumer* consumer);

/* Extensions: the Java client's tuning, set before StartPushConsumer. */
/* Where a group with no committed offset starts (Java's ConsumeFromWhere
   ordinals). */
typedef enum _CConsumeFromWhere_ {
  E_CONSUME_FROM_LAST_OFFSET = 0,
  E_CONSUME_FROM_FIRST_OFFSET = 4,
  E_CONSUME_FROM_TIMESTAMP = 5
} CConsumeFromWhere;
/* timestampMs is used by E_CONSUME_FROM_TIMESTAMP; -1 means half an hour
   before the consumer starts. */
ROCKETMQCLIENT_API int SetPushConsumerConsumeFromWhere(CPushConsumer* consumer, CConsumeFromWhere where,
                                                       long long timestampMs);
/* Deliveries before a failed message goes to the dead-letter queue (-1: 16). */
ROCKETMQCLIENT_API int SetPushConsumerMaxReconsumeTimes(CPushConsumer* consumer, int maxReconsumeTimes);
/* A callback running longer than this has its message sent back for a later
   retry (concurrent consumers; default 15 minutes). */
ROCKETMQCLIENT_API int SetPushConsumerConsumeTimeout(CPushConsumer* consumer, long long timeoutMs);
/* Moves the group's offsets of topic to timestampMs (-1: the newest) on every
   master broker, which tells each consumer of the group; needs a started
   consumer. */
ROCKETMQCLIENT_API int ResetPushConsumerOffsetByTimestamp(CPushConsumer* consumer, const char* topic,
                                                          long long timestampMs);
ROCKETMQCLIENT_API int SetPushConsumerMessageTrace(CPushConsumer* consumer, CTraceModel openTrace);

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_PUSH_CONSUMER_H */
