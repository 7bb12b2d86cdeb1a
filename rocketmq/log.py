"""The native core's log: where it goes, how much, or into Python's ``logging``.

The log is process wide, as librocketmq's was. By default the core writes
``$HOME/logs/rocketmq-cpp/<pid>_rocketmq-cpp.log`` (``ROCKETMQ_CLIENT_LOG_DIR``
names another directory) at INFO, rotated at 100 MiB with 3 files kept; the
file is created when the first line is written. The per-client setters of
2.x's C API (``Producer.set_log_path`` and friends) configure the same log.

``route_to_python_logging()`` sends the lines to the ``rocketmq.core``
logger instead, with their levels mapped (WARN -> WARNING, TRACE -> DEBUG).
``disable()`` turns the log off.
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any, Optional, Union

from ._bindings import c_int, c_string, ffi, lib, py_string
from .exceptions import ffi_check

__all__ = [
    "LogLevel", "set_log_directory", "set_log_level", "set_log_rotation", "log_file_path", "disable",
    "route_to_python_logging", "CORE_LOGGER_NAME",
]

CORE_LOGGER_NAME = "rocketmq.core"


class LogLevel(IntEnum):
    """The core's levels (CLogLevel's values), plus OFF."""

    OFF = 0
    FATAL = 1
    ERROR = 2
    WARN = 3
    INFO = 4
    DEBUG = 5
    TRACE = 6


_PYTHON_LEVELS = {
    LogLevel.FATAL: logging.CRITICAL,
    LogLevel.ERROR: logging.ERROR,
    LogLevel.WARN: logging.WARNING,
    LogLevel.INFO: logging.INFO,
    LogLevel.DEBUG: logging.DEBUG,
    LogLevel.TRACE: logging.DEBUG,
}

_core_logger = logging.getLogger(CORE_LOGGER_NAME)
_routed = False


def _as_level(level: Union[LogLevel, int, str]) -> LogLevel:
    if isinstance(level, str):
        try:
            return LogLevel[level.upper()]
        except KeyError:
            names = ", ".join(LogLevel.__members__)
            raise ValueError(f"unknown log level {level!r}; one of {names}") from None
    try:
        return LogLevel(c_int(level, "level"))
    except ValueError:
        raise ValueError(f"log level must be 0 (OFF) to 6 (TRACE), not {level!r}") from None


def client_log_level(level: Union[LogLevel, int, str]) -> int:
    """A level for the C API's per-client setters, which know FATAL..TRACE only."""
    checked = _as_level(level)
    if checked == LogLevel.OFF:
        raise ValueError("a client cannot turn the log off; use rocketmq.log.disable()")
    return int(checked)


def client_log_rotation(file_num: int, file_size_mib: int) -> "tuple[int, int]":
    num, size = c_int(file_num, "file_num"), c_int(file_size_mib, "file_size_mib")
    if num <= 0 or size <= 0:
        raise ValueError("file_num and file_size_mib must be positive")
    return num, size


def set_log_directory(directory: Optional[str]) -> None:
    """Write ``<pid>_rocketmq-cpp.log`` under ``directory`` (None: the default directory)."""
    path = ffi.NULL if directory is None else c_string(directory, "directory")
    ffi_check(lib.SetRocketMQLogDirectory(path))


def set_log_level(level: Union[LogLevel, int, str]) -> None:
    """Log lines at ``level`` and more severe ones; ``LogLevel.OFF`` logs nothing."""
    ffi_check(lib.SetRocketMQLogLevel(int(_as_level(level))))


def set_log_rotation(file_count: int, file_size_bytes: int) -> None:
    """Rotate the file at ``file_size_bytes``, keeping ``file_count`` files."""
    count = c_int(file_count, "file_count")
    if isinstance(file_size_bytes, bool) or not isinstance(file_size_bytes, int):
        raise TypeError(f"file_size_bytes must be int, not {type(file_size_bytes).__name__}")
    if count <= 0 or file_size_bytes <= 0:
        raise ValueError("file_count and file_size_bytes must be positive")
    ffi_check(lib.SetRocketMQLogRotation(count, file_size_bytes))


def log_file_path() -> Optional[str]:
    """The file the core writes to, or None while its lines go to Python's logging."""
    path = py_string(lib.GetRocketMQLogFilePath())
    return path or None


def disable() -> None:
    """Turn the core's log off (the same as ``set_log_level(LogLevel.OFF)``)."""
    set_log_level(LogLevel.OFF)


def route_to_python_logging(enabled: bool = True) -> None:
    """Send the core's lines to the ``rocketmq.core`` logger (or, with False, back to the file)."""
    global _routed
    if enabled:
        ffi_check(lib.SetRocketMQLogHandler(lib.rocketmq_gated_log_line, ffi.NULL))
    else:
        ffi_check(lib.SetRocketMQLogHandler(ffi.NULL, ffi.NULL))
    _routed = bool(enabled)


def stop_routing_at_exit() -> None:
    """Interpreter exit: lines logged from now on go to the file, not to Python."""
    if _routed:
        lib.SetRocketMQLogHandler(ffi.NULL, ffi.NULL)


@ffi.def_extern()
def _rocketmq_log_line(level: int, message: Any, context: Any) -> None:
    python_level = _PYTHON_LEVELS.get(LogLevel(level) if 0 < level <= 6 else LogLevel.INFO, logging.INFO)
    if _core_logger.isEnabledFor(python_level):
        _core_logger.log(python_level, "%s", ffi.string(message).decode("utf-8", "replace"))
