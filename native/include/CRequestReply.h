/* Request-reply messaging, as the Java client's DefaultMQProducer.request:
   a request message goes out marked with a correlation id and this client's
   id, a responder answers it with a reply message (topic
   "<cluster>_REPLY_TOPIC", properties CORRELATION_ID, REPLY_TO_CLIENT, TTL
   copied from the request and MSG_TYPE "reply") sent by any producer, and
   the broker pushes that reply back to this client.
   Not part of rocketmq-client-cpp's API. */
#ifndef ROCKETMQ_CFFI_C_REQUEST_REPLY_H
#define ROCKETMQ_CFFI_C_REQUEST_REPLY_H

#include "CCommon.h"
#include "CMQException.h"
#include "CMessage.h"
#include "CMessageExt.h"
#include "CProducer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Status (and CMQException.error) of a request that was sent but got no
   reply within its timeout. */
#define REQUEST_REPLY_TIMEOUT 19

/* The reply; it is only valid during the call. */
typedef void (*CRequestReplyCallback)(CMessageExt* reply, void* userData);
/* No reply: error.error is REQUEST_REPLY_TIMEOUT after a timeout, another
   code when the request could not be sent or the producer shut down. */
typedef void (*CRequestFailureCallback)(CMQException error, void* userData);

/* Sends `msg` as a request and waits up to `timeoutMs` (> 0) for its reply.
   OK: *reply is set and must be released with DestroyReplyMessage.
   REQUEST_REPLY_TIMEOUT: no reply came in time. PRODUCER_SEND_SYNC_FAILED:
   the request could not be sent (see GetLatestErrorMessage). `msg` itself is
   not changed. */
ROCKETMQCLIENT_API int RequestMessage(CProducer* producer, CMessage* msg, long long timeoutMs,
                                      CMessageExt** reply);
/* As RequestMessage without waiting: exactly one of the callbacks runs once,
   on a client thread, unless this returns an error status (then neither
   does). Either callback may be NULL. */
ROCKETMQCLIENT_API int RequestMessageAsync(CProducer* producer, CMessage* msg, long long timeoutMs,
                                           CRequestReplyCallback onReply, CRequestFailureCallback onFailure,
                                           void* userData);
ROCKETMQCLIENT_API int DestroyReplyMessage(CMessageExt* reply);
/* Replies that came after their request had timed out, dropped since the
   producer was created; -1 for a NULL producer. */
ROCKETMQCLIENT_API long long GetProducerLateReplyCount(CProducer* producer);

#ifdef __cplusplus
}
#endif
#endif
