"""The documentation keeps up with the code: every setting and every public name is in it.
(``make docs`` builds it with warnings as errors; CI runs that too.)"""

from __future__ import annotations

import re
from pathlib import Path

import flask_pat
from flask_pat.settings.defaults import DEFAULTS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_every_setting_is_documented() -> None:
    documented = set(
        re.findall(r"^\| `(PAT_[A-Z_]+)`", (DOCS / "configuration.md").read_text(), re.M)
    )
    assert set(DEFAULTS) <= documented, sorted(set(DEFAULTS) - documented)


def test_every_public_name_is_in_the_reference() -> None:
    reference = (DOCS / "reference.md").read_text()
    missing = [name for name in flask_pat.__all__ if f"flask_pat.{name}" not in reference]
    assert missing == []
