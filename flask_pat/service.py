"""Token rules and storage: create, list, get, revoke, restore, rotate, delete, authenticate.

Nothing here knows of HTTP. Settings are read from ``current_app.config`` on each call.
"""

from __future__ import annotations

import json
import math
import unicodedata
import weakref
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, attributes
from sqlalchemy.orm.exc import StaleDataError

from . import signals
from . import tokens as token_text
from .config import HARD_MAX_LIFETIME, PAGE_SIZES
from .errors import PatError, Rejected, invalid

if TYPE_CHECKING:
    from flask_sqlalchemy import SQLAlchemy

    from .extension import PersonalAccessTokens

UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}
STATUSES = ("active", "expiring", "expired", "revoked")
SORT_KEYS = ("name", "expires_at", "created_at", "last_used_at")
MAX_NAME_LENGTH = 100
#: The length of the ``project_key`` column.
MAX_PROJECT_KEY_LENGTH = 200
# Bidirectional embeddings, overrides and isolates reorder how a name is displayed, which
# lets one token pass for another; line and paragraph separators break one-line displays.
_REFUSED_CHARS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029")


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def _ext() -> PersonalAccessTokens:
    ext: PersonalAccessTokens = current_app.extensions["pat"]
    return ext


def _db() -> SQLAlchemy:
    return _ext().db


def _send(signal: Any, **kwargs: Any) -> None:
    signal.send(current_app._get_current_object(), **kwargs)  # type: ignore[attr-defined]


# -- input rules ------------------------------------------------------------------------


def clean_name(raw: object) -> tuple[str, str]:
    """The stored name and its case-folded key, or a 422 saying what to change."""
    if not isinstance(raw, str):
        raise invalid("name", "Enter the token's name as text.")
    name = unicodedata.normalize("NFC", raw).strip()
    if not name:
        raise invalid("name", "Enter a name for the token.")
    if len(name) > MAX_NAME_LENGTH:
        raise invalid("name", f"Use at most {MAX_NAME_LENGTH} characters for the name.")
    for char in name:
        if unicodedata.category(char) in ("Cc", "Cs") or char in _REFUSED_CHARS:
            raise invalid("name", "Remove control and text-direction characters from the name.")
    return name, name.casefold()


def lifetime(unit: object, value: object) -> timedelta | None:
    """The lifetime for an expiration ``unit`` and ``value``; ``None`` never expires."""
    config = current_app.config
    units = tuple(config["PAT_EXPIRATION_UNITS"])
    max_lifetime: timedelta | None = config["PAT_MAX_LIFETIME"]
    if not isinstance(unit, str) or unit not in units:
        raise PatError(
            "invalid",
            f"Choose an expiration unit among: {', '.join(units)}.",
            {"expiration": [f"Choose one of: {', '.join(units)}."]},
        )
    if unit == "never":
        if value is not None:
            raise invalid("expiration", "A token that never expires takes no value.")
        if max_lifetime is not None:
            raise invalid("expiration", "Tokens must expire here: choose a unit and a value.")
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid("expiration", "Enter the number of units as a whole number from 1.")
    limit = max_lifetime if max_lifetime is not None else HARD_MAX_LIFETIME
    # Compare in whole seconds: a huge value would overflow timedelta.
    if value * UNIT_SECONDS[unit] > limit.total_seconds():
        raise invalid("expiration", f"Choose a lifetime of at most {_describe(limit)}.")
    return timedelta(seconds=value * UNIT_SECONDS[unit])


