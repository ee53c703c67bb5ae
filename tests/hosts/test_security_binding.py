"""``PAT_USER_BINDING`` on a Flask-Security-Too host: "log out everywhere" (a new
``fs_uniquifier``, as a password reset makes) reaches personal access tokens too."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat import signals
from tests.conftest import ApiClient, bearer

from . import security_host
from .support import drop_all_tables
from .test_security_host import flask_security_token, sign_in


@pytest.fixture
def host(database_url: str) -> Iterator[Flask]:
    drop_all_tables(database_url)
    app = security_host.create_app(database_url, PAT_USER_BINDING=lambda u: u.fs_uniquifier)
    with app.app_context():
        security_host.add_user("ada@example.com", "correct horse")
    yield app
    with app.app_context():
        security_host.db.session.remove()
        security_host.db.engine.dispose()
    drop_all_tables(database_url)


def log_out_everywhere(app: Flask) -> None:
    with app.app_context():
        user = security_host.user_datastore.find_user(email="ada@example.com")
        security_host.user_datastore.set_uniquifier(user)
        security_host.db.session.commit()


def test_log_out_everywhere_stops_personal_access_tokens(host: Flask) -> None:
    api = ApiClient(sign_in(host), "/settings/tokens")
    created = api.create("ci", scopes=["notes:read"])
    secret, token_id = created["secret"], created["token"]["id"]
    fs_token = flask_security_token(host)
    client = host.test_client()
    assert client.get("/api/notes", headers=bearer(secret)).status_code == 200
    assert client.get("/fs/me", headers={"Authentication-Token": fs_token}).status_code == 200

    log_out_everywhere(host)
    revoked: list[Any] = []
    rejected: list[str] = []

    def on_revoked(sender: Any, **extra: Any) -> None:
        revoked.append((extra["token"].id, extra["by"]))

    def on_rejected(sender: Any, **extra: Any) -> None:
        rejected.append(extra["reason"])

    with (
        signals.token_revoked.connected_to(on_revoked),
        signals.token_rejected.connected_to(on_rejected),
    ):
        # Flask-Security's own token dies, and so does the PAT, with its reason.
        assert client.get("/fs/me", headers={"Authentication-Token": fs_token}).status_code != 200
        response = client.get("/api/notes", headers=bearer(secret))
        assert response.status_code == 401
        assert (
            "error_description=\"The token's user has changed"
            in (response.headers["WWW-Authenticate"])
        )
        assert response.get_json()["error"]["code"] == "unauthorized"
        # Revoked once, and refused as revoked from then on.
        again = client.get("/api/me", headers=bearer(secret))
        assert again.status_code == 401
        assert "The token has been revoked." in again.headers["WWW-Authenticate"]
    assert revoked == [(token_id, "system")]
    assert rejected == ["user changed", "revoked"]

    # The owner signs in again: the token shows why, and only deleting it ends it.
    api = ApiClient(sign_in(host), "/settings/tokens")
    shown = api.get(f"/tokens/{token_id}").get_json()
    assert (shown["status"], shown["revoked_reason"]) == ("revoked", "user_changed")
    for action in ("restore", "rotate"):
        response = api.post(f"/tokens/{token_id}/{action}")
        assert response.get_json()["error"]["code"] == "not_restorable", action
    history = api.get(f"/tokens/{token_id}/events").get_json()["items"]
    assert (history[0]["event"], history[0]["actor"]) == ("revoked", "system")
    assert history[0]["detail"] == {"reason": "user_changed"}
    # A token made now is bound to the new value, and works.
    fresh = api.create("ci 2", scopes=["notes:read"])["secret"]
    assert client.get("/api/notes", headers=bearer(fresh)).status_code == 200


def test_the_binding_is_stored_as_a_digest(host: Flask) -> None:
    api = ApiClient(sign_in(host), "/settings/tokens")
    token_id = api.create("ci")["token"]["id"]
    with host.app_context():
        user = security_host.user_datastore.find_user(email="ada@example.com")
        uniquifier = user.fs_uniquifier
        table = security_host.pat.Token.__table__
        stored = security_host.db.session.scalar(
            sa.select(table.c.user_binding).where(table.c.id == token_id)
        )

    assert stored == hashlib.sha256(uniquifier.encode()).hexdigest()
    assert uniquifier not in stored
