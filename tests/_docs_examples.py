"""Finding and running the Python examples of README.md and docs/ (shared by their tests).

Every fenced ```python block is an example that must run as it is against
the embedded broker: the address the examples are written for is replaced
by the test cluster's. A block that defines ``test_`` functions is a pytest
file and runs under pytest. An example that cannot run (it needs a real
cloud endpoint) is written as a MyST ``{code-block} python`` directive with
``:class: not-run``, so readers see it and the tests know it is skipped on
purpose; a ``{code-block} python`` without that class is an error.
"""

from __future__ import annotations

import contextlib
import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, List

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
# The address the examples are written for.
DOCUMENTED_NAMESRV = "127.0.0.1:9876"
NOT_RUN_CLASS = ":class: not-run"

# Examples that need an optional package say so by importing it; without it they are skipped.
OPTIONAL_IMPORTS = {"opentelemetry.sdk": "opentelemetry-sdk is not installed (pip install opentelemetry-sdk)"}

_PYTHON_FENCE = re.compile(r"^```python\n(.*?)^```", flags=re.S | re.M)
_PYTHON_DIRECTIVE = re.compile(r"^```\{code-block\} python\n(.*?)^```", flags=re.S | re.M)


@contextlib.contextmanager
def property_filtering(cluster: Any) -> Iterator[None]:
    """The SQL92 examples need brokers with enablePropertyFilter; other tests expect it off."""
    for node in cluster.nodes:
        node.enable_property_filter = True
    try:
        yield
    finally:
        for node in cluster.nodes:
            node.enable_property_filter = False


def python_blocks(path: Path) -> List[str]:
    """The ```python blocks of a Markdown file, in order."""
    return _PYTHON_FENCE.findall(path.read_text())


def unmarked_directive_blocks(path: Path) -> List[str]:
    """``{code-block} python`` directives that lack the not-run class (which would silently not run)."""
    return [block for block in _PYTHON_DIRECTIVE.findall(path.read_text())
            if NOT_RUN_CLASS not in block.split("\n\n", 1)[0]]


def example_params(paths: List[Path]) -> List[Any]:
    """One pytest param per example, named after its file and position."""
    params = []
    for path in paths:
        for index, block in enumerate(python_blocks(path)):
            params.append(pytest.param(block, id=f"{path.stem}-block{index}"))
    return params


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        return False


def run_example_on(block: str, cluster: Any, tmp_path: Path) -> None:
    """Run one example against the embedded ``cluster``, with property filtering on for it."""
    with property_filtering(cluster):
        run_example(block, cluster.namesrv_addr, tmp_path)


def run_example(block: str, namesrv_addr: str, tmp_path: Path) -> None:
    """Run one example in a fresh interpreter against ``namesrv_addr``; fail with its output."""
    for module, reason in OPTIONAL_IMPORTS.items():
        if f"from {module}" in block and not _installed(module):
            pytest.skip(reason)
    source = block.replace(DOCUMENTED_NAMESRV, namesrv_addr)
    if re.search(r"^def test_", source, flags=re.M):
        script = tmp_path / "test_example.py"
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(script)]
    else:
        script = tmp_path / "example.py"
        command = [sys.executable, str(script)]
    script.write_text(source)
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr
