/* Subscriptions with an expression type, as the Java client's MessageSelector:
   "TAG" (tags joined by "||", or "*") or "SQL92" (a selector over message
   properties, evaluated by brokers that have enablePropertyFilter on).
   Not part of rocketmq-client-cpp's API, whose Subscribe and Pull take tags. */
#ifndef ROCKETMQ_CFFI_C_SUBSCRIPTION_H
#define ROCKETMQ_CFFI_C_SUBSCRIPTION_H

#include "CCommon.h"
#include "CMessageQueue.h"
#include "CPullConsumer.h"
#include "CPullResult.h"
#include "CPushConsumer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Subscribe, with the expression's type; type NULL means "TAG". For SQL92,
   StartPushConsumer asks a broker of the topic to check the expression and
   fails with the broker's reason when it is refused (a syntax error, or
   property filtering off). An unknown type or an empty SQL92 expression is
   refused here. */
ROCKETMQCLIENT_API int SubscribeWithType(CPushConsumer* consumer,
                                         const char* topic,
                                         const char* expression,
                                         const char* type);

/* Pull, with the expression's type; type NULL means "TAG". The first pull of
   each (topic, SQL92 expression) has the broker check it first. */
ROCKETMQCLIENT_API CPullResult PullWithType(CPullConsumer* consumer,
                                            const CMessageQueue* mq,
                                            const char* expression,
                                            const char* type,
                                            long long offset,
                                            int maxNums);

/* The check PullWithType makes before its first pull of a SQL92 expression,
   on its own: OK when the broker of `mq` accepts it (or the type is TAG),
   PULLCONSUMER_FETCH_MESSAGE_FAILED with the broker's reason as the latest
   error message otherwise. */
ROCKETMQCLIENT_API int CheckPullSubscription(CPullConsumer* consumer,
                                             const CMessageQueue* mq,
                                             const char* expression,
                                             const char* type);

#ifdef __cplusplus
}
#endif

#endif /* ROCKETMQ_CFFI_C_SUBSCRIPTION_H */
