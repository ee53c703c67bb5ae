"""``PAT_CACHE``: a hit reads no database; every change that must stop a token is heard by the
other processes (here: another app on the same database and token table, with its own cache
and listener, as another worker would have), over PostgreSQL ``NOTIFY`` and Redis pub/sub."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_login import current_user, login_required

from flask_pat import accepts_tokens, scopes_required
from flask_pat.context import utcnow
from flask_pat.leaks.revoke import Leak, revoke_leaked
from flask_pat.tokens import digest
from tests.conftest import bearer, cli_runner
from tests.signin.cache_world import (
    Pair,
    cache_of,
    channel_setting,
    raw_deactivate,
    raw_revoke,
    unique_table,
)


def is_admin(user: Any) -> bool:
    return bool(user.email.startswith("admin"))


@pytest.fixture(params=["postgresql", "redis"])
def pair(
    request: pytest.FixtureRequest,
    database_url: str,
    host_app: Callable[..., tuple[Flask, Any, Any, Any]],
) -> Iterator[Pair]:
    config = {
        "PAT_CACHE": channel_setting(request.param, database_url),
        "PAT_TABLE_NAME": unique_table(),
        "PAT_ADMIN": is_admin,
    }
    actor, _, _, _ = host_app(**config)
    observer, _, _, _ = host_app(**config)
    try:
        yield Pair(actor, observer)
    finally:
        cache_of(actor).stop()
        cache_of(observer).stop()


def test_a_hit_reads_no_database(pair: Pair) -> None:
    response, statements = pair.statements.during(pair.ask)
    assert response.status_code == 200 and statements > 0
    response, statements = pair.statements.during(pair.ask)
    assert response.json == {"user": str(pair.user.id), "token": pair.token_id}
    assert statements == 0
    assert response.headers["PAT-Scopes"] == "notes:read"


def _revoke(pair: Pair) -> None:
    assert pair.api(pair.user).post(f"/tokens/{pair.token_id}/revoke").status_code == 200


def _rotate(pair: Pair) -> None:
    response = pair.api(pair.user).post(f"/tokens/{pair.token_id}/rotate")
    assert response.status_code == 201
    pair.rotated = response.json["secret"]  # type: ignore[attr-defined]


def _delete(pair: Pair) -> None:
    assert pair.api(pair.user).delete(f"/tokens/{pair.token_id}").status_code == 204


def _admin_revoke(pair: Pair) -> None:
    response = pair.api(pair.admin).post(f"/admin/tokens/{pair.token_id}/revoke")
    assert response.status_code == 200


def _leaked(pair: Pair) -> None:
    with pair.actor.test_request_context():
        outcome = revoke_leaked({digest(pair.secret): Leak("github", "https://x.test/1")})
    assert outcome.existing


def _user_deleted(pair: Pair) -> None:
    db = pair.actor.extensions["sqlalchemy"]
    with pair.actor.app_context():
        db.session.delete(db.session.get(type(pair.user), pair.user.id))
        db.session.commit()


def _user_inactive(pair: Pair) -> None:
    db = pair.actor.extensions["sqlalchemy"]
    with pair.actor.app_context():
        db.session.get(type(pair.user), pair.user.id).active = False
        db.session.commit()


CHANGES = {
    "revoke": (_revoke, "revoked"),
    "rotate": (_rotate, "unknown"),
    "delete": (_delete, "unknown"),
    "admin revoke": (_admin_revoke, "revoked"),
    "leak revoke": (_leaked, "revoked"),
    "user deleted": (_user_deleted, "unknown"),
    "user inactive": (_user_inactive, "inactive"),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_other_process_hears_the_change(pair: Pair, change: str) -> None:
    action, why = CHANGES[change]
    pair.cached()
    action(pair)
    pair.refused(why)
    if change == "rotate":
        response = pair.ask(pair.rotated)  # type: ignore[attr-defined]
        assert response.status_code == 200


def test_a_restored_token_works_at_once(pair: Pair) -> None:
    pair.cached()
    _revoke(pair)
    pair.refused("revoked")
    response = pair.api(pair.user).post(f"/tokens/{pair.token_id}/restore")
    assert response.status_code == 200
    assert pair.ask().status_code == 200


def _email_changed(pair: Pair) -> None:
    db = pair.actor.extensions["sqlalchemy"]
    with pair.actor.app_context():
        db.session.get(type(pair.user), pair.user.id).email = "ada@new.example.com"
        db.session.commit()


def _notice_sent(pair: Pair) -> None:
    # The token expires within a day: the one-day notice is due, claimed by a conditional
    # UPDATE of the token table.
    result = cli_runner(pair.actor).invoke(args=["pat", "notify"])
    assert result.stdout == "Sent 1 notice.\n", result.output


UNHEARD_BEFORE = {
    # Any change of the user through the host's ORM (its binding, say: an email or a
    # uniquifier) makes the observer read the user's tokens afresh.
    "user changed": _email_changed,
    "expiry notice": _notice_sent,
}


@pytest.mark.parametrize("change", UNHEARD_BEFORE)
def test_a_change_drops_what_was_cached(pair: Pair, change: str) -> None:
    pair.cached()
    raw_deactivate(pair.actor, pair.user.id)  # behind the ORM's back: not heard
    assert pair.ask().status_code == 200  # still trusted, within PAT_CACHE_TTL
    UNHEARD_BEFORE[change](pair)
    pair.refused("inactive")


def test_nothing_is_trusted_longer_than_the_ttl(pair: Pair) -> None:
    now = [0.0]
    cache_of(pair.observer).clock = lambda: now[0]
    pair.cached()
    raw_revoke(pair.actor, pair.token_id)
    now[0] = 29.9  # PAT_CACHE_TTL is 30 seconds by default
    assert pair.ask().status_code == 200
    now[0] = 30.0
    response = pair.ask()
    assert response.status_code == 401
    assert "revoked" in response.headers["WWW-Authenticate"]


def test_an_expired_token_is_refused_from_the_cache(pair: Pair, time_machine: Any) -> None:
    pair.cached()
    time_machine.move_to(utcnow() + timedelta(days=1, seconds=1))
    response = pair.ask()
    assert response.status_code == 401
    assert "expired" in response.headers["WWW-Authenticate"]


def test_the_host_uses_current_user_as_usual(pair: Pair) -> None:
    """On a hit the user is attached to the request's session without a query: lazy
    relationships load, and host changes to it are saved, not kept in the cache."""
    app = pair.observer
    db = app.extensions["sqlalchemy"]
    User = app.extensions["pat"].user_model

    class Pet(db.Model):  # type: ignore[name-defined]
        __tablename__ = f"pet_{app.config['PAT_TABLE_NAME']}"
        id = db.Column(db.Integer, primary_key=True)
        owner_id = db.Column(db.Integer, db.ForeignKey(User.id))
        name = db.Column(db.String(50))

    User.pets = db.relationship(Pet, lazy="select")  # this test's own User class
    try:
        with app.app_context():
            Pet.__table__.create(db.engine)
            db.session.add(Pet(owner_id=pair.user.id, name="Rex"))
            db.session.commit()

        @app.get("/pets")
        @accepts_tokens
        @login_required
        def pets() -> dict[str, Any]:
            return {
                "pets": [pet.name for pet in current_user.pets],
                "attached": current_user in db.session,
            }

        @app.post("/rename")
        @scopes_required("notes:read")
        def rename() -> dict[str, Any]:
            current_user.email = "renamed@example.com"
            db.session.commit()
            return {"email": current_user.email}

        headers = bearer(pair.secret)
        pair.cached()
        response, statements = pair.statements.during(
            lambda: pair.client.get("/pets", headers=headers)
        )
        assert response.json == {"pets": ["Rex"], "attached": True}
        assert statements == 1  # the pets: the token and the user came from the cache
        assert pair.client.post("/rename", headers=headers).json == {"email": "renamed@example.com"}
        with app.app_context():
            assert db.session.get(User, pair.user.id).email == "renamed@example.com"
    finally:
        with app.app_context():
            db.session.remove()
            Pet.__table__.drop(db.engine, checkfirst=True)


def test_use_is_recorded_as_without_the_cache(pair: Pair, time_machine: Any) -> None:
    """``last_used_at`` at most once per resolution; a new client address at once."""
    Token = pair.observer.extensions["pat"].Token
    db = pair.observer.extensions["sqlalchemy"]
    writes: list[str] = []
    with pair.observer.app_context():
        sa.event.listen(
            db.engine,
            "before_cursor_execute",
            lambda c, cur, statement, *a: (
                writes.append(statement) if statement.startswith("UPDATE") else None
            ),
        )
    for _ in range(5):
        assert pair.ask().status_code == 200
    assert len(writes) == 1
    # A new address is written at once, yet at most once a second per token.
    time_machine.move_to(utcnow() + timedelta(seconds=1.5))
    response = pair.client.get(
        "/whoami", headers=bearer(pair.secret), environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert response.status_code == 200
    assert len(writes) == 2
    with pair.observer.app_context():
        token = db.session.get(Token, pair.token_id)
        assert token.last_used_ip == "10.1.2.3"
    for _ in range(3):
        pair.client.get(
            "/whoami", headers=bearer(pair.secret), environ_base={"REMOTE_ADDR": "10.1.2.3"}
        )
    assert len(writes) == 2
