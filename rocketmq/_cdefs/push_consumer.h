/* CPushConsumer.h */
typedef struct CPushConsumer CPushConsumer;

typedef enum E_CConsumeStatus {
  E_CONSUME_SUCCESS = 0,
  E_RECONSUME_LATER = 1,
  E_CONSUME_LISTENER_RAISED = 2
} CConsumeStatus;
typedef int (*MessageCallBack)(CPushConsumer*, CMessageExt*);
int NoteConsumeListenerFailure(const char* description);

CPushConsumer* CreatePushConsumer(const char* groupId);
int DestroyPushConsumer(CPushConsumer* consumer);
int StartPushConsumer(CPushConsumer* consumer);
int ShutdownPushConsumer(CPushConsumer* consumer);
const char* ShowPushConsumerVersion(CPushConsumer* consumer);
int SetPushConsumerGroupID(CPushConsumer* consumer, const char* groupId);
const char* GetPushConsumerGroupID(CPushConsumer* consumer);
int SetPushConsumerNameServerAddress(CPushConsumer* consumer, const char* namesrv);
int SetPushConsumerNameServerDomain(CPushConsumer* consumer, const char* domain);
int Subscribe(CPushConsumer* consumer, const char* topic, const char* expression);
int RegisterMessageCallbackOrderly(CPushConsumer* consumer, MessageCallBack pCallback);
int RegisterMessageCallback(CPushConsumer* consumer, MessageCallBack pCallback);
int UnregisterMessageCallbackOrderly(CPushConsumer* consumer);
int UnregisterMessageCallback(CPushConsumer* consumer);
int SetPushConsumerThreadCount(CPushConsumer* consumer, int threadCount);
int SetPushConsumerMessageBatchMaxSize(CPushConsumer* consumer, int batchSize);
int SetPushConsumerInstanceName(CPushConsumer* consumer, const char* instanceName);
int SetPushConsumerSessionCredentials(CPushConsumer* consumer,
                                      const char* accessKey,
                                      const char* secretKey,
                                      const char* channel);
int SetPushConsumerLogPath(CPushConsumer* consumer, const char* logPath);
int SetPushConsumerLogFileNumAndSize(CPushConsumer* consumer, int fileNum, long fileSize);
int SetPushConsumerLogLevel(CPushConsumer* consumer, CLogLevel level);
int SetPushConsumerMessageModel(CPushConsumer* consumer, CMessageModel messageModel);
int SetPushConsumerMaxCacheMessageSize(CPushConsumer* consumer, int maxCacheSize);
int SetPushConsumerMaxCacheMessageSizeInMb(CPushConsumer* consumer, int maxCacheSizeInMb);
/* Our addition, for PushConsumer.stats(). */
int GetPushConsumerCachedMessageCount(CPushConsumer* consumer);
/* Our additions: the Java client's tuning. */
typedef enum _CConsumeFromWhere_ {
  E_CONSUME_FROM_LAST_OFFSET = 0,
  E_CONSUME_FROM_FIRST_OFFSET = 4,
  E_CONSUME_FROM_TIMESTAMP = 5
} CConsumeFromWhere;
int SetPushConsumerConsumeFromWhere(CPushConsumer* consumer, CConsumeFromWhere where, long long timestampMs);
int SetPushConsumerMaxReconsumeTimes(CPushConsumer* consumer, int maxReconsumeTimes);
int SetPushConsumerConsumeTimeout(CPushConsumer* consumer, long long timeoutMs);
int ResetPushConsumerOffsetByTimestamp(CPushConsumer* consumer, const char* topic, long long timestampMs);
int SetPushConsumerMessageTrace(CPushConsumer* consumer, CTraceModel openTrace);
