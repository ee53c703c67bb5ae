"""Fill the benchmark tables fast: users, flask-pat tokens and the references' tokens.

Rows are made in Python once per table and written to every database: with COPY on
PostgreSQL and one ``executemany`` on SQLite, with the table's indexes dropped during the
load and built after it, as a bulk import would.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

import sqlalchemy as sa

from flask_pat import tokens

from .references import Scheme

#: The user whose tokens the authentication benchmarks present.
CLIENT_USER = 1
#: The first user whose tokens are listed in benchmark 4; one per list size.
FIRST_LIST_USER = 2
#: Tokens presented in benchmarks 1 and 2, in turn (the smallest table holds exactly these).
MEASURED = 10
#: Token names are "<group> <word> <number>": each user's tokens take the words in turn, so
#: one in ten is a "deploy" token, spread evenly through the name order by the groups.
GROUPS = ("api", "backend", "cli", "dev", "etl", "github", "home", "infra", "jenkins", "k8s")
WORDS = ("backup", "ci", "cron", "deploy", "grafana", "laptop", "mobile", "release", "sync", "vm")
#: The search of benchmark 4: matches one name in ten.
QUERY = "deploy"

PAT_COLUMNS = (
    "user_id",
    "name",
    "name_key",
    "token_hash",
    "last4",
    "scope_text",
    "project_key",
    "created_at",
    "expires_at",
    "lifetime_seconds",
    "last_used_at",
    "revoked_at",
)
_BYTE_TO_BASE62 = bytes(tokens.BASE62.encode()[i % 62] for i in range(256))


def _stamp(moment: datetime) -> str:
    # Naive UTC text, as flask-pat's UTCDateTime and SQLAlchemy's SQLite DateTime store it.
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class Clock:
    """Timestamps drawn from a pool, so that a million rows do not format a million dates."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC).replace(tzinfo=None))
    pool: list[tuple[str, str | None, int | None, str | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        rng = random.Random("clock")
        for _ in range(4096):
            created = self.now - timedelta(seconds=rng.randrange(365 * 86400))
            draw = rng.random()
            revoked = None
            if draw < 0.10:
                lifetime = None
            elif draw < 0.25:
                # Already expired.
                lifetime = int((self.now - created).total_seconds()) - rng.randrange(1, 86400)
                lifetime = max(lifetime, 60)
            else:
                lifetime = int((self.now - created).total_seconds()) + rng.randrange(
                    86400, 365 * 86400
                )
                if draw > 0.95:
                    revoked = _stamp(created + timedelta(seconds=rng.randrange(60, 86400)))
            expires = None if lifetime is None else _stamp(created + timedelta(seconds=lifetime))
            self.pool.append((_stamp(created), expires, lifetime, revoked))

    def draw(self, rng: random.Random) -> tuple[str, str | None, int | None, str | None]:
        return self.pool[rng.randrange(4096)]

    def live(self) -> tuple[str, str, int]:
        """Created yesterday, expires in 30 days: a token that works."""
        created = self.now - timedelta(days=1)
        return _stamp(created), _stamp(created + timedelta(days=31)), 31 * 86400


def owners(
    rng: random.Random, size: int, fixed: dict[int, int], other_users: Sequence[int]
) -> list[int]:
    """``size`` owner ids: ``fixed`` user -> count, the rest drawn from ``other_users``,
    shuffled, so no user's tokens sit together in the table."""
    result = [user for user, count in fixed.items() for _ in range(count)]
    result += rng.choices(other_users, k=size - len(result))
    rng.shuffle(result)
    return result


def pat_rows(
    owner_ids: Sequence[int], clock: Clock, measured_user: int | None, secrets: list[str]
) -> Iterator[tuple[Any, ...]]:
    """flask-pat token rows; the tokens of ``measured_user`` are real, live, and their
    text is appended to ``secrets``."""
    rng = random.Random(f"pat-{len(owner_ids)}")
    made: dict[int, int] = {}
    for n, user_id in enumerate(owner_ids):
        k = made[user_id] = made.get(user_id, -1) + 1
        name = f"{GROUPS[k // len(WORDS) % len(GROUPS)]} {WORDS[k % len(WORDS)]} {n}"
        if user_id == measured_user:
            # The same tokens in every table and database: the k-th is made from seed k.
            secret = real_pat(len(secrets))
            secrets.append(secret)
            yield (
                user_id,
                name,
                name.casefold(),
                hashlib.sha256(secret.encode()).hexdigest(),
                secret[-4:],
                "",
                None,
                *clock.live(),
                None,
                None,
            )
            continue
        # Someone else's token: its secret is never presented, so a random 256-bit value
        # stands for its digest (hashing a million throwaway secrets would only cost time).
        created, expires, lifetime, revoked = clock.draw(rng)
        digest = rng.randbytes(32).hex()
        yield (
            user_id,
            name,
            name.casefold(),
            digest,
            digest[:4],
            "",
            None,
            created,
            expires,
            lifetime,
            None,
            revoked,
        )


def real_pat(k: int) -> str:
    """The ``k``-th measured token: well formed, with a matching checksum."""
    body = random.Random(f"measured-{k}").randbytes(30).translate(_BYTE_TO_BASE62).decode()
    return f"pat_{body}{tokens.checksum(body)}"


def reference_rows(
    scheme: Scheme,
    owner_ids: Sequence[int],
    clock: Clock,
    measured_user: int | None,
    secrets: list[str],
) -> Iterator[tuple[Any, ...]]:
    """Rows of a reference scheme's table, ids from 1; see :func:`pat_rows`."""
    rng = random.Random(f"{scheme.name}-{len(owner_ids)}")
    live_expiry = clock.live()[1]
    for n, user_id in enumerate(owner_ids):
        if user_id == measured_user:
            secret, row = scheme.issue(
                random.Random(f"measured-{len(secrets)}"), n + 1, user_id, live_expiry
            )
            secrets.append(secret)
            yield row
        else:
            yield scheme.filler(rng, n + 1, user_id, clock.draw(rng)[1] or live_expiry)


def user_rows(count: int) -> Iterator[tuple[Any, ...]]:
    for user_id in range(1, count + 1):
        yield (user_id, f"user{user_id}@example.com", True)


def _batched(rows: Iterable[tuple[Any, ...]], size: int) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def bulk_insert(
    engine: sa.Engine, table: sa.Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Write ``rows`` into ``table`` as a bulk import would: indexes and unique constraints
    dropped during the load and built after it, foreign keys not checked row by row (the
    rows satisfy them by construction)."""
    postgres = engine.dialect.name == "postgresql"
    name = table.name
    uniques = []
    if postgres:
        with engine.connect() as connection:
            uniques = sa.inspect(connection).get_unique_constraints(name)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        if postgres:
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET maintenance_work_mem = '512MB'")
        else:
            cursor.execute("PRAGMA synchronous = OFF")
            # A big page cache: the unique index takes its rows in random order.
            cursor.execute("PRAGMA cache_size = -500000")
            cursor.execute("PRAGMA temp_store = MEMORY")
        for index in table.indexes:
            cursor.execute(f"DROP INDEX {index.name}")
        for unique in uniques:
            cursor.execute(f"ALTER TABLE {name} DROP CONSTRAINT {unique['name']}")
        names = ", ".join(columns)
        if postgres:
            with cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            for batch in _batched(rows, 50_000):
                cursor.executemany(f"INSERT INTO {name} ({names}) VALUES ({marks})", batch)
        for unique in uniques:
            columns_text = ", ".join(unique["column_names"])
            cursor.execute(
                f"ALTER TABLE {name} ADD CONSTRAINT {unique['name']} UNIQUE ({columns_text})"
            )
        for index in table.indexes:
            cursor.execute(str(sa.schema.CreateIndex(index).compile(dialect=engine.dialect)))
        cursor.close()
        raw.commit()
    finally:
        # Not back to the pool: the load's connection settings must not reach the benchmark.
        raw.invalidate()
    if postgres:
        # What autovacuum would soon do after a bulk load: statistics and the visibility map.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql(f"VACUUM ANALYZE {name}")
