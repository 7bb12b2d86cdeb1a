"""Build of the native core as its own shared library, ``librocketmq.so``.

The core is compiled once into a library that carries the C API and nothing
else. The cffi extension links against it and finds it through its RUNPATH
(``$ORIGIN/_lib``), so neither ``LD_LIBRARY_PATH`` nor ``ldconfig`` is needed;
``rocketmq.ffi`` (ctypes), ``python -m rocketmq install-lib`` and C programs
use the very same file.

zlib is the only dependency. By default the system's ``-lz`` is linked. With
``ROCKETMQ_ZLIB_SRC`` naming a directory of zlib's C sources, those are
compiled in with hidden visibility instead, so a wheel carries its own zlib
and never exports or interposes zlib symbols.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, List, Optional

ROOT = Path(__file__).resolve().parent
NATIVE_DIR = ROOT / "native"
LIBRARY_NAME = "librocketmq.so"
# Where the library and the C headers go, relative to the rocketmq package.
PACKAGE_LIBRARY_DIR = "_lib"
# Exports of the library: the C API only.
LIBRARY_VERSION_SCRIPT = NATIVE_DIR / "exports.map"

# -g0 overrides the interpreter's own -g: debug info would make the installed
# library about fifteen times larger.
CXX_ARGS = ["-std=c++17", "-O2", "-g0", "-Wall", "-Wextra", "-fvisibility=hidden", "-fPIC", "-pthread"]
# zlib's own sources are not ours to warn about; its symbols stay hidden. The
# defines are what zlib's ./configure would put in zconf.h on a Unix system,
# so a plain source directory compiles as it is.
ZLIB_ARGS = ["-O2", "-g0", "-fvisibility=hidden", "-fPIC", "-w", "-DHAVE_UNISTD_H", "-DHAVE_STDARG_H"]
ZLIB_SOURCE_ENV = "ROCKETMQ_ZLIB_SRC"


def _relative(paths: List[Path]) -> List[str]:
    # setuptools runs from the project root; relative paths keep the build
    # log short and mirror the source tree under build/.
    return [os.path.relpath(path, ROOT) for path in sorted(paths)]


def core_sources() -> List[str]:
    return _relative(list((NATIVE_DIR / "src").glob("**/*.cpp")))


def public_headers() -> List[Path]:
    return sorted((NATIVE_DIR / "include").glob("*.h"))


def bundled_zlib_dir() -> Optional[Path]:
    """The zlib source directory to compile in, or None to link the system zlib."""
    configured = os.environ.get(ZLIB_SOURCE_ENV)
    if not configured:
        return None
    directory = Path(configured).resolve()
    if not (directory / "zlib.h").is_file():
        raise FileNotFoundError(f"{ZLIB_SOURCE_ENV}={configured}: no zlib.h in that directory")
    return directory


def parallel_compile(serial_compile: Callable[..., List[str]], object_filenames: Callable[..., List[str]]):
    """Wrap a distutils ``compile`` so each source file compiles on its own thread.

    distutils compiles one file after another; the core has dozens of files,
    and a thread per core turns minutes into a fraction of that. The compiler
    processes do the work, the threads only wait on them.
    """

    def compile_each(sources: List[str], *args: Any, **kwargs: Any) -> List[str]:
        if len(sources) < 2:
            return serial_compile(sources, *args, **kwargs)
        output_dir = kwargs.get("output_dir", args[0] if args else None)
        # Create the object directories up front: distutils' mkpath is not
        # safe to race from several threads.
        for obj in object_filenames(sources, output_dir=output_dir):
            os.makedirs(os.path.dirname(obj) or ".", exist_ok=True)
        workers = max(1, min(os.cpu_count() or 1, len(sources)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            batches = pool.map(lambda source: serial_compile([source], *args, **kwargs), sources)
            return [obj for objects in batches for obj in objects]

    return compile_each


def make_compile_parallel(compiler: Any) -> None:
    """Switch one distutils compiler instance to parallel compilation."""
    if not getattr(compiler, "_compiles_in_parallel", False):
        compiler.compile = parallel_compile(compiler.compile, compiler.object_filenames)
        compiler._compiles_in_parallel = True


def _inputs(zlib_dir: Optional[Path]) -> List[Path]:
    """Every file the library is built from, for the up-to-date check."""
    inputs = list((NATIVE_DIR / "src").glob("**/*")) + public_headers()
    inputs += [LIBRARY_VERSION_SCRIPT, Path(__file__).resolve()]
    if zlib_dir is not None:
        inputs += list(zlib_dir.glob("*.[ch]"))
    return [path for path in inputs if path.is_file()]


def _up_to_date(library: str, zlib_dir: Optional[Path]) -> bool:
    if not os.path.isfile(library):
        return False
    built = os.path.getmtime(library)
    return all(path.stat().st_mtime < built for path in _inputs(zlib_dir))


def build_core_library(compiler: Any, build_temp: str, output_dir: str) -> str:
    """Compile and link ``librocketmq.so`` into ``output_dir``; returns its path.

    ``compiler`` is a configured distutils compiler (build_ext's), so CC, CXX,
    CFLAGS and the other usual variables apply as they do to the extension.
    A library newer than all of its inputs is kept as it is.
    """
    zlib_dir = bundled_zlib_dir()
    library = os.path.join(output_dir, LIBRARY_NAME)
    if _up_to_date(library, zlib_dir):
        return library
    make_compile_parallel(compiler)
    objects_dir = os.path.join(build_temp, "core")
    include_dirs = [str(NATIVE_DIR / "include"), str(NATIVE_DIR / "src")]
    objects: List[str] = []
    # dl: OpenSSL is loaded at run time, only when TLS is turned on.
    libraries = ["z", "dl"]
    if zlib_dir is not None:
        include_dirs.insert(0, str(zlib_dir))
        zlib_sources = [str(path) for path in sorted(zlib_dir.glob("*.c"))]
        objects += compiler.compile(
            zlib_sources, output_dir=os.path.join(objects_dir, "zlib"), extra_postargs=ZLIB_ARGS
        )
        libraries = ["dl"]
    objects += compiler.compile(
        core_sources(), output_dir=objects_dir, include_dirs=include_dirs, extra_postargs=CXX_ARGS
    )
    os.makedirs(output_dir, exist_ok=True)
    compiler.link_shared_object(
        objects,
        LIBRARY_NAME,
        output_dir=output_dir,
        libraries=libraries,
        # -s drops the static symbol table; the exported C API stays in .dynsym.
        # The SONAME lets another build of the library, preloaded, stand in for
        # this one (ROCKETMQ_LIBRARY).
        extra_postargs=[
            "-pthread",
            "-s",
            f"-Wl,-soname,{LIBRARY_NAME}",
            f"-Wl,--version-script={LIBRARY_VERSION_SCRIPT}",
        ],
        target_lang="c++",
    )
    return library


def install_into_package(library: str, package_dir: str) -> None:
    """Put the library and the C headers into ``<package>/_lib`` (headers under include/)."""
    target = os.path.join(package_dir, PACKAGE_LIBRARY_DIR)
    include_target = os.path.join(target, "include")
    os.makedirs(include_target, exist_ok=True)
    shutil.copy2(library, os.path.join(target, LIBRARY_NAME))
    for header in public_headers():
        shutil.copy2(header, os.path.join(include_target, header.name))
