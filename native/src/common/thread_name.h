// Names for the core's own threads, as `top -H`, `ps -L`, py-spy and gdb
// show them: without one every thread is called after the process
// ("python"), and a profile cannot tell the I/O thread from a consumer's.
#pragma once

#include <thread>

namespace rmq {

// Names `thread`, just started by the caller: named here rather than by the
// thread itself, it has its name once the call that started it returns.
// Linux keeps at most 15 characters; longer names are cut. Failures are
// ignored: a name is a diagnostic aid only.
void nameThread(std::thread& thread, const char* name);

}  // namespace rmq
