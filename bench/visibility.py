"""Benchmark 7: how soon a revocation made in one gunicorn worker is refused by every other.

Four workers of a preloaded app (``--preload``: each listens after the fork) with
``PAT_CACHE``. Each round: the token is restored and asked for until every worker holds it
in its cache; then it is revoked through the API (one worker) and asked for by eight
concurrent clients until every other worker has refused it. A worker's figures: the time
from the sending of the revoke to the moment its listener had handled the message
(``X-Heard-At``: the worker refuses from then on, and from the moment the message reached
its socket if earlier), and the time from the revoke's answer to the first refusal received
from it (a looser upper bound: it includes the refusing request's own time and the clients'
turns). The cut-channel rounds first cut every worker off (the
listeners' connections killed with ``pg_terminate_backend``, or the Redis server stopped),
then revoke with plain SQL, which no channel would carry: every answer after it must be a
refusal.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import requests
import sqlalchemy as sa

from flask_pat import service

from .apps import make_host

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKERS = 4
CLIENTS = 8
TABLE = "pat_visibility"


@dataclass
class Visibility:
    channel: str
    #: Milliseconds from a revoke's answer to each other worker's first refusal received.
    latencies_ms: list[float] = field(default_factory=list)
    #: Milliseconds from the sending of a revoke to the moment each other worker's listener
    #: had handled its message (the worker refuses from then on, if not earlier: from the
    #: moment the message reached its socket).
    heard_ms: list[float] = field(default_factory=list)
    #: Milliseconds from a revoke's answer to the sending of the last request each other
    #: worker still accepted (0 where none): the refusal came after this.
    accepted_ms: list[float] = field(default_factory=list)
    revocations: int = 0
    #: Answers 200 to requests sent after a revocation the channel could not carry.
    cut_rounds: int = 0
    cut_stale: int = 0

    @property
    def p99_ms(self) -> float:
        if len(self.latencies_ms) < 2:
            return max(self.latencies_ms, default=0.0)
        return statistics.quantiles(self.latencies_ms, n=100)[98]

    @property
    def max_ms(self) -> float:
        return max(self.latencies_ms, default=0.0)

    @property
    def heard_p99_ms(self) -> float:
        if len(self.heard_ms) < 2:
            return max(self.heard_ms, default=0.0)
        return statistics.quantiles(self.heard_ms, n=100)[98]

    @property
    def heard_max_ms(self) -> float:
        return max(self.heard_ms, default=0.0)

    @property
    def accepted_p99_ms(self) -> float:
        if len(self.accepted_ms) < 2:
            return max(self.accepted_ms, default=0.0)
        return statistics.quantiles(self.accepted_ms, n=100)[98]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server of the benchmark's own, on a free port (never the machine's shared one)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not installed"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no", "--dir", self.directory],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.02)
        client.close()

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextmanager
def redis_server(directory: str) -> Iterator[RedisServer | None]:
    """The benchmark's own Redis, or ``None`` where redis-server or redis-py is missing."""
    try:
        import redis  # noqa: F401
    except ImportError:
        yield None
        return
    if shutil.which("redis-server") is None:
        yield None
        return
    server = RedisServer(directory)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class _Server:
    def __init__(self, database_url: str, cache: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "BENCH_SERVER_URL": database_url,
            "BENCH_SERVER_TABLE": TABLE,
            "BENCH_SERVER_CACHE": cache,
        }
        command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--preload"]
        command += ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning"]
        self.process = subprocess.Popen(
            [*command, "bench.server:create_app()"], cwd=ROOT, env=env, start_new_session=True
        )
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, "gunicorn stopped"
            try:
                requests.get(f"{self.base}/open", timeout=2).close()
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)


class _Clients:
    """Eight clients asking for the token at once: (worker, status, cached, heard, sent,
    received), where heard is when the worker last handled a message."""

    def __init__(self, base: str, secret: str) -> None:
        self.url = f"{base}/ping"
        self.headers = {"Authorization": f"Bearer {secret}"}
        self.pool = ThreadPoolExecutor(CLIENTS)
        self.local = threading.local()

    def _one(self, _: int) -> tuple[str, int, int, float, float, float]:
        session = getattr(self.local, "session", None)
        if session is None:
            session = self.local.session = requests.Session()
        sent = time.monotonic()
        response = session.get(self.url, headers=self.headers, timeout=10)
        received = time.monotonic()
        return (
            response.headers.get("X-Worker-Pid", "?"),
            response.status_code,
            int(response.headers.get("X-Cached-Tokens", "0")),
            float(response.headers.get("X-Heard-At", "0")),
            sent,
            received,
        )

    def spray(self, count: int = 2 * CLIENTS) -> list[tuple[str, int, int, float, float, float]]:
        return list(self.pool.map(self._one, range(count)))

    def close(self) -> None:
        self.pool.shutdown()


def _all_cached(clients: _Clients, timeout: float = 30) -> set[str]:
    holding: set[str] = set()
    deadline = time.monotonic() + timeout
    while len(holding) < WORKERS:
        assert time.monotonic() < deadline, "the workers did not all cache the token"
        for worker, status, cached, _, _, _ in clients.spray():
            assert status == 200, status
            if cached:
                holding.add(worker)
    return holding


