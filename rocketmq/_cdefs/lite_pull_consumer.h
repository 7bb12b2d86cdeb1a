/* CLitePullConsumer.h (CMessageQueue comes from send_result.h) */
enum CLitePullStatus {
  LITEPULL_ILLEGAL_ARGUMENT = 70,
  LITEPULL_ILLEGAL_STATE = 71,
  LITEPULL_FAILED = 72
};

typedef struct CLitePullConsumer CLitePullConsumer;

typedef struct _CLitePullBatch_ {
  CMessageQueue queue;
  CMessageExt** messages;
  int size;
  void* pData;
} CLitePullBatch;

CLitePullConsumer* CreateLitePullConsumer(const char* groupId);
int DestroyLitePullConsumer(CLitePullConsumer* consumer);
int StartLitePullConsumer(CLitePullConsumer* consumer);
int ShutdownLitePullConsumer(CLitePullConsumer* consumer);
int SetLitePullConsumerNameServerAddress(CLitePullConsumer* consumer, const char* namesrv);
int SetLitePullConsumerNameServerDomain(CLitePullConsumer* consumer, const char* domain);
int SetLitePullConsumerSessionCredentials(CLitePullConsumer* consumer,
                                          const char* accessKey,
                                          const char* secretKey,
                                          const char* channel);
int SetLitePullConsumerInstanceName(CLitePullConsumer* consumer, const char* instanceName);
int SetLitePullConsumerTls(CLitePullConsumer* consumer, int enabled, const char* caFile);
int SetLitePullConsumerTlsHostnameVerification(CLitePullConsumer* consumer, int enabled);
int SetLitePullConsumerPollNameServerInterval(CLitePullConsumer* consumer, int intervalMillis);
int SetLitePullConsumerConsumeFromWhere(CLitePullConsumer* consumer, int where, long long timestampMillis);
int SetLitePullConsumerAutoCommit(CLitePullConsumer* consumer, int enabled, long long intervalMillis);
int SetLitePullConsumerPullBatchSize(CLitePullConsumer* consumer, int batchSize);
int SetLitePullConsumerPullThresholds(CLitePullConsumer* consumer, int forQueue, int sizeForQueueMiB, long long forAll);
int LitePullConsumerSubscribe(CLitePullConsumer* consumer, const char* topic, const char* expression);
int LitePullConsumerAssign(CLitePullConsumer* consumer, const CMessageQueue* queues, int size);
int LitePullConsumerPoll(CLitePullConsumer* consumer, long long timeoutMillis, CLitePullBatch* batch);
int ReleaseLitePullBatch(CLitePullBatch* batch);
int LitePullConsumerCommit(CLitePullConsumer* consumer);
int LitePullConsumerCommitted(CLitePullConsumer* consumer, const CMessageQueue* queue, long long* offset);
int LitePullConsumerSeek(CLitePullConsumer* consumer, const CMessageQueue* queue, long long offset);
int LitePullConsumerSeekToBegin(CLitePullConsumer* consumer, const CMessageQueue* queue);
int LitePullConsumerSeekToEnd(CLitePullConsumer* consumer, const CMessageQueue* queue);
int LitePullConsumerPause(CLitePullConsumer* consumer, const CMessageQueue* queues, int size);
int LitePullConsumerResume(CLitePullConsumer* consumer, const CMessageQueue* queues, int size);
int LitePullConsumerAssignment(CLitePullConsumer* consumer, CMessageQueue** queues, int* size);
long long GetLitePullConsumerCachedMessageCount(CLitePullConsumer* consumer);
