"""Authenticating a presented token: one lookup, and a bounded write of its use on the
request's own connection."""

from __future__ import annotations

import weakref
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request
from sqlalchemy.orm import aliased, attributes

from .. import binding, events
from .. import tokens as token_text
from ..context import db as _db
from ..context import ext as _ext
from ..context import utcnow
from ..errors import Rejected

if TYPE_CHECKING:
    from ..extension import PersonalAccessTokens

#: A client address not among the token's last ones is written at most this often.
NEW_IP_GAP = timedelta(seconds=1)
RECENT_IPS = 5
MAX_IP = 45
MAX_USER_AGENT = events.MAX_USER_AGENT


def authenticate(secret: str) -> tuple[Any, Any]:
    """The token record and user that ``secret`` stands for, in one query.

    Raises :class:`Rejected` with the reason (``malformed``, ``unknown``, ``revoked``,
    ``expired``, ``user changed``, ``inactive user``, ``not allowed``) when it stands for
    nobody. Nothing is written (but the revocation of a token whose user changed, see
    :mod:`flask_pat.binding`): :func:`record_use` does that where the token signs its user in.
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
    if binding.changed(token, user):
        binding.revoke_changed(token, user)
        raise Rejected("user changed")
    if not user.is_active:
        raise Rejected("inactive user")
    if not allowed(user):
        raise Rejected("not allowed")
    return token, user


def allowed(user: Any) -> bool:
    """Whether ``user`` may hold and use tokens (``PAT_USER_ALLOWED``)."""
    check = current_app.config["PAT_USER_ALLOWED"]
    return check is None or bool(check(user))


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


def record_use(token: Any) -> str | None:
    """Write that ``token`` was used, when due, through the request's own session.

    ``last_used_at`` is written at most once per ``PAT_LAST_USED_RESOLUTION``; with
    ``PAT_RECORD_USAGE`` the same write keeps the client's address and user agent, and an
    address the token has not used among its last five is written at once (at most once
    a second), with a ``new_ip`` event. Returns that new address, else ``None``.
    """
    config = current_app.config
    now = utcnow()
    resolution: timedelta = config["PAT_LAST_USED_RESOLUTION"]
    usage = bool(config["PAT_RECORD_USAGE"]) and has_request_context()
    ip = (request.remote_addr or "")[:MAX_IP] if usage else ""
    recent = (token.recent_ips or "").split()
    new_ip = bool(ip) and ip not in recent
    gap = min(resolution, NEW_IP_GAP) if new_ip else resolution
    if token.last_used_at is not None and now - token.last_used_at < gap:
        return None
    session = _db().session()
    if session.new or session.dirty or session.deleted:
        # Host code has changes waiting in the session: committing them is not ours to do.
        # The next request writes instead.
        return None
    values: dict[str, Any] = {"last_used_at": now}
    if usage:
        values["last_used_ip"] = ip or None
        values["last_used_user_agent"] = (request.user_agent.string or "")[:MAX_USER_AGENT] or None
        if ip:
            values["recent_ips"] = " ".join(([ip] + [a for a in recent if a != ip])[:RECENT_IPS])
    table = _ext().Token.__table__
    # Conditional, so that of many requests (and processes) seeing the same stale value
    # only one writes; on the request's own connection, so that no request ever needs two.
    stale = sa.or_(table.c.last_used_at.is_(None), table.c.last_used_at <= now - gap)
    try:
        result = session.execute(
            table.update().where(table.c.id == token.id, stale).values(**values)
        )
        written = result.rowcount == 1  # type: ignore[attr-defined]
        if written and new_ip:
            events.record(token, "new_ip", actor="token", detail={"ip": ip})
        _commit_keeping_loaded(session)
    except BaseException:
        session.rollback()
        raise
    if not written:
        return None
    for key, value in values.items():
        attributes.set_committed_value(token, key, value)
    return ip if new_ip else None


def _commit_keeping_loaded(session: Any) -> None:
    # The token and its user stay loaded: expiring them would cost the request a query
    # for every attribute the host reads next.
    keep = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = keep
