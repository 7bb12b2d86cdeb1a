/* CLibraryInfo.h: the identity of the loaded core library. */
#define ROCKETMQ_CFFI_ABI_LEVEL ...

int GetRocketMQCffiAbiLevel(void);
const char* GetRocketMQCffiVersion(void);

/* Defined in the extension (library_probe.h), not in the core. */
void* rocketmq_core_entry_address(void);
