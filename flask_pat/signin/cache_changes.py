"""Hearing what the token cache must forget, through SQLAlchemy's session events: token and
user objects changed or deleted in a flush, and bulk ``UPDATE``/``DELETE`` statements on the
token table (flask-pat's conditional updates: notices, rotation, revoking all).

Whoever makes the change (flask-pat, the host, a CLI command), it is announced on the cache's
channel: on PostgreSQL by ``NOTIFY`` in the same transaction, over Redis once it commits; and
this process forgets at once on commit. Changes made behind the ORM's back (raw SQL, another
program) are not heard: ``PAT_CACHE_TTL`` bounds how long they take to be seen.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import ORMExecuteState, Session

from .cache import KEY, USAGE_COLUMNS, TokenCache, payload, user_key

#: Where a session keeps the changes it announced until it commits or rolls back.
_PENDING = "_pat_cache_pending"

_installed = False


class _Pending:
    __slots__ = ("tokens", "users")

    def __init__(self) -> None:
        self.tokens: set[Any] | None = set()
        self.users: set[str] | None = set()

    def add(self, tokens: set[Any] | None, users: set[str] | None) -> None:
        if tokens is None or users is None or self.tokens is None or self.users is None:
            self.tokens = self.users = None
        else:
            self.tokens |= tokens
            self.users |= users


def install() -> None:
    """Listen to every session of this process (once): the first ``init_app`` with
    ``PAT_CACHE`` calls this; without it, no session pays for a listener."""
    global _installed
    if _installed:
        return
    _installed = True
    sa.event.listen(Session, "after_flush", _after_flush)
    sa.event.listen(Session, "do_orm_execute", _do_orm_execute)
    sa.event.listen(Session, "after_commit", _after_commit)
    sa.event.listen(Session, "after_rollback", _after_rollback)


def _current() -> tuple[TokenCache, Any] | None:
    if not has_app_context():
        return None
    cache: TokenCache | None = current_app.extensions.get(KEY)
    if cache is None:
        return None
    return cache, current_app.extensions["pat"]


def _after_flush(session: Session, flush_context: Any) -> None:
    found = _current()
    if found is None:
        return
    cache, pat = found
    Token, User = pat.Token, pat.user_model
    tokens: set[Any] = set()
    users: set[str] = set()
    for instance in session.dirty:
        if isinstance(instance, Token):
            if _changed_beyond_usage(instance):
                tokens.add(instance.id)
        elif isinstance(instance, User) and session.is_modified(instance):
            # is_active, the binding, roles: whatever the host changed may change who
            # the user's tokens sign in.
            users.add(user_key(instance))
    for instance in session.deleted:
        if isinstance(instance, Token):
            tokens.add(instance.id)
        elif isinstance(instance, User):
            users.add(user_key(instance))
    if tokens or users:
        _announce(session, cache, pat, tokens, users)


def _changed_beyond_usage(token: Any) -> bool:
    state = sa.inspect(token)
    return any(attr.key not in USAGE_COLUMNS and attr.history.has_changes() for attr in state.attrs)


def _do_orm_execute(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    found = _current()
    if found is None:
        return
    cache, pat = found
    statement: Any = state.statement
    table = getattr(statement, "table", None)
    if getattr(table, "name", None) != pat.Token.__table__.name:
        return
    if state.is_update and _columns(statement) <= USAGE_COLUMNS:
        return  # recording a use (lookup.record_use) changes nothing the cache answers
    # Which rows a statement's WHERE picks is for the database to say: forget them all.
    _announce(state.session, cache, pat, None, None)


def _columns(statement: Any) -> set[str]:
    keys = list(getattr(statement, "_values", None) or ())
    for row in getattr(statement, "_multi_values", None) or ():
        for values in row:
            keys.extend(values)
    keys.extend(key for key, _ in getattr(statement, "_ordered_values", None) or ())
    if not keys:
        return {"*"}  # values given at execution: assume anything
    return {str(getattr(key, "key", None) or getattr(key, "name", None) or key) for key in keys}


def _announce(
    session: Session, cache: TokenCache, pat: Any, tokens: set[Any] | None, users: set[str] | None
) -> None:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = {}
    pending.setdefault(cache, _Pending()).add(tokens, users)
    connection = session.connection(bind_arguments={"mapper": pat.Token})
    cache.channel.send_in_transaction(connection, payload(tokens, users))


def _after_commit(session: Session) -> None:
    pending: dict[TokenCache, _Pending] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    for cache, changes in pending.items():
        cache.forget(changes.tokens, changes.users)
        cache.channel.send_after_commit(payload(changes.tokens, changes.users))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
