"""The routes a token uses on itself, whatever ``PAT_ALLOW_TOKEN_MANAGEMENT`` says:
``GET /api/tokens/self`` and ``POST /api/tokens/self/rotate``."""

from __future__ import annotations

from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import service
from ..signin.marking import current_token, unauthorized_response
from . import bp, dump, with_secret


@bp.get("/tokens/self")
def token_self() -> ResponseReturnValue:
    """The token that authenticated this request."""
    if not current_token:
        return unauthorized_response()
    return dump(current_token)


@bp.post("/tokens/self/rotate")
def token_self_rotate() -> ResponseReturnValue:
    """Give the token that authenticated this request a new secret; the old one stops."""
    if not current_token:
        return unauthorized_response()
    token = current_token._get_current_object()
    # The secret presented is the version compared: no time window is needed.
    token, secret = service.rotate(current_user._get_current_object(), token, actor="token")
    return with_secret(token, secret)
