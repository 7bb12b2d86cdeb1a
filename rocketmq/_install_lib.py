"""``python -m rocketmq install-lib``: the bundled core for C/C++ programs and older bindings.

Programs built against librocketmq (rocketmq-client-cpp's C API), and
bindings such as rocketmq-client-python 2.0.0 that load ``librocketmq.so``
by name, expect it in the system library path with its headers beside. This
installs the library and headers the package carries under a prefix, and
registers the prefix with the dynamic linker, as a hand build of
rocketmq-client-cpp would have required.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable, List, TextIO

from ._library import BUNDLED_HEADERS, BUNDLED_LIBRARY

DEFAULT_PREFIX = "/usr/local"
DEFAULT_LD_CONF_DIR = "/etc/ld.so.conf.d"
LD_CONF_NAME = "rocketmq.conf"


class InstallError(Exception):
    """A step of the installation failed; the message says which and why."""


class _Plan:
    """The steps to take, each printed before it runs (or instead, for a dry run)."""

    def __init__(self, dry_run: bool, out: TextIO) -> None:
        self.dry_run = dry_run
        self.out = out

    def step(self, description: str, action: Callable[[], None]) -> None:
        print(("would " if self.dry_run else "") + description, file=self.out)
        if self.dry_run:
            return
        try:
            action()
        except PermissionError as exc:
            raise InstallError(
                f"{description}: permission denied ({exc.filename}); run as root or pick a --prefix you own"
            ) from exc
        except (OSError, subprocess.CalledProcessError) as exc:
            raise InstallError(f"{description}: {exc}") from exc


def _copy(source: Path, target: Path, mode: int) -> Callable[[], None]:
    def copy() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        # Copy beside, then rename: a program running from the old file keeps it.
        temporary = target.with_name(f".{target.name}.tmp{os.getpid()}")
        shutil.copyfile(source, temporary)
        os.chmod(temporary, mode)
        os.replace(temporary, target)

    return copy


def _copy_all(sources: List[Path], target_dir: Path, mode: int) -> Callable[[], None]:
    def copy_all() -> None:
        for source in sources:
            _copy(source, target_dir / source.name, mode)()

    return copy_all


def _write(target: Path, text: str) -> Callable[[], None]:
    def write() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)

    return write


def _run(command: List[str]) -> Callable[[], None]:
    def run() -> None:
        subprocess.run(command, check=True)

    return run


def install(prefix: str, dry_run: bool, run_ldconfig: bool, ld_conf_dir: str,
            out: TextIO = sys.stdout) -> None:
    if not BUNDLED_LIBRARY.is_file():
        raise InstallError(f"the package carries no core library at {BUNDLED_LIBRARY}")
    headers = sorted(BUNDLED_HEADERS.glob("*.h"))
    if not headers:
        raise InstallError(f"the package carries no C headers in {BUNDLED_HEADERS}")
    lib_dir = Path(prefix).resolve() / "lib"
    include_dir = Path(prefix).resolve() / "include" / "rocketmq"
    plan = _Plan(dry_run, out)
    plan.step(f"install {BUNDLED_LIBRARY} as {lib_dir / BUNDLED_LIBRARY.name}",
              _copy(BUNDLED_LIBRARY, lib_dir / BUNDLED_LIBRARY.name, 0o755))
    plan.step(f"install {len(headers)} C headers into {include_dir}",
              _copy_all(headers, include_dir, 0o644))
    if not run_ldconfig:
        print(f"skipped: registering {lib_dir} with the dynamic linker (--no-ldconfig)", file=out)
        return
    ld_conf = Path(ld_conf_dir) / LD_CONF_NAME
    plan.step(f"write {ld_conf} listing {lib_dir}", _write(ld_conf, f"{lib_dir}\n"))
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    plan.step(f"run {ldconfig}", _run([ldconfig]))


def run(prefix: str, dry_run: bool, run_ldconfig: bool, ld_conf_dir: str, out: TextIO = sys.stdout) -> int:
    try:
        install(prefix, dry_run, run_ldconfig, ld_conf_dir, out)
    except InstallError as exc:
        print(f"install-lib failed: {exc}", file=sys.stderr)
        return 1
    return 0
