"""Per-request cost through the WSGI app, in process.

Each request is a direct WSGI call with a prebuilt environ: no test client, no network, so
what is timed is the app, Flask, Flask-Login, the ORM and the database. Variants are timed
in rounds, each round cut into short slices that the variants take in turns, in a shuffled
order, so background noise falls on all variants alike (see :func:`measure`). The figure
reported is the median over rounds of the mean time per request within a round, in wall
time and in CPU time (this thread's plus the database server processes').
"""

from __future__ import annotations

import io
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from werkzeug.test import EnvironBuilder

from .apps import USER_AGENT


def server_ns(pids: set[int]) -> int:
    """CPU nanoseconds the database server processes ``pids`` have run, from /proc."""
    total = 0
    for pid in list(pids):
        try:
            with open(f"/proc/{pid}/schedstat", "rb") as stat:
                total += int(stat.read().split()[0])
        except (OSError, ValueError, IndexError):
            pids.discard(pid)
    return total


def environ(path: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """A WSGI environ for GET ``path`` from the bench client at 127.0.0.1."""
    builder = EnvironBuilder(
        path=path,
        headers={"User-Agent": USER_AGENT, **(headers or {})},
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def _start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[[bytes], None]:
    _start_response.status = status  # type: ignore[attr-defined]
    _start_response.headers = headers  # type: ignore[attr-defined]
    return _ignore


def _ignore(data: bytes) -> None:
    return None


def call(app: Any, env: dict[str, Any]) -> tuple[str, bytes]:
    """One request; its status line and body."""
    env = env.copy()
    env["wsgi.input"] = io.BytesIO()
    result = app(env, _start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return _start_response.status, body  # type: ignore[attr-defined]


@dataclass
class Variant:
    """One way of making the request: an app and the environs to send, in turn."""

    key: str
    app: Any
    environs: Sequence[dict[str, Any]]
    #: Raises when a response is not the one expected (a 401 would be very fast).
    check: Callable[[str, bytes], None]
    #: At most this many requests per round (for the slow hash).
    max_batch: int | None = None
    #: The database server processes serving ``app`` (PostgreSQL), whose CPU time counts.
    server_pids: set[int] = field(default_factory=set)
    samples: list[float] = field(default_factory=list)
    cpu_samples: list[float] = field(default_factory=list)

    def run(self, count: int) -> tuple[float, float]:
        """Mean microseconds per request over ``count`` requests: wall time, and CPU time
        of this thread plus the database server processes serving it."""
        app, environs, pids = self.app, self.environs, self.server_pids
        size = len(environs)
        # The server's clock is read outside the thread's and the wall clock's window.
        server = server_ns(pids)
        cpu = time.thread_time_ns()
        wall = time.perf_counter_ns()
        for i in range(count):
            call(app, environs[i % size])
        wall = time.perf_counter_ns() - wall
        cpu = time.thread_time_ns() - cpu
        cpu += server_ns(pids) - server
        return wall / count / 1000, cpu / count / 1000

    def verify(self) -> None:
        for env in self.environs:
            self.check(*call(self.app, env))


def last_headers() -> list[tuple[str, str]]:
    """The headers of the response :func:`call` returned last."""
    return list(_start_response.headers)  # type: ignore[attr-defined]


def expect_json(status: str = "200 OK", **fields: Any) -> Callable[[str, bytes], None]:
    """A check that the answer is ``status``, JSON with ``fields``, and sets no cookie
    (a cookie set on every request would be a cost of its own)."""

    def check(got_status: str, body: bytes) -> None:
        data = json.loads(body) if body else None
        if got_status != status or not isinstance(data, dict):
            raise AssertionError(f"expected {status} {fields}, got {got_status} {body[:200]!r}")
        if any(name.lower() == "set-cookie" for name, _ in last_headers()):
            raise AssertionError(f"the answer sets a cookie: {last_headers()}")
        for key, value in fields.items():
            if data.get(key) != value:
                raise AssertionError(f"expected {key}={value!r}, got {body[:200]!r}")

    return check


@dataclass
class Timing:
    """Per-request microseconds of one variant, one figure per round: wall time, and CPU
    time (this process's thread plus the database server's processes serving it)."""

    samples: list[float]
    cpu_samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpu_samples)

    @property
    def spread(self) -> tuple[float, float]:
        return min(self.samples), max(self.samples)


def measure(
    variants: Sequence[Variant],
    *,
    rounds: int,
    batch_seconds: float,
    slice_seconds: float = 0.01,
    progress: Callable[[str], None] = print,
) -> dict[str, Timing]:
    """Time every variant in ``rounds`` rounds; per-request microseconds, one per round.

    A round gives each variant about ``batch_seconds``, cut into slices of a few requests
    (about ``slice_seconds``) that take turns, in a fresh random order each pass, so that
    a burst of load from elsewhere on the machine falls on every variant alike, and no
    variant always follows the same one (which would leave it the other's warm caches).
    A variant's figure for the round is its mean over its slices. Variants capped by
    ``max_batch`` (the slow hash) run their requests once per round, after the passes.
    """
    chunks: dict[str, int] = {}
    for variant in variants:
        variant.verify()
        # Warm up (caches, the ORM's compiled statements, the database's buffers), then
        # size the batches from the time a request takes.
        per_call = variant.run(1)[0]
        if variant.max_batch is None:
            warmup = max(5, min(500, int(0.3 / (per_call / 1e6))))
            per_call = variant.run(warmup)[0]
            chunks[variant.key] = max(1, round(slice_seconds / (per_call / 1e6)))
        else:
            chunks[variant.key] = variant.max_batch
        variant.samples = []
        variant.cpu_samples = []
    fast = [variant for variant in variants if variant.max_batch is None]
    # Each slice is timed on its own, so the order shuffles freely.
    slow = [variant for variant in variants if variant.max_batch is not None]
    # Every variant gets about batch_seconds per round.
    passes = max(1, round(batch_seconds / slice_seconds))
    order = random.Random("order")
    for number in range(rounds):
        wall = dict.fromkeys(chunks, 0.0)
        cpu = dict.fromkeys(chunks, 0.0)
        for _ in range(passes):
            order.shuffle(fast)
            for variant in fast:
                spent = variant.run(chunks[variant.key])
                wall[variant.key] += spent[0]
                cpu[variant.key] += spent[1]
        for variant in fast:
            variant.samples.append(wall[variant.key] / passes)
            variant.cpu_samples.append(cpu[variant.key] / passes)
        for variant in slow:
            spent = variant.run(chunks[variant.key])
            variant.samples.append(spent[0])
            variant.cpu_samples.append(spent[1])
        progress(f"  round {number + 1}/{rounds}")
    return {
        variant.key: Timing(list(variant.samples), list(variant.cpu_samples))
        for variant in variants
    }
