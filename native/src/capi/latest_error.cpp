#include "capi/latest_error.h"

#include "CErrorMessage.h"

namespace {
thread_local std::string latestError;
}

namespace rmq {
namespace capi {
void setLatestError(const std::string& message) { latestError = message; }
}  // namespace capi
}  // namespace rmq

const char* GetLatestErrorMessage() { return latestError.c_str(); }
