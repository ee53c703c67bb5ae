"""flask-pat behind Flask-Caching (SPEC section 5): with the documented order (scope check
outside the cache) and a key per user, a revoked token and an anonymous client get no
cached answer, one user never gets another's, and every answer to a token request tells
shared HTTP caches to keep it private to that Authorization header."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.conftest import ApiClient, bearer

from . import caching_host
from .support import drop_all_tables


@pytest.fixture
def host(database_url: str) -> Iterator[Flask]:
    drop_all_tables(database_url)
    app = caching_host.create_app(database_url)
    with app.app_context():
        db = caching_host.db
        db.session.add_all(
            [caching_host.User(id=1, name="alice"), caching_host.User(id=2, name="bob")]
        )
        db.session.flush()
        db.session.add(caching_host.Note(user_id=1, text="alice's secret"))
        db.session.commit()
    yield app
    with app.app_context():
        caching_host.cache.clear()
        caching_host.db.session.remove()
        caching_host.db.engine.dispose()
    drop_all_tables(database_url)


def token_of(app: Flask, user_id: int) -> tuple[ApiClient, int, str]:
    client = app.test_client()
    assert client.post(f"/test-login/{user_id}").status_code == 200
    api = ApiClient(client, "/settings/tokens")
    created = api.create("cli", scopes=["notes:read"])
    return api, created["token"]["id"], created["secret"]


def test_cached_views_answer_each_user_and_refuse_revoked_tokens(host: Flask) -> None:
    alice_api, alice_id, alice = token_of(host, 1)
    _, _, bob = token_of(host, 2)
    client = host.test_client()
    for _ in range(3):
        response = client.get("/api/notes", headers=bearer(alice))
        assert response.get_json() == {"user": "alice", "notes": ["alice's secret"]}
        assert client.get("/api/notes", headers=bearer(bob)).get_json() == {
            "user": "bob",
            "notes": [],
        }
    # Cached for alice, yet nobody else gets it.
    assert client.get("/api/notes").status_code == 401
    assert alice_api.post(f"/tokens/{alice_id}/revoke").status_code == 200
    for _ in range(3):
        refused = client.get("/api/notes", headers=bearer(alice))
        assert refused.status_code == 401
        assert "alice's secret" not in refused.get_data(as_text=True)


def test_token_answers_are_private_to_their_authorization_header(host: Flask) -> None:
    _, _, alice = token_of(host, 1)
    client = host.test_client()
    response: Any = client.get("/api/notes", headers=bearer(alice))
    assert response.status_code == 200
    assert "private" in response.headers["Cache-Control"]
    assert "public" not in response.headers["Cache-Control"]
    assert "Authorization" in response.headers["Vary"]
    # A route that says no-store keeps it.
    export = client.get("/api/export", headers=bearer(alice))
    assert export.headers["Cache-Control"] == "no-store"
    assert "Authorization" in export.headers["Vary"]
    # Answers to requests without a token keep the host's own headers.
    browser = host.test_client()
    browser.post("/test-login/1")
    assert "Cache-Control" not in browser.get("/private").headers
