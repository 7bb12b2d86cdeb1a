"""cffi (API mode) build of the native core into the extension ``rocketmq._native``.

The declarations handed to cffi live in ``rocketmq/_cdefs/*.h``; cffi checks
them against the real headers in ``native/include`` while compiling, so a
drift between the two fails the build instead of corrupting memory at run
time. ``python build_ffi.py`` builds in place, next to the sources.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, List

from cffi import FFI

ROOT = Path(__file__).resolve().parent
CDEF_DIR = ROOT / "rocketmq" / "_cdefs"

# Order matters: each file only uses names declared by the ones before it.
CDEF_FILES = (
    "common.h",
    "message.h",
    "message_ext.h",
    "batch_message.h",
    "send_result.h",
    "producer.h",
    "push_consumer.h",
    "callbacks.h",
)

PUBLIC_HEADERS = (
    "CCommon.h",
    "CMessage.h",
    "CMessageExt.h",
    "CBatchMessage.h",
    "CSendResult.h",
    "CMQException.h",
    "CErrorMessage.h",
    "CTransactionStatus.h",
    "CMessageQueue.h",
    "CProducer.h",
    "CPushConsumer.h",
)

# C wrappers around the Python callbacks, compiled into the extension itself.
CALLBACK_GATES = CDEF_DIR / "callback_gates.h"

# -g0 overrides the interpreter's own -g: debug info would make the installed
# extension about fifteen times larger.
COMPILE_ARGS = ["-std=c++17", "-O2", "-g0", "-Wall", "-Wextra", "-fvisibility=hidden", "-pthread"]


def read_cdefs() -> str:
    return "\n".join((CDEF_DIR / name).read_text() for name in CDEF_FILES)


def _relative(paths: List[Path]) -> List[str]:
    # setuptools runs from the project root; relative paths keep the build
    # log short and mirror the source tree under build/.
    return [os.path.relpath(path, ROOT) for path in sorted(paths)]


def native_sources(native_dir: Path) -> List[str]:
    return _relative(list((native_dir / "src").glob("**/*.cpp")))


def build_dependencies(native_dir: Path) -> List[str]:
    """Files whose change must rebuild the extension (setuptools only watches sources)."""
    headers = list(native_dir.glob("include/*.h")) + list((native_dir / "src").glob("**/*.h"))
    ours = [CDEF_DIR / name for name in CDEF_FILES] + [CALLBACK_GATES, native_dir / "exports.map"]
    return _relative(headers + ours)


def make_builder(native_dir: Path = ROOT / "native") -> FFI:
    version_script = native_dir / "exports.map"
    if not version_script.is_file():
        raise FileNotFoundError(f"linker version script missing: {version_script}")
    builder = FFI()
    builder.cdef(read_cdefs())
    includes = "".join(f'#include "{header}"\n' for header in PUBLIC_HEADERS)
    builder.set_source(
        "rocketmq._native",
        includes + CALLBACK_GATES.read_text(),
        source_extension=".cpp",
        sources=native_sources(native_dir),
        depends=build_dependencies(native_dir),
        include_dirs=[str(native_dir / "include"), str(native_dir / "src")],
        libraries=["z"],
        extra_compile_args=COMPILE_ARGS,
        # -s drops the static symbol table only; the exported C API stays in .dynsym.
        extra_link_args=["-pthread", "-s", f"-Wl,--version-script={version_script}"],
    )
    return builder


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


ffibuilder = make_builder()

if __name__ == "__main__":
    # In-place build for working on the sources: setup.py's build_ext (which
    # compiles in parallel) leaves rocketmq/_native*.so next to the package.
    import subprocess
    import sys

    sys.exit(subprocess.call([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=ROOT))
