/* CProducer.h */
typedef struct CProducer CProducer;

typedef int (*QueueSelectorCallback)(int size, CMessage* msg, void* arg);
typedef void (*CSendSuccessCallback)(CSendResult result);
typedef void (*CSendExceptionCallback)(CMQException e);
typedef void (*COnSendSuccessCallback)(CSendResult result, CMessage* msg, void* userData);
typedef void (*COnSendExceptionCallback)(CMQException e, CMessage* msg, void* userData);
typedef CTransactionStatus (*CLocalTransactionCheckerCallback)(CProducer* producer, CMessageExt* msg, void* data);
typedef CTransactionStatus (*CLocalTransactionExecutorCallback)(CProducer* producer, CMessage* msg, void* data);

CProducer* CreateProducer(const char* groupId);
CProducer* CreateOrderlyProducer(const char* groupId);
CProducer* CreateTransactionProducer(const char* groupId,
                                     CLocalTransactionCheckerCallback callback,
                                     void* userData);
int DestroyProducer(CProducer* producer);
int StartProducer(CProducer* producer);
int ShutdownProducer(CProducer* producer);
const char* ShowProducerVersion(CProducer* producer);
int SetProducerNameServerAddress(CProducer* producer, const char* namesrv);
int SetProducerNameServerDomain(CProducer* producer, const char* domain);
int SetProducerGroupName(CProducer* producer, const char* groupName);
int SetProducerInstanceName(CProducer* producer, const char* instanceName);
int SetProducerSessionCredentials(CProducer* producer,
                                  const char* accessKey,
                                  const char* secretKey,
                                  const char* onsChannel);
int SetProducerLogPath(CProducer* producer, const char* logPath);
int SetProducerLogFileNumAndSize(CProducer* producer, int fileNum, long fileSize);
int SetProducerLogLevel(CProducer* producer, CLogLevel level);
int SetProducerSendMsgTimeout(CProducer* producer, int timeout);
int SetProducerCompressLevel(CProducer* producer, int level);
int SetProducerMaxMessageSize(CProducer* producer, int size);
int SetProducerMessageTrace(CProducer* consumer, CTraceModel openTrace);
int SendMessageSync(CProducer* producer, CMessage* msg, CSendResult* result);
int SendBatchMessage(CProducer* producer, CBatchMessage* msg, CSendResult* result);
int SendMessageAsync(CProducer* producer,
                     CMessage* msg,
                     CSendSuccessCallback cSendSuccessCallback,
                     CSendExceptionCallback cSendExceptionCallback);
int SendAsync(CProducer* producer,
              CMessage* msg,
              COnSendSuccessCallback cSendSuccessCallback,
              COnSendExceptionCallback cSendExceptionCallback,
              void* userData);
int SendMessageOneway(CProducer* producer, CMessage* msg);
int SendMessageOnewayOrderly(CProducer* producer, CMessage* msg, QueueSelectorCallback selector, void* arg);
int SendMessageOrderly(CProducer* producer,
                       CMessage* msg,
                       QueueSelectorCallback callback,
                       void* arg,
                       int autoRetryTimes,
                       CSendResult* result);
int SendMessageOrderlyAsync(CProducer* producer,
                            CMessage* msg,
                            QueueSelectorCallback callback,
                            void* arg,
                            CSendSuccessCallback cSendSuccessCallback,
                            CSendExceptionCallback cSendExceptionCallback);
int SendMessageOrderlyByShardingKey(CProducer* producer,
                                    CMessage* msg,
                                    const char* shardingKey,
                                    CSendResult* result);
int SendMessageTransaction(CProducer* producer,
                           CMessage* msg,
                           CLocalTransactionExecutorCallback callback,
                           void* userData,
                           CSendResult* result);
