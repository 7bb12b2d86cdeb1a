#!/usr/bin/env bash
# Prepares a fresh Debian/Ubuntu machine: the system packages the build needs
# (a C++ compiler, zlib and Python headers, venv), then a virtual environment
# in .venv with the package installed from this checkout.
# Usage: bash scripts/bootstrap.sh [extra pip requirement...]
# ROCKETMQ_PACKAGE=<wheel file> installs that wheel instead of building this
# checkout; ROCKETMQ_PACKAGE=none installs no package at all.
# ROCKETMQ_APT_EXTRAS="command:package ..." installs more system packages
# when their command is missing.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python_bin="${PYTHON:-python3}"

missing_system_packages() {
  local wanted=()
  command -v g++ >/dev/null 2>&1 || wanted+=(g++)
  command -v make >/dev/null 2>&1 || wanted+=(make)
  # The TLS tests make their certificates with it.
  command -v openssl >/dev/null 2>&1 || wanted+=(openssl)
  [ -f /usr/include/zlib.h ] || wanted+=(zlib1g-dev)
  local include_dir
  include_dir="$("$python_bin" -c 'import sysconfig; print(sysconfig.get_paths()["include"])')"
  [ -f "$include_dir/Python.h" ] || wanted+=(python3-dev)
  "$python_bin" -c 'import ensurepip, venv' >/dev/null 2>&1 || wanted+=(python3-venv)
  # ROCKETMQ_APT_EXTRAS="command:package ...": more tools a caller needs.
  local extra
  for extra in ${ROCKETMQ_APT_EXTRAS:-}; do
    command -v "${extra%%:*}" >/dev/null 2>&1 || wanted+=("${extra#*:}")
  done
  echo "${wanted[@]:-}"
}

packages="$(missing_system_packages)"
if [ -n "$packages" ]; then
  echo "installing system packages: $packages"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq $packages
fi

if [ ! -x "$repo_root/.venv/bin/python" ]; then
  "$python_bin" -m venv "$repo_root/.venv"
fi
venv_python="$repo_root/.venv/bin/python"
"$venv_python" -m pip install -q --upgrade pip
package="${ROCKETMQ_PACKAGE:-$repo_root}"
if [ "$package" = none ]; then
  [ "$#" -eq 0 ] || "$venv_python" -m pip install -q "$@"
else
  # --force-reinstall: an earlier install of the same version is replaced.
  "$venv_python" -m pip install -q --force-reinstall "$package" "$@"
fi
