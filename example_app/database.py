"""Setting the database up once, however many processes start together.

Workers of gunicorn (or several machines) booting at the same time on an empty database
each find the tables missing and create them, and the demo user too: all but the first
fail ("table already exists", a duplicate email) and gunicorn stops. So each process
takes a lock first (PostgreSQL's advisory lock, MariaDB's ``GET_LOCK``, and on SQLite a
file lock beside the database): the first one sets up, the others find it done.

A production app would rather create its tables once before starting its workers
(``flask db upgrade`` in the deploy step); the lock keeps ``create_all`` at start-up safe.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

try:
    import fcntl
except ImportError:  # Windows: one process per SQLite file there anyway
    fcntl = None  # type: ignore[assignment]

#: The advisory lock's key (any 64-bit number the app uses for nothing else) and name.
LOCK_KEY = 0x7A7_5E7
LOCK_NAME = "example_app.setup"
WAIT_SECONDS = 60


@contextmanager
def setup_lock(engine: sa.Engine) -> Iterator[None]:
    """Hold the app's set-up lock on ``engine``'s database for the ``with`` block."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
    elif dialect in ("mysql", "mariadb"):
        with engine.connect() as connection:
            got = connection.scalar(
                sa.text("SELECT GET_LOCK(:name, :wait)"),
                {"name": LOCK_NAME, "wait": WAIT_SECONDS},
            )
            if got != 1:
                raise RuntimeError(f"Another process held {LOCK_NAME} for {WAIT_SECONDS} s.")
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT RELEASE_LOCK(:name)"), {"name": LOCK_NAME})
    else:
        path = engine.url.database
        if fcntl is None or not path or path == ":memory:":
            yield
            return
        with open(f"{os.path.abspath(path)}.setup-lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
