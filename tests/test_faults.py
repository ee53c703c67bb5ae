"""Faults: the database going away (before and during authentication) and coming back, its
connections killed, a process killed while creating tokens, and no plaintext secret in the
database or the logs."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy.engine import make_url

from flask_pat import service, tokens
from flask_pat.leaks import background

from .conftest import ApiClient, bearer, cli_runner, make_app, require_server, sign_in
from .support.github_keys import Key, KeysServer, signed

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "/settings/tokens/api"


class Proxy:
    """A TCP proxy in front of the database server, which can be cut and restored.

    Cut, it closes every connection through it and refuses new ones, as a stopped server
    or a closed port does; restored, it listens again on the same port.
    """

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])

    def up(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def down(self) -> None:
        listener, self.listener = self.listener, None
        if listener is not None:
            self._shut(listener)  # wakes the thread blocked in accept()
            listener.close()
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            self._shut(sock)

    @staticmethod
    def _shut(sock: socket.socket) -> None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                if self.listener is not listener:  # cut meanwhile
                    client.close()
                    server.close()
                    return
                self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                self._shut(sock)
                sock.close()


@pytest.fixture
def server(database_url: str) -> str:
    require_server(database_url, "postgresql", "mysql")
    return database_url


@pytest.fixture
def proxied(server: str, app: Flask) -> Iterator[Callable[..., tuple[Flask, Proxy]]]:
    """``proxied(**config)``: the test host app reaching the database through a Proxy.

    Its tables are those of ``app`` (the same database), made before.
    """
    made: list[tuple[Flask, Proxy]] = []

    def factory(**config: Any) -> tuple[Flask, Proxy]:
        url = make_url(server)
        proxy = Proxy(url.host or "127.0.0.1", url.port or 5432)
        proxy.up()
        through = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        faulty, _, _, _ = make_app(through, **config)
        made.append((faulty, proxy))
        return faulty, proxy

    yield factory
    for faulty, proxy in made:
        proxy.down()
        with faulty.app_context():
            faulty.extensions["sqlalchemy"].session.remove()
            faulty.extensions["sqlalchemy"].engine.dispose()


def fresh(faulty: Flask, method: str, path: str, **kwargs: Any) -> Any:
    """A request in an app context of its own, as in production."""
    with faulty.app_context():
        return faulty.test_client().open(path, method=method, **kwargs)


def assert_refused(response: Any) -> None:
    """Refused, in JSON: 401, or 503 with Retry-After. Never authenticated, never 500."""
    assert response.status_code in (401, 503), response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    if response.status_code == 503:
        assert body["error"]["code"] == "unavailable"
        assert response.headers["Retry-After"]


TOKEN_ROUTES = ["/notes", "/whoami", f"{PREFIX}/tokens/self"]


@pytest.mark.parametrize("pre_ping", [True, False], ids=["pre-ping", "no-pre-ping"])
def test_database_away_then_back(
    proxied: Callable[..., tuple[Flask, Proxy]], user: Any, make_token: Any, pre_ping: bool
) -> None:
    faulty, proxy = proxied(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": pre_ping})
    _, secret = make_token(user, "ci", scopes=["notes:read"])
    with faulty.app_context():
        api = ApiClient(sign_in(faulty, user), PREFIX.removesuffix("/api"))
    assert fresh(faulty, "GET", "/notes", headers=bearer(secret)).status_code == 200

    proxy.down()
    for path in TOKEN_ROUTES:
        assert_refused(fresh(faulty, "GET", path, headers=bearer(secret)))
    # Not even an unknown or malformed token may slip through as "no token".
    assert_refused(fresh(faulty, "GET", "/notes", headers=bearer(tokens.generate("pat"))))
    assert_refused(fresh(faulty, "GET", "/notes", headers=bearer("pat_short")))
    # The JSON API, signed in by session, answers 503 JSON.
    with faulty.app_context():
        for response in (api.get("/tokens"), api.post("/tokens", json={"name": "x"})):
            assert response.status_code == 503, response.get_data(as_text=True)
            assert response.get_json()["error"]["code"] == "unavailable"

    proxy.up()
    # Without pre-ping, the first use of each dead pooled connection may fail once.
    statuses = [
        fresh(faulty, "GET", "/notes", headers=bearer(secret)).status_code for _ in range(8)
    ]
    if pre_ping:
        assert set(statuses) == {200}, statuses
    else:
        assert set(statuses[2:]) == {200} and set(statuses) <= {200, 503}, statuses
    for path in TOKEN_ROUTES:
        assert fresh(faulty, "GET", path, headers=bearer(secret)).status_code == 200
    with faulty.app_context():
        assert api.get("/tokens").status_code == 200
        assert api.post("/tokens", json={"name": "after"}).status_code == 201


@pytest.mark.parametrize(
    "cut_at",
    ["token_hash", "last_used_at"],
    ids=["during-lookup", "during-last-used-write"],
)
def test_database_lost_in_the_middle_of_authentication(
    proxied: Callable[..., tuple[Flask, Proxy]], user: Any, make_token: Any, cut_at: str
) -> None:
    faulty, proxy = proxied()
    _, secret = make_token(user, "ci", scopes=["notes:read"])
    with faulty.app_context():
        engine = faulty.extensions["sqlalchemy"].engine
    cuts: list[str] = []

    def cut(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        # The authentication's own statement: cut the line just before it goes out.
        if cut_at in statement and not cuts:
            cuts.append(statement)
            proxy.down()

    sa.event.listen(engine, "before_cursor_execute", cut)
    try:
        assert_refused(fresh(faulty, "GET", "/notes", headers=bearer(secret)))
    finally:
        sa.event.remove(engine, "before_cursor_execute", cut)
    assert cuts, "the request never reached the statement"
    proxy.up()
    assert fresh(faulty, "GET", "/notes", headers=bearer(secret)).status_code == 200


def _other_connections(admin: sa.Connection) -> list[Any]:
    if admin.dialect.name == "postgresql":
        query = (
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    else:
        query = (
            "SELECT id FROM information_schema.processlist"
            " WHERE db = DATABASE() AND id <> CONNECTION_ID()"
        )
    return list(admin.execute(sa.text(query)).scalars())


def _kill(admin: sa.Connection, connection_id: Any) -> None:
    if admin.dialect.name == "postgresql":
        admin.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": connection_id})
    else:
        try:
            admin.execute(sa.text(f"KILL {int(connection_id)}"))
        except sa.exc.OperationalError:
            pass  # gone already


@pytest.mark.parametrize("pre_ping", [True, False], ids=["pre-ping", "no-pre-ping"])
def test_killed_connections_are_replaced(
    server: str, host_app: Callable[..., Any], user: Any, make_token: Any, pre_ping: bool
) -> None:
    _, secret = make_token(user, "ci", scopes=["notes:read"])
    faulty, _, _, _ = host_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": pre_ping})
    threads = [
        threading.Thread(
            target=fresh, args=(faulty, "GET", "/notes"), kwargs={"headers": bearer(secret)}
        )
        for _ in range(4)
    ]
    # Fill the pool with a few connections, then kill them all on the server's side.
    assert fresh(faulty, "GET", "/notes", headers=bearer(secret)).status_code == 200
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as admin:
            victims = _other_connections(admin)
            assert victims
            for victim in victims:
                _kill(admin, victim)
    finally:
        engine.dispose()

    statuses = [
        fresh(faulty, "GET", "/notes", headers=bearer(secret)).status_code for _ in range(6)
    ]
    if pre_ping:
        assert set(statuses) == {200}, statuses
    else:
        assert set(statuses[2:]) == {200} and set(statuses) <= {200, 503}, statuses


# -- a process killed while creating tokens ---------------------------------------------

CREATOR = """
import json, os, sys, time
import sqlalchemy as sa
from flask_pat import service
from tests.conftest import make_app

