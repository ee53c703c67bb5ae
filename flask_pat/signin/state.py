"""What flask-pat knows about the current request's credential, kept with the request.

The state lives in the WSGI environ rather than in ``g``, so it is the request's own even
where several requests share one app context (tests that push one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, has_request_context, request

from . import credentials

_KEY = "flask_pat.auth"


@dataclass
class RequestAuth:
    """The flask-pat side of one request."""

    #: The flask-pat credential presented, :data:`credentials.CONFLICTING`, or ``None``.
    credential: str | None
    #: Whether the token has been looked up (or found malformed).
    resolved: bool = False
    token: Any = None
    user: Any = None
    #: Why the credential authenticates nobody (``malformed``, ``revoked``, ...).
    rejection: str | None = None
    #: Whether this route accepts tokens; ``None`` until the URL has been matched.
    accepted: bool | None = None
    #: The database error that kept the token from being checked.
    error: Exception | None = None
    #: Whether the token's use has been recorded and announced.
    announced: bool = False

    @property
    def authenticated(self) -> bool:
        """Whether a flask-pat token signed this request's user in."""
        return self.token is not None and bool(self.accepted)

    @property
    def refusal(self) -> str | None:
        """Why the credential signs nobody in on this route, for ``error_description``."""
        if self.credential is None or self.authenticated:
            return None
        if self.rejection is not None:
            return self.rejection
        return "not accepted" if self.token is not None else None


def current() -> RequestAuth | None:
    """The state of the current request; ``None`` outside one, or where flask-pat is not
    registered on the app."""
    if not has_request_context() or "pat" not in current_app.extensions:
        return None
    environ = request.environ
    state: RequestAuth | None = environ.get(_KEY)
    if state is None:
        config = current_app.config
        credential = credentials.claimed(
            request.headers.getlist("Authorization"),
            config["PAT_AUTH_SCHEMES"],
            config["PAT_TOKEN_PREFIX"],
        )
        state = environ[_KEY] = RequestAuth(credential)
    return state


def claimed() -> bool:
    """Whether the current request carries a flask-pat credential (valid or not)."""
    state = current()
    return state is not None and state.credential is not None
