"""A token's life: create, get, revoke, restore, rotate, delete.

Nothing here knows of HTTP. Settings are read from ``current_app.config`` on each call.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from . import binding, events, reuse, rules, signals
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
    _check_holder(user)
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
        user_binding=binding.digest(user),
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


def _check_holder(user: Any) -> None:
    """Refuse to make a token that would authenticate nobody: for a user who is not
    active, or whom ``PAT_USER_ALLOWED`` refuses."""
    user_id = _ext().user_id(user)
    if not user.is_active:
        raise PatError(
            "forbidden",
            _("User %(id)s is not active: no token was created.", id=user_id),
        )
    check = current_app.config["PAT_USER_ALLOWED"]
    if check is not None and not check(user):
        raise PatError(
            "forbidden",
            _(
                "User %(id)s may not hold personal access tokens (PAT_USER_ALLOWED refuses"
                " them): no token was created.",
                id=user_id,
            ),
        )


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


#: A rotation by id begun less than this after another rotation of the same token is taken
#: for a concurrent one: 409 ``conflict``, since its requester had not seen the new secret.
CONCURRENT = timedelta(seconds=1)
#: Revocations its owner may undo by rotating (``user`` also by restoring); the others
#: (``admin``, ``user_changed``) only deletion ends.
ROTATABLE_REASONS = ("user", "leaked", "reused")


def _rotatable(token: Any) -> bool:
    # A revocation with no reason recorded is its owner's.
    return token.revoked_at is None or token.revoked_reason in (None, *ROTATABLE_REASONS)


def _not_restorable(reason: str | None) -> PatError:
    if reason in ROTATABLE_REASONS:
        message = _(
            "This token was revoked because it leaked or its old secret was used again:"
            " rotate or delete it instead."
        )
    else:
        message = _(
            "This token was revoked by an administrator or because its user changed: it can"
            " only be deleted."
        )
    return PatError("not_restorable", message)


def restore(user: Any, token: Any, *, actor: str = "owner") -> Any:
    """Make a token its owner revoked work again, unless it has expired meanwhile."""
    if token.revoked_at is not None and token.revoked_reason not in (None, "user"):
        raise _not_restorable(token.revoked_reason)
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
    started: datetime | None = None,
) -> tuple[Any, str]:
    """Give ``token`` a new secret and a fresh lifetime, its own or ``expiration`` (a unit
    and a value, as at creation); the old secret stops at once.

    Compare-and-swap on the secret: the row changes only if it still has the secret this
    request read, is still rotatable and (given ``started``, when a request by id began)
    was not rotated since (:data:`CONCURRENT`), so of concurrent rotations exactly one
    wins and every other gets 409 ``conflict`` (``not_restorable`` where an administrator
    revoked it meanwhile, ``not_found`` where it was deleted). The old secret's digest is
    kept, so a later use of it is known for a reuse (:mod:`flask_pat.reuse`).
    """
    if not _rotatable(token):
        raise _not_restorable(token.revoked_reason)
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
    values = {
        "token_hash": token_text.digest(secret),
        "last4": token_text.last4(secret),
        "lifetime_seconds": seconds,
        "expires_at": None if seconds is None else now + timedelta(seconds=seconds),
        "revoked_at": None,
        "revoked_reason": None,
        "expiry_notice_days": None,
        "user_binding": binding.digest(user),
    }
    old_hash = token.token_hash
    table = _ext().Token.__table__
    where = [
        table.c.id == token.id,
        table.c.token_hash == old_hash,
        sa.or_(table.c.revoked_reason.is_(None), table.c.revoked_reason.in_(ROTATABLE_REASONS)),
    ]
    session = _db().session
    try:
        if started is not None and _rotated_since(token.id, started):
            # A rotation that committed after this request began was concurrent with it,
            # even where this request read the token after that commit. (A plain read: in
            # the UPDATE, MariaDB would lock the range and deadlock two rotations.)
            raise _lost_rotation(token.id)
        result = session.execute(table.update().where(*where).values(**values))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise _lost_rotation(token.id)
        for key, value in values.items():
            set_committed_value(token, key, value)
        reuse.retire(token, old_hash, now)
        events.record(token, "rotated", actor=actor)
        _commit_keeping_loaded()
    except BaseException:
        session.rollback()
        raise
    _send(signals.token_rotated, token=token, user=user)
    return token, secret


def _commit_keeping_loaded() -> None:
    # The answer shows the rotated token as written: reloading it could find it deleted
    # by a request that came after, and lose the secret this one hands out.
    session = _db().session()
    keep, session.expire_on_commit = session.expire_on_commit, False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep


def _rotated_since(token_id: int, started: datetime) -> bool:
    """Whether ``token_id`` was rotated less than :data:`CONCURRENT` before ``started``:
    its rotation stamped its time before committing, so a request begun shortly after that
    stamp may have been under way before the commit."""
    retired = _ext().RetiredSecret.__table__
    since = sa.select(retired.c.id).where(
        retired.c.token_id == token_id, retired.c.retired_at >= started - CONCURRENT
    )
    return _db().session.scalar(since.limit(1)) is not None


def _lost_rotation(token_id: int) -> PatError:
    """Why a rotation's compare-and-swap matched nothing: what changed the row meanwhile."""
    Token = _ext().Token
    now = _db().session.get(Token, token_id, populate_existing=True)
    if now is None:
        return PatError("not_found", _("No such token: it may have been deleted."))
    if not _rotatable(now):
        return _not_restorable(now.revoked_reason)
    return PatError(
        "conflict",
        _(
            "This token was rotated by another request at the same time: its secret is the"
            " one that request received. Reload, and rotate again if you need to."
        ),
    )


def delete(user: Any, token: Any, *, actor: str = "owner") -> None:
    """Delete ``token`` for good; its audit trail stays.

    Of concurrent deletes of one token, the one whose ``DELETE`` removed the row records
    the event and sends ``token_deleted``; the others are ``not_found``.
    """
    ext = _ext()
    session = _db().session
    try:
        table = ext.Token.__table__
        # The token's row first, as a rotation locks it first: the other order deadlocks.
        result = session.execute(table.delete().where(table.c.id == token.id))
        if result.rowcount != 1:  # type: ignore[attr-defined]
            session.rollback()
            raise PatError("not_found", _("No such token: it may have been deleted."))
        retired = ext.RetiredSecret.__table__
        # The foreign key cascades; this covers SQLite connections without foreign keys.
        session.execute(retired.delete().where(retired.c.token_id == token.id))
        events.record(token, "deleted", actor=actor, detail={"name": token.name})
        # Detached with what was loaded, for the signal's receivers.
        session.expunge(token)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _send(signals.token_deleted, token=token, user=user)
