/* CMessageExt.h: a message as stored by the broker and delivered to consumers. */
typedef struct CMessageExt CMessageExt;

const char* GetMessageTopic(CMessageExt* msgExt);
const char* GetMessageTags(CMessageExt* msgExt);
const char* GetMessageKeys(CMessageExt* msgExt);
const char* GetMessageBody(CMessageExt* msgExt);
const char* GetMessageProperty(CMessageExt* msgExt, const char* key);
const char* GetMessageId(CMessageExt* msgExt);
int GetMessageDelayTimeLevel(CMessageExt* msgExt);
int GetMessageQueueId(CMessageExt* msgExt);
int GetMessageReconsumeTimes(CMessageExt* msgExt);
int GetMessageStoreSize(CMessageExt* msgExt);
long long GetMessageBornTimestamp(CMessageExt* msgExt);
long long GetMessageStoreTimestamp(CMessageExt* msgExt);
long long GetMessageQueueOffset(CMessageExt* msgExt);
long long GetMessageCommitLogOffset(CMessageExt* msgExt);
long long GetMessagePreparedTransactionOffset(CMessageExt* msgExt);

/* Our addition: the body may hold NUL bytes, so its length is asked for separately. */
int GetMessageBodyLength(CMessageExt* msgExt);
/* Our addition: property names, to read every property into a dict. */
int GetMessagePropertyCount(CMessageExt* msgExt);
const char* GetMessagePropertyName(CMessageExt* msgExt, int index);
