"""Benchmarks 1 and 2: the per-request cost of a protected endpoint, by way of auth and
by number of stored tokens."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .apps import Host, session_cookie
from .data import CLIENT_USER
from .references import REFERENCES
from .settings import Settings
from .timing import Timing, Variant, environ, expect_json, measure
from .worlds import World

NO_AUTH = "no auth"
SESSION = "session cookie"
SESSION_ALONE = "session cookie, flask-pat not installed"
PAT = "flask-pat"


def key(scheme: str, size: int) -> str:
    return f"{scheme}@{size}"


def run(
    world: World, settings: Settings, progress: Callable[[str], None] = print
) -> dict[str, Timing]:
    """Per-request microseconds of every variant on ``world``'s database."""
    host = world.pat[settings.compare_size]
    me = expect_json(user=CLIENT_USER, pat=False)
    variants = [
        variant(NO_AUTH, host, [environ("/open")], expect_json(ok=True)),
        variant(
            SESSION, host, [environ("/ping", {"Cookie": session_cookie(host, CLIENT_USER)})], me
        ),
        variant(
            SESSION_ALONE,
            world.session,
            [environ("/ping", {"Cookie": session_cookie(world.session, CLIENT_USER)})],
            me,
        ),
    ]
    for size in settings.sizes:
        variants.append(
            variant(
                key(PAT, size),
                world.pat[size],
                [_bearer(secret) for secret in world.pat_secrets],
                expect_json(user=CLIENT_USER, pat=True),
            )
        )
    for scheme in REFERENCES:
        for size in settings.sizes:
            variants.append(
                variant(
                    key(scheme.name, size),
                    world.refs[scheme.name, size],
                    [_bearer(secret) for secret in world.ref_secrets[scheme.name]],
                    me,
                    max_batch=settings.slow_iterations if scheme.slow else None,
                )
            )
    return measure(
        variants, rounds=settings.rounds, batch_seconds=settings.batch_seconds, progress=progress
    )


def variant(
    name: str,
    host: Host,
    environs: list[dict[str, Any]],
    check: Callable[[str, bytes], None],
    max_batch: int | None = None,
) -> Variant:
    return Variant(name, host.app, environs, check, max_batch, server_pids=host.backend_pids)


def _bearer(secret: str) -> dict[str, Any]:
    return environ("/ping", {"Authorization": f"Bearer {secret}"})
