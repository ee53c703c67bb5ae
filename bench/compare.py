"""``python -m bench.compare [REF]``: flask-pat as committed at REF (default HEAD) against
the working tree, in one process, interleaved: the before/after figures of a change.

The package at REF is read with ``git show`` (nothing in the checkout changes) into a
temporary directory as ``flask_pat_ref``; flask-pat imports itself relatively, so both
versions load side by side, each on its own app over the same tables.
"""

from __future__ import annotations

import dataclasses
import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from . import apps, listing, services, settings, worlds
from .apps import Host, session_cookie
from .data import CLIENT_USER
from .timing import Timing, Variant, environ, expect_json, measure

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_ref(ref: str, into: str) -> Any:
    """flask-pat as committed at ``ref``, imported as ``flask_pat_ref``."""
    names = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", ref, "flask_pat/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in names:
        if not name.endswith(".py"):
            continue
        text = subprocess.run(
            ["git", "show", f"{ref}:{name}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        target = os.path.join(into, "flask_pat_ref", os.path.relpath(name, "flask_pat"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as out:
            out.write(text)
    sys.path.insert(0, into)
    return importlib.import_module("flask_pat_ref")


def host_with(package: Any, url: str, table: str) -> Host:
    """:func:`bench.apps.make_host`, with flask-pat taken from ``package``."""
    saved = apps.PersonalAccessTokens, apps.current_token
    apps.PersonalAccessTokens, apps.current_token = (
        package.PersonalAccessTokens,
        package.current_token,
    )
    try:
        return apps.make_host(url, pat_table=table)
    finally:
        apps.PersonalAccessTokens, apps.current_token = saved


def _variant(
    key: str, host: Host, env: dict[str, Any], check: Callable[[str, bytes], None]
) -> Variant:
    return Variant(key, host.app, [env], check, server_pids=host.backend_pids)


def compare(world: worlds.World, ref: Any, config: settings.Settings) -> dict[str, Timing]:
    size = config.compare_size
    now = world.pat[size]
    then = host_with(ref, world.url, f"pat_{size}")
    variants = []
    for tag, host in (("now", now), ("ref", then)):
        bearer = environ("/ping", {"Authorization": f"Bearer {world.pat_secrets[0]}"})
        cookie = environ("/ping", {"Cookie": session_cookie(host, CLIENT_USER)})
        variants += [
            _variant(f"session cookie/{tag}", host, cookie, expect_json(user=CLIENT_USER)),
            _variant(f"Bearer/{tag}", host, bearer, expect_json(user=CLIENT_USER, pat=True)),
        ]
    tables = {listing.ALONE: "pat_list", listing.AMONG: f"pat_{config.largest}"}
    for table, name in tables.items():
        hosts = {
            "now": world.pat_list if table == listing.ALONE else world.pat[config.largest],
            "ref": host_with(ref, world.url, name),
        }
        for size_, user_id in world.list_users.items():
            if size_ == min(world.list_users):
                continue
            for tag, host in hosts.items():
                env = environ(listing.path(host), {"Cookie": session_cookie(host, user_id)})
                check = listing.expect_page(listing.matching(host, user_id))
                variants.append(_variant(f"list {table} {size_}/{tag}", host, env, check))
    return measure(
        variants, rounds=config.rounds, batch_seconds=config.batch_seconds, progress=lambda m: None
    )


def main() -> int:
    ref_name = sys.argv[1] if len(sys.argv) > 1 else "HEAD"
    config = settings.from_env()
    config = dataclasses.replace(config, pg_database=f"{config.pg_database}_compare")
    scratch = tempfile.mkdtemp(prefix="pat-compare-")
    try:
        ref = load_ref(ref_name, scratch)
        with services.postgres(config) as pg_url:
            urls = {"SQLite": f"sqlite:///{os.path.join(scratch, 'compare.sqlite')}"}
            if pg_url is not None:
                urls["PostgreSQL"] = pg_url
            for world in worlds.build(config, urls, lambda m: None):
                timings = compare(world, ref, config)
                print(f"{world.label}: working tree (now) against {ref_name} (ref), median µs")
                print(f"  {'':32} {'now':>8} {'ref':>8} {'now/ref':>8} {'CPU now/ref':>12}")
                for key in [k.removesuffix("/now") for k in timings if k.endswith("/now")]:
                    now, then = timings[f"{key}/now"], timings[f"{key}/ref"]
                    print(
                        f"  {key:32} {now.median:8,.0f} {then.median:8,.0f}"
                        f" {now.median / then.median:7.2f}x {now.cpu / then.cpu:11.2f}x"
                    )
                world.dispose()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
