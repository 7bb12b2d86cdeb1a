"""Write ``rocketmq/_native.pyi``, the type stub of the compiled cffi module.

cffi builds ``rocketmq._native`` with no type information; this reads every
function and constant off the built module (``ffi.typeof``) and writes them
as a stub, so mypy checks the Python layer's calls into the core. Run it
after changing the cdefs: ``python scripts/generate_native_stub.py``; the
test suite fails while the committed stub and the built module disagree.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, List

MAX_LINE = 110  # the project's line length (pyproject.toml, ruff)
STUB_PATH = Path(__file__).resolve().parent.parent / "rocketmq" / "_native.pyi"

PREAMBLE = '''"""Type stub of the cffi extension (written by scripts/generate_native_stub.py)."""

from typing import Any, Callable, Optional, TypeVar, Union

# A cffi cdata object (pointer, struct, array); typed loosely, as cffi does.
CData = Any
_F = TypeVar("_F", bound=Callable[..., Any])

class _FFI:
    NULL: CData
    def new(self, cdecl: str, init: Any = ...) -> CData: ...
    def new_handle(self, obj: object) -> CData: ...
    def from_handle(self, handle: CData) -> Any: ...
    def cast(self, cdecl: str, value: Any) -> CData: ...
    def string(self, cdata: CData, maxlen: int = ...) -> bytes: ...
    def unpack(self, cdata: CData, length: int) -> bytes: ...
    def gc(self, cdata: CData, destructor: Optional[Callable[[CData], Any]], size: int = ...) -> CData: ...
    def release(self, cdata: CData) -> None: ...
    def addressof(self, cdata: Any, *fields_or_indexes: Any) -> CData: ...
    def typeof(self, cdata: Any) -> Any: ...
    def sizeof(self, cdecl: Any) -> int: ...
    def def_extern(self, name: str = ..., error: Any = ..., onerror: Any = ...) -> Callable[[_F], _F]: ...

ffi: _FFI

class _Lib:
'''

def _python_type(cname: str, kind: str, is_result: bool) -> str:
    if kind == "primitive":
        return "float" if cname in ("float", "double") else "int"
    if kind == "enum":
        return "int"
    if kind == "void":
        return "None"
    if cname == "char *" and not is_result:
        return "Union[bytes, CData]"
    return "CData"


def stub_lines(ffi: Any, lib: Any) -> List[str]:
    lines: List[str] = []
    for name in sorted(dir(lib)):
        value = getattr(lib, name)
        if isinstance(value, int):
            lines.append(f"    {name}: int")
            continue
        ctype = ffi.typeof(value)
        if ctype.kind != "function":
            lines.append(f"    {name}: CData")
            continue
        params = ["self"] + [
            f"__a{index}: {_python_type(arg.cname, arg.kind, False)}" for index, arg in enumerate(ctype.args)
        ]
        result = _python_type(ctype.result.cname, ctype.result.kind, True)
        line = f"    def {name}({', '.join(params)}) -> {result}: ..."
        if len(line) > MAX_LINE:
            wrapped = "".join(f"        {param},\n" for param in params)
            line = f"    def {name}(\n{wrapped}    ) -> {result}: ..."
        lines.append(line)
    return lines


def render(ffi: Any, lib: Any) -> str:
    return PREAMBLE + "\n".join(stub_lines(ffi, lib)) + "\n\nlib: _Lib\n"


def main() -> int:
    # The checkout's in-place build, not an installed copy.
    sys.path.insert(0, str(STUB_PATH.parent.parent))
    from rocketmq._native import ffi, lib

    STUB_PATH.write_text(render(ffi, lib))
    print(f"wrote {STUB_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
