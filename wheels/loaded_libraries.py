"""Check which shared objects an installed rocketmq-cffi really runs on.

    python wheels/loaded_libraries.py --machine aarch64 --libc glibc
    python wheels/loaded_libraries.py --machine x86_64 --libc musl

Imports the package (and so its extension and the bundled core library),
then reads the process's own memory map: every mapped ELF file, the
interpreter included, must be built for MACHINE; the extension and the core
library must be the ones inside the installed package; and the C library in
the process must be LIBC alone (a musl interpreter with a glibc-linked module
somewhere in it would crash sooner or later, but not necessarily here).
Prints the table it checked and exits non-zero on any mismatch.

Reads /proc/self/maps, so Linux only; under qemu user emulation that file
shows the emulated program's mappings, which is what is to be checked.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from typing import Dict, List, Optional

import rocketmq
from rocketmq import _native  # noqa: F401  # loads the extension and librocketmq.so

# ELF e_machine values (the System V ABI's list).
MACHINES = {0x3E: "x86_64", 0xB7: "aarch64"}
# Shared objects that belong to one C library or the other.
GLIBC_NAMES = ("libc.so.6", "ld-linux-x86-64.so.2", "ld-linux-aarch64.so.1")
MUSL_PREFIXES = ("ld-musl-", "libc.musl-")


def elf_machine(path: str) -> Optional[str]:
    """The machine an ELF file is built for; None for a file that is no ELF."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(20)
    except OSError:
        return None
    if len(header) < 20 or header[:4] != b"\x7fELF":
        return None
    byte_order = "<" if header[5] == 1 else ">"
    (machine,) = struct.unpack(byte_order + "H", header[18:20])
    return MACHINES.get(machine, f"e_machine {machine:#x}")


def mapped_files() -> List[str]:
    paths: Dict[str, None] = {}  # ordered, no repeats
    with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
        for line in maps:
            fields = line.split(None, 5)
            if len(fields) == 6 and fields[5].startswith("/"):
                paths[fields[5].strip()] = None
    return list(paths)


def libc_of(path: str) -> Optional[str]:
    name = os.path.basename(path)
    if name in GLIBC_NAMES:
        return "glibc"
    if name.startswith(MUSL_PREFIXES) or (name == "libc.so" and "musl" in path):
        return "musl"
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--machine", required=True, choices=sorted(set(MACHINES.values())))
    parser.add_argument("--libc", required=True, choices=("glibc", "musl"))
    args = parser.parse_args()

    package_dir = os.path.dirname(os.path.realpath(rocketmq.__file__))
    problems = []
    found = {"extension": "", "core library": ""}
    libcs = set()
    print(f"shared objects mapped into {sys.executable}:")
    for path in mapped_files():
        machine = elf_machine(path)
        if machine is None:
            continue  # locale archives, deleted files and other non-ELF mappings
        real = os.path.realpath(path)
        name = os.path.basename(real)
        role = ""
        if name.startswith("_native.") and name.endswith(".so"):
            role = "extension"
        elif name == "librocketmq.so":
            role = "core library"
        if role:
            found[role] = real
            if os.path.dirname(real) not in (package_dir, os.path.join(package_dir, "_lib")):
                problems.append(f"the {role} {real} is not the one in {package_dir}")
        libc = libc_of(real)
        if libc:
            libcs.add(libc)
        print(f"  {machine:8} {real}{'  (' + role + ')' if role else ''}{'  (' + libc + ')' if libc else ''}")
        if machine != args.machine:
            problems.append(f"{real} is built for {machine}, not {args.machine}")
    for role, path in found.items():
        if not path:
            problems.append(f"no {role} is mapped")
    if libcs != {args.libc}:
        problems.append(f"C libraries in the process: {', '.join(sorted(libcs)) or 'none found'}; "
                        f"expected {args.libc} only")
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}", file=sys.stderr)
        return 1
    print(f"ok: every mapped ELF file is {args.machine}, the C library is {args.libc} only, "
          f"extension and core library from {package_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
