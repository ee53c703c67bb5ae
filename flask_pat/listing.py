"""Finding tokens: a user's tokens filtered, sorted and paged, and status conditions."""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from .config import PAGE_SIZES
from .context import db as _db
from .context import ext as _ext
from .context import utcnow
from .errors import invalid
from .i18n import gettext as _

STATUSES = ("active", "expiring", "expired", "revoked")
SORT_KEYS = ("name", "expires_at", "created_at", "last_used_at")


@dataclass
class Page:
    """One page of a listing."""

    items: Sequence[Any]
    page: int
    per_page: int
    total: int
    #: ``False`` when ``total`` is a lower bound: more tokens match than were counted.
    total_exact: bool = True

    @property
    def pages(self) -> int:
        return math.ceil(self.total / self.per_page)


def status_filter(Token: Any, status: str, now: datetime) -> Any:
    """A SQL condition matching tokens in ``status`` at ``now``."""
    warning: timedelta = current_app.config["PAT_EXPIRY_WARNING"]
    live = Token.revoked_at.is_(None)
    if status == "revoked":
        return Token.revoked_at.is_not(None)
    if status == "expired":
        return sa.and_(live, Token.expires_at <= now)
    if status == "expiring":
        return sa.and_(live, Token.expires_at > now, Token.expires_at <= now + warning)
    return sa.and_(live, sa.or_(Token.expires_at.is_(None), Token.expires_at > now + warning))


def ordering(Token: Any, sort: str) -> list[Any]:
    """ORDER BY for ``sort`` (``-`` for descending), ties broken by id in the same direction."""
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    columns: list[Any]
    if key == "user":
        columns = [Token.user_id]
    elif key == "name":
        columns = [Token.name_key]
    elif key == "expires_at":
        # Tokens that never expire come after every dated token, ascending.
        columns = [sa.case((Token.expires_at.is_(None), 1), else_=0), Token.expires_at]
    elif key == "last_used_at":
        # Never-used tokens count as used longest ago.
        columns = [sa.case((Token.last_used_at.is_(None), 0), else_=1), Token.last_used_at]
    else:
        columns = [Token.created_at]
    columns.append(Token.id)
    return [c.desc() if descending else c.asc() for c in columns]


def check_query(
    *, status: str | None, sort: str, page: int, per_page: int, sort_keys: tuple[str, ...]
) -> None:
    """Refuse a listing query the API's schema would refuse (callers from Python too)."""
    if status is not None and status not in STATUSES:
        raise invalid(
            "status", _("Choose a status among: %(statuses)s.", statuses=", ".join(STATUSES))
        )
    if sort.lstrip("-") not in sort_keys or sort.startswith("--"):
        raise invalid(
            "sort",
            _("Sort by one of: %(keys)s, with - for descending.", keys=", ".join(sort_keys)),
        )
    if per_page not in PAGE_SIZES:
        raise invalid(
            "per_page",
            _("Choose a page size among: %(sizes)s.", sizes=", ".join(map(str, PAGE_SIZES))),
        )
    if page < 1:
        raise invalid("page", _("Pages start at 1."))


def conditions(Token: Any, *, q: str = "", status: str | None = None) -> list[Any]:
    """SQL conditions for a search of names and descriptions, and a status filter."""
    found = []
    if q:
        found.append(sa.or_(*search(Token, q)))
    if status is not None:
        found.append(status_filter(Token, status, utcnow()))
    return found


def search(Token: Any, q: str) -> list[Any]:
    """Conditions each matching tokens whose name or description holds ``q``, ignoring
    case (``%`` and ``_`` are literal)."""
    return [_name_match(Token, q), _description_match(Token, q)]


def _key(q: str) -> str:
    return unicodedata.normalize("NFC", q).casefold()  # as names and descriptions are stored


def _name_match(Token: Any, q: str) -> Any:
    return Token.name_key.contains(_key(q), autoescape=True)


def _description_match(Token: Any, q: str) -> Any:
    # The empty string written out, not bound, so the planner sees the partial index's
    # condition (only described tokens) in the query.
    return sa.and_(
        Token.description_key != sa.literal_column("''"),
        Token.description_key.contains(_key(q), autoescape=True),
    )


def _count(where: list[Any], Token: Any, q: str) -> Any:
    """How many tokens match ``where`` and the search ``q``, as one statement.

    Tokens found by name are counted apart from those found by their description alone:
    the first count is read from the index on the user and the name, the second from the
    index of described tokens, so neither visits the rows of a user's many undescribed
    tokens.
    """

    def counted(*extra: Any) -> Any:
        return sa.select(sa.func.count()).select_from(Token).where(*where, *extra)

    if not q:
        return counted()
    by_name = counted(_name_match(Token, q)).scalar_subquery()
    by_description = counted(
        _description_match(Token, q), sa.not_(_name_match(Token, q))
    ).scalar_subquery()
    return sa.select(by_name + by_description)


def list_tokens(
    user: Any,
    *,
    q: str = "",
    status: str | None = None,
    project: str | None = None,
    sort: str = "-created_at",
    page: int = 1,
    per_page: int = 10,
) -> Page:
    """A page of ``user``'s tokens, filtered, sorted and counted in two queries."""
    check_query(status=status, sort=sort, page=page, per_page=per_page, sort_keys=SORT_KEYS)
    db = _db()
    Token = _ext().Token
    where = [Token.user_id == _ext().user_id(user), *conditions(Token, status=status)]
    if project:
        keys = {json.dumps(project)}
        if project.isdecimal() and len(project) < 20:
            keys.add(json.dumps(int(project)))
        where.append(Token.project_key.in_(sorted(keys)))
    # count(*), not count(id): an index on the user and the name then answers it alone,
    # without visiting rows scattered among everyone else's tokens.
    total = int(db.session.scalar(_count(where, Token, q)) or 0)
    offset = (page - 1) * per_page
    items: Sequence[Any] = []
    if offset < total:
        found = [sa.or_(*search(Token, q))] if q else []
        stmt = (
            sa.select(Token)
            .where(*where, *found)
            .order_by(*ordering(Token, sort))
            .limit(per_page)
            .offset(offset)
        )
        items = db.session.scalars(stmt).all()
    return Page(items=items, page=page, per_page=per_page, total=total)
