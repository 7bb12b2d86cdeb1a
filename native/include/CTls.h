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
   the servers' certificates must verify against, or NULL to encrypt without
   authenticating the server (the Java client's default). With a caFile the
   certificate must also name the host of the address connected to (see
   below). Server Name Indication is sent for DNS names, never for IP
   literals. Before start. */
ROCKETMQCLIENT_API int SetProducerTls(CProducer* producer, int enabled, const char* caFile);
ROCKETMQCLIENT_API int SetPushConsumerTls(CPushConsumer* consumer, int enabled, const char* caFile);
ROCKETMQCLIENT_API int SetPullConsumerTls(CPullConsumer* consumer, int enabled, const char* caFile);

/* Whether a server's certificate, once verified against the caFile, must
   also name the host of the address connected to: a DNS name against the
   certificate's DNS names (wildcards only as a whole left-most label), an
   IPv4 or IPv6 literal against its IP addresses. enabled: 1 (the default)
   checks; 0 skips the check, as the Java client does (its TlsHelper checks
   no names). Without a caFile nothing is verified and this has no effect.
   A mismatch fails the connection with "certificate verify failed: hostname
   mismatch" or "... IP address mismatch". Before start; independent of
   the Set...Tls calls above. */
ROCKETMQCLIENT_API int SetProducerTlsHostnameVerification(CProducer* producer, int enabled);
ROCKETMQCLIENT_API int SetPushConsumerTlsHostnameVerification(CPushConsumer* consumer, int enabled);
ROCKETMQCLIENT_API int SetPullConsumerTlsHostnameVerification(CPullConsumer* consumer, int enabled);

#ifdef __cplusplus
}
#endif
#endif
