"""Before flask-pat's tables exist (migrations not run), every entry point says which table
is missing and the command that creates it: 503 ``not_installed``, never "try again"."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_login import LoginManager, UserMixin, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens, tokens
from tests.conftest import bearer, cli_runner

PREFIX = "/settings/tokens"


@pytest.fixture(params=[False, True], ids=["create_all", "flask-migrate"])
def uninstalled(request: pytest.FixtureRequest, database_url: str) -> Iterator[Flask]:
    """A host app whose own user table exists, and flask-pat's tables do not."""
    db = SQLAlchemy()

    class Member(UserMixin, db.Model):  # type: ignore[name-defined]
        id = db.Column(db.Integer, primary_key=True)

    app = Flask(__name__)
    app.config.update(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="x", PAT_TOKEN_ROUTES="all")
    db.init_app(app)
    if request.param:
        from flask_migrate import Migrate

        Migrate(app, db)
    login_manager = LoginManager(app)
    login_manager.user_loader(lambda user_id: db.session.get(Member, int(user_id)))
    PersonalAccessTokens(app, db=db, user_model=Member)

    @app.post("/login")
    def login() -> str:
        login_user(db.session.get(Member, 1))
        return "ok"

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        db.session.remove()

    with app.app_context():
        Member.__table__.create(db.engine)
        db.session.add(Member(id=1))
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        Member.__table__.drop(db.engine)
        db.engine.dispose()


def _command(app: Flask) -> str:
    return "flask db upgrade" if "migrate" in app.extensions else "db.create_all()"


def _assert_not_installed(app: Flask, response: Any) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"]["code"] == "not_installed"
    message = body["error"]["message"]
    assert "personal_access_token" in message and _command(app) in message
    assert "try again" not in message
    assert "Retry-After" not in response.headers


def test_the_api_says_what_to_run(uninstalled: Flask, caplog: pytest.LogCaptureFixture) -> None:
    client = uninstalled.test_client()
    client.post("/login")
    csrf = client.get(f"{PREFIX}/api/meta").get_json()["csrf_token"]
    with caplog.at_level(logging.WARNING):
        _assert_not_installed(uninstalled, client.get(f"{PREFIX}/api/tokens"))
    headers = {"X-CSRF-Token": csrf}
    created = client.post(f"{PREFIX}/api/tokens", json={"name": "ci"}, headers=headers)
    _assert_not_installed(uninstalled, created)
    # The log has the database's own words, not only the exception's class.
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "personal_access_token" in logged
    assert any(
        words in logged.lower() for words in ("no such table", "does not exist", "doesn't exist")
    ), logged


def test_token_requests_say_what_to_run(uninstalled: Flask) -> None:
    response = uninstalled.test_client().get(
        f"{PREFIX}/api/tokens/self", headers=bearer(tokens.generate("pat"))
    )
    _assert_not_installed(uninstalled, response)


def test_the_page_says_what_to_run(uninstalled: Flask) -> None:
    client = uninstalled.test_client()
    client.post("/login")
    response = client.get(f"{PREFIX}/")
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "personal_access_token" in text and _command(uninstalled) in text
    assert "try again" not in text


@pytest.mark.parametrize(
    "args", [["list"], ["create", "--user", "1", "--name", "ci"], ["prune"]], ids=" ".join
)
def test_the_cli_exits_1_saying_what_to_run(uninstalled: Flask, args: list[str]) -> None:
    result = cli_runner(uninstalled).invoke(args=["pat", *args])
    assert result.exit_code == 1, result.output
    assert "personal_access_token" in result.stderr and _command(uninstalled) in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert not isinstance(result.exception, sa.exc.SQLAlchemyError)


def test_the_api_works_once_installed(uninstalled: Flask) -> None:
    db = uninstalled.extensions["sqlalchemy"]
    with uninstalled.app_context():
        db.create_all()
    try:
        client = uninstalled.test_client()
        client.post("/login")
        assert client.get(f"{PREFIX}/api/tokens").status_code == 200
        assert client.get(f"{PREFIX}/").status_code == 200
    finally:
        with uninstalled.app_context():
            pat = uninstalled.extensions["pat"]
            # The rotated-out secrets refer to the tokens: they go first.
            for model in (pat.RetiredSecret, pat.Token, pat.Event):
                model.__table__.drop(db.engine)
