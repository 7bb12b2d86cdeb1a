// Pass/fail bookkeeping shared by the native test programs: each check
// counts, a failure is printed as it happens, and report() gives the exit
// status.
#pragma once

#include <cstdio>
#include <string>

inline int passed = 0;
inline int failed = 0;

inline void check(bool ok, const std::string& what) {
  if (ok) {
    ++passed;
  } else {
    ++failed;
    std::fprintf(stderr, "FAILED: %s\n", what.c_str());
  }
}

// check() that names the failing expression and where it is.
#define CHECK(cond) ::check((cond), std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " #cond)
