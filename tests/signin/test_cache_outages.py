"""``PAT_CACHE`` without its channel: a lost listener connection (PostgreSQL) or a Redis outage
empties the cache, the database answers until the channel is back, and the first request
after a revoke nobody could hear is refused."""

from __future__ import annotations

import select
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_pat import service
from tests.conftest import require_server
from tests.signin.cache_world import (
    Pair,
    cache_of,
    channel_setting,
    own_redis,
    raw_revoke,
    unique_table,
    wait_for,
)


def _pair(host_app: Callable[..., tuple[Flask, Any, Any, Any]], setting: str) -> Pair:
    config = {"PAT_CACHE": setting, "PAT_TABLE_NAME": unique_table()}
    return Pair(host_app(**config)[0], host_app(**config)[0])


def _stop(pair: Pair) -> None:
    cache_of(pair.actor).stop()
    cache_of(pair.observer).stop()


def _new_token(pair: Pair) -> str:
    with pair.actor.app_context():
        _, secret = service.create(pair.user, "second", ("days", 1))
    return secret


def reached(cache: Any) -> bool:
    """Whether something reached the cache's listener: it waits on its socket, or the
    listener is reading it (and waits for the cache's lock to handle it)."""
    if cache.reading:
        return True
    try:
        return bool(select.select([cache._socket], [], [], 0)[0])
    except (OSError, ValueError):
        return True


@pytest.mark.parametrize("attempt", range(10))
def test_a_message_that_arrived_is_never_outrun(
    attempt: int, database_url: str, host_app: Callable[..., tuple[Flask, Any, Any, Any]]
) -> None:
    """A revocation that reached the listener's socket stops the token at once, even before
    the listener thread has handled it, and even in the instant the listener takes it off
    the socket (hence several attempts: that instant is not hit every time). NOTIFY on
    PostgreSQL, Redis on the other databases."""
    kind = "postgresql" if database_url.startswith("postgresql") else "redis"
    pair = _pair(host_app, channel_setting(kind, database_url))
    try:
        cache = cache_of(pair.observer)
        pair.cached()
        with cache._lock:
            with pair.actor.app_context():
                token = pair.actor.extensions["pat"].Token
                db = pair.actor.extensions["sqlalchemy"]
                service.revoke(pair.user, db.session.get(token, pair.token_id))
            wait_for(lambda: reached(cache), 5, "the message to arrive")
            response = pair.ask()
            assert response.status_code == 401
            assert "revoked" in response.headers["WWW-Authenticate"]
    finally:
        _stop(pair)


def test_a_killed_listener_empties_the_cache(
    database_url: str, host_app: Callable[..., tuple[Flask, Any, Any, Any]]
) -> None:
    require_server(database_url, "postgresql")
    pair = _pair(host_app, "postgresql")
    try:
        cache = cache_of(pair.observer)
        pair.cached()
        losses = cache.losses
        with pair.actor.app_context():
            engine = pair.actor.extensions["sqlalchemy"].engine
        # The listener is kept from handling what it reads (it waits for this lock), as a
        # busy process might be: the request must not trust the cache meanwhile.
        with cache._lock:
            with engine.begin() as connection:
                killed = connection.execute(
                    sa.text("SELECT pg_terminate_backend(:pid)"),
                    {"pid": cache.channel.backend_pid},  # type: ignore[attr-defined]
                ).scalar()
            assert killed
            wait_for(lambda: reached(cache), 5, "the listening connection to close")
            raw_revoke(pair.actor, pair.token_id)  # unheard by anyone
            response = pair.ask()
            assert response.status_code == 401
            assert "revoked" in response.headers["WWW-Authenticate"]
        wait_for(lambda: cache.losses > losses, 5, "the listener to notice")

        # The listener comes back by itself, and the cache is trusted again.
        assert cache.wait_live(10)
        second = _new_token(pair)
        assert pair.ask(second).status_code == 200
        response, statements = pair.statements.during(lambda: pair.ask(second))
        assert (response.status_code, statements) == (200, 0)
    finally:
        _stop(pair)


def test_a_redis_outage_reads_the_database_until_redis_is_back(
    database_url: str, host_app: Callable[..., tuple[Flask, Any, Any, Any]], tmp_path: Path
) -> None:
    with own_redis(tmp_path) as redis_server:
        pair = _pair(host_app, redis_server.url)
        try:
            cache = cache_of(pair.observer)
            pair.cached()
            losses = cache.losses
            with cache._lock:  # the listener cannot handle the outage yet
                redis_server.stop()
                raw_revoke(pair.actor, pair.token_id)
                response = pair.ask()
                assert response.status_code == 401
                assert "revoked" in response.headers["WWW-Authenticate"]
            wait_for(lambda: cache.losses > losses, 5, "the listener to notice")

            # While Redis is away, every request reads the database.
            second = _new_token(pair)
            for _ in range(3):
                response, statements = pair.statements.during(lambda: pair.ask(second))
                assert response.status_code == 200
                assert statements > 0
            assert len(cache) == 0

            redis_server.start()
            assert cache.wait_live(10)
            assert cache_of(pair.actor).wait_live(10)
            pair.ask(second)
            response, statements = pair.statements.during(lambda: pair.ask(second))
            assert (response.status_code, statements) == (200, 0)
            # And a revoke is heard again.
            with pair.actor.app_context():
                db = pair.actor.extensions["sqlalchemy"]
                Token = pair.actor.extensions["pat"].Token
                token = db.session.scalars(sa.select(Token).where(Token.name == "second")).one()
                service.revoke(pair.user, token)
            pair.refused("revoked", second)
        finally:
            _stop(pair)
