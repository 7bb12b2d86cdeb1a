"""The README's Python examples and the typed example program, run against the embedded broker."""

from __future__ import annotations

import subprocess
import sys

import pytest
from _docs_examples import REPO, example_params, run_example_on
from _helpers import unique_name

README = REPO / "README.md"


def readme_python_blocks():
    return example_params([README])


def test_readme_has_examples_for_the_modern_api():
    text = "\n".join(param.values[0] for param in readme_python_blocks())
    for needle in ("Message(\"Orders\", \"order 42", "send_async(", "send_batch(", "send_orderly(",
                   "AsyncProducer", "async for message in consumer", ".stats()", ".text", ".properties"):
        assert needle in text, needle


@pytest.mark.parametrize("block", readme_python_blocks())
def test_readme_example_runs(block, rocketmq_cluster, tmp_path):
    run_example_on(block, rocketmq_cluster, tmp_path)


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
