"""The token cache's channel over Redis pub/sub (``PAT_CACHE = "redis://..."``): for hosts on
MariaDB or SQLite, or on many databases. A change is published once its transaction has
committed."""

from __future__ import annotations

import logging
import os
import select
import threading
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from .cache import TokenCache

logger = logging.getLogger(__name__)

#: How often (seconds) the listener looks up from its socket to see whether to stop.
POLL = 0.5
#: A Redis that does not answer within this many seconds counts as away.
TIMEOUT = 2.0


class RedisChannel:
    """Pub/sub on ``channel`` of the Redis at ``url``."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self._client: Any = None
        self._client_pid: int | None = None

    def listen(self, cache: TokenCache, stop: threading.Event) -> None:
        import redis
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = redis.Redis.from_url(
            self.url,
            socket_connect_timeout=TIMEOUT,
            socket_keepalive=True,
            # A dropped connection must reach us (and empty the cache), not be mended
            # quietly while messages go unheard.
            retry=Retry(NoBackoff(), 0),
        )
        pubsub = client.pubsub()
        try:
            pubsub.subscribe(self.channel)
            socket = _socket_of(pubsub)
            while not stop.is_set():
                if socket is not None:
                    readable, _, _ = select.select([socket], [], [], POLL)
                    if not readable:
                        continue
                cache.reading = True
                message = pubsub.get_message(timeout=0 if socket is not None else POLL)
                while message is not None:
                    if message["type"] == "subscribe":
                        cache.ready(socket)
                    elif message["type"] == "message":
                        cache.heard(message["data"].decode())
                    message = pubsub.get_message(timeout=0)
                cache.reading = False
        finally:
            pubsub.close()
            client.close()

    def send_in_transaction(self, connection: sa.Connection, payload: str) -> None:
        return None

    def send_after_commit(self, payload: str) -> None:
        import redis

        if self._client is None or self._client_pid != os.getpid():
            self._client = redis.Redis.from_url(
                self.url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT
            )
            self._client_pid = os.getpid()
        try:
            self._client.publish(self.channel, payload)
        except redis.RedisError as error:
            # The change is committed: other processes, whose listeners lost Redis too,
            # read the database until it is back.
            logger.warning("flask-pat: a token change could not be published: %s", error)


def _socket_of(pubsub: Any) -> int | None:
    """The file descriptor pub/sub listens on, where redis-py lets it be seen."""
    sock = getattr(pubsub.connection, "_sock", None)
    try:
        return int(sock.fileno()) if sock is not None else None
    except (OSError, ValueError):
        return None
