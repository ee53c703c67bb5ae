"""Where a token opens a door and where it does not (SPEC sections 3 and 5): refused tokens
get a 401 JSON with an RFC 6750 challenge on every route that needs a user, whatever
``login_view`` the host set; a valid token signs in only on marked routes and blueprints;
and a request with a token is decided by the token alone, never by the cookie beside it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ApiClient, bearer

from . import plain_host
from .support import drop_all_tables

#: Every kind of route that needs a signed-in user.
ROUTES_NEEDING_A_USER = ["/private", "/fresh", "/marked", "/scoped", "/api/me", "/api/fresh"]
PREFIX = "/settings/tokens"


@pytest.fixture(params=[None, "login"], ids=["no-login-view", "login-view"])
def host(request: pytest.FixtureRequest, database_url: str) -> Iterator[Flask]:
    drop_all_tables(database_url)
    app = plain_host.create_app(database_url, login_view=request.param)
    with app.app_context():
        plain_host.db.session.add_all(
            [plain_host.User(id=1, name="ada"), plain_host.User(id=2, name="bob")]
        )
        plain_host.db.session.commit()
    yield app
    with app.app_context():
        plain_host.db.session.remove()
        plain_host.db.engine.dispose()
    drop_all_tables(database_url)


def signed_in(app: Flask, user_id: int) -> Any:
    client = app.test_client()
    assert client.post(f"/test-login/{user_id}").status_code == 200
    return client


def make_token(app: Flask, name: str, scopes: list[str] | None = None, **body: Any) -> Any:
    """A token of ada's, made through the page's API; returns (id, secret)."""
    api = ApiClient(signed_in(app, 1), PREFIX)
    created = api.create(name, scopes=scopes or [], **body)
    return api, created["token"]["id"], created["secret"]


def refused_token(app: Flask, kind: str) -> str:
    if kind == "malformed":
        return "pat_thisIsNotAToken"
    if kind == "unknown":
        from flask_pat import tokens

        return tokens.generate("pat")
    api, token_id, secret = make_token(app, kind, ["notes:read"])
    if kind == "revoked":
        assert api.post(f"/tokens/{token_id}/revoke").status_code == 200
    else:
        with app.app_context():
            token = plain_host.db.session.get(app.extensions["pat"].Token, token_id)
            token.expires_at = datetime.now(UTC) - timedelta(minutes=1)
            plain_host.db.session.commit()
    return secret


def assert_invalid_token(response: Any, word: str, path: str) -> None:
    assert response.status_code == 401, (path, response.status_code, response.location)
    assert response.is_json, path
    assert response.get_json()["error"]["code"] == "unauthorized"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token", error_description="'), (
        challenge
    )
    assert word in challenge.lower(), challenge


@pytest.mark.parametrize("kind", ["malformed", "unknown", "revoked", "expired"])
def test_a_refused_token_gets_401_json_on_every_route_needing_a_user(
    host: Flask, kind: str
) -> None:
    secret = refused_token(host, kind)
    anonymous = host.test_client()
    # A good session cookie beside the bad token changes nothing: the token decides.
    with_cookie = signed_in(host, 2)
    for client in (anonymous, with_cookie):
        for path in ROUTES_NEEDING_A_USER:
            response = client.get(path, headers=bearer(secret))
            assert_invalid_token(response, kind, path)


def test_the_host_keeps_its_login_page_for_browsers(host: Flask) -> None:
    response = host.test_client().get("/private")
    if host.login_manager.login_view:  # type: ignore[attr-defined]
        assert response.status_code == 302
        assert response.location.startswith("/login")
    else:
        assert response.status_code == 401


def test_a_valid_token_is_anonymous_on_unmarked_routes(host: Flask) -> None:
    _, _, secret = make_token(host, "ci", ["notes:read"])
    for client in (host.test_client(), signed_in(host, 2)):
        for path in ("/private", "/fresh"):
            response = client.get(path, headers=bearer(secret))
            assert response.status_code == 401, (path, response.location)
            assert response.is_json


def test_a_valid_token_signs_in_on_marked_routes_and_blueprints(host: Flask) -> None:
    _, _, secret = make_token(host, "ci", ["notes:read"])
    client = host.test_client()
    for path in ("/marked", "/scoped", "/api/me"):
        response = client.get(path, headers=bearer(secret))
        assert response.status_code == 200, (path, response.get_data(as_text=True))
        assert response.get_json()["user"] == "ada", path


def test_a_token_beside_a_cookie_decides_alone(host: Flask) -> None:
    _, _, secret = make_token(host, "ci", ["notes:read"])
    bob = signed_in(host, 2)
    before = bob.get("/api/me").get_json()
    assert before["user"] == "bob" and before["token"] is None
    assert {"_user_id", "cart"} <= set(before["session"])

    # ada's token with bob's cookie: ada, and none of bob's session is visible.
    response = bob.get("/api/me", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json() == {"user": "ada", "token": "ci", "session": []}
    assert "Set-Cookie" not in response.headers

    # A token is never a fresh login, though bob's cookie is fresh.
    assert bob.get("/api/fresh").status_code == 200
    refused = bob.get("/api/fresh", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.get_json() is None or "ada" not in str(refused.get_json())

    # bob is still signed in afterwards, and his session still holds his data.
    assert bob.get("/api/me").get_json() == before


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_an_api_client_without_a_credential_gets_401_json_not_the_login_page(
    host: Flask, accept: str | None
) -> None:
    headers = {"Accept": accept} if accept else {}
    client = host.test_client()
    for path in ("/marked", "/api/me", "/api/fresh"):
        response = client.get(path, headers=headers)
        assert response.status_code == 401, (path, response.location)
        assert response.is_json, path
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
    # Where tokens are not accepted, the host's own answer stays.
    private = client.get("/private", headers=headers)
    if host.login_manager.login_view:  # type: ignore[attr-defined]
        assert private.status_code == 302


def test_a_browser_without_a_credential_still_goes_to_the_login_page(host: Flask) -> None:
    response = host.test_client().get("/api/me", headers={"Accept": BROWSER_ACCEPT})
    if host.login_manager.login_view:  # type: ignore[attr-defined]
        assert response.status_code == 302
        assert response.location.startswith("/login")
    else:
        assert response.status_code == 401
