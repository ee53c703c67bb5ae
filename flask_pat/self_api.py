"""The routes a token uses on itself, whatever ``PAT_ALLOW_TOKEN_MANAGEMENT`` says:
``GET /api/tokens/self`` and ``POST /api/tokens/self/rotate``."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask_login import current_user

from . import service
from .api import _dump, _with_secret, bp
from .auth import current_token, unauthorized_response


@bp.get("/tokens/self")
def token_self() -> ResponseReturnValue:
    """The token that authenticated this request."""
    if not current_token:
        return unauthorized_response()
    return _dump(current_token)


@bp.post("/tokens/self/rotate")
def token_self_rotate() -> ResponseReturnValue:
    """Give the token that authenticated this request a new secret; the old one stops."""
    if not current_token:
        return unauthorized_response()
    token = current_token._get_current_object()
    token, secret = service.rotate(current_user._get_current_object(), token, actor="token")
    return _with_secret(token, secret)


def openapi_paths(spec: Any, base: str) -> None:
    """Describe these routes in the OpenAPI document."""
    from .openapi import _json, _operation

    spec.path(
        f"{base}/tokens/self",
        operations={
            "get": _operation(
                "The token that authenticated this request", {"200": _json("Token", "The token")}
            )
        },
    )
    spec.path(
        f"{base}/tokens/self/rotate",
        operations={
            "post": _operation(
                "Give the token that authenticated this request a new secret",
                {"201": _json("TokenSecret", "The token and its new secret, shown this once")},
                security=[{"bearer": []}],
            )
        },
    )
