// Minimal leveled logging for the core. Messages at or below the configured
// level go to the log sink (stderr by default, a rotating file when a log
// path is configured). Levels match CLogLevel's numbering.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>

namespace rmq {

enum class LogLevel : int { kFatal = 1, kError = 2, kWarn = 3, kInfo = 4, kDebug = 5, kTrace = 6 };

void setLogLevel(LogLevel level);
bool logEnabled(LogLevel level);
// Directs output to files under `dir` (rocketmq-client.log, rotated at
// `fileSize` bytes keeping `fileCount` files). An empty dir means stderr.
void setLogFile(const std::string& dir, int fileCount, int64_t fileSize);
void logWrite(LogLevel level, const char* file, int line, const std::string& message);

}  // namespace rmq

// Usage: RMQ_LOG(kWarn, "broker " << addr << " closed");
#define RMQ_LOG(level, expr)                                             \
  do {                                                                   \
    if (::rmq::logEnabled(::rmq::LogLevel::level)) {                     \
      std::ostringstream rmq_log_stream_;                                \
      rmq_log_stream_ << expr;                                           \
      ::rmq::logWrite(::rmq::LogLevel::level, __FILE__, __LINE__,        \
                      rmq_log_stream_.str());                            \
    }                                                                    \
  } while (0)
