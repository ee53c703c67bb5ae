"""Benchmarks of ``PAT_CACHE``: 1 with the cache (a Bearer request next to no auth and the
session cookie, in one interleaved run), 5 with the cache (gunicorn throughput next to the
session cookie) and 7 (how soon every worker refuses a revoked token).

``python -m bench.cache`` runs them alone (``BENCH_QUICK=1`` for a few minutes' run);
``make bench`` runs them after the others and adds their section to docs/performance.md.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Request
from flask_login import LoginManager, UserMixin, current_user, login_required

from . import load, visibility
from .apps import make_host, session_cookie
from .data import CLIENT_USER
from .per_request import NO_AUTH, PAT, SESSION, variant
from .settings import Settings
from .timing import Timing, Variant, environ, expect_json, measure
from .worlds import World

PAT_PG = "flask-pat, PAT_CACHE=postgresql"
PAT_REDIS = "flask-pat, PAT_CACHE=redis://"
FLOOR = "Flask-Login request loader, user in memory, no flask-pat"


@dataclass
class CacheResult:
    per_request: dict[str, Timing] = field(default_factory=dict)
    visibility: list[visibility.Visibility] = field(default_factory=list)
    load: load.LoadResult | None = None

    def lines(self) -> list[str]:
        """The figures, as Markdown (the section of docs/performance.md)."""
        out = ["## 7. The token cache (`PAT_CACHE`)", ""]
        targets = self.targets()
        if targets:
            out += [
                "| benchmark | target | measured | holds |",
                "| --- | --- | ---: | ---: |",
                *(
                    f"| {number} | {what} | {measured} | {'yes' if holds else 'NO'} |"
                    for number, what, measured, holds in targets
                ),
                "",
            ]
        t = self.per_request
        if t:
            out += [
                "A protected endpoint per request on PostgreSQL, all variants in one"
                " interleaved run (median of rounds, µs; wall time):",
                "",
                "| variant | µs | × no auth | × session cookie |",
                "|---|---:|---:|---:|",
            ]
            for name in (NO_AUTH, FLOOR, SESSION, PAT, PAT_PG, PAT_REDIS):
                if name in t:
                    out.append(
                        f"| {name} | {t[name].median:,.0f} |"
                        f" {t[name].median / t[NO_AUTH].median:.2f} |"
                        f" {t[name].median / t[SESSION].median:.2f} |"
                    )
            out += [""]
        if self.visibility:
            out += [
                f"Revocation visibility: one of {visibility.WORKERS} gunicorn workers revokes;"
                " the time until each other worker refuses the token, in ms: from the"
                " sending of the revoke to the moment the worker's listener had handled its"
                " message (the worker refuses from then on, or earlier: from the moment the"
                " message reached it); from the revoke's answer to the first refusal"
                " received from it (a looser upper bound, with the clients' turns in it),"
                " and to the sending of the last request it still accepted (a lower bound);"
                " and, with the channel cut, answers that still accepted a token revoked"
                " behind the channel's back:",
                "",
                "| channel | revocations | p99 dropped by | max dropped by | p99 refused by |"
                " max refused by | p99 last accepted | cut rounds | stale answers |",
                "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
            ]
            for v in self.visibility:
                out.append(
                    f"| {v.channel} | {v.revocations} | {v.heard_p99_ms:.1f} |"
                    f" {v.heard_max_ms:.1f} | {v.p99_ms:.1f} | {v.max_ms:.1f} |"
                    f" {v.accepted_p99_ms:.1f} | {v.cut_rounds} | {v.cut_stale} |"
                )
            out += [""]
        if self.load is not None:
            out += [
                f"Throughput under gunicorn ({load.WORKERS} workers, {self.load.tool}) with"
                " `PAT_CACHE=postgresql`:",
                "",
                "| case | req/s | p99 ms | server CPU µs/request |",
                "|---|---:|---:|---:|",
            ]
            for case in self.load.cases:
                out.append(
                    f"| {case.case} | {case.requests_per_second:,.0f} | {case.p99_ms:.1f} |"
                    f" {case.cpu_us_per_request:,.0f} |"
                )
            out += [""]
        return out

    def targets(self) -> list[tuple[int, str, str, bool]]:
        """(benchmark, target, measured, holds) for each target the cache's issue set."""
        rows: list[tuple[int, str, str, bool]] = []
        t = self.per_request
        for name in (PAT_PG, PAT_REDIS):
            if name in t and SESSION in t and NO_AUTH in t:
                cookie = t[name].median / t[SESSION].median
                bare = t[name].median / t[NO_AUTH].median
                rows.append(
                    (1, f"{name}: Bearer <= 0.5x session cookie", f"{cookie:.2f}x", cookie <= 0.5)
                )
                rows.append((1, f"{name}: Bearer <= 1.3x no auth", f"{bare:.2f}x", bare <= 1.3))
        for v in self.visibility:
            rows.append(
                (
                    7,
                    f"{v.channel}: every other worker drops a revoked token, p99 <= 100 ms",
                    f"{v.heard_p99_ms:.1f} ms",
                    v.heard_p99_ms <= 100,
                )
            )
            if v.cut_rounds:
                rows.append(
                    (
                        7,
                        f"{v.channel} cut: no answer accepts the token after the revoke",
                        f"{v.cut_stale} stale answers in {v.cut_rounds} rounds",
                        v.cut_stale == 0,
                    )
                )
        return rows


