"""The versions flask-pat admits: a host pinned as SPEC section 1 says installs it without an
upgrade. (``make test-lowest`` runs the suite on the lowest versions admitted.)"""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

HOST_PINS = {
    "flask": "3.0.0",
    "werkzeug": "3.0.1",
    "sqlalchemy": "2.0.23",
    "flask-sqlalchemy": "3.1.1",
    "flask-login": "0.6.3",
    "flask-wtf": "1.2.1",
    "wtforms": "3.1.1",
    "blinker": "1.7.0",
    "itsdangerous": "2.1.2",
}


def _requirements() -> dict[str, Requirement]:
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    requirements = [Requirement(text) for text in project["project"]["dependencies"]]
    return {canonicalize_name(r.name): r for r in requirements}


def test_a_host_on_older_pins_installs_without_an_upgrade() -> None:
    requirements = _requirements()
    for name, pinned in HOST_PINS.items():
        requirement = requirements.get(name)
        if requirement is not None:
            assert requirement.specifier.contains(pinned), f"{requirement} refuses {pinned}"


def test_only_lower_bounds() -> None:
    for requirement in _requirements().values():
        assert all(spec.operator == ">=" for spec in requirement.specifier), requirement
