#!/usr/bin/env bash
# One command from a fresh clone to a message sent and consumed through the
# embedded name server and broker.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$repo_root/scripts/bootstrap.sh"
exec "$repo_root/.venv/bin/python" "$repo_root/examples/quickstart.py"
