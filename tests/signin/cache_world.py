"""Helpers of the token cache tests: host apps sharing one database and one token table, each
with a cache of its own (as two processes would have), a Redis server of a test's own, and
waiting on conditions."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
import sqlalchemy as sa
from flask import Flask

from flask_pat import service
from flask_pat.context import utcnow
from flask_pat.signin.cache import TokenCache
from tests.conftest import ApiClient, _add_user, bearer, require_server, sign_in
from tests.support.servers import free_port

#: The machine's shared Redis: fine for ordinary tests, never stopped by one.
SHARED_REDIS = "redis://127.0.0.1:6379/0"


def channel_setting(kind: str, database_url: str) -> str:
    """``PAT_CACHE`` for ``kind`` (``postgresql`` or ``redis``) on ``database_url``."""
    if kind == "postgresql":
        require_server(database_url, "postgresql")
        return "postgresql"
    return SHARED_REDIS


def unique_table() -> str:
    """A token table (and so a cache channel) of the test's own: runs on one server or one
    Redis do not hear each other."""
    return f"pat_{uuid.uuid4().hex[:16]}"


def cache_of(app: Flask) -> TokenCache:
    cache: TokenCache = app.extensions["pat_cache"]
    return cache


def wait_for(condition: Callable[[], Any], timeout: float = 5.0, what: str = "") -> Any:
    """Poll ``condition`` until it is truthy (returned), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.005)


class Statements:
    """Counts the statements an app's engine runs."""

    def __init__(self, app: Flask) -> None:
        self.count = 0
        with app.app_context():
            engine = app.extensions["sqlalchemy"].engine
        sa.event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: Any) -> None:
        self.count += 1

    def during(self, action: Callable[[], Any]) -> tuple[Any, int]:
        before = self.count
        result = action()
        return result, self.count - before


def raw_revoke(app: Flask, token_id: int) -> None:
    """Revoke behind the ORM's back, with plain SQL on a connection of its own: unheard."""
    pat = app.extensions["pat"]
    with app.app_context():
        engine = pat.db.engine
        table = pat.Token.__table__.name
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                f"UPDATE {table} SET revoked_at = :now, revoked_reason = 'user' WHERE id = :id"
            ),
            {"now": utcnow(), "id": token_id},
        )


@contextmanager
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, on a free port; stopped at the end."""
    server = RedisServer(tmp_path, free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


class RedisServer:
    def __init__(self, directory: Path, port: int) -> None:
        self.directory = directory
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.skip("needs redis-server")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)

        def answers() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_for(answers, 10, "redis-server to start")
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def raw_deactivate(app: Flask, user_id: int) -> None:
    """Make a user inactive with plain SQL on a connection of its own: unheard."""
    pat = app.extensions["pat"]
    with app.app_context():
        engine = pat.db.engine
        table = pat.user_model.__table__.name
    with engine.begin() as connection:
        connection.execute(
            sa.text(f"UPDATE {table} SET active = :no WHERE id = :id"), {"no": False, "id": user_id}
        )


class Pair:
    """Two apps on one database and token table: ``actor`` changes, ``observer`` caches."""

    def __init__(self, actor: Flask, observer: Flask) -> None:
        self.actor, self.observer = actor, observer
        self.client = observer.test_client()
        self.statements = Statements(observer)
        db = actor.extensions["sqlalchemy"]
        with actor.app_context():
            self.user = _add_user(db, actor.extensions["pat"].user_model, "ada@example.com")
            self.admin = _add_user(db, actor.extensions["pat"].user_model, "admin@example.com")
            token, self.secret = service.create(self.user, "ci", ("days", 1), ["notes:read"])
            self.token_id = token.id
        assert cache_of(observer).wait_live(10)
        assert cache_of(actor).wait_live(10)

    def ask(self, secret: str | None = None) -> Any:
        return self.client.get("/whoami", headers=bearer(secret or self.secret))

    def cached(self) -> None:
        """The observer has the token in its cache: asking again reads no database."""
        assert self.ask().status_code == 200
        response, statements = self.statements.during(self.ask)
        assert response.status_code == 200
        assert statements == 0

    def refused(self, why: str, secret: str | None = None) -> None:
        """The observer refuses the token within a few seconds (well within the TTL)."""
        response = wait_for(
            lambda: (r := self.ask(secret)).status_code == 401 and r, 5, f"refused: {why}"
        )
        assert why in response.headers["WWW-Authenticate"]

    def api(self, user: Any) -> ApiClient:
        return ApiClient(sign_in(self.actor, user), "/settings/tokens")
