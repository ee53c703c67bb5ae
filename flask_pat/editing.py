"""Changing what a token is called and described; its scopes, project and expiry stay as
they were made."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from . import events, rules
from .context import db as _db
from .errors import PatError, invalid
from .i18n import gettext as _
from .service import commit

_UNSET: Any = object()


def edit(
    user: Any, token: Any, *, name: object = _UNSET, description: object = _UNSET, actor: str
) -> Any:
    """Give ``token`` a new ``name`` and/or ``description`` (either may be left out).

    A new name records a ``renamed`` event; a name another of the user's tokens has (in
    any case) is a 409 ``conflict``.
    """
    if name is _UNSET and description is _UNSET:
        raise invalid("_schema", _("Send a name, a description or both."))
    clean = key = text = text_key = None
    if name is not _UNSET:
        clean, key = rules.clean_name(name)
    if description is not _UNSET:
        text, text_key = rules.clean_description(description)
    if clean is not None and clean != token.name:
        events.record(token, "renamed", actor=actor, detail={"from": token.name, "to": clean})
        token.name, token.name_key = clean, key
    if text is not None:
        token.description, token.description_key = text, text_key
    try:
        commit()
    except IntegrityError:
        _db().session.rollback()
        raise PatError(
            "conflict",
            _("This name is already used by another of your tokens: choose another name."),
            {"name": [_("This name is already used by another of your tokens.")]},
        ) from None
    return token
