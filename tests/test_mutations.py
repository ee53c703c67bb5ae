"""A fast sample of mutation testing, so the habit cannot rot: each named mutation is a small
edit of the security core that must make the tests guarding it fail.

Each mutation is applied to a copy of the project in a temporary directory (the package and
the tests, so that the copy is what the tests import) and the test that catches it runs there
in a subprocess, on SQLite. An anchor that is no longer in the source fails the test and names
the mutation: rewrite the anchor to the new code, keeping the mutation's sense. ``make mutate``
runs the whole mutation tool (docs/testing.md).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    """Replace ``anchor`` (found exactly once in ``path``) with ``replacement``; ``test``
    (a pytest node id) must then fail."""

    name: str
    path: str
    anchor: str
    replacement: str
    test: str


MUTATIONS = [
    Mutation(
        "A: a token revoked by an admin passes the revoked check",
        "flask_pat/signin/lookup.py",
        "if token.revoked_at is not None:\n",
        'if token.revoked_at is not None and token.revoked_reason != "admin":\n',
        "tests/api/test_admin.py::test_a_token_an_admin_revoked_signs_nobody_in_afterwards",
    ),
    Mutation(
        "B: every request carrying a flask-pat credential skips the host's CSRF check",
        "flask_pat/signin/csrf.py",
        "        if state.authenticated:\n",
        "        if True:\n",
        "tests/test_security.py::test_a_refused_token_is_no_csrf_exemption_on_a_public_form",
    ),
    Mutation(
        "C: the leak receiver logs the reported token text",
        "flask_pat/api/leaks.py",
        "    reports = _parse_report(body)\n",
        '    reports = _parse_report(body)\n    logger.debug("flask-pat: reported %s", reports)\n',
        "tests/test_faults.py::test_no_secret_in_the_database_or_the_logs",
    ),
    Mutation(
        "D: revoke by value logs the credentials it was given",
        "flask_pat/api/leaks.py",
        '    found = {digest: leaks.Leak("revoke-endpoint")',
        '    logger.info("flask-pat: revoking %s", credentials)\n'
        '    found = {digest: leaks.Leak("revoke-endpoint")',
        "tests/test_faults.py::test_no_secret_in_the_database_or_the_logs",
    ),
    Mutation(
        "E: the API reads the CSRF token from X-CSRF-Token only",
        "flask_pat/api/__init__.py",
        ' or request.headers.get("X-CSRFToken")',
        "",
        "tests/api/test_tokens.py::test_the_csrf_token_is_read_from_either_header_name",
    ),
    Mutation(
        "F: an expired token still signs its user in",
        "flask_pat/signin/lookup.py",
        "token.expires_at is not None and token.expires_at <= now",
        "token.expires_at is not None and token.expires_at < now",
        "tests/api/test_tokens.py::test_a_token_is_refused_from_expires_at_on",
    ),
    Mutation(
        "G: a leak report is accepted without checking its signature",
        "flask_pat/leaks/github.py",
        "        check_signature(self.key(key_id.strip()), body, signature)\n",
        "        self.key(key_id.strip())\n",
        "tests/leaks/test_leaks.py::test_a_report_without_a_good_signature_changes_nothing",
    ),
    Mutation(
        "H: a managing token creates tokens with scopes it lacks",
        "flask_pat/rights.py",
        "    missing = sorted(set(wanted) - set(token.scopes))\n",
        "    missing = []\n",
        "tests/test_security.py::test_a_token_creates_only_tokens_within_its_rights",
    ),
    Mutation(
        "I: rotation keeps the old secret working",
        "flask_pat/service.py",
        '        "token_hash": token_text.digest(secret),\n        "last4"',
        '        "last4"',
        "tests/api/test_tokens.py::test_rotate_gives_a_new_secret_to_the_same_record",
    ),
    Mutation(
        "J: a token without a route's scopes passes @scopes_required",
        "flask_pat/signin/marking.py",
        "if not set(scopes) <= set(state.token.scopes):",
        "if not set(scopes) <= set(state.token.scopes) | set(scopes):",
        "tests/signin/test_decide.py::test_a_token_without_scopes_is_refused_by_scoped_routes",
    ),
]

#: What the tests of a copy need besides the package and the tests.
COPIED = ["flask_pat", "tests", "example_app", "pyproject.toml", ".pre-commit-hooks.yaml"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the project, made once; each mutation copies the file it edits back."""
    copy = tmp_path_factory.mktemp("mutated")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, copy / name)
    imported = subprocess.run(
        [sys.executable, "-c", "import flask_pat; print(flask_pat.__file__)"],
        cwd=copy,
        env=_environment(copy),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert imported.stdout.startswith(str(copy)), "the copy's tests would import another package"
    return copy


def _environment(project: Path) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in ("PAT_TEST_DATABASE_URLS", "PYTEST_ADDOPTS")
    }
    environment["PYTHONPATH"] = str(project)
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    return environment


def run_tests(project: Path, node: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", node, "-x", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=_environment(project),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_anchors_are_in_the_source() -> None:
    """Each anchor is found exactly once, so each mutation below edits what it says."""
    lost = [
        f"{m.name}: {m.path} holds {count} of {m.anchor!r}"
        for m in MUTATIONS
        if (count := (ROOT / m.path).read_text().count(m.anchor)) != 1
    ]
    assert lost == []


@pytest.mark.slow
@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.name.split(":")[0] for m in MUTATIONS])
def test_each_named_mutation_fails_its_test(project: Path, mutation: Mutation) -> None:
    target = project / mutation.path
    original = (ROOT / mutation.path).read_text()
    assert original.count(mutation.anchor) == 1, (
        f"mutation {mutation.name!r}: its anchor {mutation.anchor!r} is not in {mutation.path}"
        " exactly once; rewrite it to the current code"
    )
    target.write_text(original.replace(mutation.anchor, mutation.replacement))
    try:
        run = run_tests(project, mutation.test)
    finally:
        target.write_text(original)
    output = run.stdout + run.stderr
    # 1: tests ran and failed (not 2, 4 or 5: interrupted, usage error, nothing collected).
    assert run.returncode == 1, f"{mutation.name} survived, or the run broke:\n{output}"
    test_name = mutation.test.rpartition("::")[2]
    assert re.search(rf"^FAILED \S*{re.escape(test_name)}", output, re.M), output
