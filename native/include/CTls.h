/* TLS to brokers and name servers. Not part of rocketmq-client-cpp's API.
   The library loads the system's OpenSSL (libssl.so.3 or libssl.so.1.1) only
   when a client with TLS on makes its first connection. */
#ifndef ROCKETMQ_CFFI_C_TLS_H
#define ROCKETMQ_CFFI_C_TLS_H

#include "CCommon.h"
#include "CProducer.h"
#include "CPullConsumer.h"
#include "CPushConsumer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* enabled: 1 for TLS, 0 for plain TCP (the default). caFile: a PEM bundle
   the brokers' certificates must verify against, or NULL to encrypt without
   authenticating the server (the Java client's default). Before start. */
ROCKETMQCLIENT_API int SetProducerTls(CProducer* producer, int enabled, const char* caFile);
ROCKETMQCLIENT_API int SetPushConsumerTls(CPushConsumer* consumer, int enabled, const char* caFile);
ROCKETMQCLIENT_API int SetPullConsumerTls(CPullConsumer* consumer, int enabled, const char* caFile);

#ifdef __cplusplus
}
#endif
#endif
