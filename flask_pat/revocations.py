"""Revocations flask-pat decides itself or for many tokens at once: every token of a user
(``revoke_all``), and one token stopped for a reason its owner cannot undo by restoring
(a reused secret, a changed user).

Each is one conditional statement, so concurrent requests revoke a token once: one event,
one signal.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from . import events, signals
from .context import db as _db
from .context import ext as _ext
from .context import send, utcnow

#: Why a token was revoked (``revoked_reason``).
REASONS = ("user", "admin", "leaked", "reused", "user_changed")


def _values(reason: str, now: Any) -> dict[str, Any]:
    table = _ext().Token.__table__
    # A token revoked already keeps the date it stopped working.
    return {"revoked_at": sa.func.coalesce(table.c.revoked_at, now), "revoked_reason": reason}


def _takes(reason: str) -> Any:
    """Which tokens a revocation for ``reason`` changes: the working ones, and those their
    owner revoked (which the owner could otherwise restore)."""
    table = _ext().Token.__table__
    if reason == "user":
        return table.c.revoked_at.is_(None)
    return sa.or_(table.c.revoked_at.is_(None), table.c.revoked_reason == "user")


def revoke_all(user: Any, reason: str = "user", *, actor: str = "owner") -> int:
    """Revoke every token of ``user`` that is not revoked yet (expired ones too, so none can
    be rotated back), in one statement; returns how many.

    Each records a ``revoked`` event and sends ``token_revoked``. With ``reason="admin"``
    the tokens the owner had revoked become the administrator's too, so that the owner
    (or whoever took the account over) cannot restore them.
    """
    assert reason in REASONS, reason
    ext = _ext()
    session = _db().session()
    table = ext.Token.__table__
    now = utcnow()
    where = [table.c.user_id == ext.user_id(user), _takes(reason)]
    keep = session.expire_on_commit
    try:
        if session.get_bind().dialect.update_returning:
            statement = table.update().where(*where).values(**_values(reason, now))
            ids = list(session.scalars(statement.returning(table.c.id)).all())
        else:
            # MariaDB has no UPDATE ... RETURNING: lock the rows first, then change them.
            locked = sa.select(table.c.id).where(*where).with_for_update()
            ids = list(session.scalars(locked).all())
            if ids:
                session.execute(
                    table.update().where(table.c.id.in_(ids)).values(**_values(reason, now))
                )
        tokens = []
        if ids:
            chosen = sa.select(ext.Token).where(ext.Token.id.in_(ids)).order_by(ext.Token.id)
            tokens = list(session.scalars(chosen.execution_options(populate_existing=True)))
        for token in tokens:
            events.record(token, "revoked", actor=actor, detail={"reason": reason, "all": True})
        # What was just written is what the signals show.
        session.expire_on_commit = False
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = keep
    for token in tokens:
        send(signals.token_revoked, token=token, user=user, by=actor)
    return len(tokens)


def stop(token: Any, user: Any, reason: str, *, event: str = "revoked") -> bool:
    """Revoke ``token`` for ``reason`` (``reused``, ``user_changed``) as flask-pat itself
    (actor ``system``), unless an administrator or a leak report stopped it already.

    Returns whether this call changed it (and so recorded ``event`` and sent
    ``token_revoked`` where it was working): of concurrent calls, one does.
    """
    assert reason in REASONS, reason
    session = _db().session
    table = _ext().Token.__table__
    was_working = token.revoked_at is None
    try:
        result = session.execute(
            table.update()
            .where(table.c.id == token.id, _takes(reason))
            .values(**_values(reason, utcnow()))
        )
        changed = bool(result.rowcount == 1)  # type: ignore[attr-defined]
        if changed:
            events.record(token, event, actor="system", detail={"reason": reason})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if changed and was_working:
        send(signals.token_revoked, token=token, user=user, by="system")
    return changed
