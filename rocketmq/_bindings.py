"""The cffi handle on the native core plus the argument checks every wrapper shares.

Arguments are checked here, in Python, before any C call, so a wrong type is
a ``TypeError`` naming the argument instead of a crash inside the core.
"""

import itertools
import os
from typing import Any, Dict, Tuple, Union

from . import _library

# Another build of the core, named by ROCKETMQ_LIBRARY, must be in place
# before the extension binds to a library.
_library.apply_override()

from ._native import ffi, lib  # noqa: E402

if lib.GetRocketMQCffiAbiLevel() != lib.ROCKETMQ_CFFI_ABI_LEVEL:
    raise _library.LibraryMismatchError(
        f"the core library has C ABI level {lib.GetRocketMQCffiAbiLevel()}, "
        f"the extension was built for {lib.ROCKETMQ_CFFI_ABI_LEVEL}"
    )

__all__ = [
    "ffi", "lib", "core_library_path", "c_string", "c_bytes", "c_int", "check_callable",
    "py_string", "py_bytes", "address", "tls_arguments", "c_bool", "c_positive_int",
]

StrOrBytes = Union[str, bytes]

_INT_MIN = -(2**31)
_INT_MAX = 2**31 - 1


def _type_name(value: Any) -> str:
    return type(value).__name__


def c_string(value: Any, name: str) -> bytes:
    """``value`` (str or bytes) as a NUL-terminated C string argument."""
    if isinstance(value, str):
        encoded = value.encode("utf-8")
    elif isinstance(value, bytes):
        encoded = value
    else:
        raise TypeError(f"{name} must be str or bytes, not {_type_name(value)}")
    # An int operand: with b"\0", bytes.__contains__ first tries the operand
    # as an int and builds (then drops) a TypeError every time.
    if 0 in encoded:
        # The C API takes NUL-terminated strings: anything after a NUL would
        # be silently dropped.
        raise ValueError(f"{name} must not contain NUL characters")
    return encoded


# Topics and tags repeat from message to message: their checked encodings
# are kept (a few hundred at most) so the usual message encodes neither.
_REPEATED_STRINGS: Dict[str, bytes] = {}
_REPEATED_STRINGS_KEPT = 512


def c_repeated_string(value: Any, name: str) -> bytes:
    """``c_string`` for values that recur, such as topics and tags."""
    encoded = _REPEATED_STRINGS.get(value) if type(value) is str else None
    if encoded is None:
        encoded = c_string(value, name)
        if type(value) is str:
            if len(_REPEATED_STRINGS) >= _REPEATED_STRINGS_KEPT:
                _REPEATED_STRINGS.clear()
            _REPEATED_STRINGS[value] = encoded
    return encoded


def c_bytes(value: Any, name: str) -> bytes:
    """``value`` as raw bytes; str is UTF-8 encoded, NUL bytes are allowed."""
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{name} must be str or bytes, not {_type_name(value)}")


def c_int(value: Any, name: str) -> int:
    """``value`` as a C int; bool and float are refused rather than converted."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int, not {_type_name(value)}")
    if not _INT_MIN <= value <= _INT_MAX:
        raise ValueError(f"{name} is out of range for a 32-bit int: {value}")
    return int(value)


def c_positive_int(value: Any, name: str) -> int:
    """``value`` as a C int that must be at least 1."""
    number = c_int(value, name)
    if number < 1:
        raise ValueError(f"{name} must be positive, not {number}")
    return number


def c_bool(value: Any, name: str) -> int:
    """``value`` (a bool, nothing else) as the C API's 0 / 1."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be bool, not {_type_name(value)}")
    return int(value)


def tls_arguments(enabled: Any, ca_file: Any, verify_hostname: Any) -> Tuple[int, Any, int]:
    """The (enabled, caFile) arguments of the C API's TLS setters, and the
    enabled argument of its hostname verification setters."""
    if not isinstance(enabled, bool):
        raise TypeError(f"enabled must be bool, not {_type_name(enabled)}")
    if not isinstance(verify_hostname, bool):
        raise TypeError(f"verify_hostname must be bool, not {_type_name(verify_hostname)}")
    if ca_file is None:
        return int(enabled), ffi.NULL, int(verify_hostname)
    if not isinstance(ca_file, str):
        raise TypeError(f"ca_file must be str or None, not {_type_name(ca_file)}")
    if not os.path.isfile(ca_file):
        raise ValueError(f"ca_file {ca_file!r} is not a file")
    return int(enabled), c_string(ca_file, "ca_file"), int(verify_hostname)


def check_callable(value: Any, name: str) -> None:
    if not callable(value):
        raise TypeError(f"{name} must be callable, not {_type_name(value)}")


def py_bytes(pointer: Any) -> bytes:
    """A C string returned by the core as bytes (NULL reads as empty)."""
    if pointer == ffi.NULL:
        return b""
    return ffi.string(pointer)


def py_string(pointer: Any) -> str:
    """A C string returned by the core as str (NULL reads as empty)."""
    return py_bytes(pointer).decode("utf-8", "replace")


_VOID_POINTER = ffi.typeof("void *")
_user_data_numbers = itertools.count(1)


def numbered_user_data() -> Any:
    """A fresh ``void*`` for the core to hand back to a callback: a number,
    unique in the process, rather than a ``ffi.new_handle``. For records
    that keep their own user data: a handle refers back to its object, and
    the cycle would keep every finished record alive until the cycle
    collector ran."""
    return ffi.cast(_VOID_POINTER, next(_user_data_numbers))


def address(pointer: Any) -> int:
    """The address a cdata pointer holds, usable as a dictionary key."""
    return int(ffi.cast("uintptr_t", pointer))


def core_library_path() -> str:
    """The file of the core library the extension calls into."""
    return _library.library_in_use(address(lib.rocketmq_core_entry_address()))