def memory_loader_app() -> Flask:
    """The least a Flask-Login request loader can cost: ``/ping`` as the hosts serve it, its
    user handed over from memory for any ``Authorization`` header, no database, no
    flask-pat. What no token scheme built on Flask-Login can go below."""
    app = Flask("bench_memory_loader")
    app.config["SECRET_KEY"] = "bench"
    login_manager = LoginManager(app)

    class MemoryUser(UserMixin):
        id = CLIENT_USER

    user = MemoryUser()

    @login_manager.user_loader
    def load_user(user_id: str) -> None:
        return None

    @login_manager.request_loader
    def load_from_header(request: Request) -> MemoryUser | None:
        return user if request.headers.get("Authorization") else None

    @app.get("/ping")
    @login_required
    def ping() -> dict[str, Any]:
        return {"user": current_user.id, "pat": True}

    return app


def per_request(
    world: World, settings: Settings, redis_url: str | None, progress: Callable[[str], None]
) -> dict[str, Timing]:
    """Benchmark 1 with the cache, on ``world`` (PostgreSQL)."""
    size = settings.compare_size
    plain = world.pat[size]
    cached = {PAT_PG: make_host(world.url, pat_table=f"pat_{size}", PAT_CACHE="postgresql")}
    if redis_url is not None:
        cached[PAT_REDIS] = make_host(world.url, pat_table=f"pat_{size}", PAT_CACHE=redis_url)
    for host in cached.values():
        assert host.app.extensions["pat_cache"].wait_live(10), "the cache's channel is silent"
    token = expect_json(user=CLIENT_USER, pat=True)
    bearers = [
        environ("/ping", {"Authorization": f"Bearer {secret}"}) for secret in world.pat_secrets
    ]
    variants = [
        variant(NO_AUTH, plain, [environ("/open")], expect_json(ok=True)),
        variant(
            SESSION,
            plain,
            [environ("/ping", {"Cookie": session_cookie(plain, CLIENT_USER)})],
            expect_json(user=CLIENT_USER, pat=False),
        ),
        variant(PAT, plain, bearers, token),
    ]
    variants += [variant(name, host, bearers, token) for name, host in cached.items()]
    variants.append(
        Variant(FLOOR, memory_loader_app(), bearers, expect_json(user=CLIENT_USER, pat=True))
    )
    try:
        return measure(
            variants,
            rounds=settings.rounds,
            batch_seconds=settings.batch_seconds,
            progress=progress,
        )
    finally:
        for host in cached.values():
            host.app.extensions["pat_cache"].stop()
            host.engine.dispose()


def run(world: World, settings: Settings, progress: Callable[[str], None] = print) -> CacheResult:
    """Benchmarks 1 (with the cache), 7 and 5 (with the cache) on ``world`` (PostgreSQL)."""
    result = CacheResult()
    with (
        tempfile.TemporaryDirectory(prefix="pat-bench-redis-") as scratch,
        visibility.redis_server(scratch) as redis,
    ):
        redis_url = redis.url if redis is not None else None
        progress("Benchmark 1 with the cache")
        result.per_request = per_request(world, settings, redis_url, progress)
        progress("Benchmark 7: revocation visibility")
        channels = {"PostgreSQL NOTIFY": "postgresql"}
        cuts = {"PostgreSQL NOTIFY": visibility.cut_postgres(world.url)}
        if redis is not None:
            channels["Redis pub/sub"] = redis.url
            cuts["Redis pub/sub"] = visibility.cut_redis(redis)
        result.visibility = visibility.run(
            world.url,
            channels,
            revocations=200,
            cut_rounds=5 if settings.quick else 20,
            progress=progress,
            cuts=cuts,
        )
    progress("Benchmark 5 with the cache")
    result.load = load.run(world, settings, progress, cache="postgresql")
    return result


def main() -> int:
    """Only these benchmarks, on a small PostgreSQL world."""
    from . import services, worlds
    from .settings import from_env

    config = from_env()

    def progress(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    with services.postgres(config, progress) as pg_url:
        if pg_url is None:
            progress("No PostgreSQL server: nothing to measure")
            return 1
        built = worlds.build(config, {"PostgreSQL": pg_url}, progress)
        try:
            result = run(built[0], config, progress)
        finally:
            for world in built:
                world.dispose()
    print("\n".join(result.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
