// The thread-local "latest error message" behind GetLatestErrorMessage(),
// and the guard every C entry point uses so no C++ exception crosses into C.
#pragma once

#include <exception>
#include <string>

#include "common/errors.h"

namespace rmq {
namespace capi {

void setLatestError(const std::string& message);

// The per-client log setters of the C API, which configure the process-wide
// log; they throw MQException(kIllegalArgument) for out-of-range values.
// fileSizeMiB is in MiB, as librocketmq took it.
void configureLogRotation(int fileNum, long fileSizeMiB);
void configureLogLevel(int level);

// Runs `body` (returning an int status); any exception becomes
// `failureStatus` with its text recorded as the latest error.
template <typename Body>
int guarded(int failureStatus, Body&& body) noexcept {
  try {
    return body();
  } catch (const std::exception& e) {
    setLatestError(e.what());
  } catch (...) {
    setLatestError("unknown error");
  }
  return failureStatus;
}

}  // namespace capi
}  // namespace rmq
