"""cffi (API mode) build of the extension ``rocketmq._native`` over the native core.

The declarations handed to cffi live in ``rocketmq/_cdefs/*.h``; cffi checks
them against the real headers in ``native/include`` while compiling, so a
drift between the two fails the build instead of corrupting memory at run
time. ``python build_ffi.py`` builds in place, next to the sources.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import List

from cffi import FFI

from build_core import PACKAGE_LIBRARY_DIR

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
    "batch_consume.h",
    "logging.h",
    "callbacks.h",
    "send_completions.h",
    "quick_send_callbacks.h",
    "message_fields.h",
    "send_fields.h",
    "library_info.h",
    "pull_consumer.h",
    "tls.h",
    "routing.h",
    "admin.h",
    "send_detail.h",
    "subscription.h",
    "request_reply.h",
    "lite_pull_consumer.h",
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
    "CBatchConsume.h",
    "CQuickSendCallbacks.h",
    "CMessageFields.h",
    "CSendFields.h",
    "CLibraryInfo.h",
    "CLogging.h",
    "CTls.h",
    "CRouting.h",
    "CPullResult.h",
    "CPullConsumer.h",
    "CAdmin.h",
    "CSendDetail.h",
    "CSubscription.h",
    "CRequestReply.h",
    "CLitePullConsumer.h",
)

# C code compiled into the extension itself: wrappers around the Python
# callbacks, and the probe that tells which core library is in use.
EXTENSION_SOURCES = (
    CDEF_DIR / "callback_gates.h",
    CDEF_DIR / "send_completion_queue.h",
    CDEF_DIR / "request_reply_gates.h",
    CDEF_DIR / "library_probe.h",
)

# The extension is only the cffi glue and the callback gates: the core itself
# is librocketmq.so (build_core.py), linked here and found at run time through
# the RUNPATH, next to the extension in _lib/.
COMPILE_ARGS = ["-std=c++17", "-O2", "-g0", "-Wall", "-Wextra", "-fvisibility=hidden", "-pthread"]
EXTENSION_VERSION_SCRIPT = ROOT / "native" / "extension.map"
LIBRARY_RUNPATH = "$ORIGIN/" + PACKAGE_LIBRARY_DIR


def read_cdefs() -> str:
    return "\n".join((CDEF_DIR / name).read_text() for name in CDEF_FILES)


def build_dependencies(native_dir: Path) -> List[str]:
    """Files whose change must rebuild the extension (setuptools only watches sources)."""
    headers = list(native_dir.glob("include/*.h"))
    ours = [CDEF_DIR / name for name in CDEF_FILES] + list(EXTENSION_SOURCES) + [EXTENSION_VERSION_SCRIPT]
    return [os.path.relpath(path, ROOT) for path in sorted(headers + ours)]


def make_builder(native_dir: Path = ROOT / "native") -> FFI:
    if not EXTENSION_VERSION_SCRIPT.is_file():
        raise FileNotFoundError(f"linker version script missing: {EXTENSION_VERSION_SCRIPT}")
    builder = FFI()
    builder.cdef(read_cdefs())
    includes = "".join(f'#include "{header}"\n' for header in PUBLIC_HEADERS)
    builder.set_source(
        "rocketmq._native",
        includes + "".join(source.read_text() for source in EXTENSION_SOURCES),
        source_extension=".cpp",
        depends=build_dependencies(native_dir),
        include_dirs=[str(native_dir / "include")],
        # setup.py adds the directory the core library was built into.
        libraries=["rocketmq"],
        extra_compile_args=COMPILE_ARGS,
        extra_link_args=[
            "-pthread",
            "-s",
            f"-Wl,-rpath,{LIBRARY_RUNPATH}",
            f"-Wl,--version-script={EXTENSION_VERSION_SCRIPT}",
        ],
    )
    return builder


ffibuilder = make_builder()

if __name__ == "__main__":
    # In-place build for working on the sources: setup.py's build_ext leaves
    # rocketmq/_native*.so and rocketmq/_lib/librocketmq.so in the source tree.
    import subprocess
    import sys

    sys.exit(subprocess.call([sys.executable, "setup.py", "build_ext", "--inplace"], cwd=ROOT))
