"""Sphinx configuration: ``make docs`` builds the site into docs/_build/html."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

project = "flask-pat"
author = "flask-pat contributors"
copyright = "flask-pat contributors"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_typehints = "description"
# The docs build with no network: intersphinx links only where an inventory is at hand.
intersphinx_mapping: dict[str, Any] = {}

html_theme = "alabaster"
html_title = "flask-pat"
html_theme_options = {
    "description": "Personal access tokens for Flask apps",
    "fixed_sidebar": True,
}

#: Pages of parts that land on their own: each joins the contents once its file exists.
OPTIONAL_PAGES = ("admin", "leaks", "translations")


def _drop_missing_optional_pages(app: Any, docname: str, source: list[str]) -> None:
    if docname != root_doc:
        return
    missing = {page for page in OPTIONAL_PAGES if not (Path(app.srcdir) / f"{page}.md").exists()}
    source[0] = "\n".join(line for line in source[0].splitlines() if line.strip() not in missing)


def setup(app: Any) -> None:
    app.connect("source-read", _drop_missing_optional_pages)
