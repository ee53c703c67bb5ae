"""The token cache's channel on PostgreSQL: ``LISTEN`` on a connection of each process's own,
``NOTIFY`` in the transaction that changes a token, so it is heard only once committed."""

from __future__ import annotations

import select
import threading
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from .cache import TokenCache

#: How often (seconds) the listener looks up from its socket to see whether to stop.
POLL = 0.5


class PostgresChannel:
    """``LISTEN``/``NOTIFY`` on ``channel``, with psycopg 3 on ``conninfo`` (a libpq URL)."""

    def __init__(self, conninfo: str, channel: str) -> None:
        self.conninfo = conninfo
        self.channel = channel
        #: The server process of the listening connection in this process, while it listens.
        self.backend_pid: int | None = None

    def listen(self, cache: TokenCache, stop: threading.Event) -> None:
        import psycopg
        from psycopg import pq, sql

        with psycopg.connect(
            self.conninfo,
            autocommit=True,
            connect_timeout=5,
            application_name="flask-pat cache",
            # A peer that vanished without a word is noticed in seconds, not hours.
            keepalives=1,
            keepalives_idle=5,
            keepalives_interval=2,
            keepalives_count=2,
        ) as connection:
            connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self.backend_pid = connection.info.backend_pid
            pgconn = connection.pgconn
            cache.ready(pgconn.socket)
            while not stop.is_set():
                readable, _, _ = select.select([pgconn.socket], [], [], POLL)
                if not readable:
                    continue
                cache.reading = True
                # Raises when the server closed the connection (pg_terminate_backend, a
                # restart): the cache is then emptied by the caller.
                pgconn.consume_input()
                while (notice := pgconn.notifies()) is not None:
                    cache.heard(notice.extra.decode())
                if pgconn.status != pq.ConnStatus.OK:
                    raise psycopg.OperationalError("the listening connection was closed")
                cache.reading = False

    def send_in_transaction(self, connection: sa.Connection, payload: str) -> None:
        connection.execute(
            sa.text("SELECT pg_notify(:channel, :payload)"),
            {"channel": self.channel, "payload": payload},
        )

    def send_after_commit(self, payload: str) -> None:
        return None


def conninfo(url: sa.URL) -> str:
    """A libpq URL for psycopg from the host's SQLAlchemy URL (any PostgreSQL driver)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
