/* CRouting.h: fault tolerance and route polling over a cluster. */
int SetProducerSendLatencyFaultEnable(CProducer* producer, int enabled);
int SetProducerPollNameServerInterval(CProducer* producer, int intervalMillis);
int SetPushConsumerPollNameServerInterval(CPushConsumer* consumer, int intervalMillis);
int SetPullConsumerPollNameServerInterval(CPullConsumer* consumer, int intervalMillis);
