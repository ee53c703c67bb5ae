"""The token cache (``PAT_CACHE``): tokens this process has verified, kept in memory until
the database or Redis says they changed, or ``PAT_CACHE_TTL`` has passed.

A hit costs no database round trip: the token and its user are copies kept detached,
attached to the request's session without a query (``merge(load=False)``), so host code
reads ``current_user`` and its lazy relationships as usual. The cache is trusted only while
its channel (:mod:`.cache_postgres`, :mod:`.cache_redis`) is heard: a lost channel empties
it, and the database answers until the channel is back.
"""

from __future__ import annotations

import json
import logging
import os
import select
import threading
import time
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import attributes, make_transient_to_detached

from ..context import utcnow

logger = logging.getLogger(__name__)

#: Where an app's cache is kept, in ``app.extensions``.
KEY = "pat_cache"
#: A change to no more than these columns of a token says nothing about who it signs in.
USAGE_COLUMNS = frozenset({"last_used_at", "last_used_ip", "last_used_user_agent", "recent_ips"})
#: The word that means "forget every token".
EVERYTHING = "*"


class Channel(Protocol):
    """How the processes of a host tell each other that tokens changed."""

    def listen(self, cache: TokenCache, stop: threading.Event) -> None:
        """Hear changes until ``stop`` is set: call ``cache.ready(socket)`` once subscribed;
        set ``cache.reading`` as soon as the socket has something to read, call
        ``cache.heard(payload)`` per message, then clear ``cache.reading``; return or raise
        when the channel is lost (leaving ``cache.reading`` set)."""

    def send_in_transaction(self, connection: sa.Connection, payload: str) -> None:
        """Announce ``payload`` in the transaction of ``connection`` (delivered at commit)."""

    def send_after_commit(self, payload: str) -> None:
        """Announce ``payload`` once the transaction that made the change has committed."""


class Entry:
    __slots__ = ("token", "user", "kept_at", "expires_at")

    def __init__(self, token: Any, user: Any, kept_at: float) -> None:
        self.token = token
        self.user = user
        self.kept_at = kept_at
        self.expires_at: datetime | None = token.expires_at


#: Held while a process starts its listener; made anew in a forked child.
_starting = threading.Lock()


def _new_start_lock() -> None:
    global _starting
    _starting = threading.Lock()


os.register_at_fork(after_in_child=_new_start_lock)


def user_key(user: Any) -> str:
    """How a user is named in the cache and its messages: its identity (primary key)."""
    return str(sa.inspect(user).identity)


def _ignore(token: Any, user: Any) -> None:
    return None


