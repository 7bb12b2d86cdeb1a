#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite: the manylinux wheel
# built as for a release (wheels/build_wheels.sh) and installed into .venv,
# the native unit tests, lint and type checks, and the Python tests over real
# TCP against the embedded broker, run against the installed wheel so that a
# packaging mistake fails here.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"
# clang (with libFuzzer) for the fuzz smoke run below.
# sphinx and myst-parser build docs/; opentelemetry-sdk lets tests/test_otel.py read rocketmq.otel's metrics.
ROCKETMQ_PACKAGE=none ROCKETMQ_APT_EXTRAS="clang++:clang" bash scripts/bootstrap.sh pytest pytest-timeout ruff mypy \
  'sphinx>=7' 'myst-parser>=2' opentelemetry-api opentelemetry-sdk
bash wheels/build_wheels.sh x86_64-gnu
wheel="$(ls -t wheels/dist/rocketmq_cffi-*-cp38-abi3-manylinux*_x86_64.whl | head -n 1)"
echo "testing $wheel"
ROCKETMQ_PACKAGE="$repo_root/$wheel" bash scripts/bootstrap.sh
make -C native -j"$(nproc)" test
# Each libFuzzer harness for 12 s over its seed corpus (native/fuzz).
make -C native -j"$(nproc)" fuzz-smoke
.venv/bin/ruff check .
.venv/bin/mypy --strict rocketmq examples/typed_client.py
# Run from a temporary directory so the installed wheel, not the source
# tree, is what gets imported.
cd "$(mktemp -d)"
"$repo_root/.venv/bin/python" -c 'import rocketmq, sys; sys.exit("site-packages" not in rocketmq.__file__)'
# The documentation site, its API pages from the installed package's docstrings;
# any warning (a broken reference, a malformed docstring) fails the build.
"$repo_root/.venv/bin/sphinx-build" -W --keep-going -q -b html "$repo_root/docs" "$(mktemp -d)/html"
# Memory and resource growth over send/consume cycles, client lifecycles and
# Message objects (the quick profile; the full one is run by hand).
"$repo_root/.venv/bin/python" "$repo_root/scripts/leak_check.py" --quick
"$repo_root/.venv/bin/python" -m pytest -p no:cacheprovider -c "$repo_root/pyproject.toml" \
  --rootdir "$repo_root" "$repo_root/tests" "$@"
