/* Routing over a cluster of brokers. Not part of rocketmq-client-cpp's API. */
#ifndef ROCKETMQ_CFFI_C_ROUTING_H
#define ROCKETMQ_CFFI_C_ROUTING_H

#include "CCommon.h"
#include "CProducer.h"
#include "CPullConsumer.h"
#include "CPushConsumer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Latency fault tolerance (the Java client's sendLatencyFaultEnable): a
   broker whose send failed is avoided by later sends, and one that was slow
   is avoided for a time growing with its latency; an avoided broker that
   failed is probed every 3 s and used again once it answers. enabled: 1 (the
   default here; the Java client's default is off) or 0. Any time. */
ROCKETMQCLIENT_API int SetProducerSendLatencyFaultEnable(CProducer* producer, int enabled);

/* How often topic routes are fetched from the name server, in milliseconds
   (pollNameServerInterval, default 30000): a master that joins the cluster
   gets traffic, and one that left loses it, within one interval. Before start. */
ROCKETMQCLIENT_API int SetProducerPollNameServerInterval(CProducer* producer, int intervalMillis);
ROCKETMQCLIENT_API int SetPushConsumerPollNameServerInterval(CPushConsumer* consumer, int intervalMillis);
ROCKETMQCLIENT_API int SetPullConsumerPollNameServerInterval(CPullConsumer* consumer, int intervalMillis);

#ifdef __cplusplus
}
#endif
#endif
