"""Fail when a wheel depends on a shared zlib or exports zlib's symbols.

    python wheels/check_zlib.py WHEEL...

The wheels compile zlib into librocketmq.so with hidden visibility. Two
things would undo that quietly: a NEEDED entry for libz (the system zlib
linked after all, or a copy auditwheel grafted into the wheel), and zlib
functions visible in the dynamic symbol table, where the interpreter's own
zlib module could bind to ours or ours to its. Either fails this check.
"""

from __future__ import annotations

import io
import os
import sys
import zipfile
from typing import List

from elftools.elf.dynamic import DynamicSection
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

# Entry points every zlib build defines; one of them exported is enough to tell.
ZLIB_SYMBOLS = {
    "adler32", "compress", "compress2", "compressBound", "crc32", "deflate", "deflateEnd",
    "deflateInit_", "deflateInit2_", "gzopen", "inflate", "inflateEnd", "inflateInit_",
    "inflateInit2_", "uncompress", "zlibVersion",
}


def problems_in(wheel: str) -> List[str]:
    problems = []
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            data = archive.read(member)
            if data[:4] != b"\x7fELF":
                continue
            if os.path.basename(member).startswith("libz"):
                problems.append(f"{member}: a zlib shared library inside the wheel")
            elf = ELFFile(io.BytesIO(data))
            for section in elf.iter_sections():
                if isinstance(section, DynamicSection):
                    for tag in section.iter_tags():
                        if tag.entry.d_tag == "DT_NEEDED" and tag.needed.startswith("libz"):
                            problems.append(f"{member}: needs {tag.needed}")
                elif isinstance(section, SymbolTableSection) and section.name == ".dynsym":
                    exported = sorted(
                        symbol.name
                        for symbol in section.iter_symbols()
                        if symbol.name in ZLIB_SYMBOLS and symbol["st_shndx"] != "SHN_UNDEF"
                    )
                    if exported:
                        problems.append(f"{member}: exports zlib symbols {', '.join(exported)}")
    return problems


def main(argv: List[str]) -> int:
    if not argv:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    failed = False
    for wheel in argv:
        problems = problems_in(wheel)
        for problem in problems:
            print(f"{os.path.basename(wheel)}: {problem}", file=sys.stderr)
        failed = failed or bool(problems)
    if failed:
        hint = "zlib must be compiled in with hidden visibility (ROCKETMQ_ZLIB_SRC)"
        print(f"check_zlib: {hint}", file=sys.stderr)
        return 1
    print("check_zlib: ok (zlib compiled in, nothing of it exported)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
