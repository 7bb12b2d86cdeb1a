/* Pasted into the extension's source after the C API headers (see build_ffi.py).
 *
 * The address the extension's own call to the core resolves to: the dynamic
 * linker decided it, so looking it up with dladdr names the library really in
 * use, the bundled one or a ROCKETMQ_LIBRARY build. */
static void* rocketmq_core_entry_address(void) { return (void*)&GetRocketMQCffiAbiLevel; }
