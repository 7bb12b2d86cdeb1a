// Sanitizer defaults linked into every harness, so that they hold however
// the harness is started (ASAN_OPTIONS / UBSAN_OPTIONS still override).
//
// ASan keeps freed memory in a quarantine to catch use after free; its
// default 256 MiB would take half of the 512 MiB RSS limit the runs use to
// catch decoders that keep memory, so a smaller one is used. Leak checking
// stays on; UBSan reports end the run with a stack trace.

extern "C" const char* __asan_default_options() {
  return "quarantine_size_mb=64:detect_leaks=1:strict_string_checks=1";
}

extern "C" const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }
