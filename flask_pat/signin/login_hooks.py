"""Flask-Login, for token requests: the user comes from the token alone, and a refusal is
a 401 JSON challenge, never a redirect to a login page.

The host's ``LoginManager`` is wrapped once, even when an app factory shares it between
apps; on apps without flask-pat it behaves as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app
from flask_login import LoginManager

from . import sessions
from .challenges import unauthorized_response, wants_html
from .marking import route_accepts_tokens
from .state import claimed, current


def wrap(login_manager: LoginManager, decide: Callable[[], Any]) -> None:
    """Wrap ``login_manager``'s user loading, ``unauthorized`` and ``needs_refresh``."""
    if getattr(login_manager, "_pat_wrapped", False):
        return
    load_user = login_manager._load_user
    unauthorized = login_manager.unauthorized
    needs_refresh = login_manager.needs_refresh

    def _load_user() -> Any:
        if not claimed():
            return load_user()
        # Never the session or the remember cookie: the token decides alone.
        sessions.empty_for_token()
        return login_manager._update_request_context_with_user(decide())

    def _unauthorized() -> Any:
        state = current()
        if state is None:
            return unauthorized()
        if state.credential is None:
            if api_client_on_token_route():
                # An API client gets a challenge it can act on, not the HTML login page.
                return unauthorized_response()
            return unauthorized()
        return unauthorized_response(state.refusal)

    def _needs_refresh() -> Any:
        state = current()
        if state is None or state.credential is None:
            return needs_refresh()
        return unauthorized_response(state.refusal or "not fresh")

    login_manager._load_user = _load_user
    login_manager.unauthorized = _unauthorized
    login_manager.needs_refresh = _needs_refresh
    login_manager._pat_wrapped = True


def api_client_on_token_route() -> bool:
    """Whether the current request comes from an API client (its ``Accept`` does not name
    ``text/html``) to a route that accepts tokens."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return not wants_html() and route_accepts_tokens(app)
