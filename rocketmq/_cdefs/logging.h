/* CLogging.h: the process-wide log of the core. */
#define ROCKETMQ_LOG_OFF ...

int SetRocketMQLogDirectory(const char* directory);
int SetRocketMQLogLevel(int level);
int SetRocketMQLogRotation(int fileNum, long long fileSizeBytes);
const char* GetRocketMQLogFilePath(void);
typedef void (*RocketMQLogHandler)(int level, const char* message, void* context);
int SetRocketMQLogHandler(RocketMQLogHandler handler, void* context);
