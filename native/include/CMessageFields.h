/* Outgoing messages made, and freed, in one call. Not part of
   rocketmq-client-cpp's API. */
#ifndef ROCKETMQ_CFFI_C_MESSAGE_FIELDS_H
#define ROCKETMQ_CFFI_C_MESSAGE_FIELDS_H

#include "CCommon.h"
#include "CMessage.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CreateMessage followed by SetMessageTags, SetMessageKeys and
   SetByteMessageBody, for bindings where each call into the library costs
   more than the work it does. `tags` and `keys` may be NULL (left unset);
   `body` may be NULL when `bodyLength` is 0 (no body). Returns NULL, with
   GetLatestErrorMessage() saying why, for a negative length, a NULL body of
   non-zero length, or no memory. Free the message with DestroyMessage. */
ROCKETMQCLIENT_API CMessage* CreateMessageWithFields(const char* topic,
                                                     const char* tags,
                                                     const char* keys,
                                                     const char* body,
                                                     int bodyLength);

/* DestroyMessage for each of the `count` messages of `msgs` (NULL entries
   are skipped): for bindings that free messages in batches. Returns
   NULL_POINTER when `msgs` is NULL and `count` positive or `count` is
   negative, OK otherwise. */
ROCKETMQCLIENT_API int DestroyMessages(CMessage** msgs, int count);

#ifdef __cplusplus
}
#endif
#endif
