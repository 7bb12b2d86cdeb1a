// Shared by the libFuzzer harnesses in this folder.
//
// A decoder that throws has rejected its input, which is the expected
// outcome for most of what a fuzzer feeds it; crashes, sanitizer reports,
// leaks and oversized allocations are what the harnesses exist to find.
// Properties the harnesses assert on top of that (round trips, limits)
// abort through FUZZ_ASSERT so that libFuzzer saves the input.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>

#include "common/errors.h"

namespace rmq {
namespace fuzz {

// Runs `body`; returns true when it finished, false when it threw. The
// project's decoders report bad input as MQException. Any other exception
// is a rejection as well, but the client's frame loop only catches
// MQException, so the first one of each run is printed to make it visible.
template <typename Body>
bool accepts(Body&& body) {
  try {
    body();
    return true;
  } catch (const MQException&) {
    return false;
  } catch (const std::exception& e) {
    static bool reported = false;
    if (!reported) {
      reported = true;
      std::fprintf(stderr, "note: decoder threw %s (not MQException): %s\n", typeid(e).name(), e.what());
    }
    return false;
  }
}

[[noreturn]] inline void assertionFailed(const char* file, int line, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz property violated: %s\n", file, line, what);
  std::abort();
}

}  // namespace fuzz
}  // namespace rmq

#define FUZZ_ASSERT(cond) \
  ((cond) ? (void)0 : ::rmq::fuzz::assertionFailed(__FILE__, __LINE__, #cond))
