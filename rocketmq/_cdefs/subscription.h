/* CSubscription.h: subscriptions and pulls with an expression type (TAG or SQL92). */
int SubscribeWithType(CPushConsumer* consumer, const char* topic, const char* expression, const char* type);
CPullResult PullWithType(CPullConsumer* consumer, const CMessageQueue* mq, const char* expression,
                         const char* type, long long offset, int maxNums);
int CheckPullSubscription(CPullConsumer* consumer, const CMessageQueue* mq, const char* expression, const char* type);
