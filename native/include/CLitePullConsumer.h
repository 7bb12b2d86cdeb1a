/* Lite pull consumers: a poll loop over queues that are either rebalanced
   among the consumers of a group (Subscribe) or chosen by the application
   (Assign). Background pulls fill a bounded cache; Poll hands out what was
   pulled, one queue's batch at a time. Not part of the librocketmq 2.x C
   API: an extension of rocketmq-cffi, after Java's DefaultLitePullConsumer. */
#ifndef ROCKETMQ_CFFI_C_LITE_PULL_CONSUMER_H
#define ROCKETMQ_CFFI_C_LITE_PULL_CONSUMER_H

#include "CCommon.h"
#include "CMessageExt.h"
#include "CMessageQueue.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Statuses of the calls below besides OK and NULL_POINTER; the latest error
   message says more. */
enum CLitePullStatus {
  LITEPULL_ILLEGAL_ARGUMENT = 70, /* bad value, seek offset out of range, queue not held */
  LITEPULL_ILLEGAL_STATE = 71,    /* not started, shut down, subscribe mixed with assign */
  LITEPULL_FAILED = 72            /* the brokers or name servers could not be asked */
};

typedef struct CLitePullConsumer CLitePullConsumer;

/* What LitePullConsumerPoll returns: `size` messages of `queue`, owned
   until the batch is handed to ReleaseLitePullBatch (size 0: nothing to
   release, but releasing is harmless). */
typedef struct _CLitePullBatch_ {
  CMessageQueue queue;
  CMessageExt** messages;
  int size;
  void* pData;
} CLitePullBatch;

ROCKETMQCLIENT_API CLitePullConsumer* CreateLitePullConsumer(const char* groupId);
ROCKETMQCLIENT_API int DestroyLitePullConsumer(CLitePullConsumer* consumer);
ROCKETMQCLIENT_API int StartLitePullConsumer(CLitePullConsumer* consumer);
ROCKETMQCLIENT_API int ShutdownLitePullConsumer(CLitePullConsumer* consumer);

ROCKETMQCLIENT_API int SetLitePullConsumerNameServerAddress(CLitePullConsumer* consumer, const char* namesrv);
ROCKETMQCLIENT_API int SetLitePullConsumerNameServerDomain(CLitePullConsumer* consumer, const char* domain);
ROCKETMQCLIENT_API int SetLitePullConsumerSessionCredentials(CLitePullConsumer* consumer,
                                                             const char* accessKey,
                                                             const char* secretKey,
                                                             const char* channel);
ROCKETMQCLIENT_API int SetLitePullConsumerInstanceName(CLitePullConsumer* consumer, const char* instanceName);
ROCKETMQCLIENT_API int SetLitePullConsumerTls(CLitePullConsumer* consumer, int enabled, const char* caFile);
ROCKETMQCLIENT_API int SetLitePullConsumerTlsHostnameVerification(CLitePullConsumer* consumer, int enabled);
ROCKETMQCLIENT_API int SetLitePullConsumerPollNameServerInterval(CLitePullConsumer* consumer, int intervalMillis);
/* where: 0 last offset, 4 first offset, 5 timestamp (timestampMillis, -1
   for half an hour before start), as CPushConsumer's. */
ROCKETMQCLIENT_API int SetLitePullConsumerConsumeFromWhere(CLitePullConsumer* consumer,
                                                           int where,
                                                           long long timestampMillis);
ROCKETMQCLIENT_API int SetLitePullConsumerAutoCommit(CLitePullConsumer* consumer, int enabled, long long intervalMillis);
ROCKETMQCLIENT_API int SetLitePullConsumerPullBatchSize(CLitePullConsumer* consumer, int batchSize);
ROCKETMQCLIENT_API int SetLitePullConsumerPullThresholds(CLitePullConsumer* consumer,
                                                         int forQueue,
                                                         int sizeForQueueMiB,
                                                         long long forAll);

ROCKETMQCLIENT_API int LitePullConsumerSubscribe(CLitePullConsumer* consumer, const char* topic, const char* expression);
ROCKETMQCLIENT_API int LitePullConsumerAssign(CLitePullConsumer* consumer, const CMessageQueue* queues, int size);

/* Waits up to timeoutMillis for a batch; *batch is zeroed when none came. */
ROCKETMQCLIENT_API int LitePullConsumerPoll(CLitePullConsumer* consumer, long long timeoutMillis, CLitePullBatch* batch);
ROCKETMQCLIENT_API int ReleaseLitePullBatch(CLitePullBatch* batch);
ROCKETMQCLIENT_API int LitePullConsumerCommit(CLitePullConsumer* consumer);
ROCKETMQCLIENT_API int LitePullConsumerCommitted(CLitePullConsumer* consumer, const CMessageQueue* queue, long long* offset);
ROCKETMQCLIENT_API int LitePullConsumerSeek(CLitePullConsumer* consumer, const CMessageQueue* queue, long long offset);
ROCKETMQCLIENT_API int LitePullConsumerSeekToBegin(CLitePullConsumer* consumer, const CMessageQueue* queue);
ROCKETMQCLIENT_API int LitePullConsumerSeekToEnd(CLitePullConsumer* consumer, const CMessageQueue* queue);
ROCKETMQCLIENT_API int LitePullConsumerPause(CLitePullConsumer* consumer, const CMessageQueue* queues, int size);
ROCKETMQCLIENT_API int LitePullConsumerResume(CLitePullConsumer* consumer, const CMessageQueue* queues, int size);
/* The queues held now, in a malloc'ed array for ReleaseSubscriptionMessageQueue (NULL when none). */
ROCKETMQCLIENT_API int LitePullConsumerAssignment(CLitePullConsumer* consumer, CMessageQueue** queues, int* size);
ROCKETMQCLIENT_API long long GetLitePullConsumerCachedMessageCount(CLitePullConsumer* consumer);

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_LITE_PULL_CONSUMER_H */
