"""The wheel built from pyproject.toml carries the page's files and the typing marker."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    outdir = tmp_path_factory.mktemp("dist")
    result = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = outdir.glob("flask_pat-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.mark.slow
def test_wheel_has_the_template_static_files_and_py_typed(wheel_names: list[str]) -> None:
    assert "flask_pat/templates/pat/tokens.html" in wheel_names
    assert "flask_pat/py.typed" in wheel_names
    static = [name for name in wheel_names if name.startswith("flask_pat/static/pat/")]
    assert any(name.endswith(".js") for name in static), static
    assert any(name.endswith(".css") for name in static), static


@pytest.mark.slow
def test_wheel_has_the_package_and_nothing_of_the_repository(wheel_names: list[str]) -> None:
    assert "flask_pat/__init__.py" in wheel_names
    assert {
        "flask_pat/extension.py",
        "flask_pat/signin/decide.py",
        "flask_pat/api/__init__.py",
        "flask_pat/leaks/scan.py",
    } <= set(wheel_names)
    tops = {name.split("/", 1)[0] for name in wheel_names}
    assert {"flask_pat"} <= tops
    assert not tops & {"tests", "example_app", "bench", "docs", ".venv"}
    assert not [name for name in wheel_names if "__pycache__" in name or name.endswith(".pyc")]


@pytest.mark.slow
def test_every_static_file_in_the_tree_is_in_the_wheel(wheel_names: list[str]) -> None:
    package = ROOT / "flask_pat"
    on_disk = {
        path.relative_to(ROOT).as_posix()
        for folder in ("templates", "static")
        for path in (package / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert on_disk
    assert on_disk <= set(wheel_names)


def test_wheel_has_the_compiled_catalogues(wheel_names: list[str]) -> None:
    for lang in ("de", "es", "fr"):
        assert f"flask_pat/translations/{lang}/LC_MESSAGES/flask_pat.mo" in wheel_names
