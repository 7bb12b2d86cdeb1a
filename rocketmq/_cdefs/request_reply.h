/* CRequestReply.h: requests that wait for a reply message. */
#define REQUEST_REPLY_TIMEOUT 19

typedef void (*CRequestReplyCallback)(CMessageExt* reply, void* userData);
typedef void (*CRequestFailureCallback)(CMQException error, void* userData);

int RequestMessage(CProducer* producer, CMessage* msg, long long timeoutMs, CMessageExt** reply);
int RequestMessageAsync(CProducer* producer, CMessage* msg, long long timeoutMs, CRequestReplyCallback onReply,
                        CRequestFailureCallback onFailure, void* userData);
int DestroyReplyMessage(CMessageExt* reply);
long long GetProducerLateReplyCount(CProducer* producer);

/* Implemented in Python (rocketmq/_request_reply.py); the core is handed
   the gated wrappers of request_reply_gates.h. */
extern "Python" void _rocketmq_on_reply(CMessageExt* reply, void* userData);
extern "Python" void _rocketmq_on_request_failure(CMQException error, void* userData);

void rocketmq_gated_on_reply(CMessageExt* reply, void* userData);
void rocketmq_gated_on_request_failure(CMQException error, void* userData);
