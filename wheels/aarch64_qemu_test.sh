#!/usr/bin/env bash
# Run the aarch64 manylinux wheel for real on an x86_64 machine: Debian's
# arm64 python3 under qemu user emulation installs the wheel, with no
# compiler at hand, and runs the send + consume smoke test (smoke_test.py,
# broker included, all aarch64 code), then loaded_libraries.py checks that
# every ELF file mapped into that process is aarch64.
#
#   sudo bash wheels/aarch64_qemu_test.sh [--workdir DIR]
#                                         (after wheels/build_wheels.sh aarch64-gnu)
#
# The arm64 root filesystem is the host release's (debootstrap --foreign
# --variant=minbase with python3 and python3-venv, from the mirror the
# system's apt uses; debian_mirror.py), its packages unpacked with dpkg-deb
# on the host. Nothing in it is configured or run by a package script, so no
# binfmt_misc registration and no chroot are needed: the arm64 python runs
# as `qemu-aarch64-static -L ROOTFS ROOTFS/usr/bin/python3.N`. The virtualenv's
# bin/python* are small host scripts that do exactly that, with qemu's -0
# keeping the script's path as argv[0]: Python then finds the venv's
# pyvenv.cfg, and sys.executable is the script, so the subprocesses the smoke
# test and pip start (python -m rocketmq offsets) run emulated too. (Any
# other arm64 program started from inside would need binfmt_misc; the test
# starts none.)
#
# cffi's aarch64 wheels are downloaded on the host; the install inside uses
# --no-index and the root filesystem's own pip (Debian's pip wheel, which
# python3-venv brings). The root filesystem and the unpacked pip are made
# once and kept in the work directory (default
# ${XDG_CACHE_HOME:-~/.cache}/rocketmq-cffi/aarch64-qemu; delete it to start
# over), and so is the byte code the emulated Python writes there, which
# makes later runs several times faster; the virtualenv and the wheelhouse
# are made anew on every run. Root is needed the first time only (apt-get
# for qemu-user-static and debootstrap when missing, and debootstrap).
#
# Environment: WHEELS_DIST_DIR (where the wheel is, default wheels/dist).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dist_dir=${WHEELS_DIST_DIR:-$here/dist}
work_dir=${XDG_CACHE_HOME:-$HOME/.cache}/rocketmq-cffi/aarch64-qemu

# shellcheck source=foreign_test_lib.sh
source "$here/foreign_test_lib.sh"

wheel=$(find "$dist_dir" -maxdepth 1 -name 'rocketmq_cffi-*-cp38-abi3-*manylinux*_aarch64.whl' 2>/dev/null | sort | tail -n 1)
[ -n "$wheel" ] || die "no aarch64 manylinux wheel in $dist_dir; run wheels/build_wheels.sh aarch64-gnu"
host_python=$(command -v python3) || die "python3 is needed on the host"

