"""The versions flask-pat admits: a host pinned as SPEC section 1 says installs it without an
upgrade. (``make test-lowest`` runs the suite on the lowest versions admitted.)"""

from __future__ import annotations

import os
import tomllib
from importlib.metadata import version
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

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


#: What ``make test-lowest`` installs beside the lowest direct dependencies.
LOWEST_CONSTRAINTS = Path(__file__).parent / "support" / "lowest-constraints.txt"
#: Set by ``make test-lowest``: this run is on the lowest versions.
LOWEST_RUN = os.environ.get("PAT_LOWEST_RUN") == "1"


def _constraints() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOWEST_CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", line
            pins[canonicalize_name(requirement.name)] = spec.version
    return pins


def test_a_host_on_older_pins_installs_without_an_upgrade() -> None:
    """Each pin is admitted by flask-pat's own requirement, or, for what flask-pat needs
    only through others (itsdangerous), installed as pinned by the lowest-versions run;
    in that run, what is installed is the pin or a version below it that is admitted."""
    requirements = _requirements()
    constraints = _constraints()
    for name, pinned in HOST_PINS.items():
        requirement = requirements.get(name)
        if requirement is not None:
            assert requirement.specifier.contains(pinned), f"{requirement} refuses {pinned}"
            assert name not in constraints, f"{name} is pinned by pyproject.toml's lower bound"
        else:
            assert constraints.get(name) == pinned, f"{LOWEST_CONSTRAINTS.name} lacks {name}"
    assert set(constraints) <= set(HOST_PINS), "a constraint the SPEC does not name"
    if LOWEST_RUN:
        for name, pinned in HOST_PINS.items():
            installed = Version(version(name))
            requirement = requirements.get(name)
            if requirement is None:
                assert installed == Version(pinned), f"{name} {installed}, not {pinned}"
            else:
                assert installed <= Version(pinned), f"{name} {installed} above {pinned}"
                assert requirement.specifier.contains(installed), f"{name} {installed}"


def test_only_lower_bounds() -> None:
    for requirement in _requirements().values():
        assert all(spec.operator == ">=" for spec in requirement.specifier), requirement
