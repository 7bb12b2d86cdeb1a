#!/usr/bin/env bash
# Install the x86_64 manylinux wheel on an older system and run the smoke
# test there: a Debian bullseye chroot (glibc 2.31, Python 3.9) built with
# debootstrap, with no compiler in it.
#
#   sudo bash wheels/chroot_test.sh        (after wheels/build_wheels.sh)
#
# The chroot is made once (debootstrap --variant=minbase, python3 and
# python3-venv only) from the Debian mirror the system's apt uses, and kept
# in CHROOT_DIR for later runs (default /var/tmp/rocketmq-cffi-bullseye,
# outside the source tree; delete it to start over). cffi's wheels are
# downloaded on the host, so the test inside the chroot installs with
# --no-index and needs no network; the broker listens on loopback only.
# /proc is mounted for the run and unmounted afterwards.
#
# Needs root (debootstrap, chroot); installs debootstrap through apt when it
# is missing.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dist_dir=${WHEELS_DIST_DIR:-$here/dist}
chroot_dir=${CHROOT_DIR:-/var/tmp/rocketmq-cffi-bullseye}
suite=bullseye
python_tag=3.9   # bullseye's python3

die() { printf 'chroot_test.sh: %s\n' "$*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap and chroot)"
wheel=$(find "$dist_dir" -maxdepth 1 -name 'rocketmq_cffi-*-cp38-abi3-*manylinux*_x86_64.whl' 2>/dev/null | sort | tail -n 1)
[ -n "$wheel" ] || die "no x86_64 manylinux wheel in $dist_dir; run wheels/build_wheels.sh"
host_python=$(command -v python3) || die "python3 is needed on the host"

if ! command -v debootstrap >/dev/null; then
    echo "installing debootstrap"
    apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
fi

if [ ! -x "$chroot_dir/usr/bin/python3" ]; then
    read -r mirror _ keyring < <("$host_python" "$here/debian_mirror.py")
    keyring_option=()
    [ "$keyring" != "-" ] && keyring_option=(--keyring="$keyring")
    echo "debootstrap $suite into $chroot_dir from $mirror"
    start=$(now)
    rm -rf "$chroot_dir"
    debootstrap --variant=minbase --include=python3,python3-venv "${keyring_option[@]}" \
        "$suite" "$chroot_dir" "$mirror" >"${chroot_dir%/}.debootstrap.log" 2>&1 ||
        { tail -n 30 "${chroot_dir%/}.debootstrap.log" >&2; die "debootstrap failed"; }
    echo "chroot ready in $(elapsed "$start")s"
fi

# What the test needs inside: the wheel, cffi for bullseye's Python, the test.
stage=$chroot_dir/opt/rocketmq-wheel-test
rm -rf "$stage"
mkdir -p "$stage/wheelhouse"
cp "$wheel" "$here/smoke_test.py" "$stage/"
cp "$wheel" "$stage/wheelhouse/"
"$host_python" -m pip download --quiet --disable-pip-version-check --dest "$stage/wheelhouse" \
    --only-binary=:all: --implementation cp --python-version "$python_tag" \
    --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64 "cffi>=1.17"

mounted=
cleanup() {
    if [ -n "$mounted" ]; then
        umount "$chroot_dir/proc" || umount -l "$chroot_dir/proc" || true
    fi
}
trap cleanup EXIT
mount -t proc proc "$chroot_dir/proc"
mounted=1

start=$(now)
# shellcheck disable=SC2016  # the script expands inside the chroot, not here
chroot "$chroot_dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 /bin/sh -eu -c '
    cd /opt/rocketmq-wheel-test
    echo "inside: $(. /etc/os-release && echo "$PRETTY_NAME"), $(ldd --version | head -n 1), $(python3 --version)"
    if command -v cc >/dev/null || command -v gcc >/dev/null; then echo "note: a C compiler is present"; fi
    rm -rf venv
    python3 -m venv venv
    venv/bin/python -m pip install --quiet --disable-pip-version-check --no-index --only-binary=:all: \
        --find-links wheelhouse rocketmq-cffi
    venv/bin/python -I smoke_test.py
'
echo "chroot test passed in $(elapsed "$start")s (venv, install and smoke test)"
