"""The admin inventory: every user's tokens, who may see them, and an admin's revocation.

Nothing here knows of HTTP; the routes are in :mod:`flask_pat.admin`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app

from . import events, revocations, service, signals
from .context import db as _db
from .context import ext as _ext
from .context import send
from .errors import PatError, invalid
from .i18n import gettext as _
from .listing import SORT_KEYS, Page, check_query, conditions, ordering, search
from .settings import SettingError

#: What the admin listing sorts by: the user's listing keys, and the owner.
ADMIN_SORT_KEYS = (*SORT_KEYS, "user")
_INTEGER = re.compile(r"-?[0-9]{1,19}")
#: Beyond this many matching tokens the inventory's ``total`` is a bound ("10,000+").
COUNT_LIMIT = 10_000
#: The user model's columns searched when ``PAT_ADMIN_USER_SEARCH`` is ``None``, those
#: it has: what ``str(user)`` is usually made of.
DEFAULT_USER_SEARCH = ("email", "username", "name")


class Entry:
    """A token of the inventory with its owner: reads as the token, plus ``user`` (the
    owner's primary key) and ``user_label`` (``str(owner)``)."""

    def __init__(self, token: Any, owner: Any) -> None:
        self.token = token
        self.owner = owner
        self.user = token.user_id
        self.user_label = str(owner)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.token, name)


def is_admin(user: Any) -> bool:
    """Whether ``PAT_ADMIN`` lets ``user`` use the inventory (never an anonymous user)."""
    check = current_app.config["PAT_ADMIN"]
    if check is None or not getattr(user, "is_authenticated", False):
        return False
    # The user itself, not Flask-Login's proxy, so the host's callable may compare it.
    real = getattr(user, "_get_current_object", lambda: user)()
    return bool(check(real))


def user_key(raw: str) -> Any:
    """``raw`` as a value of the user primary key's type; 422 when it cannot be one."""
    pk_type = _ext().user_pk.type
    try:
        python_type = pk_type.python_type
    except NotImplementedError:
        return raw
    if python_type is int:
        if not _INTEGER.fullmatch(raw) or abs(int(raw)) >= 2**63:
            raise invalid("user", _("Give the user's id (a whole number)."))
        return int(raw)
    if python_type is uuid.UUID:
        try:
            return uuid.UUID(raw)
        except ValueError:
            raise invalid("user", _("Give the user's id (a UUID).")) from None
    return raw


def user_search_columns(user_model: Any, setting: Any) -> list[Any]:
    """The user model's columns that the inventory's ``q`` searches: those named in
    ``PAT_ADMIN_USER_SEARCH``, or by default its ``email``, ``username`` and ``name``."""
    names = DEFAULT_USER_SEARCH if setting is None else setting
    attributes = sa.inspect(user_model).column_attrs
    texts = {
        name for name, prop in attributes.items() if isinstance(prop.columns[0].type, sa.String)
    }
    if setting is not None:
        unknown = [name for name in names if name not in texts]
        if unknown:
            raise SettingError(
                "PAT_ADMIN_USER_SEARCH",
                f"{user_model.__name__} has no text column {unknown[0]!r}; name text columns"
                f" of it, e.g. ('email',), or None.",
            )
    return [getattr(user_model, name) for name in names if name in texts]


def user_search(q: str) -> list[Any]:
    """Conditions matching tokens whose owner's label columns hold ``q``, ignoring case."""
    ext = _ext()
    columns = user_search_columns(ext.user_model, current_app.config["PAT_ADMIN_USER_SEARCH"])
    if not columns:
        return []
    owners = sa.select(ext.user_pk).where(
        sa.or_(*(column.icontains(q, autoescape=True) for column in columns))
    )
    return [ext.Token.user_id.in_(owners)]


def list_all_tokens(
    *,
    user: str | None = None,
    q: str = "",
    status: str | None = None,
    sort: str = "-created_at",
    page: int = 1,
    per_page: int = 10,
) -> Page:
    """A page of every user's tokens as :class:`Entry` items, in two queries: the count,
    and the page with each token's owner joined."""
    check_query(status=status, sort=sort, page=page, per_page=per_page, sort_keys=ADMIN_SORT_KEYS)
    ext = _ext()
    session = _db().session
    Token, User = ext.Token, ext.user_model
    where = conditions(Token, status=status)
    if q:
        where.append(sa.or_(*search(Token, q), *user_search(q)))
    if user:
        where.append(Token.user_id == user_key(user))
    # Counting a million rows costs more than the page itself: past COUNT_LIMIT matches,
    # the total is a bound and the count stops there.
    limited = sa.select(sa.literal(1)).select_from(Token).where(*where).limit(COUNT_LIMIT + 1)
    counted = int(session.scalar(sa.select(sa.func.count()).select_from(limited.subquery())) or 0)
    exact = counted <= COUNT_LIMIT
    total = min(counted, COUNT_LIMIT)
    offset = (page - 1) * per_page
    items: Sequence[Any] = []
    if offset < total or not exact:
        stmt = (
            sa.select(Token, User)
            .join(User, ext.user_pk == Token.user_id)
            .where(*where)
            .order_by(*ordering(Token, sort))
            .limit(per_page)
            .offset(offset)
        )
        items = [Entry(token, owner) for token, owner in session.execute(stmt)]
    return Page(items=items, page=page, per_page=per_page, total=total, total_exact=exact)


def get_any(token_id: int) -> tuple[Any, Any]:
    """Token ``token_id``, whoever owns it, and its owner."""
    ext = _ext()
    row = (
        _db()
        .session.execute(
            sa.select(ext.Token, ext.user_model)
            .join(ext.user_model, ext.user_pk == ext.Token.user_id)
            .where(ext.Token.id == token_id)
        )
        .first()
    )
    if row is None:
        raise PatError("not_found", _("No such token: it may have been deleted."))
    return row[0], row[1]


def revoke(token_id: int) -> Entry:
    """Revoke any user's token as an administrator: its owner cannot restore it.

    A token its owner had revoked already is taken over (kept revoked since then, but with
    reason ``admin``), or the owner could restore what an administrator meant to stop.
    """
    token, owner = get_any(token_id)
    if token.revoked_reason == "user":
        token.revoked_reason = "admin"
        events.record(token, "revoked", actor="admin", detail={"reason": "admin"})
        service.commit()
        send(signals.token_revoked, token=token, user=owner, by="admin")
    else:
        service.revoke(owner, token, reason="admin", actor="admin")
    return Entry(token, owner)


def revoke_all(raw_user: str) -> int:
    """Revoke every token of user ``raw_user`` (its primary key as text) that is not
    revoked yet, as an administrator (reason ``admin``: the owner cannot restore them);
    returns how many. An unknown user is ``not_found``."""
    ext = _ext()
    key = user_key(raw_user)
    try:
        owner = _db().session.get(ext.user_model, key)
    except sa.exc.DataError:
        # A key out of the column's range (PostgreSQL's 32-bit INTEGER) names no one.
        _db().session.rollback()
        owner = None
    if owner is None:
        raise PatError("not_found", _("No such user."))
    return revocations.revoke_all(owner, "admin", actor="admin")
