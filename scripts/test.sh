#!/usr/bin/env bash
# One command from a fresh clone to the whole test suite: the native unit
# tests, lint, and the Python tests over real TCP against the embedded broker.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/scripts/bootstrap.sh" pytest pytest-timeout ruff mypy
cd "$repo_root"
make -C native -j"$(nproc)" test
.venv/bin/ruff check .
.venv/bin/mypy --strict rocketmq examples/typed_client.py
# Run from a temporary directory so the installed package, not the source
# tree, is what gets imported.
cd "$(mktemp -d)"
"$repo_root/.venv/bin/python" -m pytest -p no:cacheprovider -c "$repo_root/pyproject.toml" \
  --rootdir "$repo_root" "$repo_root/tests" "$@"
