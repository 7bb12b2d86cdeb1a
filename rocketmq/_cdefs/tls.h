/* CTls.h: TLS to brokers and name servers. */
int SetProducerTls(CProducer* producer, int enabled, const char* caFile);
int SetPushConsumerTls(CPushConsumer* consumer, int enabled, const char* caFile);
int SetPullConsumerTls(CPullConsumer* consumer, int enabled, const char* caFile);
int SetProducerTlsHostnameVerification(CProducer* producer, int enabled);
int SetPushConsumerTlsHostnameVerification(CPushConsumer* consumer, int enabled);
int SetPullConsumerTlsHostnameVerification(CPullConsumer* consumer, int enabled);
