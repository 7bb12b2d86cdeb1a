// CLogging.h: the process-wide log, configured directly.
#include "CLogging.h"

#include <string>

#include "capi/latest_error.h"
#include "common/log.h"

namespace rmq {
namespace capi {

void configureLogRotation(int fileNum, long fileSizeMiB) {
  if (fileNum <= 0 || fileSizeMiB <= 0) {
    throw MQException(ErrorKind::kIllegalArgument, "log file count and size must be positive");
  }
  setLogRotation(fileNum, int64_t{fileSizeMiB} * 1024 * 1024);
}

void configureLogLevel(int level) {
  if (level < E_LOG_LEVEL_FATAL || level > E_LOG_LEVEL_TRACE) {
    throw MQException(ErrorKind::kIllegalArgument, "log level must be between 1 and 6");
  }
  setLogLevel(static_cast<LogLevel>(level));
}

}  // namespace capi
}  // namespace rmq

int SetRocketMQLogDirectory(const char* directory) {
  rmq::setLogDirectory(directory == nullptr ? std::string() : std::string(directory));
  return OK;
}

int SetRocketMQLogLevel(int level) {
  if (level < ROCKETMQ_LOG_OFF || level > E_LOG_LEVEL_TRACE) {
    rmq::capi::setLatestError("log level must be 0 (off) to 6 (trace), not " + std::to_string(level));
    return Not_Support;
  }
  rmq::setLogLevel(static_cast<rmq::LogLevel>(level));
  return OK;
}

int SetRocketMQLogRotation(int fileNum, long long fileSizeBytes) {
  if (fileNum <= 0 || fileSizeBytes <= 0) {
    rmq::capi::setLatestError("log file count and size must be positive");
    return Not_Support;
  }
  rmq::setLogRotation(fileNum, fileSizeBytes);
  return OK;
}

const char* GetRocketMQLogFilePath(void) {
  thread_local std::string path;
  path = rmq::logFilePath();
  return path.c_str();
}

int SetRocketMQLogHandler(RocketMQLogHandler handler, void* context) {
  rmq::setLogHandler(handler, context);
  return OK;
}
