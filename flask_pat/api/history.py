"""A token's history for its owner: ``GET <prefix>/api/tokens/<id>/events``.

A route of the JSON API (its access checks and JSON errors apply); the listing itself is
:func:`flask_pat.events.list_events`.
"""

from __future__ import annotations

from flask import request
from flask.typing import ResponseReturnValue

from .. import events
from . import bp, readable
from .schemas import EventSchema, PageQuerySchema


@bp.get("/tokens/<token_id>/events")
def token_events(token_id: str) -> ResponseReturnValue:
    """A page of the token's audit trail, newest first. Another user's token, or a deleted
    one, is not found: a deleted token's trail is for administrators."""
    token = readable(token_id)
    args = PageQuerySchema().load(request.args.to_dict())
    page = events.list_events(token_id=token.id, user_id=token.user_id, **args)
    return {
        "items": EventSchema(many=True).dump(page.items),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }
