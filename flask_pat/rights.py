"""What a token may do through the management API (``PAT_ALLOW_TOKEN_MANAGEMENT``): only
what it could have done when it was made, so a leaked token cannot widen itself.

It creates tokens whose scopes are among its own and that expire no later than itself;
it reads (details, events, IDE files), revokes, restores, rotates and deletes only such
tokens, and never itself through the
id routes: the secret its owner holds dies only through ``POST /api/tokens/self/rotate``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from .context import utcnow
from .errors import PatError, invalid
from .i18n import N_
from .i18n import gettext as _
from .rules import lifetime


def check_create(token: Any, scopes: object, expiration: tuple[object, object] | None) -> None:
    """Raise unless ``token`` may create a token with ``scopes`` and ``expiration``."""
    wanted = [s for s in scopes if isinstance(s, str)] if isinstance(scopes, list) else []
    missing = sorted(set(wanted) - set(token.scopes))
    if missing:
        raise ScopeError(missing)
    if token.expires_at is None:
        return
    unit, value = expiration or current_app.config["PAT_DEFAULT_EXPIRATION"]
    life = lifetime(unit, value)
    if life is None or utcnow() + life > token.expires_at:
        raise invalid(
            "expiration",
            _(
                "A token cannot make one that outlives it: choose an expiration before %(when)s.",
                when=token.expires_at.isoformat(timespec="seconds"),
            ),
        )


# One whole sentence per action, so each language words it its own way.
_ITSELF = {
    "edit": N_("A token cannot edit itself here: sign in to the page to edit it."),
    "revoke": N_("A token cannot revoke itself here: sign in to the page to revoke it."),
    "restore": N_("A token cannot restore itself here: sign in to the page to restore it."),
    "rotate": N_("A token cannot rotate itself here: rotate it with POST /api/tokens/self/rotate."),
    "delete": N_("A token cannot delete itself here: sign in to the page to delete it."),
}
_OUTLIVES = {
    "edit": N_("This token outlives the one you are using: sign in to edit it."),
    "revoke": N_("This token outlives the one you are using: sign in to revoke it."),
    "restore": N_("This token outlives the one you are using: sign in to restore it."),
    "rotate": N_("This token outlives the one you are using: sign in to rotate it."),
    "delete": N_("This token outlives the one you are using: sign in to delete it."),
}


def check_action(
    token: Any, target: Any, action: str, expiration: tuple[object, object] | None = None
) -> None:
    """Raise unless ``token`` may ``action`` (edit, revoke, restore, rotate, delete)
    ``target``; a rotation to a new lifetime gives its ``expiration``."""
    if target.id == token.id:
        raise PatError("forbidden", _(_ITSELF[action]))
    missing = sorted(set(target.scopes) - set(token.scopes))
    if missing:
        raise ScopeError(missing)
    if token.expires_at is None:
        return
    ends: datetime | None = target.expires_at
    if action == "rotate":
        life: timedelta | None = (
            lifetime(*expiration)
            if expiration is not None
            else None
            if target.lifetime_seconds is None
            else timedelta(seconds=target.lifetime_seconds)
        )
        ends = None if life is None else utcnow() + life
    if ends is None or ends > token.expires_at:
        raise PatError("forbidden", _(_OUTLIVES[action]))


def check_read(token: Any, target: Any) -> None:
    """Raise unless ``token`` may read ``target``'s details, events or IDE files: itself,
    or a token it could have created (scopes among its own, expiring no later)."""
    if target.id == token.id:
        return
    missing = sorted(set(target.scopes) - set(token.scopes))
    if missing:
        raise ScopeError(missing)
    if token.expires_at is None:
        return
    if target.expires_at is None or target.expires_at > token.expires_at:
        raise PatError(
            "forbidden", _("This token outlives the one you are using: sign in to read it.")
        )


class ScopeError(PatError):
    """A token asked for more than its own scopes: 403 ``insufficient_scope``."""

    def __init__(self, missing: list[str]) -> None:
        self.missing = missing
        super().__init__(
            "insufficient_scope",
            _("This token lacks the scope(s) %(scopes)s.", scopes=" ".join(missing)),
        )
