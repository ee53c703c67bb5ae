"""Operations over every user's tokens: what expires soon, and pruning dead ones."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from .context import db as _db
from .context import ext as _ext
from .context import utcnow
from .listing import status_filter
from .service import commit


def expiring(within: timedelta) -> list[Any]:
    """Live tokens that expire within ``within`` from now, soonest first."""
    Token = _ext().Token
    now = utcnow()
    stmt = (
        sa.select(Token)
        .where(Token.revoked_at.is_(None), Token.expires_at > now)
        .where(Token.expires_at <= now + within)
        .order_by(Token.expires_at, Token.id)
    )
    return list(_db().session.scalars(stmt))


def prune(older_than: timedelta, batch_size: int = 1000) -> Iterator[int]:
    """Delete tokens expired or revoked at least ``older_than`` ago, in batches.

    Yields the number deleted by each batch, so a caller can show progress; no more than
    one batch of ids is held in memory.
    """
    db = _db()
    Token = _ext().Token
    dead = _prunable(Token, older_than)
    while True:
        ids = db.session.scalars(sa.select(Token.id).where(dead).limit(batch_size)).all()
        if not ids:
            return
        db.session.execute(sa.delete(Token).where(Token.id.in_(ids)))
        commit()
        yield len(ids)


def count_prunable(older_than: timedelta) -> int:
    """How many tokens :func:`prune` would delete."""
    Token = _ext().Token
    counted = sa.select(sa.func.count(Token.id)).where(_prunable(Token, older_than))
    return int(_db().session.scalar(counted) or 0)


def _prunable(Token: Any, older_than: timedelta) -> Any:
    """Tokens expired or revoked at least ``older_than`` ago: what :func:`prune` deletes."""
    cutoff = utcnow() - older_than
    return sa.or_(Token.expires_at <= cutoff, Token.revoked_at <= cutoff)


def all_tokens(user_id: Any = None, status: str | None = None) -> Iterable[Any]:
    """Every token, or one user's, optionally in one status, oldest first."""
    Token = _ext().Token
    stmt = sa.select(Token).order_by(Token.created_at, Token.id)
    if user_id is not None:
        stmt = stmt.where(Token.user_id == user_id)
    if status is not None:
        stmt = stmt.where(status_filter(Token, status, utcnow()))
    return _db().session.scalars(stmt)
