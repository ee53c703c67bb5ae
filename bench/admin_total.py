"""``python -m bench.admin_total [REF]``: the admin inventory's first page over a million
tokens against a user's own list of 10,000 among them, on PostgreSQL, for flask-pat as
committed at REF (default HEAD) and for the working tree, interleaved in one run.

The target (SPEC section 10): the inventory's first page costs at most 3x the user's own
list. Only the tables this needs are built (``BENCH_QUICK=1``: 20,000 tokens, 1,000 the
user's), so it runs in a minute or two where ``make bench`` takes much longer.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import sys
import tempfile
from collections.abc import Callable

from . import data, listing, services, settings
from .apps import Host, make_host, session_cookie
from .compare import host_with, load_ref
from .timing import Variant, environ, measure

TABLE = "pat_admin_total"


def expect_a_page(status: str, body: bytes) -> None:
    """A full first page, whatever the total says (exact before, a bound after)."""
    answer = json.loads(body)
    if status != "200 OK" or len(answer.get("items", [])) != 10:
        raise AssertionError(f"unexpected answer: {status} {body[:200]!r}")


def fill(url: str, tokens: int, own: int, other_users: int) -> tuple[Host, int]:
    """The table of ``tokens``, ``own`` of them the listing user's; the working tree's host."""
    host = make_host(url, pat_table=TABLE)
    user = data.FIRST_LIST_USER
    others = range(user + 1, user + 1 + other_users)
    data.bulk_insert(
        host.engine,
        host.User.__table__,
        ("id", "email", "active"),
        list(data.user_rows(others[-1])),
    )
    owner_ids = data.owners(random.Random("owners"), tokens, {user: own}, others)
    rows = list(data.pat_rows(owner_ids, data.Clock(), None, []))
    data.bulk_insert(host.engine, host.Token.__table__, data.PAT_COLUMNS, rows)
    return host, user


def variants(hosts: dict[str, Host], user: int) -> list[Variant]:
    found = []
    for tag, host in hosts.items():
        host.app.config["PAT_ADMIN"] = lambda u: u.id == user
        cookie = {"Cookie": session_cookie(host, user)}
        own: Callable[[str, bytes], None] = listing.expect_page(listing.matching(host, user))
        prefix = host.app.config["PAT_URL_PREFIX"]
        admin = f"{prefix}/api/admin/tokens?" + listing.ADMIN_CASES["first page"]
        pids = host.backend_pids
        found += [
            Variant(
                f"own list/{tag}",
                host.app,
                [environ(listing.path(host), cookie)],
                own,
                server_pids=pids,
            ),
            Variant(
                f"admin first page/{tag}",
                host.app,
                [environ(admin, cookie)],
                expect_a_page,
                server_pids=pids,
            ),
        ]
    return found


def main() -> int:
    ref_name = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    config = settings.from_env()
    config = dataclasses.replace(config, pg_database=f"{config.pg_database}_admin_total")
    tokens, own = (20_000, 1_000) if config.quick else (1_000_000, 10_000)
    scratch = tempfile.mkdtemp(prefix="pat-admin-total-")
    try:
        ref = load_ref(ref_name, scratch)
        with services.postgres(config) as url:
            if url is None:
                print("PostgreSQL is needed for this benchmark.")
                return 1
            now, user = fill(url, tokens, own, config.other_users)
            hosts = {"now": now, "ref": host_with(ref, url, TABLE)}
            timings = measure(
                variants(hosts, user),
                rounds=config.rounds,
                batch_seconds=config.batch_seconds,
                progress=lambda m: None,
            )
            for host in hosts.values():
                with host.app.app_context():
                    host.db.session.remove()
                    host.db.engine.dispose()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(
        f"PostgreSQL, {tokens:,} tokens, the user's own {own:,}: working tree (now) against"
        f" {ref_name} (ref), median µs per request"
    )
    print(f"  {'':22} {'now':>8} {'ref':>8} {'now/ref':>8} {'CPU now/ref':>12}")
    for key in ("own list", "admin first page"):
        a, b = timings[f"{key}/now"], timings[f"{key}/ref"]
        print(
            f"  {key:22} {a.median:8,.0f} {b.median:8,.0f}"
            f" {a.median / b.median:7.2f}x {a.cpu / b.cpu:11.2f}x"
        )
    print("  admin first page / own list (target <= 3x):")
    for tag in ("ref", "now"):
        admin, mine = timings[f"admin first page/{tag}"], timings[f"own list/{tag}"]
        print(
            f"    {tag:4} {admin.median / mine.median:5.2f}x wall, {admin.cpu / mine.cpu:5.2f}x CPU"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
