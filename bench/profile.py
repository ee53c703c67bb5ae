"""Where a request's time goes: cProfile over the no-auth, session and Bearer requests,
with each function's own time summed by the library it belongs to."""

from __future__ import annotations

import cProfile
import pstats
import random
from collections.abc import Callable
from dataclasses import dataclass

from .apps import session_cookie
from .data import CLIENT_USER
from .settings import Settings
from .timing import call, environ
from .worlds import World

#: (label, path fragments) in the order they are tried; the first match wins.
CATEGORIES = (
    ("flask-pat", ("/flask_pat/",)),
    ("Flask-Login", ("/flask_login/",)),
    ("database driver and server", ("/psycopg/", "sqlite3", "psycopg", "_sqlite3")),
    ("SQLAlchemy and Flask-SQLAlchemy", ("/sqlalchemy/", "/flask_sqlalchemy/")),
    (
        "Flask, Werkzeug, itsdangerous, blinker",
        ("/flask/", "/werkzeug/", "/itsdangerous/", "/blinker/"),
    ),
)
OTHER = "the endpoint, and Python itself"


@dataclass
class Profile:
    #: Variant -> category -> microseconds per request, under the profiler.
    shares: dict[str, dict[str, float]]
    requests: int


def _category(filename: str, name: str) -> str:
    where = f"{filename} {name}"
    for label, fragments in CATEGORIES:
        if any(fragment in where for fragment in fragments):
            return label
    return OTHER


def run(world: World, settings: Settings, progress: Callable[[str], None] = print) -> Profile:
    host = world.pat[settings.compare_size]
    variants = {
        "no auth": environ("/open"),
        "session cookie": environ("/ping", {"Cookie": session_cookie(host, CLIENT_USER)}),
        "flask-pat Bearer": environ("/ping", {"Authorization": f"Bearer {world.pat_secrets[0]}"}),
    }
    requests = 300 if settings.quick else 1000
    chunk = 20
    profilers = {label: cProfile.Profile() for label in variants}
    for env in variants.values():
        for _ in range(200):
            call(host.app, env)
    # Interleaved in short chunks, in a shuffled order, as the timings are: a burst of
    # load from elsewhere falls on every variant alike.
    order = random.Random("profile")
    labels = list(variants)
    for _ in range(requests // chunk):
        order.shuffle(labels)
        for label in labels:
            env = variants[label]
            profiler = profilers[label]
            profiler.enable()
            for _ in range(chunk):
                call(host.app, env)
            profiler.disable()
    shares: dict[str, dict[str, float]] = {}
    for label, profiler in profilers.items():
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        totals: dict[str, float] = {}
        for (filename, _, name), (_, _, own, _, _) in stats.items():
            category = _category(filename, name)
            totals[category] = totals.get(category, 0.0) + own / requests * 1e6
        shares[label] = totals
    progress(f"  profiled {', '.join(variants)}")
    return Profile(shares, requests)
