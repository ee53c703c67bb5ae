"""Benchmark 3: database writes caused by a burst of requests from one token."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from .apps import Host, make_host
from .data import CLIENT_USER
from .settings import Settings
from .timing import call, environ, expect_json
from .worlds import World

_WRITES = ("INSERT", "UPDATE", "DELETE")


class StatementCounter:
    """Counts the statements an engine runs, and the writes among them."""

    def __init__(self, engine: sa.Engine, table: str | None = None) -> None:
        self.engine = engine
        self.table = table
        self.statements = 0
        self.writes = 0
        self.rows_written = 0
        #: Of the writes, the rows added (the audit events written with an update).
        self.inserts = 0
        self.seen: list[tuple[str, Any]] = []

    def _on_execute(
        self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        if self.table is not None and self.table not in statement:
            return
        self.statements += 1
        self.seen.append((statement, parameters))
        if statement.lstrip()[:6].upper() in _WRITES:
            if statement.lstrip()[:6].upper() == "INSERT":
                # An audit event is part of the update it goes with: same transaction.
                self.inserts += 1
                return
            self.writes += 1
            self.rows_written += max(cursor.rowcount, 0)

    def __enter__(self) -> StatementCounter:
        sa.event.listen(self.engine, "after_cursor_execute", self._on_execute)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "after_cursor_execute", self._on_execute)


@dataclass
class Burst:
    label: str
    requests: int
    seconds: float
    writes: int
    rows_written: int
    statements: int
    #: The most writes the contract allows in that time (``None``: no limit claimed).
    allowed: int | None
    #: Audit events written along (``new_ip``), in the same transactions as the writes.
    events: int = 0

    @property
    def per_request_us(self) -> float:
        return self.seconds / self.requests * 1e6


def _burst(
    label: str,
    host: Host,
    secret: str,
    requests: int,
    pat: bool,
    resolution: timedelta | None,
    *,
    new_ip_each_time: bool = False,
) -> Burst:
    env = environ("/ping", {"Authorization": f"Bearer {secret}"})
    envs = [env]
    if new_ip_each_time:
        # More addresses than a token remembers (five), so each request comes from an
        # address it has not used lately.
        envs = [{**env, "REMOTE_ADDR": f"10.0.{i // 250}.{i % 250 + 1}"} for i in range(1000)]
    check = expect_json(user=CLIENT_USER, pat=pat)
    table = host.Token.__table__
    with host.engine.begin() as connection:
        # Never used before: the first request has to write.
        connection.execute(sa.update(table).values(last_used_at=None))
    with StatementCounter(host.engine) as counter:
        started = time.perf_counter()
        for number in range(requests):
            call(host.app, envs[number % len(envs)])
        seconds = time.perf_counter() - started
    check(*call(host.app, env))
    allowed = None
    if resolution is not None:
        allowed = int(seconds // resolution.total_seconds()) + 1
    if new_ip_each_time:
        # One write a second at most, whatever the address.
        allowed = int(seconds) + 1
    return Burst(
        label,
        requests,
        seconds,
        counter.writes,
        counter.rows_written,
        counter.statements,
        allowed,
        counter.inserts,
    )


def run(world: World, settings: Settings, progress: Callable[[str], None] = print) -> list[Burst]:
    """flask-pat at its default resolution, at one second, and with a token whose client
    address changes on every request; and the Sanctum reference."""
    size = settings.compare_size
    secret = world.pat_secrets[0]
    requests = settings.touch_requests
    default = world.pat[size]
    resolution = default.app.config["PAT_LAST_USED_RESOLUTION"]
    results = [
        _burst(
            f"flask-pat, PAT_LAST_USED_RESOLUTION={_span(resolution)}",
            default,
            secret,
            requests,
            True,
            resolution,
        )
    ]
    progress(f"  {results[-1].label}: {results[-1].writes} writes")
    second = timedelta(seconds=1)
    fine = make_host(world.url, pat_table=f"pat_{size}", PAT_LAST_USED_RESOLUTION=second)
    try:
        # A quarter of the requests: enough seconds to show one write per second at most.
        results.append(
            _burst(
                "flask-pat, PAT_LAST_USED_RESOLUTION=1s", fine, secret, requests // 4, True, second
            )
        )
        progress(f"  {results[-1].label}: {results[-1].writes} writes")
    finally:
        with fine.app.app_context():
            fine.db.engine.dispose()
    results.append(
        _burst(
            "flask-pat, a new client address on every request",
            default,
            secret,
            requests // 4,
            True,
            resolution,
            new_ip_each_time=True,
        )
    )
    progress(
        f"  {results[-1].label}: {results[-1].writes} writes (with {results[-1].events} new_ip"
        f" events) in {results[-1].seconds:.1f} s, {results[-1].requests} requests"
    )
    results.append(
        _burst(
            "reference: write on every request (Sanctum)",
            world.sanctum,
            world.sanctum_secrets[0],
            requests,
            False,
            None,
        )
    )
    progress(f"  {results[-1].label}: {results[-1].writes} writes")
    return results


def _span(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}min"
    return f"{seconds}s"
