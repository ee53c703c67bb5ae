"""The audit trail: one row per thing that happened to a token, written in the same
transaction as the change it records."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request

from .context import db, ext, utcnow
from .errors import invalid
from .i18n import gettext as _
from .listing import Page, check_query

#: What an event records.
EVENTS = (
    "created",
    "renamed",
    "rotated",
    "revoked",
    "restored",
    "deleted",
    "new_ip",
    "leaked",
    "reuse_detected",
    "expiry_notice",
)
#: Who caused it: the token's owner, the token acting on itself, an administrator, an
#: operator at the command line, or flask-pat itself (a leak report, a notice).
ACTORS = ("owner", "token", "admin", "cli", "system")
MAX_USER_AGENT = 200


def record(
    token: Any,
    event: str,
    *,
    actor: str,
    detail: dict[str, Any] | None = None,
) -> Any:
    """Add an event about ``token`` to the session, for the caller's commit to write.

    The client's address and user agent are taken from the request, where there is one.
    """
    assert event in EVENTS and actor in ACTORS, (event, actor)
    ip = user_agent = None
    if has_request_context():
        ip = request.remote_addr
        user_agent = (request.user_agent.string or "")[:MAX_USER_AGENT] or None
    row = ext().Event(
        token_id=token.id,
        user_id=token.user_id,
        event=event,
        at=utcnow(),
        actor=actor,
        ip=ip,
        user_agent=user_agent,
        detail_text=json.dumps(detail, sort_keys=True) if detail else None,
    )
    db().session.add(row)
    return row


def list_events(
    *,
    token_id: int | None = None,
    user_id: Any = None,
    event: str | None = None,
    page: int = 1,
    per_page: int = 10,
) -> Page:
    """A page of events, newest first, of one token, one user, or everyone's.

    Deleted tokens' events are listed too: callers decide who may see them.
    """
    if event is not None and event not in EVENTS:
        raise invalid("event", _("Choose an event among: %(events)s.", events=", ".join(EVENTS)))
    check_query(status=None, sort="id", page=page, per_page=per_page, sort_keys=("id",))
    session = db().session
    Event = ext().Event
    where = []
    if token_id is not None:
        where.append(Event.token_id == token_id)
    if user_id is not None:
        where.append(Event.user_id == user_id)
    if event is not None:
        where.append(Event.event == event)
    total = int(session.scalar(sa.select(sa.func.count()).select_from(Event).where(*where)) or 0)
    offset = (page - 1) * per_page
    items: Sequence[Any] = []
    if offset < total:
        # Ids grow with time; each filter has an index ending in the id.
        stmt = sa.select(Event).where(*where).order_by(Event.id.desc())
        items = session.scalars(stmt.limit(per_page).offset(offset)).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def _old(retention: timedelta) -> Any:
    return ext().Event.at < utcnow() - retention


def count_old(retention: timedelta) -> int:
    """How many events are older than ``retention``: what :func:`prune` deletes."""
    Event = ext().Event
    counted = sa.select(sa.func.count()).select_from(Event).where(_old(retention))
    return int(db().session.scalar(counted) or 0)


def prune(retention: timedelta, batch_size: int = 1000) -> Iterator[int]:
    """Delete events older than ``retention``, in batches; yields each batch's count."""
    session = db().session
    Event = ext().Event
    while True:
        ids = session.scalars(sa.select(Event.id).where(_old(retention)).limit(batch_size)).all()
        if not ids:
            return
        session.execute(sa.delete(Event).where(Event.id.in_(ids)))
        session.commit()
        yield len(ids)
