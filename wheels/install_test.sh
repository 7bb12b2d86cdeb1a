#!/usr/bin/env bash
# Install the built x86_64 manylinux wheel, with no compiler at hand, into a
# fresh virtualenv of every CPython 3.8-3.13 found under pyenv, and run the
# send + consume smoke test (smoke_test.py) against the embedded broker in
# each.
#
#   bash wheels/install_test.sh            (after wheels/build_wheels.sh)
#
# cffi comes from the package index; rocketmq-cffi only from wheels/dist
# (--no-index, binary only), and CC/CXX point at `false`, so a fallback to a
# source build would fail instead of passing unnoticed. Everything runs in a
# temporary directory outside the source tree, so the rocketmq/ sources
# cannot shadow the installed package. Missing Python versions are skipped
# and named; any failure makes the script exit non-zero.
#
# Environment: PYENV_ROOT (default /root/.pyenv or ~/.pyenv), WHEELS_DIST_DIR,
# PYTHON_VERSIONS (default "3.8 3.9 3.10 3.11 3.12 3.13").
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dist_dir=${WHEELS_DIST_DIR:-$here/dist}
pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
[ -d "$pyenv_root/versions" ] || pyenv_root=/root/.pyenv
versions=${PYTHON_VERSIONS:-3.8 3.9 3.10 3.11 3.12 3.13}

wheel=$(find "$dist_dir" -maxdepth 1 -name 'rocketmq_cffi-*-cp38-abi3-*manylinux*_x86_64.whl' 2>/dev/null | sort | tail -n 1)
[ -n "$wheel" ] || { echo "install_test.sh: no x86_64 manylinux wheel in $dist_dir; run wheels/build_wheels.sh" >&2; exit 1; }
echo "wheel: $(basename "$wheel")"

scratch=$(mktemp -d "${TMPDIR:-/tmp}/rocketmq-wheel-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
cp "$here/smoke_test.py" "$scratch/"

find_python() {
    # The newest pyenv install of 3.N: 3.N.M only (not 3.N.Mt, 3.N-dev, nor 3.1 for 3.10).
    local version=$1 install
    install=$(find "$pyenv_root/versions" -mindepth 1 -maxdepth 1 -name "$version.*" -printf '%f\n' 2>/dev/null |
        grep -E "^${version//./\\.}\.[0-9]+$" | sort -V | tail -n 1)
    [ -n "$install" ] && [ -x "$pyenv_root/versions/$install/bin/python$version" ] &&
        echo "$pyenv_root/versions/$install/bin/python$version"
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

passed=() failed=() skipped=() report=()
for version in $versions; do
    python=$(find_python "$version") || { echo "--- $version: not installed under $pyenv_root, skipped"; skipped+=("$version"); continue; }
    echo "--- $version: $python"
    venv=$scratch/venv-$version
    log=$scratch/install-$version.log
    start=$(now)
    if ! (
        cd "$scratch"
        export CC=false CXX=false
        "$python" -m venv "$venv" &&
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --only-binary=:all: "cffi>=1.17" &&
            "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --only-binary=:all: \
                --find-links "$dist_dir" rocketmq-cffi
    ) >"$log" 2>&1; then
        cat "$log"
        echo "--- $version: install FAILED"
        failed+=("$version")
        continue
    fi
    install_seconds=$(elapsed "$start")
    start=$(now)
    if (cd "$scratch" && "$venv/bin/python" -I smoke_test.py); then
        run_seconds=$(elapsed "$start")
        passed+=("$version")
        report+=("$(printf '%-5s install %5ss  smoke test %5ss' "$version" "$install_seconds" "$run_seconds")")
    else
        echo "--- $version: smoke test FAILED"
        failed+=("$version")
    fi
done

echo
printf '  %s\n' "${report[@]}"
echo "passed: ${passed[*]:-none}"
[ ${#skipped[@]} -eq 0 ] || echo "skipped (not installed): ${skipped[*]}"
[ ${#failed[@]} -eq 0 ] || { echo "FAILED: ${failed[*]}"; exit 1; }
[ ${#passed[@]} -gt 0 ] || { echo "no Python version was tested"; exit 1; }
