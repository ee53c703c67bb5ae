"""Token requests get a new, empty session that is never saved.

The host's session interface is wrapped, not replaced: every other request opens and saves
its session through it, unchanged.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, Request
from flask.globals import request_ctx
from flask.sessions import SecureCookieSession, SessionInterface, SessionMixin
from flask.wrappers import Response

from .state import claimed


class TokenRequestSession(SecureCookieSession):
    """The session of a request carrying a flask-pat credential: starts empty, whatever
    cookie came along (so no ``_fresh`` flag, no host data), and is thrown away."""


class TokenSessionInterface(SessionInterface):
    """Wraps the host's session interface so token requests neither read nor set a cookie."""

    def __init__(self, wrapped: SessionInterface) -> None:
        self.wrapped = wrapped

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if claimed():
            return TokenRequestSession()
        return self.wrapped.open_session(app, request)

    def make_null_session(self, app: Flask) -> Any:
        return self.wrapped.make_null_session(app)

    def is_null_session(self, obj: object) -> bool:
        return self.wrapped.is_null_session(obj)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if isinstance(session, TokenRequestSession) or claimed():
            # Flask-Login sets its remember cookie in an after-request hook, not here.
            _drop_cookie(response, app.config.get("REMEMBER_COOKIE_NAME", "remember_token"))
            return
        self.wrapped.save_session(app, session, response)


def _drop_cookie(response: Response, name: str) -> None:
    cookies = response.headers.getlist("Set-Cookie")
    if not any(c.startswith(f"{name}=") for c in cookies):
        return
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        if not cookie.startswith(f"{name}="):
            response.headers.add("Set-Cookie", cookie)


def wrap(app: Flask) -> None:
    """Wrap ``app``'s session interface; checked on every request too, for hosts that
    swap the interface after ``init_app``."""
    if not isinstance(app.session_interface, TokenSessionInterface):
        app.session_interface = TokenSessionInterface(app.session_interface)


def empty_for_token() -> None:
    """Give a token request the empty session it should have had, where the host's
    interface (swapped after ``init_app``) opened the cookie's."""
    ctx = request_ctx._get_current_object()  # type: ignore[attr-defined]
    if not isinstance(ctx.session, TokenRequestSession):
        ctx.session = TokenRequestSession()
