"""The README's Python examples and the typed example program, run against the embedded broker."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import unique_name

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
# The address the README's examples are written for.
DOCUMENTED_NAMESRV = "127.0.0.1:9876"


def readme_python_blocks():
    blocks = re.findall(r"^```python\n(.*?)^```", README.read_text(), flags=re.S | re.M)
    return [pytest.param(block, id=f"block{index}") for index, block in enumerate(blocks)]


def test_readme_has_examples_for_the_modern_api():
    text = "\n".join(param.values[0] for param in readme_python_blocks())
    for needle in ("Message(\"Orders\", \"order 42", "send_async(", "send_batch(", "send_orderly(",
                   "AsyncProducer", "async for message in consumer", ".stats()", ".text", ".properties"):
        assert needle in text, needle


@pytest.fixture
def property_filtering(rocketmq_cluster):
    """The SQL92 example needs brokers with enablePropertyFilter; other tests expect it off."""
    for node in rocketmq_cluster.nodes:
        node.enable_property_filter = True
    yield
    for node in rocketmq_cluster.nodes:
        node.enable_property_filter = False


@pytest.mark.parametrize("block", readme_python_blocks())
def test_readme_example_runs(block, rocketmq_cluster, property_filtering, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(block.replace(DOCUMENTED_NAMESRV, rocketmq_cluster.namesrv_addr))
    result = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=90)
    assert result.returncode == 0, result.stdout + result.stderr


def test_typed_example_program_runs(rocketmq_cluster, tmp_path):
    result = subprocess.run(
        [sys.executable, str(REPO / "examples" / "typed_client.py"), rocketmq_cluster.namesrv_addr,
         unique_name("TopicTyped")],
        cwd=tmp_path, capture_output=True, text=True, timeout=90,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 + 5 sent, 10 consumed" in result.stdout


def test_committed_stub_matches_the_built_extension():
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import generate_native_stub
    finally:
        sys.path.pop(0)
    from rocketmq._native import ffi, lib

    committed = (REPO / "rocketmq" / "_native.pyi").read_text()
    assert generate_native_stub.render(ffi, lib) == committed, "run scripts/generate_native_stub.py"
