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
  ADMIN_TOPIC_NOT_EXIST = 42
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

#ifdef __cplusplus
}
#endif
#endif
