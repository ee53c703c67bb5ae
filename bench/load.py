"""Benchmark 5: throughput under gunicorn (2 workers) and PostgreSQL, loaded with wrk.

Both cases hit the same protected endpoint of the same server, in slices taken in the
order session, token, token, session, token, session, session, token, so that drifts of
the machine's load fall on both alike. The CPU time of gunicorn's processes and of the PostgreSQL
processes serving them, per request, is measured alongside. Where wrk is missing and
cannot be installed, a bounded Python client loads the server instead (it is slower than
the server, so its figures say less).
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from .apps import USER_AGENT, session_cookie
from .data import CLIENT_USER
from .settings import Settings
from .timing import server_ns
from .worlds import World

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREADS = 2
CONNECTIONS = 8
WORKERS = 2
SESSION = "session cookie"
TOKEN = "flask-pat Bearer token"


@dataclass
class Run:
    requests: int
    seconds: float
    p99_ms: float
    errors: int
    #: CPU time of gunicorn's workers and the PostgreSQL processes serving them.
    cpu_ns: int = 0


@dataclass
class Throughput:
    case: str
    runs: list[Run]

    @property
    def requests_per_second(self) -> float:
        return sum(r.requests for r in self.runs) / sum(r.seconds for r in self.runs)

    @property
    def p99_ms(self) -> float:
        # Percentiles of separate runs do not add up: the median of the runs' own.
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def cpu_us_per_request(self) -> float:
        return sum(r.cpu_ns for r in self.runs) / sum(r.requests for r in self.runs) / 1000

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)


@dataclass
class LoadResult:
    tool: str
    cases: list[Throughput]
    command: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def find_wrk(progress: Callable[[str], None]) -> str | None:
    """wrk, installed from Debian's packages if missing and this run may (root, apt-get)."""
    found = shutil.which("wrk")
    if found or os.environ.get("BENCH_NO_INSTALL"):
        return found
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        progress("  installing wrk with apt-get")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, timeout=300)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=False, timeout=300
        )
    return shutil.which("wrk")


def _wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/open", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 30 s")


def _check(url: str, headers: dict[str, str], pat: bool) -> None:
    request = urllib.request.Request(f"{url}/ping", headers={"User-Agent": USER_AGENT, **headers})
    with urllib.request.urlopen(request, timeout=5) as response:
        body = response.read().decode()
        if response.status != 200 or f'"pat":{str(pat).lower()}' not in body:
            raise RuntimeError(f"unexpected answer {response.status} {body}")
        if response.headers.get("Set-Cookie"):
            raise RuntimeError("the server sets a cookie on every request")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk(wrk: str, url: str, header: str, seconds: int) -> Run:
    command = [
        wrk,
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "5s",
        "-H",
        f"User-Agent: {USER_AGENT}",
        "-H",
        header,
        f"{url}/ping",
    ]
    output = subprocess.run(
        command, capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", output)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", output, re.MULTILINE)
    if done is None or p99 is None:
        raise RuntimeError(f"could not read wrk's output:\n{output}")
    elapsed = float(done.group(2)) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[done.group(3)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failed = int(errors.group(1)) if errors else 0
    if socket_errors:
        failed += sum(int(n) for n in socket_errors.groups()[1:])
    return Run(
        requests=int(done.group(1)),
        seconds=elapsed,
        p99_ms=float(p99.group(1)) * _UNITS[p99.group(2)],
        errors=failed,
    )


def _python_client(url: str, header: str, seconds: int) -> Run:
    """A bounded stand-in for wrk: CONNECTIONS threads, each one request at a time."""
    host, port = url.removeprefix("http://").split(":")
    name, value = header.split(": ", 1)
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker() -> None:
        mine: list[float] = []
        failed = 0
        while time.monotonic() < deadline and len(mine) < 1_000_000:
            started = time.perf_counter()
            connection = http.client.HTTPConnection(host, int(port), timeout=5)
            try:
                connection.request("GET", "/ping", headers={name: value, "User-Agent": USER_AGENT})
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except OSError:
                failed += 1
            finally:
                connection.close()
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)
            errors[0] += failed

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 10)
    elapsed = time.monotonic() - started
    p99 = statistics.quantiles(latencies, n=100)[98] if len(latencies) > 100 else max(latencies)
    return Run(len(latencies), elapsed, p99, errors[0])


def run(
    world: World,
    settings: Settings,
    progress: Callable[[str], None] = print,
    cache: str | None = None,
) -> LoadResult:
    """Requests/s and p99 latency of session and token requests under gunicorn (with
    ``PAT_CACHE`` set to ``cache``, where given)."""
    table = f"pat_{settings.largest}"
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "BENCH_SERVER_URL": world.url, "BENCH_SERVER_TABLE": table}
    token_case = TOKEN
    if cache is not None:
        env["BENCH_SERVER_CACHE"] = cache
        token_case = f"{TOKEN}, PAT_CACHE={cache}"
    server = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "bench.server:create_app()",
    ]
    host = world.pat[settings.largest]
    headers = {
        SESSION: f"Cookie: {session_cookie(host, CLIENT_USER)}",
        token_case: f"Authorization: Bearer {world.pat_secrets[0]}",
    }
    wrk = find_wrk(progress)
    tool = f"wrk -t{THREADS} -c{CONNECTIONS}" if wrk else f"Python client, {CONNECTIONS} threads"

    def load(header: str, seconds: int) -> Run:
        if wrk:
            return _wrk(wrk, url, header, seconds)
        return _python_client(url, header, seconds)

    process = subprocess.Popen(server, cwd=ROOT, env=env, start_new_session=True)
    try:
        _wait_ready(url, process)
        for case, header in headers.items():
            name, value = header.split(": ", 1)
            _check(url, {name: value}, pat=case == token_case)
            load(header, 2 if settings.quick else 5)  # warm-up
        # Each case's time in four slices, taken in the order ABBA BAAB (Thue-Morse): the
        # machine's load drifts while the cases run, and that order leaves neither case
        # the better share of a steady, accelerating or passing rise or fall.
        piece = max(1, round(settings.load_seconds / 4))
        results = {case: Throughput(case, []) for case in headers}
        token = token_case
        for case in [SESSION, token, token, SESSION, token, SESSION, SESSION, token]:
            servers = _server_pids(process.pid, world.url)
            cpu = _cpu_ns(servers)
            result = load(headers[case], piece)
            result.cpu_ns = _cpu_ns(servers) - cpu
            results[case].runs.append(result)
            progress(
                f"  {case}: {result.requests / result.seconds:,.0f} req/s,"
                f" p99 {result.p99_ms:.1f} ms,"
                f" server CPU {result.cpu_ns / max(result.requests, 1) / 1000:,.0f} µs/request"
            )
    finally:
        _stop(process)
    return LoadResult(tool, list(results.values()), " ".join(server[2:]))


def _server_pids(master: int, database_url: str) -> set[int]:
    """gunicorn's master and workers, and the PostgreSQL processes of the database."""
    pids = {master}
    for entry in os.listdir("/proc"):
        if not entry.isdecimal():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                # The parent's pid follows the command name, which may hold spaces.
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            pids.add(int(entry))
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            pids.update(
                connection.scalars(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity"
                        " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
            )
    finally:
        engine.dispose()
    return pids


def _cpu_ns(pids: set[int]) -> int:
    return server_ns(set(pids))


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the gunicorn this run started: its master and, through it, its workers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