install_host_tools() {
    local missing=()
    command -v qemu-aarch64-static >/dev/null || missing+=(qemu-user-static)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v dpkg-deb >/dev/null || die "dpkg-deb is needed (a Debian or Ubuntu host)"
    [ ${#missing[@]} -eq 0 ] && return
    [ "$(id -u)" = 0 ] || die "${missing[*]} missing; run once as root to install them"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

make_rootfs() {
    # debootstrap's first stage downloads every package and unpacks the base
    # ones; the rest (python3 and what it needs) are unpacked here the same way.
    local rootfs=$1 partial=$1.partial mirror suite keyring deb
    [ "$(id -u)" = 0 ] || die "debootstrap needs root the first time (the root filesystem is then kept)"
    read -r mirror suite keyring < <("$host_python" "$here/debian_mirror.py")
    local keyring_option=()
    [ "$keyring" != "-" ] && keyring_option=(--keyring="$keyring")
    rm -rf "$partial"
    log "debootstrap --foreign arm64 $suite from $mirror"
    nice -n 15 debootstrap --foreign --arch=arm64 --variant=minbase --include=python3,python3-venv \
        "${keyring_option[@]}" "$suite" "$partial" "$mirror" >"$work_dir/debootstrap.log" 2>&1 ||
        { tail -n 30 "$work_dir/debootstrap.log" >&2; die "debootstrap failed (log: $work_dir/debootstrap.log)"; }
    for deb in "$partial"/var/cache/apt/archives/*.deb; do
        nice -n 15 dpkg-deb --extract "$deb" "$partial"
    done
    rm -f "$partial"/var/cache/apt/archives/*.deb
    mv "$partial" "$rootfs"
}

wrap_interpreter() {
    # wrap_interpreter VENV ROOTFS PYTHON: the venv's bin/python* become host
    # scripts that start ROOTFS's python under qemu (see the top of the file).
    local venv=$1 rootfs=$2 python=$3 qemu name
    qemu=$(command -v qemu-aarch64-static)
    for name in python python3 "$(basename "$python")"; do
        rm -f "$venv/bin/$name"
        cat >"$venv/bin/$name" <<EOF
#!/bin/sh
exec "$qemu" -L "$rootfs" -0 "\$0" "$python" "\$@"
EOF
        chmod +x "$venv/bin/$name"
    done
}

unpacked_pip() {
    # Debian's pip wheel, unpacked once into the work directory, where the
    # emulated Python keeps its byte code from run to run: ensurepip, or pip
    # run from the zip, compiles all of pip under emulation every time, which
    # takes minutes. Installs use --no-compile for the same reason.
    local rootfs=$1 wheel dir
    wheel=$(find "$rootfs/usr/share/python-wheels" -name 'pip-*.whl' -print -quit)
    [ -n "$wheel" ] || die "no pip wheel in $rootfs/usr/share/python-wheels (python3-pip-whl)"
    dir=$work_dir/$(basename "$wheel" .whl)
    if [ ! -f "$dir/pip/__main__.py" ]; then
        rm -rf "$dir"
        "$host_python" -m zipfile -e "$wheel" "$dir"
    fi
    echo "$dir"
}

main() {
    mkdir -p "$work_dir"
    work_dir=$(cd "$work_dir" && pwd)
    install_host_tools
    local rootfs=$work_dir/rootfs
    [ -x "$rootfs/usr/bin/python3" ] || timed "arm64 root filesystem" make_rootfs "$rootfs"

    local python version
    python=$rootfs/usr/bin/$(readlink "$rootfs/usr/bin/python3")
    [ -x "$python" ] || die "no python3 in $rootfs"
    version=$(basename "$python")
    version=${version#python}
    log "wheel: $(basename "$wheel")"
    log "interpreter: $python ($(file -b "$python" | cut -d, -f1-2))"
    if compgen -G "$rootfs/usr/bin/*gcc*" >/dev/null || [ -e "$rootfs/usr/bin/cc" ]; then
        die "a C compiler is present in $rootfs; the test needs a system without one"
    fi

    local stage=$work_dir/run venv=$work_dir/run/venv
    rm -rf "$stage"
    mkdir -p "$stage/wheelhouse"
    cp "$wheel" "$stage/wheelhouse/"
    cp "$here/smoke_test.py" "$here/loaded_libraries.py" "$stage/"
    timed "download cffi for cp${version/./} aarch64" \
        "$host_python" -m pip download --quiet --disable-pip-version-check --dest "$stage/wheelhouse" \
        --only-binary=:all: --implementation cp --python-version "$version" \
        --platform manylinux2014_aarch64 --platform manylinux_2_17_aarch64 "cffi>=1.17"

    local qemu_python=(qemu-aarch64-static -L "$rootfs" "$python")
    cd "$stage"
    export CC=false CXX=false  # any attempt at a source build fails
    timed "venv (arm64 python, emulated)" nice -n 15 "${qemu_python[@]}" -m venv --without-pip "$venv"
    wrap_interpreter "$venv" "$rootfs" "$python"
    local pip_dir
    pip_dir=$(unpacked_pip "$rootfs")
    timed "pip install --no-index (emulated)" nice -n 15 "$venv/bin/python" "$pip_dir/pip" install --quiet \
        --disable-pip-version-check --no-compile --no-index --only-binary=:all: --find-links wheelhouse \
        rocketmq-cffi
    timed "smoke test (emulated)" nice -n 15 "$venv/bin/python" -I smoke_test.py
    timed "loaded libraries (emulated)" "$venv/bin/python" -I loaded_libraries.py --machine aarch64 --libc glibc

    log "the installed extension and core library, as the host's readelf and file see them:"
    local site so
    site=$("$venv/bin/python" -I -c 'import os, rocketmq; print(os.path.dirname(os.path.realpath(rocketmq.__file__)))')
    for so in "$site"/_native*.so "$site"/_lib/librocketmq.so; do
        echo "  $so"
        echo "    $(readelf -h "$so" | grep -E '^ *Machine:' | sed 's/^ *//')"
        echo "    $(file -b "$so" | cut -d, -f1-3)"
        readelf -h "$so" | grep -qE 'Machine: *AArch64' || die "$so is not AArch64"
    done

    echo
    echo "aarch64 wheel test passed (qemu $(qemu-aarch64-static --version | head -n 1 | awk '{print $3}'), timings:"
    printf '  %s\n' "${timings[@]}"
}

main
