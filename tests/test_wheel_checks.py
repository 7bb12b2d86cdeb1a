"""wheels/loaded_libraries.py, the check the foreign-wheel tests end with, on this interpreter.

The aarch64 and musl runs (wheels/aarch64_qemu_test.sh, wheels/musl_python_test.sh)
trust its verdict; here it must pass for what this process really is and
fail, naming the reason, for what it is not.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from typing import List

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO_ROOT, "wheels", "loaded_libraries.py")
MACHINE = platform.machine()
OTHER_MACHINE = {"x86_64": "aarch64", "aarch64": "x86_64"}.get(MACHINE, "")

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or not OTHER_MACHINE or platform.libc_ver()[0] != "glibc",
    reason="checks an x86_64 or aarch64 glibc Linux process",
)


def run_check(tmp_path: "os.PathLike[str]", *arguments: str) -> "subprocess.CompletedProcess[str]":
    # From an empty directory with -I, so the installed package is what gets imported.
    command: List[str] = [sys.executable, "-I", SCRIPT, *arguments]
    return subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_this_process_passes_as_what_it_is(tmp_path: "os.PathLike[str]") -> None:
    result = run_check(tmp_path, "--machine", MACHINE, "--libc", "glibc")
    assert result.returncode == 0, result.stderr
    assert "(extension)" in result.stdout and "(core library)" in result.stdout
    assert "libc.so.6" in result.stdout


def test_another_machine_fails_naming_the_files(tmp_path: "os.PathLike[str]") -> None:
    result = run_check(tmp_path, "--machine", OTHER_MACHINE, "--libc", "glibc")
    assert result.returncode == 1
    assert f"librocketmq.so is built for {MACHINE}, not {OTHER_MACHINE}" in result.stderr


def test_musl_expected_in_a_glibc_process_fails(tmp_path: "os.PathLike[str]") -> None:
    result = run_check(tmp_path, "--machine", MACHINE, "--libc", "musl")
    assert result.returncode == 1
    assert "C libraries in the process: glibc; expected musl only" in result.stderr