class TokenCache:
    """The tokens one process has verified, by digest; ``clock`` counts seconds."""

    def __init__(self, channel: Channel, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.channel = channel
        self.clock = clock
        self._entries: dict[str, Entry] = {}
        self._by_token: dict[Any, str] = {}
        self._by_user: dict[str, set[str]] = {}
        #: Counts every forgetting, so that a lookup that read the database before a change
        #: was heard does not keep what it read.
        self._generation = 0
        #: Whether the channel is heard; until it is, every lookup reads the database.
        self.live = False
        self._socket: int | None = None
        #: Set by the listener from the moment its socket has something to read until it
        #: has handled what it read.
        self.reading = False
        #: How many times the channel was lost (or stopped).
        self.losses = 0
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the request's side ------------------------------------------------------------

    def lookup(
        self, digest: str, session: Any, ttl: timedelta
    ) -> tuple[tuple[Any, Any] | None, Callable[[Any, Any], None]]:
        """``((token, user), _)`` attached to ``session`` on a hit; on a miss
        ``(None, keep)``, where ``keep(token, user)`` keeps what the database answered."""
        if self._pid != os.getpid():
            self._start()
        if not self.live or _unread(self._socket) or self.reading:
            # A message (or the channel's end) waits on the listener's socket, or is being
            # read: until the listener has handled it, the database answers. The socket is
            # looked at first: the listener sets ``reading`` before it empties the socket,
            # so a message read off it in between is still seen as being read.
            return None, _ignore
        generation = self._generation
        entry = self._entries.get(digest)
        if entry is not None:
            if self.clock() - entry.kept_at >= ttl.total_seconds() or (
                entry.expires_at is not None and entry.expires_at <= utcnow()
            ):
                self._forget_digest(digest)
            else:
                token = session.merge(entry.token, load=False)
                user = session.merge(entry.user, load=False)
                return (token, user), _ignore

        def keep(token: Any, user: Any) -> None:
            self._keep(digest, token, user, generation)

        return None, keep

    def _keep(self, digest: str, token: Any, user: Any, generation: int) -> None:
        entry = Entry(_detached_copy(token), _detached_copy(user), self.clock())
        key = user_key(user)
        with self._lock:
            if not self.live or generation != self._generation:
                return  # a change was heard meanwhile: what was read may be older than it
            self._entries[digest] = entry
            self._by_token[token.id] = digest
            self._by_user.setdefault(key, set()).add(digest)

    def used(self, token: Any, values: dict[str, Any]) -> None:
        """Note what :func:`~.lookup.record_use` wrote (or found written) for ``token``."""
        digest = self._by_token.get(token.id)
        entry = self._entries.get(digest) if digest is not None else None
        if entry is not None:
            for key, value in values.items():
                attributes.set_committed_value(entry.token, key, value)

    # -- the channel's side ------------------------------------------------------------

    def ready(self, socket: int | None = None) -> None:
        """The channel is heard from now on, on ``socket`` (its file descriptor, where
        known): what was kept before may have missed a change."""
        with self._lock:
            self._clear()
            self._socket = socket
            self.live = True

    def lost(self) -> None:
        """The channel is lost: trust nothing until it is back."""
        with self._lock:
            self.live = False
            self._socket = None
            self.reading = False
            self.losses += 1
            self._clear()

    def heard(self, payload: str) -> None:
        """Forget what ``payload`` (:func:`payload`) names."""
        if payload == EVERYTHING:
            with self._lock:
                self._clear()
            return
        try:
            named = json.loads(payload)
            tokens, users = named.get("t", []), named.get("u", [])
        except (ValueError, AttributeError):
            logger.warning("flask-pat: an unreadable cache message; forgetting every token")
            tokens, users = None, None
        self.forget(tokens, users)

    def forget(self, tokens: Iterable[Any] | None, users: Iterable[str] | None) -> None:
        """Forget the tokens with these ids and those of these users; ``None``: all."""
        with self._lock:
            if tokens is None or users is None:
                self._clear()
                return
            self._generation += 1
            for token_id in tokens:
                digest = self._by_token.pop(token_id, None)
                if digest is not None:
                    self._drop(digest)
            for key in users:
                for digest in self._by_user.pop(key, ()):
                    self._drop(digest)

    def _forget_digest(self, digest: str) -> None:
        with self._lock:
            self._generation += 1
            self._drop(digest)

    def _drop(self, digest: str) -> None:
        entry = self._entries.pop(digest, None)
        if entry is None:
            return
        self._by_token.pop(entry.token.id, None)
        same_user = self._by_user.get(user_key(entry.user))
        if same_user is not None:
            same_user.discard(digest)

    def _clear(self) -> None:
        self._generation += 1
        self._entries.clear()
        self._by_token.clear()
        self._by_user.clear()

    def __len__(self) -> int:
        return len(self._entries)

    # -- the listener ------------------------------------------------------------------

    def _start(self) -> None:
        # First use in this process (a forked worker inherits its parent's cache, whose
        # listener thread did not survive the fork): forget, and listen anew.
        with _starting:
            if self._pid == os.getpid():
                return
            self._lock = threading.Lock()
            self.live = False
            self._clear()
            self._stop = threading.Event()
            self._thread = threading.Thread(
                target=self._listen, args=(self._stop,), name="flask-pat-cache", daemon=True
            )
            self._thread.start()
            self._pid = os.getpid()

    def _listen(self, stop: threading.Event) -> None:
        pause = 0.05
        while not stop.is_set():
            try:
                self.channel.listen(self, stop)
                pause = 0.05
            except Exception as error:
                if not stop.is_set():
                    logger.warning(
                        "flask-pat: the token cache lost its channel (%s); reading the"
                        " database until it is back",
                        type(error).__name__,
                    )
            finally:
                self.lost()
            # Retry soon, then less often while the channel stays away.
            stop.wait(pause)
            pause = min(pause * 2, 2.0)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening in this process (its connection is closed) and forget all."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive():
            thread.join(timeout)
        self._pid = None
        self.lost()

    def wait_live(self, timeout: float) -> bool:
        """Start listening in this process if not yet; whether the channel is heard
        within ``timeout`` seconds."""
        if self._pid != os.getpid():
            self._start()
        deadline = time.monotonic() + timeout
        while not self.live:
            if time.monotonic() >= deadline:
                return False
            self._stop.wait(0.01)
        return True


def _unread(socket: int | None) -> bool:
    if socket is None:
        return False
    try:
        return bool(select.select([socket], [], [], 0)[0])
    except (OSError, ValueError):
        return True


def _detached_copy(instance: Any) -> Any:
    """A detached instance with the loaded column values of ``instance``, apart from it
    (host code changing the request's user changes no cached one)."""
    state = sa.inspect(instance)
    copy = state.mapper.class_manager.new_instance()
    loaded = state.dict
    for prop in state.mapper.column_attrs:
        if prop.key in loaded:
            attributes.set_committed_value(copy, prop.key, loaded[prop.key])
    make_transient_to_detached(copy)
    return copy


def payload(tokens: Iterable[Any] | None, users: Iterable[Any] | None) -> str:
    """The message naming changed tokens (ids) and users (identity); ``None``: all."""
    if tokens is None or users is None:
        return EVERYTHING
    text = json.dumps({"t": sorted(set(tokens)), "u": sorted({str(u) for u in users})})
    # PostgreSQL's NOTIFY takes under 8000 bytes.
    return text if len(text) < 7000 else EVERYTHING


def of(app: Flask) -> TokenCache | None:
    """The cache of ``app``, or ``None`` where ``PAT_CACHE`` is off."""
    cache: TokenCache | None = app.extensions.get(KEY)
    return cache


def lookup(digest: str) -> tuple[tuple[Any, Any] | None, Callable[[Any, Any], None]]:
    """:meth:`TokenCache.lookup` on the current app's cache; a miss where there is none."""
    cache: TokenCache | None = current_app.extensions.get(KEY)
    if cache is None:
        return None, _ignore
    session = current_app.extensions["pat"].db.session
    return cache.lookup(digest, session, current_app.config["PAT_CACHE_TTL"])


def used(token: Any, values: dict[str, Any]) -> None:
    """:meth:`TokenCache.used` on the current app's cache, if any."""
    cache: TokenCache | None = current_app.extensions.get(KEY)
    if cache is not None:
        cache.used(token, values)
