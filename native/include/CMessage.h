/* An outgoing message: topic, tags, keys, body and user properties. */
#ifndef ROCKETMQ_CFFI_C_MESSAGE_H
#define ROCKETMQ_CFFI_C_MESSAGE_H

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CMessage CMessage;

ROCKETMQCLIENT_API CMessage* CreateMessage(const char* topic);
ROCKETMQCLIENT_API int DestroyMessage(CMessage* msg);
ROCKETMQCLIENT_API int SetMessageTopic(CMessage* msg, const char* topic);
ROCKETMQCLIENT_API int SetMessageTags(CMessage* msg, const char* tags);
ROCKETMQCLIENT_API int SetMessageKeys(CMessage* msg, const char* keys);
/* Body up to the first NUL byte; SetByteMessageBody takes an explicit length. */
ROCKETMQCLIENT_API int SetMessageBody(CMessage* msg, const char* body);
ROCKETMQCLIENT_API int SetByteMessageBody(CMessage* msg, const char* body, int len);
ROCKETMQCLIENT_API int SetMessageProperty(CMessage* msg, const char* key, const char* value);
ROCKETMQCLIENT_API int SetDelayTimeLevel(CMessage* msg, int level);
ROCKETMQCLIENT_API const char* GetOriginMessageTopic(CMessage* msg);
ROCKETMQCLIENT_API const char* GetOriginMessageTags(CMessage* msg);
ROCKETMQCLIENT_API const char* GetOriginMessageKeys(CMessage* msg);
ROCKETMQCLIENT_API const char* GetOriginMessageBody(CMessage* msg);
ROCKETMQCLIENT_API const char* GetOriginMessageProperty(CMessage* msg, const char* key);
ROCKETMQCLIENT_API int GetOriginDelayTimeLevel(CMessage* msg);

/* Extension: the full body length, so bodies holding NUL bytes can be read back. */
ROCKETMQCLIENT_API int GetOriginMessageBodyLength(CMessage* msg);

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_MESSAGE_H */
