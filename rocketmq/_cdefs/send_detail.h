/* CSendDetail.h: a synchronous send that also reports the queue. */
typedef struct _CSendResultDetail_ {
  CSendStatus sendStatus;
  char msgId[MAX_MESSAGE_ID_LENGTH];
  char offsetMsgId[MAX_MESSAGE_ID_LENGTH];
  long long offset;
  CMessageQueue queue;
} CSendResultDetail;

int SendMessageSyncDetailed(CProducer* producer, CMessage* msg, CSendResultDetail* result);
