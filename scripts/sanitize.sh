#!/usr/bin/env bash
# Sanitizer runs, by hand (each takes minutes; see the timings printed).
#
#   scripts/sanitize.sh [pytest argument...]
#       AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer:
#       the whole pytest suite against an instrumented build.
#   scripts/sanitize.sh --leak-check [leak_check.py argument...]
#       the same build, running scripts/leak_check.py (default --quick) so
#       that LeakSanitizer checks its create/destroy and send/consume cycles.
#   scripts/sanitize.sh --tsan
#       ThreadSanitizer: the core's own C++ tests (native/tests), built into
#       native/build/tsan.
#
# The package is built from a copy of the working tree (tracked and untracked,
# not ignored, files) into its own virtualenv, .venv-asan, so neither .venv
# nor the shared build/ directory ever sees an instrumented object. pytest
# then runs from a temporary directory, with libasan preloaded into the
# interpreter, so the installed instrumented package is what gets imported.
#
# Every sanitizer report goes to a file under the log directory (stderr would
# be swallowed by pytest's capture when a report aborts the process); the
# script prints them at the end and fails when there is any.
#
# Environment:
#   PYTHON             interpreter for the virtualenv (default: the one behind
#                      .venv, else python3)
#   SANITIZE_VENV      virtualenv directory (default: .venv-asan)
#   SANITIZE_FLAGS     compiler flags (default below)
#   SANITIZE_REBUILD=0 reuse the instrumented build already installed
#   SANITIZE_LOG_DIR   where reports go (default: a new temporary directory)
#   SANITIZE_TESTS     what pytest collects (default: the whole tests/ directory)
#   ASAN_OPTIONS, LSAN_OPTIONS, UBSAN_OPTIONS are appended to the script's own
#   (e.g. ASAN_OPTIONS=fast_unwind_on_malloc=0 for full allocation stacks
#   through the interpreter, whose frames the fast unwinder cannot follow)
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if [ "${1:-}" = --tsan ]; then
  # gcc's ThreadSanitizer maps its shadow memory at fixed addresses, which
  # some kernels' address space randomisation collides with ("unexpected
  # memory mapping"); setarch -R runs the tests without it.
  no_aslr=()
  if command -v setarch >/dev/null 2>&1 && setarch "$(uname -m)" -R true 2>/dev/null; then
    no_aslr=(setarch "$(uname -m)" -R)
  fi
  # libstdc++ 12 locks std::timed_mutex with pthread_mutex_clocklock, which
  # gcc 12's ThreadSanitizer does not intercept: it never sees those locks
  # (no happens-before from them) and reports every unlock as "unlock of an
  # unlocked mutex". Included first in every file of this build only, this
  # makes timed_mutex use pthread_mutex_timedlock, which it does intercept.
  tsan_build="$repo_root/native/build/tsan"
  prelude="$tsan_build/tsan_prelude.h"
  mkdir -p "$tsan_build"
  prelude_text='// Written by scripts/sanitize.sh --tsan for the ThreadSanitizer build only.
#include <bits/c++config.h>
#undef _GLIBCXX_USE_PTHREAD_MUTEX_CLOCKLOCK'
  # Rewritten only when it changes: make rebuilds what includes it.
  [ "$(cat "$prelude" 2>/dev/null)" = "$prelude_text" ] || printf '%s\n' "$prelude_text" >"$prelude"
  start=$SECONDS
  set +e
  TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0:second_deadlock_stack=1:history_size=4}" \
    "${no_aslr[@]}" make -C "$repo_root/native" -j"$(nproc)" BUILD=build/tsan \
    CXXFLAGS="-std=c++17 -O1 -g -fno-omit-frame-pointer -fsanitize=thread -pthread -include $prelude" \
    LDLIBS="-lz -pthread -fsanitize=thread" test
  status=$?
  set -e
  echo "ThreadSanitizer run: make exited with $status after $((SECONDS - start)) s"
  exit "$status"
fi
mode=pytest
if [ "${1:-}" = --leak-check ]; then
  mode=leak-check
  shift
