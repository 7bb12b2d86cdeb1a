#include "common/thread_name.h"

#include <pthread.h>

#include <cstring>

namespace rmq {

void nameThread(std::thread& thread, const char* name) {
  constexpr size_t kMaxLength = 15;  // the kernel's limit, without the terminator
  char cut[kMaxLength + 1] = {};
  std::strncpy(cut, name, kMaxLength);
  pthread_setname_np(thread.native_handle(), cut);
}

}  // namespace rmq
