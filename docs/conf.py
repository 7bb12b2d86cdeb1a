"""Sphinx configuration of the rocketmq-cffi documentation.

Built against the installed package (autodoc imports ``rocketmq`` from the
environment, not from this checkout): ``sphinx-build -W -b html docs OUT``.
Pages are Markdown (MyST); the API reference pages are reStructuredText so
that autodoc directives read naturally.

A new page is a Markdown file here plus its line in index.md's toctree (a new
module's reference: a file in api/ and its line in api/index.rst). Its
```python blocks run as tests against the embedded broker
(tests/test_docs_site_examples.py).
"""

import rocketmq

project = "rocketmq-cffi"
author = "rocketmq-cffi contributors"
copyright = "rocketmq-cffi contributors"
release = rocketmq.__version__
version = release

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Headings become link targets, so pages can point at each other's sections.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

autodoc_default_options = {
    "members": True,
    "undoc-members": True,
    "show-inheritance": True,
}
autodoc_member_order = "bysource"
# Signatures show the hints; descriptions stay readable.
autodoc_typehints = "signature"
# The optional OpenTelemetry API may be absent where the docs are built.
autodoc_mock_imports = ["opentelemetry"]

html_theme = "alabaster"
html_title = f"rocketmq-cffi {release}"
