#!/usr/bin/env bash
# Run the x86_64 musllinux wheel for real on a glibc machine: a CPython
# linked against musl, built here, installs the wheel and cffi's musllinux
# wheel offline, with no compiler allowed, and runs the send + consume smoke
# test (smoke_test.py); then loaded_libraries.py checks that musl is the only
# C library in that process, and the host's readelf and musl's ldd show what
# the interpreter, the extension and the core library are linked against.
#
#   bash wheels/musl_python_test.sh [--workdir DIR]
#                                   (after wheels/build_wheels.sh x86_64-musl)
#
# The interpreter is the CPython the host's Debian release packages
# (python3.N; PYTHON_SOURCE_PACKAGE overrides it), its upstream tarball
# fetched from the release's archive (fetch_debian_source.sh) and built with
# Debian's musl-gcc, together with the C libraries the test needs of it,
# compiled statically from their Debian source packages: zlib (pip unpacks
# wheels with it), libffi (ctypes, which the package's library loader
# imports) and OpenSSL (ssl, which the embedded broker imports). Only musl's
# headers, those libraries' and the kernel's are on the include path, so
# nothing of the host's glibc gets in; every module built is checked to need
# musl's libc.so alone. The tarballs and the built interpreter are kept in
# the work directory (default ${XDG_CACHE_HOME:-~/.cache}/rocketmq-cffi/musl-python)
# and rebuilt only when the sources change; the virtualenv and the wheelhouse
# are made anew on every run. Building the interpreter takes about five
# minutes on two cores; later runs take about a minute.
#
# Needs musl-tools (musl-gcc and musl's dynamic loader), make and gcc;
# installs musl-tools through apt when it is missing, for which it must run
# as root once.
#
# Environment: WHEELS_DIST_DIR (where the wheel is, default wheels/dist),
# PYTHON_SOURCE_PACKAGE (e.g. python3.11).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dist_dir=${WHEELS_DIST_DIR:-$here/dist}
work_dir=${XDG_CACHE_HOME:-$HOME/.cache}/rocketmq-cffi/musl-python
musl_loader=/lib/ld-musl-x86_64.so.1

# shellcheck source=foreign_test_lib.sh
source "$here/foreign_test_lib.sh"

quietly() {
    # quietly LOG COMMAND...: the command's output goes to LOG, shown only on failure.
    local log_file=$1
    shift
    "$@" >>"$log_file" 2>&1 || { tail -n 40 "$log_file" >&2; die "failed: $* (log: $log_file)"; }
}

wheel=$(find "$dist_dir" -maxdepth 1 -name 'rocketmq_cffi-*-cp38-abi3-*musllinux_1_2_x86_64.whl' 2>/dev/null | sort | tail -n 1)
[ -n "$wheel" ] || die "no x86_64 musllinux wheel in $dist_dir; run wheels/build_wheels.sh x86_64-musl"
host_python=$(command -v python3) || die "python3 is needed on the host"
[ "$(uname -m)" = x86_64 ] || die "runs on x86_64 hosts only"

install_host_tools() {
    command -v make >/dev/null && command -v gcc >/dev/null || die "make and gcc are needed"
    command -v musl-gcc >/dev/null && [ -x "$musl_loader" ] && return
    [ "$(id -u)" = 0 ] || die "musl-tools is missing; run once as root to install it"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq musl musl-tools >/dev/null
}

source_package() {
    # The Debian release's own python3.N unless PYTHON_SOURCE_PACKAGE says otherwise.
    if [ -n "${PYTHON_SOURCE_PACKAGE:-}" ]; then
        echo "$PYTHON_SOURCE_PACKAGE"
    elif [ -x /usr/bin/python3 ]; then
        /usr/bin/python3 -c 'import sys; print("python%d.%d" % sys.version_info[:2])'
    else
        die "no /usr/bin/python3 to take the version from; set PYTHON_SOURCE_PACKAGE"
    fi
}

kernel_headers() {
    # musl-gcc searches musl's headers only; libffi and CPython also include
    # the kernel's (linux/limits.h and the like), which do not depend on the
    # C library: the host's, and nothing else from /usr/include, are added.
    local dir=$work_dir/build/kernel-headers name
    mkdir -p "$dir"
    for name in linux asm-generic; do
        ln -sfn "/usr/include/$name" "$dir/$name"
    done
    ln -sfn "$(dirname "$(find /usr/include -maxdepth 3 -path '*/asm/types.h' -print -quit)")" "$dir/asm"
    [ -e "$dir/linux/limits.h" ] && [ -e "$dir/asm/types.h" ] || die "the kernel headers are missing (linux-libc-dev)"
    echo "$dir"
}

