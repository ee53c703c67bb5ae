"""``PAT_CLI_USER_LOOKUP``: ``flask pat ... --user`` also takes what operators know."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, current_app

from tests.conftest import cli_runner


def by_email(text: str) -> Any:
    pat = current_app.extensions["pat"]
    return pat.db.session.scalar(sa.select(pat.user_model).filter_by(email=text))


def _run(app: Flask, *args: str) -> Any:
    with app.app_context():
        return cli_runner(app).invoke(args=["pat", *args])


@pytest.mark.parametrize("app_config", [{"PAT_CLI_USER_LOOKUP": by_email}])
def test_user_by_email(app: Flask, user: Any, other_user: Any) -> None:
    created = _run(app, "create", "--user", "bob@example.com", "--name", "ci")
    assert created.exit_code == 0, created.stderr
    listed = _run(app, "list", "--user", "bob@example.com", "--json")
    assert listed.exit_code == 0
    assert '"name": "ci"' in listed.stdout
    assert f'"user_id": {other_user.id}' in listed.stdout
    # The primary key still works, and comes first.
    assert _run(app, "list", "--user", str(user.id)).exit_code == 0
    missing = _run(app, "create", "--user", "nobody@example.com", "--name", "x")
    assert missing.exit_code == 2
    assert "PAT_CLI_USER_LOOKUP finds none" in missing.stderr


def test_without_a_lookup_only_the_primary_key(app: Flask, user: Any) -> None:
    result = _run(app, "create", "--user", "ada@example.com", "--name", "ci")
    assert result.exit_code == 2
    assert "No user with id 'ada@example.com'" in result.stderr
    assert "set PAT_CLI_USER_LOOKUP" in result.stderr
    assert _run(app, "create", "--user", str(user.id), "--name", "ci").exit_code == 0


@pytest.mark.parametrize("app_config", [{"PAT_CLI_USER_LOOKUP": lambda text: "someone"}])
def test_a_lookup_returning_something_else_is_reported(app: Flask, user: Any) -> None:
    result = _run(app, "create", "--user", "ada@example.com", "--name", "ci")
    assert result.exit_code == 1
    assert "PAT_CLI_USER_LOOKUP returned 'someone'" in result.stderr
