/* CAdmin.h: read-only administration queries answered as JSON text. */
typedef struct CAdminClient CAdminClient;

typedef enum _CAdminStatus_ {
  ADMIN_ERROR_CODE_START = 40,
  ADMIN_START_FAILED = 40,
  ADMIN_QUERY_FAILED = 41,
  ADMIN_TOPIC_NOT_EXIST = 42,
  ADMIN_MESSAGE_NOT_FOUND = 43
} CAdminStatus;

CAdminClient* CreateAdminClient(const char* name);
int DestroyAdminClient(CAdminClient* admin);
int SetAdminClientNameServerAddress(CAdminClient* admin, const char* namesrv);
int SetAdminClientNameServerDomain(CAdminClient* admin, const char* domain);
int SetAdminClientSessionCredentials(CAdminClient* admin, const char* accessKey, const char* secretKey,
                                     const char* channel);
int SetAdminClientTls(CAdminClient* admin, int enabled, const char* caFile);
int SetAdminClientTlsHostnameVerification(CAdminClient* admin, int enabled);
int SetAdminClientTimeout(CAdminClient* admin, int timeoutMillis);
int StartAdminClient(CAdminClient* admin);
int ShutdownAdminClient(CAdminClient* admin);
int GetTopicRouteJson(CAdminClient* admin, const char* topic, char** json);
int GetClusterInfoJson(CAdminClient* admin, char** json);
int GetBrokerRuntimeInfoJson(CAdminClient* admin, const char* brokerAddr, char** json);
int ReleaseAdminString(char* json);
int GetMaxOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId, long long* offset);
int QueryConsumerOffset(CAdminClient* admin, const char* group, const char* topic, const char* brokerName,
                        int queueId, long long* offset);
int GetMinOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId, long long* offset);
int SearchOffset(CAdminClient* admin, const char* topic, const char* brokerName, int queueId, long long timestampMs,
                 long long* offset);
int GetEarliestMsgStoreTime(CAdminClient* admin, const char* topic, const char* brokerName, int queueId,
                            long long* timestampMs);
int ViewMessage(CAdminClient* admin, const char* topic, const char* msgId, CMessageExt** message);
int ReleaseAdminMessage(CMessageExt* message);
int QueryMessage(CAdminClient* admin, const char* topic, const char* key, long long beginMs, long long endMs,
                 int maxNum, CMessageExt*** messages, int* count);
int ReleaseAdminMessages(CMessageExt** messages, int count);
int GetConsumerIdListJson(CAdminClient* admin, const char* group, const char* topic, char** json);
int ConsumeMessageDirectlyJson(CAdminClient* admin, const char* group, const char* clientId, const char* msgId,
                               const char* topic, char** json);
