"""``python -m bench.revoke_next``: what a revoke-by-value request costs the next request on
the same keep-alive connection, after 5 well-formed strangers vs 5 live tokens, on SQLite,
PostgreSQL and MariaDB (gunicorn's threaded worker, which keeps connections alive).

The answer must tell nothing, and neither may the next request's latency: the ratio
live/fake should be about 1. BENCH_PG_URL and BENCH_MARIADB_URL name the servers (defaults
postgres@127.0.0.1:5432 and root@127.0.0.1:3306); a server that is not there is skipped.
BENCH_ROUNDS: rounds per kind (default 40).
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from flask_pat import service, tokens

from .apps import make_host

ROOT = Path(__file__).resolve().parent.parent
TABLE = "pat_bench_revoke_token"
DATABASE = "pat_bench_revoke"
REVOKE = "/settings/tokens/api/credentials/revoke"
PER_REQUEST = 5


def _servers() -> list[tuple[str, str]]:
    pg = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    maria = os.environ.get("BENCH_MARIADB_URL", "mysql+pymysql://root@127.0.0.1:3306/mysql")
    return [("PostgreSQL", pg), ("MariaDB", maria)]


@contextmanager
def database(admin_url: str) -> Iterator[str | None]:
    """A fresh database on the server at ``admin_url``; ``None`` where it is not there."""
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE}"))
            connection.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    except sa.exc.OperationalError:
        engine.dispose()
        yield None
        return
    url = make_url(admin_url).set(database=DATABASE)
    if url.get_backend_name() == "mysql":
        url = url.update_query_dict({"charset": "utf8mb4"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE}"))
        engine.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def gunicorn(url: str, log: Path) -> Iterator[int]:
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers=1",
        "--worker-class=gthread",
        "--threads=2",
        "--keep-alive=30",
        f"--bind=127.0.0.1:{port}",
        "bench.server:create_app()",
    ]
    env = {**os.environ, "BENCH_SERVER_URL": url, "BENCH_SERVER_TABLE": TABLE}
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(log.read_text()) from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)


def measure(url: str, rounds: int, log: Path) -> dict[str, list[float]]:
    host = make_host(url, pat_table=TABLE, PAT_MAX_TOKENS_PER_USER=rounds * PER_REQUEST)
    with host.app.app_context():
        user = host.User(email="bench@example.com")
        host.db.session.add(user)
        host.db.session.commit()
        live = [service.create(user, f"t{i}")[1] for i in range(rounds * PER_REQUEST)]
        host.db.session.remove()
    times: dict[str, list[float]] = {"fake": [], "live": []}
    table = host.Token.__table__
    with gunicorn(url, log) as port:

        def next_after(credentials: list[str]) -> float:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            connection.request("GET", "/open")  # warm the connection
            connection.getresponse().read()
            body = json.dumps({"credentials": credentials})
            connection.request("POST", REVOKE, body, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            answer.read()
            assert answer.status == 202
            started = time.perf_counter()
            connection.request("GET", "/open")
            following = connection.getresponse()
            following.read()
            elapsed = time.perf_counter() - started
            assert following.status == 200
            connection.close()
            return elapsed

        def revoked() -> int:
            with host.engine.connect() as connection:
                stmt = sa.select(sa.func.count()).where(table.c.revoked_at.is_not(None))
                return int(connection.scalar(stmt) or 0)

        for index in range(rounds):
            pair = [("fake", None), ("live", index)]
            for kind, at in pair if index % 2 else pair[::-1]:
                if at is None:
                    texts = [tokens.generate("pat") for _ in range(PER_REQUEST)]
                else:
                    texts = live[at * PER_REQUEST : (at + 1) * PER_REQUEST]
                times[kind].append(next_after(texts))
                if at is not None:
                    # Let this round's revocations finish before the next one is timed.
                    deadline = time.monotonic() + 30
                    while revoked() < (at + 1) * PER_REQUEST:
                        assert time.monotonic() < deadline, "the revocations never happened"
                        time.sleep(0.005)
    with host.app.app_context():
        host.db.session.remove()
        host.db.engine.dispose()
    return times


def main() -> int:
    rounds = int(os.environ.get("BENCH_ROUNDS", "40"))
    print(f"next request on the same connection after revoke-by-value, {rounds} rounds each")
    columns = ("fake ms", "live ms", "live/fake", "p90 fake", "p90 live")
    print(f"{'database':<12} " + " ".join(f"{c:>9}" for c in columns))
    with tempfile.TemporaryDirectory() as folder:
        targets = [("SQLite", None), *_servers()]
        for name, admin_url in targets:
            log = Path(folder) / f"{name}.log"
            if admin_url is None:
                times = measure(f"sqlite:///{folder}/bench.db", rounds, log)
            else:
                with database(admin_url) as url:
                    if url is None:
                        print(f"{name:<12} (not reachable: skipped)")
                        continue
                    times = measure(url, rounds, log)
            fake, live = (statistics.median(times[k]) * 1000 for k in ("fake", "live"))
            p90 = {k: statistics.quantiles(times[k], n=10)[-1] * 1000 for k in times}
            print(
                f"{name:<12} {fake:>9.2f} {live:>9.2f} {live / fake:>9.2f}"
                f" {p90['fake']:>9.2f} {p90['live']:>9.2f}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
