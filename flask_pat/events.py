"""The audit trail: one row per thing that happened to a token, written in the same
transaction as the change it records."""

from __future__ import annotations

import json
from typing import Any

from flask import has_request_context, request

from .context import db, ext, utcnow

#: What an event records.
EVENTS = (
    "created",
    "rotated",
    "revoked",
    "restored",
    "deleted",
    "new_ip",
    "leaked",
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
