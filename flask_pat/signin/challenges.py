"""The answers to token requests that may not pass: 401 with an RFC 6750 challenge, and
403 ``insufficient_scope``."""

from __future__ import annotations

from flask import jsonify
from flask.wrappers import Response

from ..errors import error_body
from ..i18n import gettext as _

#: Why a presented token signs nobody in here, as told in ``error_description`` (in
#: English: a header is read by programs first; the JSON message is translated).
DESCRIPTIONS = {
    "malformed": "The token is malformed: check that it was copied whole.",
    "unknown": "The token is unknown: it may have been deleted or rotated.",
    "revoked": "The token has been revoked.",
    "expired": "The token has expired.",
    "inactive user": "The token's user is inactive.",
    "not allowed": "The token's user is not allowed to use personal access tokens.",
    "user changed": "The token's user has changed since it was made: it has been revoked.",
    "not accepted": "This route does not accept personal access tokens: sign in instead.",
    "not fresh": "This route needs a fresh sign-in: a personal access token never is one.",
}


def unauthorized_response(reason: str | None = None) -> Response:
    """401 JSON; for a token that signs nobody in, a challenge saying why (``reason``)."""
    if reason is not None:
        text = DESCRIPTIONS[reason]
        challenge = f'Bearer realm="api", error="invalid_token", error_description="{text}"'
        message = _message(reason)
    else:
        challenge = 'Bearer realm="api"'
        message = _("Sign in, or send a personal access token as Authorization: Bearer <token>.")
    response = jsonify(error_body("unauthorized", message))
    response.status_code = 401
    response.headers["WWW-Authenticate"] = challenge
    response.headers["Cache-Control"] = "no-store"
    return response


def _message(reason: str) -> str:
    messages = {
        "malformed": _("The token is malformed: check that it was copied whole."),
        "unknown": _("The token is unknown: it may have been deleted or rotated."),
        "revoked": _("The token has been revoked: create a new token, or sign in."),
        "expired": _("The token has expired: rotate it, create a new one, or sign in."),
        "inactive user": _("The token's user is inactive."),
        "not allowed": _("The token's user is not allowed to use personal access tokens."),
        "user changed": _(
            "The token's user has changed since it was made (signed out everywhere, or a new"
            " account): it has been revoked. Create a new token."
        ),
        "not accepted": _("This route does not accept personal access tokens: sign in instead."),
        "not fresh": _("This route needs a fresh sign-in: a personal access token never is one."),
    }
    return messages[reason]


def insufficient_scope_response(scopes: tuple[str, ...] | list[str]) -> Response:
    """403 JSON for a token that lacks ``scopes``."""
    wanted = " ".join(scopes)
    response = jsonify(
        error_body(
            "insufficient_scope",
            _(
                "This token lacks the scope(s) %(scopes)s: create a token that has them.",
                scopes=wanted,
            ),
        )
    )
    response.status_code = 403
    response.headers["WWW-Authenticate"] = (
        f'Bearer realm="api", error="insufficient_scope", scope="{wanted}"'
    )
    return response
