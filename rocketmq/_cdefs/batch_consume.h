/* CBatchConsume.h: push consumer callbacks that take a burst of messages. */
typedef int (*MessageBatchCallBack)(CPushConsumer* consumer, CMessageExt** msgs, int count, int stopAtFailure,
                                    CConsumeStatus* statuses);
int RegisterMessageBatchCallback(CPushConsumer* consumer, MessageBatchCallBack callback, int orderly);
