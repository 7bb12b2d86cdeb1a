/* Read-only administration queries: topic routes, the brokers of a cluster,
   queue and consumer group offsets. Not part of rocketmq-client-cpp's API
   (the Java client has them in MQAdminExt).

   An admin client talks to the name servers and brokers the way producers
   and consumers do: the same name server fail-over, ACL signing and TLS,
   set the same way. Every int-returning function returns OK, NULL_POINTER
   or one of the CAdminStatus codes; on failure GetLatestErrorMessage()
   explains why. The queries may be called from several threads at once. */
#ifndef ROCKETMQ_CFFI_C_ADMIN_H
#define ROCKETMQ_CFFI_C_ADMIN_H

#include "CCommon.h"
#include "CMessageExt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CAdminClient CAdminClient;

typedef enum _CAdminStatus_ {
  ADMIN_ERROR_CODE_START = 40,
  ADMIN_START_FAILED = 40,
  /* Anything else that went wrong: no name server or broker answered, a
     timeout, a request refused (an ACL rejection among them), bad input. */
  ADMIN_QUERY_FAILED = 41,
  /* The name servers know no route for the topic (TOPIC_NOT_EXIST). */
  ADMIN_TOPIC_NOT_EXIST = 42,
  /* A message lookup matched nothing (ResponseCode.NO_MESSAGE). */
  ADMIN_MESSAGE_NOT_FOUND = 43
} CAdminStatus;

/* name: this client's instance name (part of its client id), or NULL. */
ROCKETMQCLIENT_API CAdminClient* CreateAdminClient(const char* name);
/* Shuts a started client down first. */
ROCKETMQCLIENT_API int DestroyAdminClient(CAdminClient* admin);

/* Before start, as for producers: "host:port;host:port", or a domain whose
   lookup service lists them. */
ROCKETMQCLIENT_API int SetAdminClientNameServerAddress(CAdminClient* admin, const char* namesrv);
ROCKETMQCLIENT_API int SetAdminClientNameServerDomain(CAdminClient* admin, const char* domain);
/* ACL: requests are signed with these (an empty or NULL accessKey: not
   signed); channel NULL or empty keeps the default, "ALIYUN". */
ROCKETMQCLIENT_API int SetAdminClientSessionCredentials(CAdminClient* admin, const char* accessKey,
                                                        const char* secretKey, const char* channel);
/* As SetProducerTls / SetProducerTlsHostnameVerification (CTls.h). */
ROCKETMQCLIENT_API int SetAdminClientTls(CAdminClient* admin, int enabled, const char* caFile);
ROCKETMQCLIENT_API int SetAdminClientTlsHostnameVerification(CAdminClient* admin, int enabled);
/* How long each query may take, in milliseconds (default 3000). Any time. */
ROCKETMQCLIENT_API int SetAdminClientTimeout(CAdminClient* admin, int timeoutMillis);

ROCKETMQCLIENT_API int StartAdminClient(CAdminClient* admin);
/* Idempotent; queries fail afterwards. */
ROCKETMQCLIENT_API int ShutdownAdminClient(CAdminClient* admin);

/* The queries below hand back NUL-terminated JSON text in *json (NULL on
   failure), allocated with malloc: release it with ReleaseAdminString. */

/* The topic's route as the name servers tell it now:
   {"topic": "...", "orderTopicConf": "...",
    "queueDatas": [{"brokerName", "readQueueNums", "writeQueueNums", "perm", "topicSysFlag"}],
    "brokerDatas": [{"cluster", "brokerName", "brokerAddrs": {"0": "ip:port", "1": ...}}]}
   brokerAddrs is keyed by broker id, 0 being the master. An unknown topic
   is ADMIN_TOPIC_NOT_EXIST. */
ROCKETMQCLIENT_API int GetTopicRouteJson(CAdminClient* admin, const char* topic, char** json);
/* The name server's ClusterInfo:
   {"brokerAddrTable": {"<broker name>": {"cluster", "brokerName", "brokerAddrs": {"0": ...}}},
    "clusterAddrTable": {"<cluster>": ["<broker name>", ...]}} */
