"""Fail when a shared object needs a strong dynamic symbol that has no version.

    python wheels/check_unversioned.py WHEEL_OR_SO_OR_DIR...

auditwheel grades a wheel by the glibc symbol *versions* its shared objects
need. A reference that carries no version at all escapes that grading: a
libc function declared by hand (instead of through the header of an older
glibc) links without complaint, auditwheel still prints manylinux_2_17, and
the wheel then fails to load on a system whose glibc lacks the function.

Every strong (non-weak) undefined symbol of every ELF file given must
therefore carry a version, except

* symbols another ELF file of the same wheel (or argument list) defines:
  the extension's calls into librocketmq.so are unversioned on purpose;
* the Python C API (``Py*``, ``_Py*``), which the interpreter provides and
  never versions.

Weak references are allowed: the code checks them for NULL before use.
The check reads ELF with pyelftools (an auditwheel dependency). For musl
targets it makes no sense (musl does not version its symbols); the wheel
script skips it there.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import zipfile
from typing import Dict, Iterator, List, Optional, Set, Tuple

from elftools.elf.elffile import ELFFile
from elftools.elf.gnuversions import GNUVerNeedSection, GNUVerSymSection
from elftools.elf.sections import SymbolTableSection

ELF_MAGIC = b"\x7fELF"
INTERPRETER_PREFIXES = ("Py", "_Py")


def elf_blobs(path: str) -> Iterator[Tuple[str, bytes]]:
    """(name, contents) of every ELF file in a wheel, a directory or a single file."""
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as wheel:
            for member in wheel.namelist():
                data = wheel.read(member)
                if data[:4] == ELF_MAGIC:
                    yield f"{os.path.basename(path)}:{member}", data
    elif os.path.isdir(path):
        for folder, _, files in os.walk(path):
            for name in sorted(files):
                yield from elf_blobs(os.path.join(folder, name))
    else:
        with open(path, "rb") as handle:
            data = handle.read()
        if data[:4] == ELF_MAGIC:
            yield path, data


class Symbols:
    """Dynamic symbols of one ELF file: what it defines and what it needs."""

    def __init__(self, name: str, data: bytes) -> None:
        self.name = name
        self.defined: Set[str] = set()
        # (symbol, version or None, binding) for every undefined reference.
        self.needed: List[Tuple[str, Optional[str], str]] = []
        elf = ELFFile(io.BytesIO(data))
        dynsym = elf.get_section_by_name(".dynsym")
        if not isinstance(dynsym, SymbolTableSection):
            return
        versym = elf.get_section_by_name(".gnu.version")
        versions = self._needed_versions(elf)
        for index, symbol in enumerate(dynsym.iter_symbols()):
            if not symbol.name:
                continue
            if symbol["st_shndx"] != "SHN_UNDEF":
                self.defined.add(symbol.name)
                continue
            version = None
            if isinstance(versym, GNUVerSymSection):
                ndx = versym.get_symbol(index)["ndx"]
                # VER_NDX_LOCAL / VER_NDX_GLOBAL (0 and 1) mean "no version".
                if isinstance(ndx, int) and ndx > 1:
                    version = versions.get(ndx & 0x7FFF, f"version #{ndx}")
            self.needed.append((symbol.name, version, symbol["st_info"]["bind"]))

    @staticmethod
    def _needed_versions(elf: ELFFile) -> Dict[int, str]:
        names: Dict[int, str] = {}
        for section in elf.iter_sections():
            if isinstance(section, GNUVerNeedSection):
                for _, auxiliaries in section.iter_versions():
                    for aux in auxiliaries:
                        names[aux["vna_other"]] = aux.name
        return names


def unversioned(files: List[Symbols]) -> List[Tuple[str, str]]:
    provided: Set[str] = set()
    for item in files:
        provided |= item.defined
    problems = []
    for item in files:
        for symbol, version, binding in item.needed:
            if version is not None or binding != "STB_GLOBAL":
                continue
            if symbol in provided or symbol.startswith(INTERPRETER_PREFIXES):
                continue
            problems.append((item.name, symbol))
    return problems


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="wheels, shared objects or directories")
    args = parser.parse_args(argv)

    files = [Symbols(name, data) for path in args.paths for name, data in elf_blobs(path)]
    if not files:
        print("check_unversioned: no ELF file found in " + " ".join(args.paths), file=sys.stderr)
        return 2
    problems = unversioned(files)
    for name, symbol in problems:
        print(f"{name}: strong undefined symbol without a version: {symbol}", file=sys.stderr)
    checked = sum(len(item.needed) for item in files)
    if problems:
        print(f"check_unversioned: {len(problems)} unversioned symbol(s); declare them through the "
              "headers of the oldest supported libc, or drop them", file=sys.stderr)
        return 1
    print(f"check_unversioned: ok ({len(files)} ELF file(s), {checked} undefined symbols, all versioned "
          "or provided inside the wheel)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
