"""``PAT_USER_BINDING``: a token stays with the user it was made for.

The digest of ``PAT_USER_BINDING(user)`` (Flask-Security's ``fs_uniquifier``, an email, a
UUID) is stored with each token when it is made or rotated. Where the user's value has
changed since ("log out everywhere", a password reset, or another user given a deleted
user's id), the token authenticates nobody and is revoked with the reason
``user_changed``.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from flask import current_app

from . import revocations


def digest(user: Any) -> str | None:
    """SHA-256 hex digest of ``user``'s binding; ``None`` where the host set none."""
    bind = current_app.config["PAT_USER_BINDING"]
    if bind is None:
        return None
    return hashlib.sha256(str(bind(user)).encode("utf-8")).hexdigest()


def changed(token: Any, user: Any) -> bool:
    """Whether ``user`` is no longer the one ``token`` was bound to.

    A token made before the host set ``PAT_USER_BINDING`` is bound at its next rotation.
    """
    if token.user_binding is None:
        return False
    now = digest(user)
    return now is not None and not hmac.compare_digest(now, token.user_binding)


def revoke_changed(token: Any, user: Any) -> None:
    """Revoke ``token`` with the reason ``user_changed``: only deleting it ends that."""
    revocations.stop(token, user, "user_changed")
