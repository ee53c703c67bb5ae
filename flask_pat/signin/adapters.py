"""Side by side with the host's own auth libraries.

Flask-Security-Too answers a refused request with its own handlers (a redirect to its
login or verify page, or its own JSON): for a request carrying a flask-pat credential, and
for an API client on a route that accepts tokens, flask-pat's 401 JSON answers instead.
A request loader the host registers after ``init_app`` is chained behind flask-pat's
rather than switching tokens off.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask

from .challenges import unauthorized_response
from .login_hooks import api_client_on_token_route
from .state import current

logger = logging.getLogger(__name__)
_WRAPPED = "_pat_wrapped"


def wrap_flask_security(app: Flask) -> None:
    """Put flask-pat's answers in front of Flask-Security's unauthenticated and
    re-authentication handlers (again, if the host has set new ones since)."""
    security = app.extensions.get("security")
    if security is None:
        return
    unauthn = getattr(security, "_unauthn_handler", None)
    if unauthn is not None and not getattr(unauthn, _WRAPPED, False):
        security._unauthn_handler = _unauthn_handler(unauthn)
    reauthn = getattr(security, "_reauthn_handler", None)
    if reauthn is not None and not getattr(reauthn, _WRAPPED, False):
        security._reauthn_handler = _reauthn_handler(reauthn)


def _unauthn_handler(host: Callable[..., Any]) -> Callable[..., Any]:
    def handler(mechanisms: Any = None, headers: Any = None) -> Any:
        state = current()
        if state is not None and state.credential is not None:
            # Refused, or valid where this route's mechanisms take no personal access token.
            return unauthorized_response(state.refusal or "not accepted")
        if state is not None and api_client_on_token_route():
            return unauthorized_response()
        return host(mechanisms, headers=headers)

    setattr(handler, _WRAPPED, True)
    return handler


def _reauthn_handler(host: Callable[..., Any]) -> Callable[..., Any]:
    def handler(within: Any, grace: Any) -> Any:
        state = current()
        if state is not None and state.credential is not None:
            # A personal access token is never a fresh sign-in.
            return unauthorized_response(state.refusal or "not fresh")
        return host(within, grace)

    setattr(handler, _WRAPPED, True)
    return handler


def keep_request_loader(app: Flask, make_loader: Callable[[Any], Any]) -> None:
    """Where the host registered a request loader after ``init_app`` (replacing
    flask-pat's), chain flask-pat's in front of it again, and say so once in the log."""
    login_manager = app.login_manager  # type: ignore[attr-defined]
    loader = login_manager._request_callback
    if getattr(loader, "_pat_loader", False):
        return
    login_manager.request_loader(make_loader(loader))
    logger.warning(
        "flask-pat: a Flask-Login request loader was registered after pat.init_app(); it"
        " now runs for requests without a personal access token, behind flask-pat's."
        " Register it before pat.init_app() to keep this message away."
    )