fi
venv="${SANITIZE_VENV:-$repo_root/.venv-asan}"
flags="${SANITIZE_FLAGS:--fsanitize=address,undefined -fno-omit-frame-pointer -g -O1}"
suppressions="$repo_root/scripts/sanitizers/lsan.supp"

if [ -z "${PYTHON:-}" ]; then
  if [ -x "$repo_root/.venv/bin/python" ]; then
    PYTHON="$("$repo_root/.venv/bin/python" -c 'import sys; print(sys._base_executable)')"
  else
    PYTHON=python3
  fi
fi

libasan="$(gcc -print-file-name=libasan.so)"
if [ ! -e "$libasan" ]; then
  echo "sanitize.sh: gcc has no libasan.so (install libasan for this gcc)" >&2
  exit 2
fi
libasan="$(readlink -f "$libasan")"
# Preloaded after libasan: the interpreter does not link the C++ runtime, and
# ASan's __cxa_throw interceptor must find the real one when it initialises
# ("CHECK failed: ... real___cxa_throw != 0" on the first C++ exception).
libstdcxx="$(readlink -f "$(g++ -print-file-name=libstdc++.so.6)")"

if [ ! -x "$venv/bin/python" ]; then
  "$PYTHON" -m venv "$venv"
fi
venv_python="$venv/bin/python"
# The build and test tools, installed once (the build runs without isolation).
if ! "$venv_python" -c 'import cffi, pytest, pytest_timeout, setuptools, wheel' 2>/dev/null; then
  "$venv_python" -m pip install -q --upgrade pip
  "$venv_python" -m pip install -q "setuptools>=61" wheel "cffi>=1.17" pytest pytest-timeout
fi

# Compiler wrappers. build_core.py and build_ffi.py put -O2 -g0 after CFLAGS
# and link with -s: the last -g/-O on a command line wins and -s strips the
# symbols, both of which would leave sanitizer stacks without function names
# or lines. The wrappers drop -g0 and -s and append the sanitizer flags last.
wrappers="$venv/sanitize-bin"
# What the wrappers really run, after their edits of the command line.
commands_log="$venv/compile-commands.log"
mkdir -p "$wrappers"
for pair in cc:gcc c++:g++; do
  name="${pair%%:*}" real="${pair#*:}"
  cat >"$wrappers/$name" <<EOF
#!/usr/bin/env bash
# $real for the sanitized build of rocketmq-cffi (written by scripts/sanitize.sh).
args=()
for arg in "\$@"; do
  case "\$arg" in
    -g0|-s) ;;
    *) args+=("\$arg") ;;
  esac
done
args+=($flags)
printf '%s\\n' "$real \${args[*]}" >>"$commands_log"
exec $real "\${args[@]}"
EOF
  chmod +x "$wrappers/$name"
done

site_packages="$("$venv_python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
installed_lib="$site_packages/rocketmq/_lib/librocketmq.so"
build_log="$venv/build.log"

if [ "${SANITIZE_REBUILD:-1}" != 0 ] || [ ! -f "$installed_lib" ]; then
  source_copy="$venv/src"
  rm -rf "$source_copy"
  mkdir -p "$source_copy"
  (cd "$repo_root" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' path; do [ -e "$path" ] && printf '%s\0' "$path"; done |
    tar --null -T - -cf -) | tar -C "$source_copy" -xf -
  : >"$commands_log"
  echo "building the instrumented package (log: $build_log)"
  start=$SECONDS
  if ! CC="$wrappers/cc" CXX="$wrappers/c++" LDSHARED="$wrappers/cc -shared" \
      CFLAGS="$flags" CXXFLAGS="$flags" LDFLAGS="$flags" \
      "$venv_python" -m pip install -v --no-build-isolation --no-deps --force-reinstall \
      "$source_copy" >"$build_log" 2>&1; then
    tail -n 40 "$build_log" >&2
    echo "sanitize.sh: build failed, see $build_log" >&2
    exit 1
  fi
  echo "built in $((SECONDS - start)) s"
fi

