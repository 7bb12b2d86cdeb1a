"""Build of rocketmq-cffi: the package metadata lives in pyproject.toml.

setup.py only wires in what pyproject.toml cannot express: the native core
built as ``rocketmq/_lib/librocketmq.so`` (build_core.py), the cffi module
``rocketmq._native`` linked against it (build_ffi.py), and the abi3 wheel tag.
"""

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

# pip runs this file from the project root but does not put it on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from build_core import build_core_library, install_into_package  # noqa: E402


class BuildExtWithCore(build_ext):
    """build_ext that first builds the core library the extension links against."""

    def build_extension(self, ext):
        library_dir = os.path.join(self.build_temp, "core-lib")
        library = build_core_library(self.compiler, self.build_temp, library_dir)
        ext.library_dirs = list(ext.library_dirs or []) + [library_dir]
        super().build_extension(ext)
        # The extension finds the library through $ORIGIN/_lib at run time.
        install_into_package(library, os.path.dirname(self.get_ext_fullpath(ext.name)))
        self._core_library = library

    def copy_extensions_to_source(self):
        # An in-place build copies the extension into the source tree; the
        # library it links must land beside it too.
        super().copy_extensions_to_source()
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            package = ".".join(ext.name.split(".")[:-1])
            install_into_package(self._core_library, build_py.get_package_dir(package))

def license_metadata():
    """The license in the form this setuptools reads: an SPDX expression from
    setuptools 77 on (the older free-text field and the License classifier
    are deprecated there and warn on every build), the free-text field before
    (setuptools 77 does not run on Python 3.8, whose source builds must work)."""
    from importlib.metadata import version

    major = int(version("setuptools").split(".")[0])
    if major >= 77:
        return {"license_expression": "Apache-2.0", "license_files": ["LICENSE"]}
    return {"license": "Apache-2.0", "license_files": ["LICENSE"]}


setup(
    **license_metadata(),
    cffi_modules=["build_ffi.py:ffibuilder"],
    cmdclass={"build_ext": BuildExtWithCore},
    # The extension uses only the stable ABI, so one wheel serves every CPython >= 3.8.
    options={"bdist_wheel": {"py_limited_api": "cp38"}},
)
