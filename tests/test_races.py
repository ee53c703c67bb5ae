"""Races on one token, with real threads on every database (each thread its own
connection): rotations are compare-and-swap on the secret, deletes answer once."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat import context, signals

from .conftest import ApiClient, bearer
from .test_concurrency import clients, race

THREADS = 10
ROUNDS = 3
API = "/settings/tokens/api"


@pytest.fixture
def app_config() -> dict[str, Any]:
    # One connection per thread, so the race is decided by the database, not the pool.
    return {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": THREADS + 2}}


def events_of(app: Flask, token_id: int, event: str) -> int:
    pat = app.extensions["pat"]
    with app.app_context():
        Event = pat.Event
        stmt = sa.select(sa.func.count()).where(Event.token_id == token_id, Event.event == event)
        return int(pat.db.session.scalar(stmt))


def token_state(app: Flask, token_id: int) -> tuple[str | None, str | None] | None:
    pat = app.extensions["pat"]
    with app.app_context():
        token = pat.db.session.get(pat.Token, token_id)
        if token is None:
            return None
        return (None if token.revoked_at is None else "revoked"), token.revoked_reason


def works(app: Flask, secret: str) -> bool:
    with app.app_context():
        return app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200


def self_rotate(app: Flask, secret: str) -> tuple[int, Any]:
    with app.app_context():
        response = app.test_client().post(f"{API}/tokens/self/rotate", headers=bearer(secret))
        return response.status_code, response.get_json()


def rotate_by_id(app: Flask, api: ApiClient, token_id: int) -> tuple[int, Any]:
    with app.app_context():
        response = api.post(f"/tokens/{token_id}/rotate")
        return response.status_code, response.get_json()


def assert_one_winner(app: Flask, token_id: int, results: list[tuple[int, Any]]) -> None:
    """Exactly one 201; the others 409 ``conflict`` or 401; one ``rotated`` event; and the
    secret handed out works, unless a late request presenting the rotated-out secret has
    stopped the token for reuse, which is then recorded once."""
    statuses = Counter(status for status, _ in results)
    assert statuses[201] == 1, results
    assert set(statuses) <= {201, 401, 409}, results
    assert {b["error"]["code"] for s, b in results if s == 409} <= {"conflict"}, results
    assert events_of(app, token_id, "rotated") == 1
    (secret,) = [body["secret"] for status, body in results if status == 201]
    if token_state(app, token_id) == ("revoked", "reused"):
        assert statuses[401] >= 1
        assert events_of(app, token_id, "reuse_detected") == 1
        assert not works(app, secret)
    else:
        assert token_state(app, token_id) == (None, None)
        assert events_of(app, token_id, "reuse_detected") == 0
        assert works(app, secret)


def test_concurrent_self_rotations_of_one_secret_hand_out_one_working_secret(
    app: Flask, user: Any, make_token: Any
) -> None:
    for round_ in range(ROUNDS):
        token_id, secret = make_token(user, f"ci {round_}")
        results = race([partial(self_rotate, app, secret) for _ in range(THREADS)])
        assert_one_winner(app, token_id, results)
        assert not works(app, secret)


def test_concurrent_rotations_by_id_hand_out_one_working_secret(
    app: Flask, user: Any, make_token: Any
) -> None:
    apis = clients(app, user, THREADS)
    for round_ in range(ROUNDS):
        token_id, secret = make_token(user, f"ci {round_}")
        results = race([partial(rotate_by_id, app, api, token_id) for api in apis])
        # Sessions present no secret: every loser is a conflict, and the winner's works.
        assert Counter(status for status, _ in results) == {201: 1, 409: THREADS - 1}, results
        assert_one_winner(app, token_id, results)
        assert not works(app, secret)


def test_an_owner_rotating_by_id_races_a_thief_rotating_the_leaked_secret(
    app: Flask, user: Any, make_token: Any
) -> None:
    """Whoever wins, nobody is handed a dead secret while the other keeps a live one: the
    loser gets 409, or 401 where the secret it presents is already rotated out, which
    stops the token (``reused``)."""
    (owner,) = clients(app, user, 1)
    outcomes = Counter()
    for round_ in range(2 * ROUNDS):
        token_id, leaked = make_token(user, f"deploy {round_}")
        results = race(
            [partial(rotate_by_id, app, owner, token_id), partial(self_rotate, app, leaked)]
        )
        assert_one_winner(app, token_id, results)
        outcomes[tuple(status for status, _ in results)] += 1
        (_theirs, _), (mine, _) = results[1], results[0]
        if token_state(app, token_id) == (None, None) and mine == 201:
            # The owner won: the thief's copy is dead, and presenting it again stops it.
            assert self_rotate(app, leaked)[0] == 401
            assert token_state(app, token_id) == ("revoked", "reused")
    assert sum(outcomes.values()) == 2 * ROUNDS


def test_a_rotated_out_secret_presented_again_stops_the_token(
    app: Flask, user: Any, make_token: Any, api: ApiClient
) -> None:
    """The thief rotates first; the owner's next self-rotation with the old secret revokes
    the token (``reused``): the thief's new secret dies too. The owner rotates it back
    from a session."""
    token_id, first = make_token(user, "deploy")
    reused: list[Any] = []
    revoked: list[Any] = []

    def on_reused(sender: Any, **extra: Any) -> None:
        reused.append(extra["token"].id)

    def on_revoked(sender: Any, **extra: Any) -> None:
        revoked.append(extra["by"])

    status, body = self_rotate(app, first)
    assert status == 201
    thiefs = body["secret"]
    with (
        signals.token_reused.connected_to(on_reused),
        signals.token_revoked.connected_to(on_revoked),
    ):
        status, body = self_rotate(app, first)
        assert (status, body["error"]["code"]) == (401, "unauthorized")
        # Once: a second try changes nothing more.
        assert self_rotate(app, first)[0] == 401
    assert reused == [token_id]
    assert revoked == ["system"]
    assert not works(app, thiefs)
    shown = api.get(f"/tokens/{token_id}").get_json()
    assert (shown["status"], shown["revoked_reason"]) == ("revoked", "reused")
    assert events_of(app, token_id, "reuse_detected") == 1
    history = api.get(f"/tokens/{token_id}/events").get_json()["items"]
    assert [e["event"] for e in history][:2] == ["reuse_detected", "rotated"]
    # Not restorable, but rotatable from the owner's session, once the owner comes (a
    # rotation by id within a second of another is taken for a concurrent one).
    assert api.post(f"/tokens/{token_id}/restore").status_code == 409
    pat = app.extensions["pat"]
    with app.app_context():
        retired = pat.RetiredSecret.__table__
        pat.db.session.execute(
            retired.update().values(retired_at=context.utcnow() - timedelta(minutes=1))
        )
        pat.db.session.commit()
    response = api.post(f"/tokens/{token_id}/rotate")
    assert response.status_code == 201
    assert works(app, response.get_json()["secret"])


def test_reading_with_a_rotated_out_secret_only_fails(
    app: Flask, user: Any, make_token: Any
) -> None:
    """A client not yet given the new secret is refused as for an unknown token (nothing
    said of the rotation) and stops nothing: only a management request does."""
    token_id, old = make_token(user, "ci")
    status, body = self_rotate(app, old)
    new = body["secret"]
    with app.app_context():
        client = app.test_client()
        for path in ("/whoami", f"{API}/tokens/self", f"{API}/tokens"):
            response = client.get(path, headers=bearer(old))
            assert response.status_code == 401
            assert "The token is unknown" in response.headers["WWW-Authenticate"]
    assert works(app, new)
    assert token_state(app, token_id) == (None, None)


def test_the_secrets_a_token_rotated_out_go_with_it(
    app: Flask, user: Any, make_token: Any, api: ApiClient
) -> None:
    token_id, secret = make_token(user, "ci")
    for _ in range(6):
        secret = self_rotate(app, secret)[1]["secret"]
    pat = app.extensions["pat"]
    table = pat.RetiredSecret.__table__

    def kept() -> int:
        with app.app_context():
            stmt = sa.select(sa.func.count()).where(table.c.token_id == token_id)
            return int(pat.db.session.scalar(stmt))

    assert kept() == 6
    assert api.delete(f"/tokens/{token_id}").status_code == 204
    assert kept() == 0


def delete(app: Flask, api: ApiClient, token_id: int) -> int:
    with app.app_context():
        return int(api.delete(f"/tokens/{token_id}").status_code)


def test_concurrent_deletes_of_one_token_answer_once(
    app: Flask, user: Any, make_token: Any
) -> None:
    apis = clients(app, user, THREADS)
    deleted: list[int] = []
    lock = threading.Lock()

    def on_deleted(sender: Any, **extra: Any) -> None:
        with lock:
            deleted.append(extra["token"].id)

    with signals.token_deleted.connected_to(on_deleted):
        for round_ in range(ROUNDS):
            token_id, secret = make_token(user, f"ci {round_}")
            statuses = race([partial(delete, app, api, token_id) for api in apis])
            assert Counter(statuses) == {204: 1, 404: THREADS - 1}, statuses
            assert events_of(app, token_id, "deleted") == 1
            assert deleted.count(token_id) == 1
            assert token_state(app, token_id) is None
            assert not works(app, secret)
