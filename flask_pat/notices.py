"""Expiry notices: ``token_expiring`` once per token and ``PAT_EXPIRY_NOTICES`` threshold.

Each notice is claimed with one conditional ``UPDATE`` of ``expiry_notice_days``; the
database tells which of two overlapping runs won it (the row count), so no notice is sent
twice, and the ``expiry_notice`` event is written in the same transaction as the claim.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from . import events, signals
from .context import db as _db
from .context import ext as _ext
from .context import send, utcnow

DAY = 86400.0


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC (SQLite and MariaDB hand back the UTC wall time)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def thresholds() -> list[int]:
    """``PAT_EXPIRY_NOTICES`` as whole days, largest first."""
    return sorted({int(days) for days in current_app.config["PAT_EXPIRY_NOTICES"]}, reverse=True)


def due_threshold(expires_at: datetime, now: datetime, days: list[int]) -> int | None:
    """The smallest threshold ``expires_at`` has reached at ``now``; ``None``: none yet."""
    left = (expires_at - now).total_seconds()
    reached = [d for d in days if left <= d * DAY]
    return min(reached) if reached and left > 0 else None


@dataclass(frozen=True)
class Due:
    """A notice due: which token, its owner, the expiry it is about, the threshold."""

    id: int
    user_id: Any
    expires_at: datetime
    days: int


def due_notices(days: list[int], now: datetime, batch_size: int = 500) -> Iterator[Due]:
    """The notices due at ``now``, read a batch of tokens at a time, by id."""
    Token = _ext().Token
    session = _db().session
    last_id = 0
    while True:
        stmt = (
            sa.select(Token.id, Token.user_id, Token.expires_at, Token.expiry_notice_days)
            .where(
                Token.id > last_id,
                Token.revoked_at.is_(None),
                Token.expires_at > now,
                Token.expires_at <= now + timedelta(days=max(days)),
                sa.or_(Token.expiry_notice_days.is_(None), Token.expiry_notice_days > min(days)),
            )
            .order_by(Token.id)
            .limit(batch_size)
        )
        rows = session.execute(stmt).all()
        if not rows:
            return
        last_id = rows[-1].id
        for row in rows:
            expires_at = as_utc(row.expires_at)
            due = due_threshold(expires_at, now, days)
            notified = row.expiry_notice_days
            if due is not None and (notified is None or notified > due):
                yield Due(row.id, row.user_id, row.expires_at, due)


def _claim(notice: Due) -> bool:
    """Mark the token notified at ``notice.days``, unless another run did first."""
    Token = _ext().Token
    claimed = _db().session.execute(
        sa.update(Token)
        .where(
            Token.id == notice.id,
            Token.revoked_at.is_(None),
            # A rotation meanwhile moved the expiry: this notice is no longer due.
            Token.expires_at == notice.expires_at,
            sa.or_(Token.expiry_notice_days.is_(None), Token.expiry_notice_days > notice.days),
        )
        .values(expiry_notice_days=notice.days)
        .execution_options(synchronize_session=False)
    )
    return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]


def notify(*, dry_run: bool = False, batch_size: int = 500) -> int:
    """Send every notice due now; returns how many were sent (``dry_run``: would be).

    A token that reaches several thresholds at once (made with a short lifetime, or
    ``notify`` not run for a while) gets one notice, for the smallest.
    """
    days = thresholds()
    if not days:
        return 0
    now = utcnow()
    session = _db().session
    ext = _ext()
    sent = 0
    for notice in due_notices(days, now, batch_size):
        if dry_run:
            sent += 1
            continue
        days_left = math.ceil((as_utc(notice.expires_at) - now).total_seconds() / DAY)
        try:
            won = _claim(notice)
            if won:
                events.record(
                    notice, "expiry_notice", actor="system", detail={"days_left": days_left}
                )
            session.commit()
        except BaseException:
            session.rollback()
            raise
        if won:
            sent += 1
            token = session.get(ext.Token, notice.id)
            owner = session.get(ext.user_model, notice.user_id)
            if token is not None and owner is not None:  # not deleted since
                send(signals.token_expiring, token=token, user=owner, days_left=days_left)
    return sent
