"""flask-pat next to Flask-JWT-Extended (SPEC sections 1 and 5): the API's routes take the
host's JWTs and personal access tokens; ``@token_scopes_required`` checks personal access
tokens alone; a refused one gets flask-pat's 401 saying why; JWTs never meet flask-pat."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from flask_pat import tokens
from tests.conftest import ApiClient, bearer

from . import jwt_host
from .support import SignalLog, drop_all_tables


@pytest.fixture
def host(database_url: str) -> Iterator[Flask]:
    drop_all_tables(database_url)
    app = jwt_host.create_app(database_url)
    with app.app_context():
        jwt_host.db.session.add_all(
            [jwt_host.User(id=1, name="ada"), jwt_host.User(id=2, name="bob")]
        )
        jwt_host.db.session.commit()
    yield app
    with app.app_context():
        jwt_host.db.session.remove()
        jwt_host.db.engine.dispose()
    drop_all_tables(database_url)


def pat_api(app: Flask, user_id: int = 1) -> ApiClient:
    client = app.test_client()
    assert client.post(f"/test-login/{user_id}").status_code == 200
    return ApiClient(client, "/settings/tokens")


def a_jwt(app: Flask, user_id: int = 1) -> str:
    return str(app.test_client().post(f"/auth/token/{user_id}").get_json()["access_token"])


def test_jwts_work_as_before_and_never_meet_flask_pat(host: Flask) -> None:
    client = host.test_client()
    token = a_jwt(host, 2)
    with SignalLog().listening() as log:
        assert (
            client.post("/api/notes", json={"text": "jwt"}, headers=bearer(token)).status_code
            == 201
        )
        listed = client.get("/api/notes", headers=bearer(token))
    assert listed.get_json() == {"user": "bob", "notes": ["jwt"]}
    assert log.sent == []
    # A bad JWT gets the JWT extension's own answer.
    bad = client.get("/api/notes", headers=bearer("not.a.jwt"))
    assert bad.status_code == 422
    assert "invalid_token" not in bad.headers.get("WWW-Authenticate", "")


def test_personal_access_tokens_work_on_the_same_routes_within_their_scopes(host: Flask) -> None:
    api = pat_api(host)
    reader = api.create("reader", scopes=["notes:read"])["secret"]
    writer = api.create("writer", scopes=["notes:read", "notes:write"])["secret"]
    client = host.test_client()
    assert (
        client.post("/api/notes", json={"text": "pat"}, headers=bearer(writer)).status_code == 201
    )
    refused = client.post("/api/notes", json={"text": "no"}, headers=bearer(reader))
    assert refused.status_code == 403
    assert 'scope="notes:write"' in refused.headers["WWW-Authenticate"]
    assert client.get("/api/notes", headers=bearer(reader)).get_json() == {
        "user": "ada",
        "notes": ["pat"],
    }


@pytest.mark.parametrize("kind", ["malformed", "unknown", "revoked"])
def test_a_refused_token_gets_its_reason(host: Flask, kind: str) -> None:
    secret = {"malformed": "pat_thisIsNotAToken", "unknown": tokens.generate("pat")}.get(kind)
    if secret is None:
        api = pat_api(host)
        created = api.create("ci", scopes=["notes:read"])
        assert api.post(f"/tokens/{created['token']['id']}/revoke").status_code == 200
        secret = created["secret"]
    response = host.test_client().get("/api/notes", headers=bearer(secret))
    assert response.status_code == 401
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token"'), challenge
    assert kind in challenge.lower()