def run(
    database_url: str,
    channels: dict[str, str],
    revocations: int,
    cut_rounds: int,
    progress: Callable[[str], None] = print,
    cuts: dict[str, Callable[[], Callable[[], None]]] | None = None,
) -> list[Visibility]:
    """Benchmark 7 for each ``label -> PAT_CACHE`` of ``channels``; ``cuts[label]()`` cuts
    that channel and returns what mends it."""
    host = make_host(database_url, pat_table=TABLE)
    with host.app.app_context():
        # The filled tables were loaded with their ids: take the next one by hand.
        next_id = host.db.session.scalar(sa.select(sa.func.max(host.User.id))) or 0
        user = host.User(id=next_id + 1, email="revoker@example.com")
        host.db.session.add(user)
        host.db.session.commit()
        token, secret = service.create(user, "visibility", ("days", 1))
        token_id, user_id = token.id, user.id
    engine = host.engine
    results = []
    try:
        for label, setting in channels.items():
            progress(f"  {label}: {revocations} revocations, {WORKERS} workers")
            results.append(
                _one_channel(
                    label,
                    setting,
                    database_url,
                    secret,
                    (token_id, user_id),
                    engine,
                    (revocations, cut_rounds),
                    (cuts or {}).get(label),
                    progress,
                )
            )
    finally:
        with host.app.app_context():
            host.db.session.remove()
            ext = host.app.extensions["pat"]
            for model in (ext.RetiredSecret, ext.Event, host.Token):
                model.__table__.drop(host.db.engine)
            host.db.engine.dispose()
    return results


def _one_channel(
    label: str,
    setting: str,
    database_url: str,
    secret: str,
    ids: tuple[int, int],
    engine: sa.Engine,
    rounds: tuple[int, int],
    cut: Callable[[], Callable[[], None]] | None,
    progress: Callable[[str], None],
) -> Visibility:
    (token_id, user_id), (revocations, cut_rounds) = ids, rounds
    result = Visibility(label)
    server = _Server(database_url, setting)
    clients = _Clients(server.base, secret)
    admin = requests.Session()
    try:
        assert admin.post(f"{server.base}/bench-login/{user_id}", timeout=10).ok
        csrf = admin.get(f"{server.base}/settings/tokens/api/meta", timeout=10).json()["csrf_token"]
        api = f"{server.base}/settings/tokens/api/tokens/{token_id}"

        def act(what: str) -> str:
            response = admin.post(f"{api}/{what}", headers={"X-CSRF-Token": csrf}, timeout=10)
            assert response.status_code == 200, response.text
            return response.headers.get("X-Worker-Pid", "?")

        for _ in range(revocations):
            holding = _all_cached(clients)
            asked = time.monotonic()
            revoker = act("revoke")
            committed = time.monotonic()
            waiting = holding - {revoker}
            first: dict[str, float] = {}
            accepted: dict[str, float] = {}
            heard: dict[str, float] = {}
            deadline = committed + 5
            while (waiting - set(first) or waiting - set(heard)) and time.monotonic() < deadline:
                for worker, status, _, heard_at, sent, received in clients.spray():
                    if status == 401 and worker not in first:
                        first[worker] = received
                    elif status == 200 and sent >= committed:
                        accepted[worker] = max(accepted.get(worker, committed), sent)
                    if heard_at >= asked and worker not in heard:
                        heard[worker] = heard_at
            result.latencies_ms += [(first.get(w, deadline) - committed) * 1000 for w in waiting]
            result.heard_ms += [(heard.get(w, deadline) - asked) * 1000 for w in waiting]
            result.accepted_ms += [(accepted.get(w, committed) - committed) * 1000 for w in waiting]
            result.revocations += 1
            act("restore")
        if cut is not None:
            for _ in range(cut_rounds):
                _all_cached(clients)
                restore = cut()
                with engine.begin() as connection:
                    connection.execute(
                        sa.text(
                            f"UPDATE {TABLE} SET revoked_at = CURRENT_TIMESTAMP,"
                            " revoked_reason = 'user' WHERE id = :id"
                        ),
                        {"id": token_id},
                    )
                revoked = time.monotonic()
                for _, status, _, _, sent, _ in clients.spray(4 * CLIENTS):
                    if sent >= revoked and status != 401:
                        result.cut_stale += 1
                result.cut_rounds += 1
                restore()
                act("restore")
    finally:
        clients.close()
        server.stop()
    progress(
        f"  {label}: dropped by p99 {result.heard_p99_ms:.1f} ms (max"
        f" {result.heard_max_ms:.1f}) after the revoke was sent; first refusal received by"
        f" p99 {result.p99_ms:.1f} ms (last accepted request sent at p99"
        f" {result.accepted_p99_ms:.1f} ms), max {result.max_ms:.1f} ms over"
        f" {result.revocations} revocations; channel cut: {result.cut_stale} stale answers"
        f" in {result.cut_rounds} rounds"
    )
    return result


def cut_postgres(database_url: str) -> Callable[[], Callable[[], None]]:
    """What kills every listener connection of the database (they reconnect by themselves),
    waiting until each server process has ended: the cut is made before the revoke."""

    def cut() -> Callable[[], None]:
        engine = sa.create_engine(database_url)
        try:
            with engine.begin() as connection:
                killed = connection.execute(
                    sa.text(
                        "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity"
                        " WHERE datname = current_database()"
                        " AND application_name = 'flask-pat cache'"
                    )
                ).scalar()
            assert killed, "no listener to cut"
        finally:
            engine.dispose()
        return lambda: None

    return cut


def cut_redis(server: RedisServer) -> Callable[[], Callable[[], None]]:
    """What stops the benchmark's Redis, returning what starts it again."""

    def cut() -> Callable[[], None]:
        server.stop()
        return server.start

    return cut
