"""Build of rocketmq-cffi: the package metadata lives in pyproject.toml.

setup.py only wires in what pyproject.toml cannot express: the cffi module
(the native core compiled into ``rocketmq._native``), a parallel compile, and
the abi3 wheel tag.
"""

import os
import sys

from setuptools import setup
from setuptools.command.build_ext import build_ext

# pip runs this file from the project root but does not put it on sys.path.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from build_ffi import make_compile_parallel  # noqa: E402


class ParallelBuildExt(build_ext):
    """build_ext that compiles the core's many source files concurrently."""

    def build_extension(self, ext):
        make_compile_parallel(self.compiler)
        super().build_extension(ext)


setup(
    cffi_modules=["build_ffi.py:ffibuilder"],
    cmdclass={"build_ext": ParallelBuildExt},
    # The extension uses only the stable ABI, so one wheel serves every CPython >= 3.8.
    options={"bdist_wheel": {"py_limited_api": "cp38"}},
)
