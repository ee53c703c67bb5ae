"""Leaked tokens: find reported token texts in one query and revoke the live ones with the
reason ``leaked``, an event each, in one transaction. Nothing here knows of HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_request_context, request

from .. import events, signals
from .. import tokens as token_text
from ..context import db as _db
from ..context import ext as _ext
from ..context import send as _send
from ..context import utcnow

#: Reasons whose revocation a leak does not touch: they are already final.
#: How many credentials one revoke request may name.
MAX_CREDENTIALS = 1000
_FINAL_REASONS = ("admin", "leaked")


@dataclass
class Leak:
    """Where one token was found: ``source`` names who found it (``github``,
    ``revoke-endpoint``, ``scan``), ``url`` and ``location`` say where, when known."""

    source: str
    url: str | None = None
    location: str | None = None

    def detail(self) -> dict[str, Any]:
        found = {"reason": "leaked", "source": self.source, "url": self.url}
        if self.location:
            found["location"] = self.location
        return {key: value for key, value in found.items() if value is not None}


@dataclass
class Outcome:
    """What a batch found: the digests of this app's existing tokens among those reported,
    and the ids of the tokens it revoked (or made final) now."""

    existing: set[str] = field(default_factory=set)
    revoked: list[int] = field(default_factory=list)


def digests(texts: Iterable[str]) -> dict[str, str]:
    """``{digest: text}`` of the texts that are well-formed tokens of this app.

    Anything else cannot be one of its tokens and never reaches the database.
    """
    prefix = current_app.config["PAT_TOKEN_PREFIX"]
    return {
        token_text.digest(text): text
        for text in texts
        if isinstance(text, str) and token_text.is_well_formed(text, prefix)
    }


def revoke_leaked(
    leaks: Mapping[str, Leak],
    *,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Outcome:
    """Revoke, with the reason ``leaked``, the tokens whose digests key ``leaks``.

    One query finds them all (and locks them, so that two reports of one token record
    one event). A live token is revoked; one its owner revoked becomes ``leaked`` too, so
    it can no longer be restored; one already revoked by an administrator or as leaked is
    left alone. Each change records a ``leaked`` event, all in one transaction and a few
    statements whatever the batch's size; after the commit ``token_revoked`` (for those
    that were working) and ``token_leaked`` are sent. ``ip`` and ``user_agent`` are those of
    the client that reported them (by default the current request's).
    """
    outcome = Outcome()
    if not leaks:
        return outcome
    ext = _ext()
    Token, User = ext.Token, ext.user_model
    if ip is None and user_agent is None and has_request_context():
        ip = request.remote_addr
        user_agent = (request.user_agent.string or "")[: events.MAX_USER_AGENT] or None
    statement = (
        sa.select(Token, User)
        .join(User, Token.user_id == ext.user_pk)
        .where(Token.token_hash.in_(list(leaks)))
        .order_by(Token.id)
        .with_for_update(of=Token)
    )
    now = utcnow()
    changed: list[tuple[Any, Any, Leak, bool]] = []
    session = _db().session()
    # What was just written is what the signals show: reloading each token after the
    # commit would cost a query per token.
    expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
    try:
        for token, user in session.execute(statement).all():
            outcome.existing.add(token.token_hash)
            if token.revoked_at is not None and token.revoked_reason in _FINAL_REASONS:
                continue
            was_working = token.revoked_at is None
            if was_working:
                token.revoked_at = now
            token.revoked_reason = "leaked"
            changed.append((token, user, leaks[token.token_hash], was_working))
        if changed:
            session.flush()
            # One multi-row insert rather than an ORM object (and a statement) per event.
            session.execute(
                ext.Event.__table__.insert(),
                [
                    {
                        "token_id": token.id,
                        "user_id": token.user_id,
                        "event": "leaked",
                        "at": now,
                        "actor": "system",
                        "ip": ip,
                        "user_agent": user_agent,
                        "detail_text": json.dumps(leak.detail(), sort_keys=True),
                    }
                    for token, _, leak, _ in changed
                ],
            )
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.expire_on_commit = expire_on_commit
    for token, user, leak, was_working in changed:
        outcome.revoked.append(token.id)
        if was_working:
            _send(signals.token_revoked, token=token, user=user, by="system")
        _send(signals.token_leaked, token=token, user=user, source=leak.source, url=leak.url)
    return outcome
