"""flask-pat next to Flask-Security-Too (SPEC section 5): Flask-Security's own token
(``Authentication-Token``, read by its own request loader) keeps working, flask-pat tokens
work on the routes opened to them, and neither is mistaken for the other."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ApiClient, bearer

from . import security_host
from .support import SignalLog, drop_all_tables, form_csrf


@pytest.fixture
def host(database_url: str) -> Iterator[Flask]:
    drop_all_tables(database_url)
    app = security_host.create_app(database_url)
    with app.app_context():
        security_host.add_user("ada@example.com", "correct horse")
    yield app
    with app.app_context():
        security_host.db.session.remove()
        security_host.db.engine.dispose()
    drop_all_tables(database_url)


def sign_in(app: Flask) -> Any:
    """A browser signed in through Flask-Security's own login form."""
    client = app.test_client()
    form = client.get("/login")
    assert form.status_code == 200
    response = client.post(
        "/login",
        data={
            "email": "ada@example.com",
            "password": "correct horse",
            "csrf_token": form_csrf(form.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def flask_security_token(app: Flask) -> str:
    with app.app_context():
        user = security_host.user_datastore.find_user(email="ada@example.com")
        token: str = user.get_auth_token()
        return token


def test_both_kinds_of_token_work_on_their_routes(host: Flask) -> None:
    secret = ApiClient(sign_in(host), "/settings/tokens").create("ci", scopes=["notes:read"])[
        "secret"
    ]
    fs_token = flask_security_token(host)
    client = host.test_client()
    fs_header = {"Authentication-Token": fs_token}

    with SignalLog().listening() as log:
        # Flask-Security's token, on its auth_required("token") route and on a
        # @login_required route, through its own request loader.
        assert client.get("/fs/me", headers=fs_header).get_json() == {"user": "ada@example.com"}
        assert client.get("/api/me", headers=fs_header).get_json() == {
            "user": "ada@example.com",
            "token": None,
        }
    assert log.sent == []

    # flask-pat's token, on the routes opened to it.
    assert client.get("/api/me", headers=bearer(secret)).get_json() == {
        "user": "ada@example.com",
        "token": "ci",
    }
    notes = client.get("/api/notes", headers=bearer(secret))
    assert notes.status_code == 200 and notes.get_json()["user"] == "ada@example.com"


def test_neither_token_passes_for_the_other(host: Flask) -> None:
    secret = ApiClient(sign_in(host), "/settings/tokens").create("ci")["secret"]
    client = host.test_client()
    # A flask-pat token is not Flask-Security's token, in either header: Flask-Security
    # answers as it does to anyone it does not know (a 401, or its login page).
    for headers in (bearer(secret), {"Authentication-Token": secret}):
        refused = client.get("/fs/me", headers=headers)
        assert refused.status_code in (302, 401), headers
        assert "ada@example.com" not in refused.get_data(as_text=True)
    # Flask-Security's token sent as a Bearer credential is nobody's: not flask-pat's, so
    # Flask-Login answers as without flask-pat (Flask-Security's login page).
    fs_token = flask_security_token(host)
    response = client.get("/api/me", headers=bearer(fs_token))
    assert response.status_code in (302, 401)
    assert "invalid_token" not in response.headers.get("WWW-Authenticate", "")


def refused_secret(app: Flask, kind: str) -> str:
    from flask_pat import tokens

    if kind == "malformed":
        return "pat_thisIsNotAToken"
    if kind == "unknown":
        return tokens.generate("pat")
    api = ApiClient(sign_in(app), "/settings/tokens")
    created = api.create(kind)
    if kind == "revoked":
        assert api.post(f"/tokens/{created['token']['id']}/revoke").status_code == 200
    if kind == "inactive user":
        with app.app_context():
            user = security_host.user_datastore.find_user(email="ada@example.com")
            security_host.user_datastore.deactivate_user(user)
            security_host.db.session.commit()
    return str(created["secret"])


@pytest.mark.parametrize("kind", ["malformed", "unknown", "revoked", "inactive user"])
@pytest.mark.parametrize("accept", ["*/*", "text/html,application/xhtml+xml"])
def test_a_refused_token_gets_flask_pats_401_on_auth_required_routes(
    host: Flask, kind: str, accept: str
) -> None:
    secret = refused_secret(host, kind)
    response = host.test_client().get("/api/account", headers={**bearer(secret), "Accept": accept})
    assert response.status_code == 401, response.location
    assert response.get_json()["error"]["code"] == "unauthorized"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token"'), challenge
    assert kind.split()[-1] in challenge.lower()


def test_a_valid_token_on_a_route_that_does_not_accept_tokens_gets_401_json(
    host: Flask,
) -> None:
    secret = ApiClient(sign_in(host), "/settings/tokens").create("ci")["secret"]
    client = host.test_client()
    # auth_required("token") outside the routes opened to tokens.
    response = client.get("/fs/me", headers={**bearer(secret), "Accept": "text/html"})
    assert response.status_code == 401, response.location
    assert "does not accept personal access tokens" in response.headers["WWW-Authenticate"]
    # On the routes opened to tokens, auth_required lets it in.
    account = client.get("/api/account", headers=bearer(secret))
    assert account.get_json() == {"user": "ada@example.com", "token": "ci"}


def test_a_token_is_never_fresh_even_where_flask_security_tokens_are(host: Flask) -> None:
    assert host.config["SECURITY_FRESHNESS_ALLOW_AUTH_TOKEN"] is True
    secret = ApiClient(sign_in(host), "/settings/tokens").create("ci")["secret"]
    for accept in ("*/*", "text/html"):
        response = host.test_client().get(
            "/api/account/recovery-codes", headers={**bearer(secret), "Accept": accept}
        )
        assert response.status_code == 401, response.location
        assert "fresh sign-in" in response.headers["WWW-Authenticate"]
        assert "1234-5678" not in response.get_data(as_text=True)
    # A person who just signed in is fresh.
    fresh = sign_in(host).get("/api/account/recovery-codes")
    assert fresh.status_code == 200


def test_a_request_loader_registered_after_init_app_keeps_tokens_working(
    host: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    secret = ApiClient(sign_in(host), "/settings/tokens").create("ci")["secret"]
    seen: list[str | None] = []

    # As a host's test helper does, after everything was set up.
    @host.login_manager.request_loader  # type: ignore[attr-defined]
    def late_loader(request: Any) -> Any:
        seen.append(request.headers.get("X-Api-Key"))
        return None

    client = host.test_client()
    with caplog.at_level("WARNING", logger="flask_pat"):
        response = client.get("/api/account", headers=bearer(secret))
    assert response.get_json() == {"user": "ada@example.com", "token": "ci"}
    assert "request loader was registered after pat.init_app()" in caplog.text
    # The late loader still runs for requests that carry no personal access token.
    client.get("/api/account", headers={"X-Api-Key": "k"})
    assert "k" in seen
