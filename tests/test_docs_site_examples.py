"""Every Python example of the documentation site (docs/), run against the embedded broker."""

from __future__ import annotations

import pytest
from _docs_examples import DOCS, example_params, python_blocks, run_example_on, unmarked_directive_blocks

PAGES = sorted(DOCS.glob("**/*.md"))


def test_every_guide_page_has_running_examples():
    pages_with_examples = {page.stem for page in PAGES if python_blocks(page)}
    for page in ("quickstart", "migration", "producing", "consuming", "asyncio", "testing", "cloud",
                 "operations", "performance", "opentelemetry", "c-library"):
        assert page in pages_with_examples, page


@pytest.mark.parametrize("page", PAGES, ids=[page.stem for page in PAGES])
def test_examples_that_do_not_run_are_marked(page):
    assert unmarked_directive_blocks(page) == [], "mark it ':class: not-run' or make it a ```python block"


@pytest.mark.parametrize("block", example_params(PAGES))
def test_docs_example_runs(block, rocketmq_cluster, tmp_path):
    run_example_on(block, rocketmq_cluster, tmp_path)