def _describe(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    for unit, size in (("weeks", 604800), ("days", 86400), ("hours", 3600)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{math.ceil(seconds / 60)} minutes"


def clean_scopes(raw: object) -> list[str]:
    """The requested scopes, each declared in ``PAT_SCOPES``, in declaration order."""
    declared: dict[str, str] = current_app.config["PAT_SCOPES"]
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(s, str) for s in raw):
        raise invalid("scopes", "Send the scopes as a list of scope names.")
    unknown = sorted(set(raw) - set(declared))
    if unknown:
        if not declared:
            raise invalid("scopes", "This application has no scopes: send an empty list.")
        raise invalid(
            "scopes",
            f"Unknown scope(s) {', '.join(unknown)}; choose among {', '.join(declared)}.",
        )
    return [name for name in declared if name in raw]


def integrations_for(user: Any) -> list[dict[str, Any]]:
    """The integration choices offered to ``user``."""
    setting = current_app.config["PAT_INTEGRATIONS"]
    return list(setting(user) if callable(setting) else setting or [])


def projects_for(user: Any) -> list[dict[str, Any]] | None:
    """The projects ``user`` may bind tokens to; ``None`` where the host has none."""
    setting = current_app.config["PAT_PROJECTS"]
    return None if setting is None else list(setting(user))


def find_project(user: Any, project_id: object) -> dict[str, Any] | None:
    """The user's project whose id is ``project_id`` (compared as text), if any."""
    for project in projects_for(user) or []:
        if str(project["id"]) == str(project_id):
            return project
    return None


def _project_key(user: Any, project_id: object) -> str | None:
    if project_id is None:
        return None
    if projects_for(user) is None:
        raise invalid("project_id", "This application has no projects: leave it out.")
    if isinstance(project_id, bool) or not isinstance(project_id, (str, int)):
        raise invalid("project_id", "Send the project's id as a string or an integer.")
    project = find_project(user, project_id)
    if project is None:
        raise invalid("project_id", "Choose one of your projects.")
    key = json.dumps(project["id"])
    if len(key) > MAX_PROJECT_KEY_LENGTH:
        raise invalid("project_id", "This project's id is too long to bind a token to.")
    return key


# -- records ----------------------------------------------------------------------------


def _user_id(user: Any) -> Any:
    return getattr(user, _ext().user_pk_attr)


def create(
    user: Any,
    name: object,
    expiration: tuple[object, object] | None = None,
    scopes: object = None,
    project_id: object = None,
) -> tuple[Any, str]:
    """Create a token for ``user``; returns the record and the plaintext secret.

    The secret is returned here and nowhere else: only its digest is stored.
    """
    config = current_app.config
    db = _db()
    Token = _ext().Token
    clean, key = clean_name(name)
    unit, value = expiration if expiration is not None else config["PAT_DEFAULT_EXPIRATION"]
    life = lifetime(unit, value)
    scope_names = clean_scopes(scopes)
    project_key = _project_key(user, project_id)
    user_id = _user_id(user)

    secret = token_text.generate(config["PAT_TOKEN_PREFIX"])
    now = utcnow()
    token = Token(
        user_id=user_id,
        name=clean,
        name_key=key,
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
        # Counting after the insert, under the user's row lock, keeps concurrent creates
        # from passing the limit together.
        if _count_tokens(user_id) > config["PAT_MAX_TOKENS_PER_USER"]:
            db.session.rollback()
            raise PatError(
                "limit_reached",
                f"You have reached the limit of {config['PAT_MAX_TOKENS_PER_USER']} tokens:"
                " delete a token you no longer use first.",
            )
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise PatError(
            "conflict",
            "This name is already used by another of your tokens: choose another name.",
            {"name": ["This name is already used by another of your tokens."]},
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


@dataclass
class Page:
    """One page of a user's tokens."""

    items: Sequence[Any]
    page: int
    per_page: int
    total: int

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


def _ordering(Token: Any, sort: str) -> list[Any]:
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    columns: list[Any]
    if key == "name":
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
    if status is not None and status not in STATUSES:
        raise invalid("status", f"Choose a status among: {', '.join(STATUSES)}.")
    if sort.lstrip("-") not in SORT_KEYS or sort.startswith("--"):
        raise invalid("sort", f"Sort by one of: {', '.join(SORT_KEYS)}, with - for descending.")
    if per_page not in PAGE_SIZES:
        raise invalid("per_page", f"Choose a page size among: {', '.join(map(str, PAGE_SIZES))}.")
    if page < 1:
        raise invalid("page", "Pages start at 1.")
    db = _db()
    Token = _ext().Token
    conditions = [Token.user_id == _user_id(user)]
    if q:
        key = unicodedata.normalize("NFC", q).casefold()  # as names are stored
        conditions.append(Token.name_key.contains(key, autoescape=True))
    if status is not None:
        conditions.append(status_filter(Token, status, utcnow()))
    if project:
        keys = {json.dumps(project)}
        if project.isdecimal() and len(project) < 20:
            keys.add(json.dumps(int(project)))
        conditions.append(Token.project_key.in_(sorted(keys)))
    # count(*), not count(id): an index on the user and the name then answers it alone,
    # without visiting rows scattered among everyone else's tokens.
    counted = sa.select(sa.func.count()).select_from(Token).where(*conditions)
    total = int(db.session.scalar(counted) or 0)
    offset = (page - 1) * per_page
    items: Sequence[Any] = []
    if offset < total:
        stmt = (
            sa.select(Token)
            .where(*conditions)
            .order_by(*_ordering(Token, sort))
            .limit(per_page)
            .offset(offset)
        )
        items = db.session.scalars(stmt).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def get(user: Any, token_id: int) -> Any:
    """``user``'s token ``token_id``; anyone else's token is not found, like a missing one."""
    Token = _ext().Token
    token = _db().session.scalar(
        sa.select(Token).where(Token.id == token_id, Token.user_id == _user_id(user))
    )
    if token is None:
        raise PatError("not_found", "No such token: it may have been deleted.")
    return token


def _commit() -> None:
    try:
        _db().session.commit()
    except StaleDataError:
        # Another request deleted the token between our read and this write.
        _db().session.rollback()
        raise PatError("not_found", "No such token: it may have been deleted.") from None
    except BaseException:
        _db().session.rollback()
        raise


def revoke(user: Any, token: Any) -> Any:
    """Stop ``token`` working at once. Revoking a revoked token keeps its first date."""
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        _commit()
        _send(signals.token_revoked, token=token, user=user)
    return token


def restore(user: Any, token: Any) -> Any:
    """Make a revoked token work again, unless it has expired meanwhile."""
    if token.expires_at is not None and token.expires_at <= utcnow():
        raise PatError("expired", "This token has expired: rotate it to get a working secret.")
    if token.revoked_at is not None:
        token.revoked_at = None
        _commit()
        _send(signals.token_restored, token=token, user=user)
    return token


def rotate(user: Any, token: Any) -> tuple[Any, str]:
    """Give ``token`` a new secret and a fresh lifetime; the old secret stops at once."""
    config = current_app.config
    secret = token_text.generate(config["PAT_TOKEN_PREFIX"])
    now = utcnow()
    seconds = token.lifetime_seconds
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
    _commit()
    _send(signals.token_rotated, token=token, user=user)
    return token, secret


def delete(user: Any, token: Any) -> None:
    """Delete ``token`` for good."""
    db = _db()
    db.session.delete(token)
    _commit()
    _send(signals.token_deleted, token=token, user=user)


# -- authentication ---------------------------------------------------------------------


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


# -- operations -------------------------------------------------------------------------


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
        _commit()
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
