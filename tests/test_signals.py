"""Blinker signals: sender the app, ``token=`` and ``user=``, ``reason=`` on rejection."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from blinker import Signal
from flask import Flask

from flask_pat import signals, tokens
from tests.conftest import bearer

API = "/settings/tokens/api"


def _snapshot(value: Any) -> Any:
    """What a receiver reads from a keyword, read while the signal is sent."""
    if hasattr(value, "last4"):
        fields = ("id", "name", "last4", "revoked_at", "scopes")
        return SimpleNamespace(**{name: getattr(value, name) for name in fields})
    if hasattr(value, "get_id"):
        return SimpleNamespace(id=str(value.get_id()), email=value.email)
    return value


@contextmanager
def recording(signal: Signal, app: Flask) -> Iterator[list[tuple[Any, dict[str, Any]]]]:
    """The (sender, keywords) of each time ``signal`` fires for ``app`` in the block."""
    calls: list[tuple[Any, dict[str, Any]]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append((sender, {key: _snapshot(value) for key, value in kwargs.items()}))

    with signal.connected_to(receiver, app):
        yield calls


@pytest.fixture
def app(app: Flask) -> Flask:
    @app.teardown_request
    def end_transaction(error: BaseException | None) -> None:
        # pytest-flask keeps one app context, so one db.session, for the whole test: end
        # each request's transaction as production does, or MariaDB keeps a stale snapshot
        # and a metadata lock that blocks dropping the tables.
        app.extensions["sqlalchemy"].session.remove()

    return app


def _ids(calls: list[tuple[Any, dict[str, Any]]]) -> list[tuple[int, str]]:
    return [(kw["token"].id, kw["user"].id) for _, kw in calls]


def test_every_signal_of_the_spec_exists() -> None:
    names = [
        "token_created",
        "token_revoked",
        "token_restored",
        "token_rotated",
        "token_deleted",
        "token_authenticated",
        "token_rejected",
    ]
    assert all(isinstance(getattr(signals, name), Signal) for name in names)


def test_token_created(app: Flask, api: Any, user: Any) -> None:
    with recording(signals.token_created, app) as calls:
        created = api.create("laptop")
    assert [sender for sender, _ in calls] == [app]
    assert set(calls[0][1]) == {"token", "user"}
    assert _ids(calls) == [(created["token"]["id"], str(user.id))]
    assert calls[0][1]["token"].name == "laptop"


def test_token_revoked_and_restored(app: Flask, api: Any, user: Any) -> None:
    token_id = api.create()["token"]["id"]
    with recording(signals.token_revoked, app) as revoked:
        assert api.post(f"/tokens/{token_id}/revoke").status_code == 200
        # Revoking a revoked token changes nothing, and says nothing.
        assert api.post(f"/tokens/{token_id}/revoke").status_code == 200
    assert [sender for sender, _ in revoked] == [app]
    assert _ids(revoked) == [(token_id, str(user.id))]
    assert revoked[0][1]["token"].revoked_at is not None

    with recording(signals.token_restored, app) as restored:
        assert api.post(f"/tokens/{token_id}/restore").status_code == 200
        assert api.post(f"/tokens/{token_id}/restore").status_code == 200
    assert [sender for sender, _ in restored] == [app]
    assert _ids(restored) == [(token_id, str(user.id))]
    assert restored[0][1]["token"].revoked_at is None


def test_token_rotated(app: Flask, api: Any, user: Any) -> None:
    created = api.create()
    token_id = created["token"]["id"]
    with recording(signals.token_rotated, app) as calls:
        response = api.post(f"/tokens/{token_id}/rotate")
    assert response.status_code == 201
    assert [sender for sender, _ in calls] == [app]
    assert _ids(calls) == [(token_id, str(user.id))]
    # The record passed carries the new secret, not the old one.
    assert calls[0][1]["token"].last4 == response.get_json()["secret"][-4:]


def test_token_deleted(app: Flask, api: Any, user: Any) -> None:
    token_id = api.create("gone")["token"]["id"]
    with recording(signals.token_deleted, app) as calls:
        assert api.delete(f"/tokens/{token_id}").status_code == 204
    assert [sender for sender, _ in calls] == [app]
    assert _ids(calls) == [(token_id, str(user.id))]
    assert calls[0][1]["token"].name == "gone"


def test_token_authenticated(app: Flask, user: Any, make_token: Any) -> None:
    token_id, secret = make_token(user)
    client = app.test_client()
    with recording(signals.token_authenticated, app) as calls:
        assert client.get("/whoami", headers=bearer(secret)).status_code == 200
        assert client.get("/whoami", headers=bearer(secret)).status_code == 200
        assert client.get("/whoami").status_code == 401
    assert [sender for sender, _ in calls] == [app, app]
    assert _ids(calls) == [(token_id, str(user.id))] * 2


def test_failed_actions_send_nothing(app: Flask, api: Any) -> None:
    api.create("taken")
    every = [
        signals.token_created,
        signals.token_revoked,
        signals.token_restored,
        signals.token_rotated,
        signals.token_deleted,
    ]
    with ExitStack() as stack:
        calls = [stack.enter_context(recording(signal, app)) for signal in every]
        assert api.post("/tokens", json={"name": "TAKEN"}).status_code == 409
        assert api.post("/tokens/999999/revoke").status_code == 404
        assert api.post("/tokens/999999/rotate").status_code == 404
        assert api.delete("/tokens/999999").status_code == 404
    assert calls == [[]] * len(every)


def _revoked(app: Flask, user: Any, make_token: Any) -> str:
    from flask_pat import service

    token_id, secret = make_token(user, "revoked")
    with app.app_context():
        service.revoke(user, service.get(user, token_id))
    return secret


def _expired(app: Flask, user: Any, make_token: Any) -> str:
    from flask_pat import service

    token_id, secret = make_token(user, "expired")
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        token = service.get(user, token_id)
        token.expires_at = token.created_at
        db.session.commit()
    return secret


@pytest.mark.parametrize(
    ("make_secret", "reason"),
    [
        (lambda app, user, make_token: "pat_not-a-token", "malformed"),
        (lambda app, user, make_token: tokens.generate("pat"), "unknown"),
        (_revoked, "revoked"),
        (_expired, "expired"),
    ],
    ids=["malformed", "unknown", "revoked", "expired"],
)
def test_token_rejected_says_why_and_never_the_token(
    app: Flask,
    user: Any,
    make_token: Any,
    make_secret: Callable[..., str],
    reason: str,
) -> None:
    secret = make_secret(app, user, make_token)
    client = app.test_client()
    with (
        recording(signals.token_rejected, app) as rejected,
        recording(signals.token_authenticated, app) as authenticated,
    ):
        assert client.get("/whoami", headers=bearer(secret)).status_code == 401
    assert authenticated == []
    assert [sender for sender, _ in rejected] == [app]
    keywords = rejected[0][1]
    assert keywords["reason"] == reason
    assert secret not in repr(keywords)
    assert secret[-10:] not in repr(keywords)


def test_token_rejected_for_an_inactive_user(app: Flask, user: Any, make_token: Any) -> None:
    import sqlalchemy as sa

    _, secret = make_token(user)
    db = app.extensions["sqlalchemy"]
    pat = app.extensions["pat"]
    with app.app_context():
        db.session.execute(
            sa.update(pat.user_model).where(pat.user_pk == user.id).values(active=False)
        )
        db.session.commit()
    with recording(signals.token_rejected, app) as rejected:
        assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 401
    assert [kw["reason"] for _, kw in rejected] == ["inactive user"]
    assert secret not in repr(rejected)


def test_no_signal_for_requests_without_a_token(app: Flask, user: Any) -> None:
    with (
        recording(signals.token_rejected, app) as rejected,
        recording(signals.token_authenticated, app) as authenticated,
    ):
        client = app.test_client()
        client.get("/whoami")
        client.get("/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert rejected == authenticated == []


def test_signals_for_another_app_are_not_received(app: Flask, user: Any, make_token: Any) -> None:
    _, secret = make_token(user)
    with recording(signals.token_authenticated, Flask("another")) as calls:
        assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200
    assert calls == []


def test_flask_login_hears_of_token_logins(app: Any, user: Any, make_token: Any) -> None:
    from flask_login import user_loaded_from_request

    _, secret = make_token(user, "signal")
    heard: list[Any] = []

    def receiver(sender: Any, user: Any = None) -> None:
        heard.append(user.get_id())

    with user_loaded_from_request.connected_to(receiver, app):
        assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200
        app.test_client().get("/whoami")
    assert heard == [user.get_id()]
