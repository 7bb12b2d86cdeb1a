#include "common/log.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <thread>

namespace rmq {

namespace {

std::atomic<int> gLevel{static_cast<int>(LogLevel::kWarn)};

// The sink is shared by every client in the process, as the C API's log
// settings are process-wide in practice too.
struct LogSink {
  std::mutex mutex;
  std::string dir;
  int fileCount = 3;
  int64_t fileSize = 100 * 1024 * 1024;
  FILE* file = nullptr;
  int64_t written = 0;

  std::string pathOf(int index) const {
    std::string path = dir + "/rocketmq-client.log";
    if (index > 0) path += "." + std::to_string(index);
    return path;
  }

  void openCurrent() {
    file = std::fopen(pathOf(0).c_str(), "a");
    written = 0;
    if (file != nullptr) {
      std::fseek(file, 0, SEEK_END);
      written = std::ftell(file);
    }
  }

  // rocketmq-client.log -> .1 -> .2 ..., dropping the oldest.
  void rotate() {
    if (file != nullptr) std::fclose(file);
    file = nullptr;
    for (int i = fileCount - 1; i >= 1; --i) {
      std::rename(pathOf(i - 1).c_str(), pathOf(i).c_str());
    }
    openCurrent();
  }
};

LogSink& sink() {
  static LogSink* instance = new LogSink();  // never destroyed: logging may run during exit
  return *instance;
}

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::kFatal: return "FATAL";
    case LogLevel::kError: return "ERROR";
    case LogLevel::kWarn: return "WARN";
    case LogLevel::kInfo: return "INFO";
    case LogLevel::kDebug: return "DEBUG";
    case LogLevel::kTrace: return "TRACE";
  }
  return "?";
}

const char* baseName(const char* path) {
  const char* base = path;
  for (const char* p = path; *p != '\0'; ++p) {
    if (*p == '/') base = p + 1;
  }
  return base;
}

}  // namespace

void setLogLevel(LogLevel level) { gLevel.store(static_cast<int>(level), std::memory_order_relaxed); }

bool logEnabled(LogLevel level) { return static_cast<int>(level) <= gLevel.load(std::memory_order_relaxed); }

void setLogFile(const std::string& dir, int fileCount, int64_t fileSize) {
  LogSink& s = sink();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.file != nullptr) std::fclose(s.file);
  s.file = nullptr;
  s.dir = dir;
  if (fileCount > 0) s.fileCount = fileCount;
  if (fileSize > 0) s.fileSize = fileSize;
  if (!s.dir.empty()) s.openCurrent();
}

void logWrite(LogLevel level, const char* file, int line, const std::string& message) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t seconds = system_clock::to_time_t(now);
  int millis = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm parts{};
  localtime_r(&seconds, &parts);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &parts);

  char prefix[128];
  int prefixLen = std::snprintf(prefix, sizeof(prefix), "%s.%03d %-5s [rocketmq] %s:%d ", stamp, millis,
                                levelName(level), baseName(file), line);
  if (prefixLen < 0) return;
  std::string text(prefix, static_cast<size_t>(std::min<int>(prefixLen, sizeof(prefix) - 1)));
  text += message;
  text.push_back('\n');

  LogSink& s = sink();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.file != nullptr) {
    if (s.written + static_cast<int64_t>(text.size()) > s.fileSize) s.rotate();
    if (s.file != nullptr) {
      std::fwrite(text.data(), 1, text.size(), s.file);
      std::fflush(s.file);
      s.written += static_cast<int64_t>(text.size());
      return;
    }
  }
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace rmq
