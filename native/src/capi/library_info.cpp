// The build identity of the library (CLibraryInfo.h).
#include "CLibraryInfo.h"

extern "C" {

int GetRocketMQCffiAbiLevel(void) { return ROCKETMQ_CFFI_ABI_LEVEL; }

const char* GetRocketMQCffiVersion(void) { return ROCKETMQ_CFFI_VERSION; }
}
