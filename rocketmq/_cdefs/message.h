/* CMessage.h: an outgoing message. */
typedef struct CMessage CMessage;

CMessage* CreateMessage(const char* topic);
int DestroyMessage(CMessage* msg);
int SetMessageTopic(CMessage* msg, const char* topic);
int SetMessageTags(CMessage* msg, const char* tags);
int SetMessageKeys(CMessage* msg, const char* keys);
int SetMessageBody(CMessage* msg, const char* body);
int SetByteMessageBody(CMessage* msg, const char* body, int len);
int SetMessageProperty(CMessage* msg, const char* key, const char* value);
int SetDelayTimeLevel(CMessage* msg, int level);
const char* GetOriginMessageTopic(CMessage* msg);
const char* GetOriginMessageTags(CMessage* msg);
const char* GetOriginMessageKeys(CMessage* msg);
const char* GetOriginMessageBody(CMessage* msg);
const char* GetOriginMessageProperty(CMessage* msg, const char* key);
int GetOriginDelayTimeLevel(CMessage* msg);

/* Our addition: the body may hold NUL bytes, so its length is asked for separately. */
int GetOriginMessageBodyLength(CMessage* msg);
