// CProducer.h: producer lifecycle and configuration. The send functions are
// in c_producer_send.cpp.
#include <new>

#include "CProducer.h"
#include "CRouting.h"
#include "CTls.h"
#include "capi/latest_error.h"
#include "capi/producer_handle.h"
#include "common/log.h"

using rmq::capi::guarded;
using rmq::capi::setLatestError;

namespace {

constexpr const char* kVersion = "rocketmq-cffi core 1.0.0 (librocketmq 2.2.0 C API)";

int nullPointer(const char* what) {
  setLatestError(std::string(what) + " is NULL");
  return NULL_POINTER;
}

CProducer* createProducer(const char* groupId, bool orderly) {
  if (groupId == nullptr) {
    setLatestError("group id is NULL");
    return nullptr;
  }
  try {
    CProducer* producer = new CProducer(groupId);
    producer->orderly = orderly;
    return producer;
  } catch (const std::exception& e) {
    setLatestError(e.what());
    return nullptr;
  }
}

// Applies a configuration change; bad values are reported with this status.
template <typename Body>
int configure(CProducer* producer, Body&& body) {
  if (producer == nullptr) return nullPointer("producer");
  return guarded(PRODUCER_ERROR_CODE_START, [&] {
    body();
    return OK;
  });
}

}  // namespace

CProducer* CreateProducer(const char* groupId) { return createProducer(groupId, false); }

CProducer* CreateOrderlyProducer(const char* groupId) { return createProducer(groupId, true); }

CProducer* CreateTransactionProducer(const char* groupId, CLocalTransactionCheckerCallback callback,
                                     void* userData) {
  if (callback == nullptr) {
    setLatestError("transaction checker callback is NULL");
    return nullptr;
  }
  CProducer* producer = createProducer(groupId, false);
  if (producer == nullptr) return nullptr;
  producer->checker = callback;
  producer->checkerData = userData;
  producer->producer.setTransactionChecker([producer](const rmq::MessageExt& msg) {
    CMessageExt wrapped(&msg);
    return static_cast<rmq::LocalTransactionState>(producer->checker(producer, &wrapped, producer->checkerData));
  });
  return producer;
}

int DestroyProducer(CProducer* producer) {
  if (producer == nullptr) return nullPointer("producer");
  // The handle is freed even if the shutdown reports a problem.
  const int status = guarded(PRODUCER_START_FAILED, [&] {
    producer->producer.shutdown();
    return OK;
  });
  delete producer;
  return status;
}

int StartProducer(CProducer* producer) {
  if (producer == nullptr) return nullPointer("producer");
  return guarded(PRODUCER_START_FAILED, [&] {
    producer->producer.start();
    return OK;
  });
}

int ShutdownProducer(CProducer* producer) {
  if (producer == nullptr) return nullPointer("producer");
  return guarded(PRODUCER_START_FAILED, [&] {
    producer->producer.shutdown();
    return OK;
  });
}

const char* ShowProducerVersion(CProducer* /*producer*/) { return kVersion; }

int SetProducerNameServerAddress(CProducer* producer, const char* namesrv) {
  if (namesrv == nullptr) return nullPointer("name server address");
  return configure(producer, [&] { producer->producer.setNamesrvAddr(namesrv); });
}

int SetProducerNameServerDomain(CProducer* producer, const char* domain) {
  if (domain == nullptr) return nullPointer("name server domain");
  return configure(producer, [&] { producer->producer.setNamesrvDomain(domain); });
}

int SetProducerGroupName(CProducer* producer, const char* groupName) {
  if (groupName == nullptr) return nullPointer("group name");
  return configure(producer, [&] { producer->producer.setGroupName(groupName); });
}

int SetProducerInstanceName(CProducer* producer, const char* instanceName) {
  if (instanceName == nullptr) return nullPointer("instance name");
  return configure(producer, [&] { producer->producer.setInstanceName(instanceName); });
}

int SetProducerSessionCredentials(CProducer* producer, const char* accessKey, const char* secretKey,
                                  const char* onsChannel) {
  if (accessKey == nullptr || secretKey == nullptr || onsChannel == nullptr) {
    return nullPointer("access key, secret key or channel");
  }
  return configure(producer, [&] { producer->producer.setCredentials(accessKey, secretKey, onsChannel); });
}

// Logging is process wide, as in librocketmq; the last producer or consumer
// to configure it wins.
int SetProducerLogPath(CProducer* producer, const char* logPath) {
  if (logPath == nullptr) return nullPointer("log path");
  return configure(producer, [&] { rmq::setLogDirectory(logPath); });
}

// fileSize is in MiB, as librocketmq's setLogFileNumAndSize took it.
int SetProducerLogFileNumAndSize(CProducer* producer, int fileNum, long fileSize) {
  return configure(producer, [&] { rmq::capi::configureLogRotation(fileNum, fileSize); });
}

int SetProducerLogLevel(CProducer* producer, CLogLevel level) {
  return configure(producer, [&] { rmq::capi::configureLogLevel(level); });
}

int SetProducerTls(CProducer* producer, int enabled, const char* caFile) {
  return configure(producer, [&] {
    rmq::TlsOptions options = producer->producer.config().tls;
    options.enabled = enabled != 0;
    options.caFile = caFile == nullptr ? std::string() : std::string(caFile);
    producer->producer.setTls(options);
  });
}

int SetProducerTlsHostnameVerification(CProducer* producer, int enabled) {
  return configure(producer, [&] {
    rmq::TlsOptions options = producer->producer.config().tls;
    options.verifyHostname = enabled != 0;
    producer->producer.setTls(options);
  });
}

int SetProducerSendLatencyFaultEnable(CProducer* producer, int enabled) {
  return configure(producer, [&] { producer->producer.setSendLatencyFaultEnable(enabled != 0); });
}

int SetProducerPollNameServerInterval(CProducer* producer, int intervalMillis) {
  return configure(producer, [&] { producer->producer.setPollNameServerIntervalMs(intervalMillis); });
}

int SetProducerSendMsgTimeout(CProducer* producer, int timeout) {
  return configure(producer, [&] { producer->producer.setSendTimeoutMs(timeout); });
}

int SetProducerCompressLevel(CProducer* producer, int level) {
  return configure(producer, [&] { producer->producer.setCompressLevel(level); });
}

int SetProducerMaxMessageSize(CProducer* producer, int size) {
  return configure(producer, [&] {
    if (size <= 0) throw rmq::MQException(rmq::ErrorKind::kIllegalArgument, "max message size must be positive");
    producer->producer.setMaxMessageSize(static_cast<size_t>(size));
  });
}

int SetProducerMessageTrace(CProducer* producer, CTraceModel openTrace) {
  return configure(producer, [&] { producer->producer.setTraceEnabled(openTrace == OPEN); });
}