ROCKETMQCLIENT_API int GetClusterInfoJson(CAdminClient* admin, char** json);
/* What the broker at brokerAddr ("ip:port") says about itself: one object of
   strings, e.g. "brokerVersionDesc": "V4_9_8", "brokerVersion": "409",
   "msgPutTotalTodayNow", "msgGetTotalTodayNow". */
ROCKETMQCLIENT_API int GetBrokerRuntimeInfoJson(CAdminClient* admin, const char* brokerAddr, char** json);
ROCKETMQCLIENT_API int ReleaseAdminString(char* json);

/* The offset the next message of a queue will get (the master's, or a
   slave's when the master does not answer). */
ROCKETMQCLIENT_API int GetMaxOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId,
                                    long long* offset);
/* The offset a consumer group committed for a queue; -1 when it committed none. */
ROCKETMQCLIENT_API int QueryConsumerOffset(CAdminClient* admin, const char* group, const char* topic,
                                           const char* brokerName, int queueId, long long* offset);

/* The oldest offset a queue still holds. */
ROCKETMQCLIENT_API int GetMinOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId,
                                    long long* offset);
/* The first offset of a queue stored at or after timestampMs. */
ROCKETMQCLIENT_API int SearchOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId,
                                    long long timestampMs, long long* offset);
/* The store time (ms) of the oldest message a queue holds; -1 when it holds none. */
ROCKETMQCLIENT_API int GetEarliestMsgStoreTime(CAdminClient* admin, const char* topic, const char* brokerName,
                                               int queueId, long long* timestampMs);

/* One stored message by id (MQAdmin.viewMessage): an offset message id (the
   broker's, 32 or 56 hex characters) is read from the broker it names; with
   a topic (NULL or "" for none), a producer's message id (UNIQ_KEY) is looked
   up by unique key among the topic's brokers. Nothing found is
   ADMIN_MESSAGE_NOT_FOUND. *message is released with ReleaseAdminMessage. */
ROCKETMQCLIENT_API int ViewMessage(CAdminClient* admin, const char* topic, const char* msgId, CMessageExt** message);
ROCKETMQCLIENT_API int ReleaseAdminMessage(CMessageExt* message);
/* The messages of topic whose KEYS hold key, stored between beginMs and endMs
   (both included), at most maxNum from each broker (the newest ones; a
   broker answers 64 at most). *messages is an array of *count messages,
   released with ReleaseAdminMessages; nothing found is
   ADMIN_MESSAGE_NOT_FOUND. */
ROCKETMQCLIENT_API int QueryMessage(CAdminClient* admin, const char* topic, const char* key, long long beginMs,
                                    long long endMs, int maxNum, CMessageExt*** messages, int* count);
ROCKETMQCLIENT_API int ReleaseAdminMessages(CMessageExt** messages, int count);

/* The client ids of group's consumers, as a broker of topic knows them (topic
   NULL or "": the group's retry topic): a JSON array of strings. */
ROCKETMQCLIENT_API int GetConsumerIdListJson(CAdminClient* admin, const char* group, const char* topic, char** json);
/* Has the consumer clientId of group consume the stored message msgId (found
   as ViewMessage finds it) through its listener now, without moving any
   offset (MQAdminExt.consumeMessageDirectly). The answer is the consumer's
   ConsumeMessageDirectlyResult: {"order", "autoCommit", "consumeResult"
   ("CR_SUCCESS", "CR_LATER", "CR_THROW_EXCEPTION", ...), "remark",
   "spentTimeMills"}. A consumer that is not online fails with the broker's
   remark. */
ROCKETMQCLIENT_API int ConsumeMessageDirectlyJson(CAdminClient* admin, const char* group, const char* clientId,
                                                  const char* msgId, const char* topic, char** json);

#ifdef __cplusplus
}
#endif
#endif
