"""Authenticating a presented token: one lookup, and a bounded write of its use."""

from __future__ import annotations

import weakref
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, attributes

from . import tokens as token_text
from .context import db as _db
from .context import ext as _ext
from .context import utcnow
from .errors import Rejected

if TYPE_CHECKING:
    from .extension import PersonalAccessTokens


def authenticate(secret: str) -> tuple[Any, Any]:
    """The token record and user that ``secret`` stands for, in one query.

    Raises :class:`Rejected` with the reason (``malformed``, ``unknown``, ``revoked``,
    ``expired``, ``inactive user``) when it stands for nobody.
    """
    ext = _ext()
    config = current_app.config
    if not token_text.is_well_formed(secret, config["PAT_TOKEN_PREFIX"]):
        raise Rejected("malformed")
    db = _db()
    lookup = _lookup(ext, db.engine.dialect.name)
    row = db.session.execute(lookup, {"token_hash": token_text.digest(secret)}).first()
    if row is None:
        raise Rejected("unknown")
    token, user = row
    now = utcnow()
    if token.revoked_at is not None:
        raise Rejected("revoked")
    if token.expires_at is not None and token.expires_at <= now:
        raise Rejected("expired")
    if not user.is_active:
        raise Rejected("inactive user")
    _touch(token, now)
    return token, user


#: The query of :func:`authenticate`, built once per extension and database dialect:
#: building the select and its cache key anew cost as much as running it, on every request.
_LOOKUPS: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


def _lookup(ext: PersonalAccessTokens, dialect: str) -> Any:
    statements = _LOOKUPS.setdefault(ext, {})
    statement = statements.get(dialect)
    if statement is None:
        Token, User = ext.Token, ext.user_model
        if dialect == "postgresql":
            # PostgreSQL plans each query afresh (psycopg drops its prepared statements at
            # every ROLLBACK, which ends each request), and a two-table join took three times
            # longer to plan than to run, which made a token request cost more than a session
            # cookie's primary-key lookup. Reading the user in a LATERAL subquery, which
            # OFFSET 0 keeps from being merged back into a join, halves the planning.
            user_row = sa.select(User).where(ext.user_pk == Token.user_id).offset(0).lateral()
            statement = sa.select(Token, aliased(User, user_row)).join(user_row, sa.true())
        else:
            statement = sa.select(Token, User).join(User, Token.user_id == ext.user_pk)
        statement = statement.where(Token.token_hash == sa.bindparam("token_hash"))
        statements[dialect] = statement
    return statement


def _touch(token: Any, now: datetime) -> None:
    resolution: timedelta = current_app.config["PAT_LAST_USED_RESOLUTION"]
    if token.last_used_at is not None and now - token.last_used_at < resolution:
        return
    table = _ext().Token.__table__
    # A conditional update on a connection of its own: the request's session stays
    # untouched, and of many processes seeing the same stale value only one writes.
    stale = sa.or_(table.c.last_used_at.is_(None), table.c.last_used_at <= now - resolution)
    with _db().engine.begin() as connection:
        connection.execute(
            table.update().where(table.c.id == token.id, stale).values(last_used_at=now)
        )
    attributes.set_committed_value(token, "last_used_at", now)
