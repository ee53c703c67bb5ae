"""A token's life: create, get, revoke, restore, rotate, delete.

Nothing here knows of HTTP. Settings are read from ``current_app.config`` on each call.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from . import events, rules, signals
from . import tokens as token_text
from .context import db as _db
from .context import ext as _ext
from .context import send as _send
from .context import utcnow
from .errors import PatError
from .i18n import gettext as _


def create(
    user: Any,
    name: object,
    expiration: tuple[object, object] | None = None,
    scopes: object = None,
    project_id: object = None,
    *,
    description: object = None,
    actor: str = "owner",
) -> tuple[Any, str]:
    """Create a token for ``user``; returns the record and the plaintext secret.

    The secret is returned here and nowhere else: only its digest is stored.
    """
    config = current_app.config
    db = _db()
    Token = _ext().Token
    clean, key = rules.clean_name(name)
    text, text_key = rules.clean_description(description)
    unit, value = expiration if expiration is not None else config["PAT_DEFAULT_EXPIRATION"]
    life = rules.lifetime(unit, value)
    scope_names = rules.clean_scopes(scopes)
    project_key = rules.project_key(user, project_id)
    user_id = _ext().user_id(user)

    secret = token_text.generate(config["PAT_TOKEN_PREFIX"])
    now = utcnow()
    token = Token(
        user_id=user_id,
        name=clean,
        name_key=key,
        description=text,
        description_key=text_key,
        token_hash=token_text.digest(secret),
        last4=token_text.last4(secret),
        scope_text=" ".join(scope_names),
        project_key=project_key,
        created_at=now,
        expires_at=None if life is None else now + life,
        lifetime_seconds=None if life is None else int(life.total_seconds()),
    )
    try:
        _lock_user(user_id)
        db.session.add(token)
        db.session.flush()
        events.record(token, "created", actor=actor)
        # Counting after the insert, under the user's row lock, keeps concurrent creates
        # from passing the limit together.
        if _count_tokens(user_id) > config["PAT_MAX_TOKENS_PER_USER"]:
            db.session.rollback()
            raise PatError(
                "limit_reached",
                _(
                    "You have reached the limit of %(limit)d tokens: delete a token you no"
                    " longer use first.",
                    limit=config["PAT_MAX_TOKENS_PER_USER"],
                ),
            )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PatError(
            "conflict",
            _("This name is already used by another of your tokens: choose another name."),
            {"name": [_("This name is already used by another of your tokens.")]},
        ) from None
    except BaseException:
        db.session.rollback()
        raise
    _send(signals.token_created, token=token, user=user)
    return token, secret


def _lock_user(user_id: Any) -> None:
    # SELECT ... FOR UPDATE on PostgreSQL and MariaDB; SQLite serialises writers itself.
    ext = _ext()
    pk = ext.user_pk
    _db().session.execute(sa.select(pk).where(pk == user_id).with_for_update())


def _count_tokens(user_id: Any) -> int:
    db = _db()
    Token = _ext().Token
    stmt = sa.select(sa.func.count(Token.id)).where(Token.user_id == user_id)
    if db.session.get_bind().dialect.name in ("mysql", "mariadb"):
        # A locking read sees rows committed after this transaction's snapshot was taken.
        stmt = stmt.with_for_update(read=True)
    return int(db.session.scalar(stmt) or 0)


def get(user: Any, token_id: int) -> Any:
    """``user``'s token ``token_id``; anyone else's token is not found, like a missing one."""
    Token = _ext().Token
    token = _db().session.scalar(
        sa.select(Token).where(Token.id == token_id, Token.user_id == _ext().user_id(user))
    )
    if token is None:
        raise PatError("not_found", _("No such token: it may have been deleted."))
    return token


def commit() -> None:
    """Commit the session; a token deleted meanwhile is ``not_found``."""
    try:
        _db().session.commit()
    except StaleDataError:
        # Another request deleted the token between our read and this write.
        _db().session.rollback()
        raise PatError("not_found", _("No such token: it may have been deleted.")) from None
    except BaseException:
        _db().session.rollback()
        raise


def revoke(
    user: Any,
    token: Any,
    *,
    reason: str = "user",
    actor: str = "owner",
    detail: dict[str, Any] | None = None,
) -> Any:
    """Stop ``token`` working at once, for ``reason`` (``user``, ``admin`` or ``leaked``).

    Revoking a revoked token keeps its first date and reason, and records nothing.
    """
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        token.revoked_reason = reason
        event = "leaked" if reason == "leaked" else "revoked"
        events.record(token, event, actor=actor, detail={"reason": reason, **(detail or {})})
        commit()
        _send(signals.token_revoked, token=token, user=user, by=actor)
    return token


def restore(user: Any, token: Any, *, actor: str = "owner") -> Any:
    """Make a token its owner revoked work again, unless it has expired meanwhile."""
    if token.revoked_at is not None and token.revoked_reason not in (None, "user"):
        raise PatError(
            "not_restorable",
            _(
                "This token was revoked by an administrator or because it leaked: rotate or"
                " delete it instead."
            ),
        )
    if token.expires_at is not None and token.expires_at <= utcnow():
        raise PatError("expired", _("This token has expired: rotate it to get a working secret."))
    if token.revoked_at is not None:
        token.revoked_at = None
        token.revoked_reason = None
        events.record(token, "restored", actor=actor)
        commit()
        _send(signals.token_restored, token=token, user=user)
    return token


def rotate(
    user: Any,
    token: Any,
    *,
    actor: str = "owner",
    expiration: tuple[object, object] | None = None,
) -> tuple[Any, str]:
    """Give ``token`` a new secret and a fresh lifetime, its own or ``expiration`` (a unit
    and a value, as at creation); the old secret stops at once."""
    config = current_app.config
    seconds = token.lifetime_seconds
    if expiration is not None:
        life = rules.lifetime(*expiration)
        seconds = None if life is None else int(life.total_seconds())
    secret = token_text.generate(config["PAT_TOKEN_PREFIX"])
    now = utcnow()
    max_lifetime: timedelta | None = config["PAT_MAX_LIFETIME"]
    if max_lifetime is not None:
        # The limit may have been lowered since the token was made.
        cap = int(max_lifetime.total_seconds())
        seconds = cap if seconds is None else min(seconds, cap)
    token.token_hash = token_text.digest(secret)
    token.last4 = token_text.last4(secret)
    token.lifetime_seconds = seconds
    token.expires_at = None if seconds is None else now + timedelta(seconds=seconds)
    token.revoked_at = None
    token.revoked_reason = None
    token.expiry_notice_days = None
    events.record(token, "rotated", actor=actor)
    commit()
    _send(signals.token_rotated, token=token, user=user)
    return token, secret


def delete(user: Any, token: Any, *, actor: str = "owner") -> None:
    """Delete ``token`` for good; its audit trail stays."""
    db = _db()
    events.record(token, "deleted", actor=actor, detail={"name": token.name})
    db.session.delete(token)
    commit()
    _send(signals.token_deleted, token=token, user=user)
