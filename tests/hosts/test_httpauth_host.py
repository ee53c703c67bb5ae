"""flask-pat next to Flask-HTTPAuth Bearer tokens (SPEC sections 1 and 5): a credential
without flask-pat's prefix is not flask-pat's. The host's tokens keep working on its routes,
fire no flask-pat signal, get no CSRF exemption, and do not sign a browser out; with the
documented ``verify_token`` line the host's HTTPAuth routes take personal access tokens too,
``@token_scopes_required`` checks those alone, and a refused one's reason reaches the client.
The CLI works beside the host's request-reading locale selector."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ApiClient, bearer, cli_runner

from . import httpauth_host
from .support import SignalLog, drop_all_tables


@pytest.fixture
def host(database_url: str) -> Iterator[Flask]:
    drop_all_tables(database_url)
    app = httpauth_host.create_app(database_url)
    yield app
    with app.app_context():
        httpauth_host.db.session.remove()
        httpauth_host.db.engine.dispose()
    drop_all_tables(database_url)


@pytest.fixture
def host_token(host: Flask) -> str:
    """The host's own API token for user 1 (ada)."""
    with host.app_context():
        ada = httpauth_host.User(id=1, name="ada")
        secret = ada.issue_api_token()
        httpauth_host.db.session.add(ada)
        httpauth_host.db.session.commit()
        return secret


def signed_in(app: Flask) -> Any:
    client = app.test_client()
    assert client.post("/test-login/1").status_code == 200
    return client


def posts(app: Flask) -> int:
    with app.app_context():
        return httpauth_host.count_posts()


def test_host_tokens_work_on_host_routes_and_fire_no_flask_pat_signal(
    host: Flask, host_token: str
) -> None:
    client = host.test_client()
    with SignalLog().listening() as log:
        me = client.get("/api/v1/me", headers=bearer(host_token))
        created = client.post("/api/v1/posts", json={"body": "hi"}, headers=bearer(host_token))
        # On a route that takes flask-pat tokens, the host's token is simply not one.
        other = client.get("/pat/whoami", headers=bearer(host_token))
    assert me.status_code == 200 and me.get_json() == {"user": "ada"}
    assert created.status_code == 201
    # Anonymous there, as without flask-pat (Flask-Login's own answer), and not "invalid".
    assert other.status_code in (302, 401)
    assert "invalid_token" not in other.headers.get("WWW-Authenticate", "")
    assert log.sent == []


def test_host_tokens_are_not_exempt_from_csrf(host: Flask, host_token: str) -> None:
    response = host.test_client().post(
        "/posts", data={"body": "forged?"}, headers=bearer(host_token)
    )
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert posts(host) == 0


def test_the_hosts_httpauth_routes_take_personal_access_tokens_too(
    host: Flask, host_token: str
) -> None:
    api = ApiClient(signed_in(host), "/settings/tokens")
    reader = api.create("reader")["secret"]
    writer = api.create("writer", scopes=["posts:write"])["secret"]
    client = host.test_client()
    assert client.get("/pat/whoami", headers=bearer(reader)).get_json() == {
        "user": "ada",
        "token": "reader",
    }
    with SignalLog().listening() as log:
        me = client.get("/api/v1/me", headers=bearer(reader))
    assert me.status_code == 200 and me.get_json() == {"user": "ada"}
    assert [name for name, _ in log.sent] == ["token_authenticated"]
    # token_scopes_required: a token needs the scope to write; the host's tokens pass.
    refused = client.post("/api/v1/posts", json={"body": "no"}, headers=bearer(reader))
    assert refused.status_code == 403
    assert 'scope="posts:write"' in refused.headers["WWW-Authenticate"]
    assert posts(host) == 0
    created = client.post("/api/v1/posts", json={"body": "yes"}, headers=bearer(writer))
    assert created.status_code == 201
    by_host_token = client.post("/api/v1/posts", json={"body": "h"}, headers=bearer(host_token))
    assert by_host_token.status_code == 201
    assert posts(host) == 2


@pytest.mark.parametrize("kind", ["malformed", "unknown", "revoked"])
def test_a_refused_token_gets_its_reason_on_httpauth_routes(
    host: Flask, host_token: str, kind: str
) -> None:
    from flask_pat import tokens

    api = ApiClient(signed_in(host), "/settings/tokens")
    secret = {"malformed": "pat_thisIsNotAToken", "unknown": tokens.generate("pat")}.get(kind)
    if secret is None:
        created = api.create("ci")
        assert api.post(f"/tokens/{created['token']['id']}/revoke").status_code == 200
        secret = created["secret"]
    response = host.test_client().get("/api/v1/me", headers=bearer(secret))
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token"'), challenge
    assert kind in challenge.lower()
    # With no credential at all, HTTPAuth answers as it always did.
    plain = host.test_client().get("/api/v1/me")
    assert plain.status_code == 401
    assert plain.get_data(as_text=True) == "Unauthorized Access"


def test_a_browser_sending_the_host_header_stays_signed_in(host: Flask, host_token: str) -> None:
    browser = signed_in(host)
    home = browser.get("/", headers=bearer(host_token))
    assert home.status_code == 200 and home.get_json() == {"user": "ada"}
    # Its forms work as before, under the host's CSRF check.
    csrf = browser.get("/settings/tokens/api/meta").get_json()["csrf_token"]
    response = browser.post(
        "/posts", data={"body": "hello", "csrf_token": csrf}, headers=bearer(host_token)
    )
    assert response.status_code == 201
    assert posts(host) == 1


def test_the_cli_works_with_a_locale_selector_that_reads_the_request(
    host: Flask, host_token: str
) -> None:
    runner = cli_runner(host)

    def flask_pat(*args: str) -> Any:
        with host.app_context():
            result = runner.invoke(args=["pat", *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        return result

    secret = flask_pat("create", "--user", "1", "--name", "ci").stdout.strip()
    assert secret.startswith("pat_")
    listed = flask_pat("list", "--json").stdout
    assert '"name": "ci"' in listed
    token_id = json.loads(listed.splitlines()[0])["id"]
    assert "Revoked token" in flask_pat("revoke", str(token_id)).stdout
    assert host.test_client().get("/pat/whoami", headers=bearer(secret)).status_code == 401
    assert "Restored token" in flask_pat("restore", str(token_id)).stdout
    rotated = flask_pat("rotate", str(token_id)).stdout.strip()
    assert rotated.startswith("pat_") and rotated != secret
    assert "Deleted token" in flask_pat("delete", str(token_id), "--yes").stdout
