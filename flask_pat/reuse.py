"""Reuse detection, as GitLab does: the digests of rotated-out secrets are kept (until the
token is deleted), and a management request presenting one stops the token.

Whoever rotated first, a thief holding a copy or the owner, the other one's next
self-rotation (or other management request) with the old secret revokes the token with
the reason ``reused``: its owner then rotates it from a signed-in session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from . import revocations, signals
from .context import db as _db
from .context import ext as _ext
from .context import send


def retire(token: Any, old_hash: str, at: datetime) -> None:
    """Keep ``old_hash`` as a rotated-out secret of ``token``, in the caller's transaction."""
    retired = _ext().RetiredSecret.__table__
    _db().session.execute(
        retired.insert().values(token_id=token.id, token_hash=old_hash, retired_at=at)
    )


def detect(token_hash: str) -> bool:
    """Whether ``token_hash`` is a rotated-out secret; if so, its token is revoked with the
    reason ``reused`` (a ``reuse_detected`` event, ``token_reused``), once.

    Returns whether it was one, whether or not this call revoked the token.
    """
    ext = _ext()
    session = _db().session
    retired = ext.RetiredSecret
    row = session.execute(
        sa.select(ext.Token, ext.user_model)
        .join(retired, retired.token_id == ext.Token.id)
        .join(ext.user_model, ext.user_pk == ext.Token.user_id)
        .where(retired.token_hash == token_hash)
    ).first()
    if row is None:
        return False
    token, user = row
    if revocations.stop(token, user, "reused", event="reuse_detected"):
        send(signals.token_reused, token=token, user=user)
    return True
