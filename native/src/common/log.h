// Leveled logging for the core, process wide as librocketmq's was.
//
// By default lines go to $HOME/logs/rocketmq-cpp/<pid>_rocketmq-cpp.log (the
// directory rocketmq-client-cpp wrote to; ROCKETMQ_CLIENT_LOG_DIR overrides
// it), rotated at 100 MiB with 3 files kept, at INFO level. The file is
// opened on the first line written, so a process that logs nothing creates
// nothing. A handler, when set, receives the lines instead (bindings route
// them into their own logging). Levels match CLogLevel's numbering; kOff
// turns logging off.
#pragma once

#include <cstdint>
#include <sstream>
#include <string>

namespace rmq {

enum class LogLevel : int { kOff = 0, kFatal = 1, kError = 2, kWarn = 3, kInfo = 4, kDebug = 5, kTrace = 6 };

void setLogLevel(LogLevel level);
bool logEnabled(LogLevel level);
// Directory of the log files; empty restores the default.
void setLogDirectory(const std::string& dir);
// Rotate at `fileSize` bytes, keeping `fileCount` files (current one included).
void setLogRotation(int fileCount, int64_t fileSize);
// The file lines go to (created on first use), or "" while a handler is set.
std::string logFilePath();
std::string defaultLogDirectory();

// Receives each line (without timestamp: "file.cpp:123 message"); called on
// the thread that logs, with no lock of the logger held.
using LogHandler = void (*)(int level, const char* message, void* context);
void setLogHandler(LogHandler handler, void* context);

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
