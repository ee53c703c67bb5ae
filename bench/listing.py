"""Benchmark 4: the list API (search, sort, one page) by the listing user's token count,
with the table holding only the listing users' tokens, and among a million others."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from flask_pat.inventory import COUNT_LIMIT

from .apps import Host, session_cookie
from .data import QUERY
from .settings import Settings
from .timing import Timing, Variant, call, environ, measure
from .worlds import World
from .writes import StatementCounter

ALONE = "alone"
AMONG = "among others"
#: The admin inventory over the table of a million, signed in as an administrator: its
#: first page as it opens, one user's tokens searched as that user does, and a search of
#: everyone's (the one case that must read every name).
ADMIN_CASES = {
    "first page": "sort=-created_at&per_page=10&page=1",
    "one user, searched": "user={user}&q=" + QUERY + "&sort=name&per_page=10&page=1",
    "everyone, searched": "q=" + QUERY + "&sort=name&per_page=10&page=1",
}


def path(host: Host) -> str:
    prefix = host.app.config["PAT_URL_PREFIX"]
    return f"{prefix}/api/tokens?q={QUERY}&sort=name&per_page=10&page=1"


def key(table: str, size: int) -> str:
    return f"{table}@{size}"


def admin_key(case: str) -> str:
    return f"admin {case}"


def expect_admin_page(total: int) -> Callable[[str, bytes], None]:
    """A check that the answer is a page of ``total`` tokens, each with its owner."""

    def check(status: str, body: bytes) -> None:
        data = json.loads(body)
        if status != "200 OK" or data.get("total") != total:
            raise AssertionError(f"expected total {total}, got {status} {body[:200]!r}")
        items = data["items"]
        if len(items) != min(10, total) or not all(item["user_label"] for item in items):
            raise AssertionError(f"unexpected page: {body[:300]!r}")

    return check


def admin_variants(host: Host, admin_id: int) -> list[tuple[Variant, str]]:
    """The admin listing's variants, the largest listing user acting as administrator."""
    host.app.config["PAT_ADMIN"] = lambda user: user.id == admin_id
    prefix = host.app.config["PAT_URL_PREFIX"]
    Token = host.Token
    cookie = session_cookie(host, admin_id)
    found = []
    for case, query in ADMIN_CASES.items():
        query = query.format(user=admin_id)
        where = []
        if "user=" in query:
            where.append(Token.user_id == admin_id)
        if "q=" in query:
            where.append(Token.name_key.contains(QUERY))
        with host.app.app_context():
            total = int(
                host.db.session.scalar(sa.select(sa.func.count()).select_from(Token).where(*where))
                or 0
            )
        env = environ(f"{prefix}/api/admin/tokens?{query}", {"Cookie": cookie})
        variant = Variant(
            admin_key(case),
            host.app,
            [env],
            # Past COUNT_LIMIT matches the inventory's total is that bound.
            expect_admin_page(min(total, COUNT_LIMIT)),
            server_pids=host.backend_pids,
        )
        found.append((variant, query))
    return found


@dataclass
class Listing:
    timings: dict[str, Timing]
    #: Statements on the token table per list request, by variant.
    queries: dict[str, int]
    #: Rows in each table.
    rows: dict[str, int]
    #: PostgreSQL's plans for the largest user among others: count, then page.
    plans: list[str]


def expect_page(total: int) -> Callable[[str, bytes], None]:
    """A check that the answer is a page of ``total`` matching tokens."""

    def check(status: str, body: bytes) -> None:
        data = json.loads(body)
        if status != "200 OK" or data.get("total") != total:
            raise AssertionError(f"expected total {total}, got {status} {body[:200]!r}")
        if len(data["items"]) != min(10, total) or not all(
            QUERY in item["name"] for item in data["items"]
        ):
            raise AssertionError(f"unexpected page: {body[:300]!r}")

    return check


def matching(host: Host, user_id: int) -> int:
    """How many of ``user_id``'s tokens the search matches, counted apart from the API."""
    Token = host.Token
    with host.app.app_context():
        return int(
            host.db.session.scalar(
                sa.select(sa.func.count())
                .select_from(Token)
                .where(Token.user_id == user_id, Token.name_key.contains(QUERY))
            )
            or 0
        )


def _rows(host: Host) -> int:
    with host.app.app_context():
        return int(host.db.session.scalar(sa.select(sa.func.count()).select_from(host.Token)) or 0)


def run(world: World, settings: Settings, progress: Callable[[str], None] = print) -> Listing:
    tables = {ALONE: world.pat_list, AMONG: world.pat[settings.largest]}
    variants = []
    queries: dict[str, int] = {}
    for table, host in tables.items():
        for size, user_id in world.list_users.items():
            env = environ(path(host), {"Cookie": session_cookie(host, user_id)})
            variant = Variant(
                key(table, size),
                host.app,
                [env],
                expect_page(matching(host, user_id)),
                server_pids=host.backend_pids,
            )
            variant.verify()
            with StatementCounter(host.engine, host.Token.__table__.name) as counter:
                call(host.app, env)
            queries[variant.key] = counter.statements
            variants.append(variant)
    among = tables[AMONG]
    for variant, _ in admin_variants(among, world.list_users[max(world.list_users)]):
        variant.verify()
        with StatementCounter(among.engine, among.Token.__table__.name) as counter:
            call(among.app, variant.environs[0])
        queries[variant.key] = counter.statements
        variants.append(variant)
    timings = measure(
        variants, rounds=settings.rounds, batch_seconds=settings.batch_seconds, progress=progress
    )
    plans = []
    if world.url.startswith("postgresql"):
        plans = _plans(tables[AMONG], world.list_users[max(world.list_users)])
    return Listing(timings, queries, {t: _rows(h) for t, h in tables.items()}, plans)


def _plans(host: Host, user_id: int) -> list[str]:
    """EXPLAIN ANALYZE of the list request's statements on the token table."""
    env = environ(path(host), {"Cookie": session_cookie(host, user_id)})
    with StatementCounter(host.engine, host.Token.__table__.name) as counter:
        call(host.app, env)
    plans = []
    with host.engine.connect() as connection:
        for statement, parameters in counter.seen:
            rows = connection.exec_driver_sql(
                f"EXPLAIN (ANALYZE, COSTS OFF) {statement}", parameters
            )
            plans.append("\n".join(row[0] for row in rows))
    return plans
