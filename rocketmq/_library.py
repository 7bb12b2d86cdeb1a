"""Which native core library the package uses, and whether it fits.

The package carries the core as ``rocketmq/_lib/librocketmq.so``; the
extension ``rocketmq._native`` links it by SONAME and finds it through its
RUNPATH (``$ORIGIN/_lib``), so no ``LD_LIBRARY_PATH`` or ``ldconfig`` is
involved.

``ROCKETMQ_LIBRARY`` names another build of the library to use instead. It
is loaded with ``RTLD_GLOBAL`` before the extension: the dynamic linker then
binds the extension's C API calls to it rather than to the bundled copy.
Its ABI level is checked first, so a library built from other sources fails
with a :class:`LibraryMismatchError` that says what is wrong, not with a
crash at the first call.
"""

from __future__ import annotations

import ctypes
import os
import threading
from pathlib import Path
from typing import List, Optional

LIBRARY_ENV = "ROCKETMQ_LIBRARY"
BUNDLED_LIBRARY = Path(__file__).resolve().parent / "_lib" / "librocketmq.so"
BUNDLED_HEADERS = BUNDLED_LIBRARY.parent / "include"
# Must equal ROCKETMQ_CFFI_ABI_LEVEL in native/include/CLibraryInfo.h; the
# extension checks the two agree when it is first imported.
ABI_LEVEL = 1

# A few functions every level-1 library exports; a library missing one of
# them is not a build of this C API at all.
_REQUIRED_SYMBOLS = (
    "GetRocketMQCffiAbiLevel",
    "GetRocketMQCffiVersion",
    "GetLatestErrorMessage",
    "CreateProducer",
    "CreatePushConsumer",
    "CreateMessage",
)

_override_lock = threading.Lock()
_override: Optional[ctypes.CDLL] = None


class LibraryMismatchError(ImportError):
    """The library named by ``ROCKETMQ_LIBRARY`` cannot stand in for the bundled one."""


def _missing_symbols(library: ctypes.CDLL) -> List[str]:
    return [name for name in _REQUIRED_SYMBOLS if not hasattr(library, name)]


def check_library(path: str) -> ctypes.CDLL:
    """Load ``path`` globally and verify it is a librocketmq of our ABI level."""
    # A bare name ("librocketmq.so.2") is left to the dynamic linker's search.
    if os.sep in path and not os.path.isfile(path):
        raise LibraryMismatchError(f"{LIBRARY_ENV}={path}: no such file")
    try:
        library = ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
    except OSError as exc:
        raise LibraryMismatchError(f"{LIBRARY_ENV}={path}: cannot be loaded: {exc}") from exc
    missing = _missing_symbols(library)
    if missing:
        raise LibraryMismatchError(
            f"{LIBRARY_ENV}={path} is not a rocketmq-cffi core library of ABI level {ABI_LEVEL}: "
            f"it lacks {', '.join(missing)}"
        )
    library.GetRocketMQCffiAbiLevel.restype = ctypes.c_int
    level = library.GetRocketMQCffiAbiLevel()
    if level != ABI_LEVEL:
        raise LibraryMismatchError(
            f"{LIBRARY_ENV}={path} has C ABI level {level}; this package needs level {ABI_LEVEL}"
        )
    return library


def apply_override() -> None:
    """Load the library ``ROCKETMQ_LIBRARY`` names, if any; call before importing the extension."""
    global _override
    path = os.environ.get(LIBRARY_ENV)
    if not path:
        return
    with _override_lock:
        if _override is None:
            _override = check_library(path)


def library_in_use(function_address: int) -> str:
    """The file the loaded core function at ``function_address`` comes from."""

    class DlInfo(ctypes.Structure):
        _fields_ = [
            ("dli_fname", ctypes.c_char_p),
            ("dli_fbase", ctypes.c_void_p),
            ("dli_sname", ctypes.c_char_p),
            ("dli_saddr", ctypes.c_void_p),
        ]

    # dladdr lives in libc from glibc 2.34 on and in libdl before; the main
    # program's namespace reaches whichever of the two the interpreter has.
    dladdr = ctypes.CDLL(None).dladdr
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
    info = DlInfo()
    if not dladdr(ctypes.c_void_p(function_address), ctypes.byref(info)) or not info.dli_fname:
        return "unknown"
    file_name: bytes = info.dli_fname
    return os.path.realpath(file_name.decode())