musl_compiler() {
    # musl-gcc behind a script that answers -print-multiarch with musl's
    # triplet. gcc would name its own glibc one: CPython's configure stops
    # when that differs from the triplet it computes, and setup.py, which
    # builds the extension modules, would put the host's glibc headers
    # (/usr/include/x86_64-linux-gnu) on their include path.
    local wrapper=$work_dir/toolchain/musl-cc
    mkdir -p "$(dirname "$wrapper")"
    cat >"$wrapper" <<'EOF'
#!/bin/sh
if [ "$#" = 1 ] && { [ "$1" = -print-multiarch ] || [ "$1" = --print-multiarch ]; }; then
    echo x86_64-linux-musl
    exit 0
fi
exec musl-gcc "$@"
EOF
    chmod +x "$wrapper"
    echo "$wrapper"
}

build_zlib() {
    local src=$1 deps=$2 build=$work_dir/build/zlib
    rm -rf "$build" "$build.log"
    cp -r "$src" "$build"
    cd "$build"
    # -fPIC: the static library ends up inside CPython's zlib module, a shared object.
    quietly "$build.log" env CC=musl-gcc CFLAGS="-O2 -fPIC" ./configure --static --prefix="$deps"
    quietly "$build.log" nice -n 15 make -j2 install
}

build_libffi() {
    local src=$1 deps=$2 headers=$3 build=$work_dir/build/libffi
    rm -rf "$build" "$build.log"
    mkdir -p "$build"
    cd "$build"
    # CFLAGS given, so configure does not tune for this machine's CPU.
    quietly "$build.log" "$src/configure" CC=musl-gcc CFLAGS="-O2" CPPFLAGS="-isystem $headers" \
        --prefix="$deps" --disable-shared --enable-static \
        --with-pic --disable-docs --disable-multi-os-directory
    quietly "$build.log" nice -n 15 make -j2 install
}

build_openssl() {
    # Static libssl and libcrypto, for CPython's ssl module: the embedded
    # broker the smoke test runs imports ssl (TLS listeners) whether or not
    # TLS is used. The library only, built with -fPIC as it goes into _ssl.so.
    local src=$1 deps=$2 headers=$3 build=$work_dir/build/openssl
    rm -rf "$build" "$build.log"
    mkdir -p "$build"
    cd "$build"
    quietly "$build.log" env CC=musl-gcc "$src/Configure" linux-x86_64 --prefix="$deps" --libdir=lib \
        --openssldir="$deps/ssl" no-shared no-tests -fPIC -O2 "-I$headers"
    quietly "$build.log" nice -n 15 make -j2 build_libs
    quietly "$build.log" nice -n 15 make install_dev
}

build_python() {
    local src=$1 deps=$2 headers=$3 prefix=$4 build=$work_dir/build/python
    rm -rf "$build" "$build.log" "$prefix"
    mkdir -p "$build"
    cd "$build"
    # Only the dependency prefix and the kernel headers are added to musl's
    # own: a glibc header or library of the host would end up in a musl
    # interpreter. pkg-config looks in the prefix only; setup.py, which
    # builds the extension modules, takes its -I and -L directories from
    # CPPFLAGS and LDFLAGS (as -I, not -isystem).
    local build_env=(env PKG_CONFIG_LIBDIR="$deps/lib/pkgconfig" PKG_CONFIG_PATH=)
    quietly "$build.log" "${build_env[@]}" "$src/configure" --prefix="$prefix" --with-ensurepip=install \
        --disable-test-modules CC="$(musl_compiler)" CPPFLAGS="-I$headers -I$deps/include" LDFLAGS="-L$deps/lib" \
        --with-openssl="$deps" ZLIB_CFLAGS="-I$deps/include" ZLIB_LIBS="-L$deps/lib -lz" \
        LIBFFI_CFLAGS="-I$deps/include" LIBFFI_LIBS="-L$deps/lib -lffi"
    quietly "$build.log" "${build_env[@]}" nice -n 15 make -j2
    quietly "$build.log" "${build_env[@]}" nice -n 15 make install
}

ensure_interpreter() {
    # Rebuilt when the sources (their directory names carry the versions) differ from the last build's.
    local package python_src zlib_src libffi_src openssl_src deps=$work_dir/deps prefix=$work_dir/python wanted
    package=$(source_package)
    python_src=$(bash "$here/fetch_debian_source.sh" "$package" "$work_dir/sources/$package" "$host_python")
    zlib_src=$(bash "$here/fetch_zlib.sh" "$work_dir/sources/zlib" "$host_python")
    libffi_src=$(bash "$here/fetch_debian_source.sh" libffi "$work_dir/sources/libffi" "$host_python")
    openssl_src=$(bash "$here/fetch_debian_source.sh" openssl "$work_dir/sources/openssl" "$host_python")
    wanted="$(basename "$python_src") $(basename "$zlib_src") $(basename "$libffi_src") $(basename "$openssl_src")"
    wanted+=" musl-gcc $(musl-gcc -dumpversion)"
    if [ -x "$prefix/bin/python3" ] && [ "$(cat "$prefix/.built-from" 2>/dev/null)" = "$wanted" ]; then
        log "musl interpreter: $prefix (built earlier from $wanted)"
        return
    fi
    local headers
    rm -rf "$deps" "$work_dir/build"
    mkdir -p "$deps" "$work_dir/build"
    headers=$(kernel_headers)
    timed "zlib (musl-gcc, static)" build_zlib "$zlib_src" "$deps"
    timed "libffi (musl-gcc, static)" build_libffi "$libffi_src" "$deps" "$headers"
    timed "OpenSSL (musl-gcc, static)" build_openssl "$openssl_src" "$deps" "$headers"
    timed "CPython (musl-gcc)" build_python "$python_src" "$deps" "$headers" "$prefix"
    echo "$wanted" >"$prefix/.built-from"
    cd "$work_dir"
    rm -rf "$work_dir/build"
}

