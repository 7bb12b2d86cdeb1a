/* CPullResult.h and CPullConsumer.h (CMessageQueue comes from send_result.h) */
typedef enum E_CPullStatus {
  E_FOUND,
  E_NO_NEW_MSG,
  E_NO_MATCHED_MSG,
  E_OFFSET_ILLEGAL,
  E_BROKER_TIMEOUT
} CPullStatus;

typedef struct _CPullResult_ {
  CPullStatus pullStatus;
  long long nextBeginOffset;
  long long minOffset;
  long long maxOffset;
  CMessageExt** msgFoundList;
  int size;
  void* pData;
} CPullResult;

typedef struct CPullConsumer CPullConsumer;

CPullConsumer* CreatePullConsumer(const char* groupId);
int DestroyPullConsumer(CPullConsumer* consumer);
int StartPullConsumer(CPullConsumer* consumer);
int ShutdownPullConsumer(CPullConsumer* consumer);
const char* ShowPullConsumerVersion(CPullConsumer* consumer);
int SetPullConsumerGroupID(CPullConsumer* consumer, const char* groupId);
const char* GetPullConsumerGroupID(CPullConsumer* consumer);
int SetPullConsumerNameServerAddress(CPullConsumer* consumer, const char* namesrv);
int SetPullConsumerNameServerDomain(CPullConsumer* consumer, const char* domain);
int SetPullConsumerSessionCredentials(CPullConsumer* consumer,
                                      const char* accessKey,
                                      const char* secretKey,
                                      const char* channel);
int SetPullConsumerLogPath(CPullConsumer* consumer, const char* logPath);
int SetPullConsumerLogFileNumAndSize(CPullConsumer* consumer, int fileNum, long fileSize);
int SetPullConsumerLogLevel(CPullConsumer* consumer, CLogLevel level);
int FetchSubscriptionMessageQueues(CPullConsumer* consumer, const char* topic, CMessageQueue** mqs, int* size);
int ReleaseSubscriptionMessageQueue(CMessageQueue* mqs);
CPullResult Pull(CPullConsumer* consumer, const CMessageQueue* mq, const char* subExpression, long long offset,
                 int maxNums);
int ReleasePullResult(CPullResult pullResult);
