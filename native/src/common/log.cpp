#include "common/log.h"

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

namespace rmq {

namespace {

constexpr int kDefaultFileCount = 3;
constexpr int64_t kDefaultFileSize = int64_t{100} * 1024 * 1024;

std::atomic<int> gLevel{static_cast<int>(LogLevel::kInfo)};

// mkdir -p; true when the directory exists afterwards.
bool makeDirectories(const std::string& dir) {
  if (dir.empty()) return false;
  for (size_t slash = dir.find('/', 1); ; slash = dir.find('/', slash + 1)) {
    std::string prefix = dir.substr(0, slash);
    if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) return false;
    if (slash == std::string::npos) break;
  }
  struct stat info {};
  return ::stat(dir.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
}

struct LogSink {
  std::mutex mutex;
  std::string dir;  // empty: defaultLogDirectory()
  int fileCount = kDefaultFileCount;
  int64_t fileSize = kDefaultFileSize;
  FILE* file = nullptr;
  std::string openPath;
  int64_t written = 0;
  bool openFailed = false;  // fall back to stderr until reconfigured
  LogHandler handler = nullptr;
  void* handlerContext = nullptr;

  std::string directoryLocked() const { return dir.empty() ? defaultLogDirectory() : dir; }

  // <pid>_rocketmq-cpp.log, as rocketmq-client-cpp named its files.
  std::string pathOf(int index) const {
    std::string path = directoryLocked() + "/" + std::to_string(::getpid()) + "_rocketmq-cpp.log";
    if (index > 0) path += "." + std::to_string(index);
    return path;
  }

  void closeLocked() {
    if (file != nullptr) std::fclose(file);
    file = nullptr;
    openPath.clear();
    openFailed = false;
  }

  bool ensureOpenLocked() {
    if (file != nullptr) return true;
    if (openFailed) return false;
    std::string path = pathOf(0);
    if (makeDirectories(directoryLocked())) file = std::fopen(path.c_str(), "a");
    if (file == nullptr) {
      openFailed = true;
      std::fprintf(stderr, "[rocketmq] cannot write the log file %s; logging to stderr\n", path.c_str());
      return false;
    }
    openPath = path;
    std::fseek(file, 0, SEEK_END);
    written = std::ftell(file);
    return true;
  }

  // <name> -> <name>.1 -> <name>.2 ..., dropping the oldest.
  void rotateLocked() {
    closeLocked();
    for (int i = fileCount - 1; i >= 1; --i) std::rename(pathOf(i - 1).c_str(), pathOf(i).c_str());
    if (fileCount <= 1) std::remove(pathOf(0).c_str());
  }
};

LogSink& sink() {
  static LogSink* instance = [] {
    auto* created = new LogSink();  // never destroyed: logging may run during exit
    // Held across fork() so the child never inherits it locked; the child
    // writes its own <pid> file, so the parent's is closed there.
    pthread_atfork([] { sink().mutex.lock(); }, [] { sink().mutex.unlock(); },
                   [] {
                     LogSink& s = sink();
                     s.closeLocked();
                     s.mutex.unlock();
                   });
    return created;
  }();
  return *instance;
}

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::kOff: return "OFF";
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

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t seconds = system_clock::to_time_t(now);
  int millis = static_cast<int>(duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm parts{};
  localtime_r(&seconds, &parts);
  char stamp[40];
  size_t length = std::strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &parts);
  std::snprintf(stamp + length, sizeof(stamp) - length, ".%03d", millis);
  return stamp;
}

}  // namespace

std::string defaultLogDirectory() {
  if (const char* configured = std::getenv("ROCKETMQ_CLIENT_LOG_DIR")) {
    if (*configured != '\0') return configured;
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home != '\0' ? home : "/tmp") + "/logs/rocketmq-cpp";
}

void setLogLevel(LogLevel level) { gLevel.store(static_cast<int>(level), std::memory_order_relaxed); }

bool logEnabled(LogLevel level) {
  return level != LogLevel::kOff && static_cast<int>(level) <= gLevel.load(std::memory_order_relaxed);
}

void setLogDirectory(const std::string& dir) {
  LogSink& s = sink();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.closeLocked();
  s.dir = dir;
}

void setLogRotation(int fileCount, int64_t fileSize) {
  LogSink& s = sink();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (fileCount > 0) s.fileCount = fileCount;
  if (fileSize > 0) s.fileSize = fileSize;
}

std::string logFilePath() {
  LogSink& s = sink();
  std::lock_guard<std::mutex> lock(s.mutex);
  return s.handler != nullptr ? std::string() : s.pathOf(0);
}

void setLogHandler(LogHandler handler, void* context) {
  LogSink& s = sink();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.handler = handler;
  s.handlerContext = context;
}

void logWrite(LogLevel level, const char* file, int line, const std::string& message) {
  std::string located = std::string(baseName(file)) + ":" + std::to_string(line) + " " + message;
  LogSink& s = sink();
  LogHandler handler;
  void* context;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    handler = s.handler;
    context = s.handlerContext;
    if (handler == nullptr) {
      std::string text = timestamp() + " " + levelName(level) + " " + located + "\n";
      if (s.ensureOpenLocked()) {
        if (s.written > 0 && s.written + static_cast<int64_t>(text.size()) > s.fileSize) {
          s.rotateLocked();
          s.ensureOpenLocked();
        }
        if (s.file != nullptr) {
          std::fwrite(text.data(), 1, text.size(), s.file);
          std::fflush(s.file);
          s.written += static_cast<int64_t>(text.size());
          return;
        }
      }
      std::fwrite(text.data(), 1, text.size(), stderr);
      return;
    }
  }
  // Outside the lock: the handler may take other locks (an interpreter's).
  handler(static_cast<int>(level), located.c_str(), context);
}

}  // namespace rmq
