/* A message as stored by the broker, handed to consumers and transaction checkers.
   Returned strings stay valid as long as the message itself. */
#ifndef ROCKETMQ_CFFI_C_MESSAGE_EXT_H
#define ROCKETMQ_CFFI_C_MESSAGE_EXT_H

#include "CCommon.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct CMessageExt CMessageExt;

ROCKETMQCLIENT_API const char* GetMessageTopic(CMessageExt* msgExt);
ROCKETMQCLIENT_API const char* GetMessageTags(CMessageExt* msgExt);
ROCKETMQCLIENT_API const char* GetMessageKeys(CMessageExt* msgExt);
ROCKETMQCLIENT_API const char* GetMessageBody(CMessageExt* msgExt);
ROCKETMQCLIENT_API const char* GetMessageProperty(CMessageExt* msgExt, const char* key);
ROCKETMQCLIENT_API const char* GetMessageId(CMessageExt* msgExt);
ROCKETMQCLIENT_API int GetMessageDelayTimeLevel(CMessageExt* msgExt);
ROCKETMQCLIENT_API int GetMessageQueueId(CMessageExt* msgExt);
ROCKETMQCLIENT_API int GetMessageReconsumeTimes(CMessageExt* msgExt);
ROCKETMQCLIENT_API int GetMessageStoreSize(CMessageExt* msgExt);
ROCKETMQCLIENT_API long long GetMessageBornTimestamp(CMessageExt* msgExt);
ROCKETMQCLIENT_API long long GetMessageStoreTimestamp(CMessageExt* msgExt);
ROCKETMQCLIENT_API long long GetMessageQueueOffset(CMessageExt* msgExt);
ROCKETMQCLIENT_API long long GetMessageCommitLogOffset(CMessageExt* msgExt);
ROCKETMQCLIENT_API long long GetMessagePreparedTransactionOffset(CMessageExt* msgExt);

/* Extension: the full body length, so bodies holding NUL bytes can be read back. */
ROCKETMQCLIENT_API int GetMessageBodyLength(CMessageExt* msgExt);
/* Extension: enumerate the properties; names come in sorted order, each
   value is read with GetMessageProperty. NULL for an index out of range. */
ROCKETMQCLIENT_API int GetMessagePropertyCount(CMessageExt* msgExt);
ROCKETMQCLIENT_API const char* GetMessagePropertyName(CMessageExt* msgExt, int index);

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_MESSAGE_EXT_H */
