"""A user deleted by another program on SQLite (the ``sqlite3`` shell, a script: foreign
keys off) takes their tokens along: the next user given the same id inherits nothing."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from tests.conftest import _add_user, bearer, make_app


def database_file(app: Flask) -> str:
    with app.app_context():
        path = app.extensions["sqlalchemy"].engine.url.database
    assert path
    return str(path)


def delete_behind_the_apps_back(path: str, user_id: int) -> None:
    """What the ``sqlite3`` shell does: its own connection, foreign keys off."""
    connection = sqlite3.connect(path, timeout=30)
    try:
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (0,)
        connection.execute("DELETE FROM pat_test_user WHERE id = ?", (user_id,))
        connection.commit()
    finally:
        connection.close()


@pytest.mark.parametrize("restart", [False, True], ids=["same process", "after a restart"])
def test_a_user_deleted_by_another_program_leaves_no_token_behind(
    database_url: str, app: Flask, db: Any, User: Any, make_token: Any, restart: bool
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("other databases always enforce their foreign keys")
    with app.app_context():
        ada = _add_user(db, User, "ada@example.com")
    token_id, secret = make_token(ada, "ci")
    client = app.test_client()
    assert client.get("/whoami", headers=bearer(secret)).status_code == 200
    path = database_file(app)
    if restart:
        # Another process of the app, on tables made by a migration (no trigger yet).
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()
        connection = sqlite3.connect(path)
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type='trigger'"):
            connection.execute(f'DROP TRIGGER "{name}"')
        connection.commit()
        connection.close()
        app, db, _, User = make_app(database_url)
        client = app.test_client()
        assert client.get("/whoami", headers=bearer(secret)).status_code == 200

    delete_behind_the_apps_back(path, ada.id)
    with app.app_context():
        eve = _add_user(db, User, "eve@example.com")
    assert eve.id == ada.id  # SQLite hands the id out again
    response = client.get("/whoami", headers=bearer(secret))
    assert response.status_code == 401
    assert "The token is unknown" in response.headers["WWW-Authenticate"]
    pat = app.extensions["pat"]
    with app.app_context():
        for model in (pat.Token, pat.Event):
            count = db.session.scalar(
                sa.select(sa.func.count()).select_from(model).where(model.user_id == eve.id)
            )
            assert count == 0, model
    # Eve's own tokens are hers alone.
    eves_id, hers = make_token(eve, "mine")
    assert client.get("/whoami", headers=bearer(hers)).get_json() == {
        "user": str(eve.id),
        "token": eves_id,
    }