app, db, pat, User = make_app(os.environ["PAT_KILL_DATABASE_URL"])
# Widen the window between the INSERT and the COMMIT, where a kill would hurt most.
sa.event.listen(sa.orm.Session, "after_flush", lambda *args: time.sleep(0.003))
with app.app_context():
    user = db.session.get(User, int(os.environ["PAT_KILL_USER"]))
    for i in range(100000):
        name = f"{os.environ['PAT_KILL_ROUND']} {i}"
        token, secret = service.create(user, name, ("days", 1), ["notes:read"])
        print(json.dumps({"id": token.id, "name": name, "secret": secret}), flush=True)
"""


def _all_rows(app: Flask) -> list[Any]:
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Token.__table__
        return list(pat.db.session.execute(sa.select(table).order_by(table.c.id)).all())


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.0, 0.004, 0.011])
def test_a_process_killed_while_creating_leaves_whole_tokens(
    server: str, app: Flask, user: Any, delay: float
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "PAT_KILL_DATABASE_URL": server,
        "PAT_KILL_USER": str(user.id),
        "PAT_KILL_ROUND": f"kill {delay}",
    }
    with subprocess.Popen(
        [sys.executable, "-c", CREATOR], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        reported = []
        deadline = time.monotonic() + 60
        while len(reported) < 12:
            line = process.stdout.readline()
            assert line, f"the creator stopped: {process.wait()}"
            assert time.monotonic() < deadline
            reported.append(json.loads(line))
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        rest = process.stdout.read()
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    reported += [json.loads(line) for line in rest.splitlines(keepends=True) if line.endswith("\n")]

    rows = _all_rows(app)
    by_id = {row.id: row for row in rows}
    # Every committed create is whole, and nothing else is there but, at most, the one
    # committed just before the kill and not yet reported.
    for token in reported:
        row = by_id[token["id"]]
        assert row.token_hash == tokens.digest(token["secret"])
        assert row.last4 == token["secret"][-4:]
        assert row.name == token["name"]
    assert len(rows) - len(reported) in (0, 1)
    for row in rows:
        assert row.user_id == user.id
        assert row.name_key == row.name.casefold()
        assert len(row.token_hash) == 64 and int(row.token_hash, 16) >= 0
        assert len(row.last4) == 4
        assert row.scope_text == "notes:read"
        assert row.lifetime_seconds == 86400
        assert row.expires_at - row.created_at == timedelta(days=1)
        assert row.revoked_at is None and row.last_used_at is None

    # No lock is left behind on the user: the next create goes through at once.
    done: list[Any] = []
    thread = threading.Thread(
        target=lambda: done.append(_create_in_context(app, user, "after the kill"))
    )
    thread.start()
    thread.join(timeout=30)
    assert done, "the next create waited on a lock the killed process held"


def _create_in_context(app: Flask, user: Any, name: str) -> int:
    with app.app_context():
        token, _ = service.create(user, name)
        return int(token.id)


# -- no plaintext anywhere --------------------------------------------------------------


@pytest.mark.parametrize(
    "app_config",
    [{"SQLALCHEMY_ENGINE_OPTIONS": {"echo": "debug", "pool_pre_ping": True}}],
)
def test_no_secret_in_the_database_or_the_logs(
    app: Flask,
    api: Any,
    user: Any,
    make_token: Any,
    database_url: str,
    keys_server: KeysServer,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="sqlalchemy")
    secrets = []
    created = api.create("by the api", scopes=["notes:read"])
    secrets.append(created["secret"])
    with app.app_context():
        rotated = api.post(f"/tokens/{created['token']['id']}/rotate")
    secrets.append(rotated.get_json()["secret"])
    for name in ("service one", "service two"):
        secrets.append(make_token(user, name, scopes=["notes:read"])[1])
    runner = cli_runner(app)
    with app.app_context():
        result = runner.invoke(args=["pat", "create", "--user", str(user.id), "--name", "cli"])
    secrets.append(result.stdout.strip())
    unknown = tokens.generate("pat")
    secrets.append(unknown)
    for secret in secrets:
        # Authenticate (a lookup and a last_used_at write), and fail to.
        fresh(app, "GET", "/notes", headers=bearer(secret))
        fresh(app, "GET", "/notes", headers=bearer(secret[:-1]))
    # The two routes that receive token text from outside: GitHub's signed report and
    # revoke by value, each with a live token, an unknown one and a damaged one.
    reported, revoked = (make_token(user, name)[1] for name in ("reported", "revoked"))
    secrets += [reported, revoked]
    app.config["PAT_SECRET_SCANNING_KEYS_URL"] = keys_server.url
    report = [
        {"token": text, "type": "flask_pat_token", "url": "https://github.com/o/r/blob/1/a.py"}
        for text in (reported, unknown, reported[:-1])
    ]
    body, headers = signed(report, keys_server.keys[0])
    response = fresh(app, "POST", f"{PREFIX}/leaks/github", data=body, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert [entry["label"] for entry in response.get_json()] == [
        "true_positive",
        "false_positive",
        "false_positive",
    ]
    response = fresh(
        app, "POST", f"{PREFIX}/credentials/revoke", json={"credentials": [revoked, unknown[:-1]]}
    )
    response.close()
    assert response.status_code == 202
    assert background.wait_idle(30)  # the revocation runs off the request, on its own thread
    with app.app_context():
        pat = app.extensions["pat"]
        reasons = dict(
            pat.db.session.execute(
                sa.select(pat.Token.name, pat.Token.revoked_reason).where(
                    pat.Token.name.in_(["reported", "revoked"])
                )
            ).all()
        )
    assert reasons == {"reported": "leaked", "revoked": "leaked"}

    dump = [repr(tuple(row)) for row in _dump_database(app)]
    logs = caplog.text + "\n".join(str(r.args) for r in caplog.records) + capsys.readouterr().out
    assert any(tokens.digest(s) in logs for s in secrets), "the SQL log was not captured"
    assert any(tokens.digest(s) in "\n".join(dump) for s in secrets[:-1])
    raw = _raw_database_bytes(database_url)
    for secret in secrets:
        for part in (secret, secret[4:], secret[4:34]):
            assert not any(part in text for text in dump), "a secret is stored"
            assert part not in logs, "a secret is logged"
            assert part.encode() not in raw, "a secret is in the database file"


@pytest.fixture
def keys_server() -> Iterator[KeysServer]:
    server = KeysServer()
    server.keys.append(Key())
    yield server
    server.stop()


def _dump_database(app: Flask) -> list[Any]:
    """Every row of every table of the app, all columns."""
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        return [
            row
            for table in db.metadata.sorted_tables
            for row in db.session.execute(sa.select(table)).all()
        ]


def _raw_database_bytes(database_url: str) -> bytes:
    """The SQLite file and its journals as stored on disk (empty for servers)."""
    if not database_url.startswith("sqlite:///"):
        return b""
    path = Path(database_url.removeprefix("sqlite:///"))
    return b"".join(
        candidate.read_bytes()
        for candidate in (
            path,
            path.with_name(path.name + "-journal"),
            path.with_name(path.name + "-wal"),
        )
        if candidate.exists()
    )
