"""The apps and tables of one database, filled for every benchmark."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from . import data
from .apps import Host, make_host
from .references import REFERENCES, Sanctum
from .settings import Settings


@dataclass
class World:
    """Every host app of one database, and the tokens to present to them."""

    label: str
    url: str
    #: The host without flask-pat: the session cookie alone.
    session: Host
    #: flask-pat on a table of each size.
    pat: dict[int, Host]
    #: flask-pat on a table holding only the listing users' tokens.
    pat_list: Host
    #: (scheme name, size) -> the host checking that reference scheme on that table.
    refs: dict[tuple[str, int], Host]
    sanctum: Host
    pat_secrets: list[str] = field(default_factory=list)
    ref_secrets: dict[str, list[str]] = field(default_factory=dict)
    sanctum_secrets: list[str] = field(default_factory=list)
    #: Tokens the listing user owns -> that user's id.
    list_users: dict[int, int] = field(default_factory=dict)

    @property
    def hosts(self) -> list[Host]:
        return [self.session, *self.pat.values(), self.pat_list, *self.refs.values(), self.sanctum]

    def dispose(self) -> None:
        for host in self.hosts:
            with host.app.app_context():
                host.db.session.remove()
                host.db.engine.dispose()


def _create(label: str, url: str, settings: Settings) -> World:
    return World(
        label=label,
        url=url,
        session=make_host(url),
        pat={size: make_host(url, pat_table=f"pat_{size}") for size in settings.sizes},
        pat_list=make_host(url, pat_table="pat_list"),
        refs={
            (scheme.name, size): make_host(url, scheme=scheme, table=f"ref_{scheme.name}_{size}")
            for scheme in REFERENCES
            for size in settings.sizes
        },
        sanctum=make_host(url, scheme=Sanctum(), table="ref_sanctum"),
    )


def build(
    settings: Settings, urls: dict[str, str], progress: Callable[[str], None] = print
) -> list[World]:
    """Create the tables on every database in ``urls`` and fill them alike."""
    worlds = [_create(label, url, settings) for label, url in urls.items()]
    rng = random.Random("owners")
    list_users = {size: data.FIRST_LIST_USER + i for i, size in enumerate(settings.list_sizes)}
    first_other = data.FIRST_LIST_USER + len(settings.list_sizes)
    last_user = first_other + settings.other_users - 1
    others = range(first_other, last_user + 1)
    clock = data.Clock()

    def load(
        what: str, pick: Callable[[World], Host], columns: Sequence[str], rows: list[Any]
    ) -> None:
        def one(world: World) -> None:
            started = time.perf_counter()
            host = pick(world)
            table = host.User.__table__ if what == "users" else host.Token.__table__
            data.bulk_insert(host.engine, table, columns, rows)
            progress(
                f"  {world.label}: {len(rows):>9,} rows into {table.name}"
                f" in {time.perf_counter() - started:.1f} s"
            )

        # Every database at once: SQLite works in this process, PostgreSQL in its own.
        with ThreadPoolExecutor(len(worlds)) as pool:
            for future in [pool.submit(one, world) for world in worlds]:
                future.result()

    load("users", lambda w: w.session, ("id", "email", "active"), list(data.user_rows(last_user)))
    for world in worlds:
        world.list_users = list_users

    for size in settings.sizes:
        fixed = {data.CLIENT_USER: min(data.MEASURED, size)}
        if size == settings.largest:
            fixed.update({user: count for count, user in list_users.items()})
        owner_ids = data.owners(rng, size, fixed, others)
        secrets: list[str] = []
        rows = list(data.pat_rows(owner_ids, clock, data.CLIENT_USER, secrets))
        load("pat", lambda w, size=size: w.pat[size], data.PAT_COLUMNS, rows)
        for world in worlds:
            world.pat_secrets = secrets
        for scheme in REFERENCES:
            secrets = []
            rows = list(data.reference_rows(scheme, owner_ids, clock, data.CLIENT_USER, secrets))
            load(
                scheme.name,
                lambda w, key=(scheme.name, size): w.refs[key],
                scheme.columns,
                rows,
            )
            for world in worlds:
                world.ref_secrets[scheme.name] = secrets
        del rows

    owner_ids = data.owners(
        rng, sum(settings.list_sizes), {u: c for c, u in list_users.items()}, []
    )
    rows = list(data.pat_rows(owner_ids, clock, None, []))
    load("pat", lambda w: w.pat_list, data.PAT_COLUMNS, rows)

    sanctum = Sanctum()
    owner_ids = data.owners(rng, settings.compare_size, {data.CLIENT_USER: data.MEASURED}, others)
    secrets = []
    rows = list(data.reference_rows(sanctum, owner_ids, clock, data.CLIENT_USER, secrets))
    load("sanctum", lambda w: w.sanctum, sanctum.columns, rows)
    for world in worlds:
        world.sanctum_secrets = secrets
    return worlds