show_linkage() {
    # show_linkage FILE: its program interpreter (executables) and what musl's loader resolves.
    local file=$1 interpreter
    echo "  $file"
    interpreter=$(readelf -l "$file" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
    [ -z "$interpreter" ] || echo "    program interpreter: $interpreter"
    # An extension module leaves the Python C API to the interpreter that
    # loads it: musl's ldd, which loads the module alone, names each of those
    # symbols unresolved. They are counted; anything else it reports is shown.
    local listing unresolved_api
    listing=$("$musl_loader" --list "$file" 2>&1 || true)
    unresolved_api=$(grep -cE 'Error relocating .*: _?Py[A-Za-z0-9_]*: symbol not found' <<<"$listing" || true)
    grep -vE 'Error relocating .*: _?Py[A-Za-z0-9_]*: symbol not found' <<<"$listing" | sed 's/^\t*/    /'
    [ "$unresolved_api" = 0 ] || echo "    ($unresolved_api Python C API symbols, resolved by the interpreter at import)"
    if readelf -d "$file" | grep -qE 'NEEDED.*\[(libc\.so\.6|ld-linux)'; then
        die "$file needs glibc"
    fi
}

check_interpreter() {
    # The interpreter starts through musl's loader, and it and every module
    # it built need musl's libc and nothing else: no library of the host.
    local python=$1 file needed count=0
    [ "$(readelf -l "$python" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')" = "$musl_loader" ] ||
        die "$python does not start through $musl_loader"
    while IFS= read -r -d '' file; do
        needed=$(readelf -d "$file" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | grep -vx 'libc.so' || true)
        [ -z "$needed" ] || die "$file needs $(echo "$needed" | tr '\n' ' ')besides musl's libc.so"
        count=$((count + 1))
    done < <(find "$python" "$(dirname "$(dirname "$python")")/lib" -name '*.so' -type f -print0 -o -path "$python" -print0)
    log "interpreter: $python and its $((count - 1)) extension modules need musl's libc.so only"
}

main() {
    mkdir -p "$work_dir"
    work_dir=$(cd "$work_dir" && pwd)
    install_host_tools
    ensure_interpreter
    local python version
    python=$(readlink -f "$work_dir/python/bin/python3")
    version=$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    log "wheel: $(basename "$wheel")"
    check_interpreter "$python"

    local stage=$work_dir/run venv=$work_dir/run/venv
    rm -rf "$stage"
    mkdir -p "$stage/wheelhouse"
    cp "$wheel" "$stage/wheelhouse/"
    cp "$here/smoke_test.py" "$here/loaded_libraries.py" "$stage/"
    timed "download cffi for cp${version/./} musllinux" \
        "$host_python" -m pip download --quiet --disable-pip-version-check --dest "$stage/wheelhouse" \
        --only-binary=:all: --implementation cp --python-version "$version" \
        --platform musllinux_1_2_x86_64 --platform musllinux_1_1_x86_64 "cffi>=1.17"

    cd "$stage"
    export CC=false CXX=false  # any attempt at a source build fails
    timed "venv (musl python)" "$python" -m venv "$venv"
    timed "pip install --no-index" "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        --no-index --only-binary=:all: --find-links wheelhouse rocketmq-cffi
    timed "smoke test" nice -n 15 "$venv/bin/python" -I smoke_test.py
    timed "loaded libraries" "$venv/bin/python" -I loaded_libraries.py --machine x86_64 --libc musl

    log "linkage, as the host's readelf and musl's ldd see it:"
    local site
    site=$("$venv/bin/python" -I -c 'import os, rocketmq; print(os.path.dirname(os.path.realpath(rocketmq.__file__)))')
    show_linkage "$python"
    show_linkage "$(ls "$site"/_native*.so)"
    show_linkage "$site/_lib/librocketmq.so"

    echo
    echo "musl wheel test passed ($("$musl_loader" 2>&1 | sed -n 's/^Version /musl /p'), Python $version), timings:"
    printf '  %s\n' "${timings[@]}"
}

main