# The flags must really be in the compile and the link of librocketmq.so.
echo "compile of the core, as run:"
grep -m1 -E ' -c native/src/.*\.cpp' "$commands_log" | sed 's/^/  /' || true
echo "link of librocketmq.so, as run:"
grep -m1 -E ' -shared .*-o [^ ]*librocketmq\.so' "$commands_log" |
  sed -E 's/( build\/[^ ]+\.o)+/ <objects>/; s/^/  /' || true
dynamic="$(readelf -d "$installed_lib")"
dynamic_symbols="$(nm -D "$installed_lib")"
sections="$(readelf -S "$installed_lib")"
check() {
  if ! grep -q -- "$2" <<<"$3"; then
    echo "sanitize.sh: $installed_lib: $1" >&2
    exit 1
  fi
}
check "not linked against libasan" 'NEEDED.*libasan' "$dynamic"
check "not linked against libubsan" 'NEEDED.*libubsan' "$dynamic"
check "no ASan instrumentation" '__asan_report_load' "$dynamic_symbols"
check "no UBSan instrumentation" '__ubsan_handle' "$dynamic_symbols"
check "no debug information" '\.debug_info' "$sections"
check "symbols stripped" '\.symtab' "$sections"
echo "librocketmq.so: libasan and libubsan linked, instrumented, with debug info and symbols"

log_dir="${SANITIZE_LOG_DIR:-$(mktemp -d -t rocketmq-sanitize.XXXXXX)}"
mkdir -p "$log_dir"
rm -f "$log_dir"/asan.* "$log_dir"/ubsan.*

# The sanitizer settings apply to the run (and what it starts) only.
#
# PYTHONMALLOC=malloc: Python objects then live in malloc'd memory, which
# LeakSanitizer scans; with pymalloc's mmap'd arenas, memory referenced only
# from Python objects would be reported as leaked.
#
# Leaks are checked once, explicitly, when the tests are over but the
# interpreter is still intact (the runner below; leak_check.py does the same),
# not at process exit: by design a client still alive when the interpreter
# exits is never freed (rocketmq/_lifecycle.py), and the interpreter's own
# finalisation leaves unreachable blocks behind. So leak_check_at_exit=0,
# which also keeps the Python subprocesses some tests start from reporting
# those by-design exit-time blocks; memory errors there are still reported.
sanitizer_env=(
  LD_PRELOAD="$libasan:$libstdcxx${LD_PRELOAD:+:$LD_PRELOAD}"
  PYTHONMALLOC=malloc
  ASAN_OPTIONS="detect_leaks=1:leak_check_at_exit=0:halt_on_error=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$log_dir/asan${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  LSAN_OPTIONS="suppressions=$suppressions:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$log_dir/ubsan${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
)
# pytest, then the leak check (it ends the process with status 1 and a report
# in the log directory when it finds a leak).
runner='import ctypes, gc, sys
import pytest
status = pytest.main(sys.argv[1:])
gc.collect()
ctypes.CDLL(None).__lsan_do_leak_check()
print("LeakSanitizer: no leaks", flush=True)
sys.exit(status)'

cd "$(mktemp -d)"
start=$SECONDS
set +e
if [ "$mode" = leak-check ]; then
  echo "running scripts/leak_check.py (sanitizer reports: $log_dir)"
  [ "$#" -gt 0 ] || set -- --quick
  env "${sanitizer_env[@]}" "$venv_python" "$repo_root/scripts/leak_check.py" "$@"
else
  echo "running the test suite (sanitizer reports: $log_dir)"
  # SANITIZE_TESTS may name several paths: split on purpose.
  # shellcheck disable=SC2086
  env "${sanitizer_env[@]}" "$venv_python" -c "$runner" -p no:cacheprovider -c "$repo_root/pyproject.toml" \
    --rootdir "$repo_root" ${SANITIZE_TESTS:-"$repo_root/tests"} "$@"
fi
status=$?
set -e
echo "$mode exited with $status after $((SECONDS - start)) s"

shopt -s nullglob
reports=("$log_dir"/asan.* "$log_dir"/ubsan.*)
if [ "${#reports[@]}" -gt 0 ]; then
  echo "${#reports[@]} sanitizer report(s):"
  for report in "${reports[@]}"; do
    echo "===== $report"
    cat "$report"
  done
  exit 1
fi
echo "no sanitizer reports"
exit "$status"
