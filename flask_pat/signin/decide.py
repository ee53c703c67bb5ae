"""Deciding a request by its flask-pat token: the request hooks and Flask-Login's loader.

A request carrying a flask-pat credential is decided by that token alone, from the first
hook host code can run to the response: its session is new and empty (see
:mod:`flask_pat.signin.sessions`), and its user is the token's on routes that accept tokens, else
nobody.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, abort, current_app, jsonify, request
from flask.wrappers import Response
from flask_login import user_loaded_from_request
from sqlalchemy.exc import SQLAlchemyError

from .. import database_errors, signals
from ..errors import Rejected, database_message, error_body
from ..i18n import gettext as _
from . import adapters, challenges, credentials, login_hooks, lookup, sessions, writes
from . import csrf as host_csrf
from .marking import route_accepts_tokens
from .state import RequestAuth, claimed
from .state import current as _state

logger = logging.getLogger(__name__)


def decide() -> Any:
    """The user the current request's token signs in here, or ``None``.

    The token is looked up once per request; whether it signs in is known once the URL
    has been matched. Database errors are kept on the request state (answered 503 by the
    first request hook), never raised into host code.
    """
    state = _state()
    if state is None or state.credential is None:
        return None
    if not state.resolved:
        _resolve(state)
    if state.accepted is None and (request.url_rule is not None or request.routing_exception):
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        state.accepted = route_accepts_tokens(app)
        if state.authenticated and not state.announced:
            _announce(state, app)
    return state.user if state.authenticated else None


def accept_here(credential: str) -> Any:
    """The user ``credential`` signs in, where the host's own auth library hands it over
    (Flask-HTTPAuth's ``verify_token``): the route then accepts the token, as if marked.

    ``None`` where ``credential`` is not the request's flask-pat credential (the host's own
    token); a refused token aborts with flask-pat's 401 saying why, and a token that may not
    use this method here with 403 ``insufficient_scope``.
    """
    state = _state()
    if state is None or state.credential is None or credential != state.credential:
        return None
    decide()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if state.error is not None:
        abort(database_error_response(state.error))
    if state.token is None:
        abort(challenges.unauthorized_response(state.refusal))
    if not state.accepted:
        state.accepted = True
        app.login_manager._update_request_context_with_user(state.user)
    if not state.announced:
        _announce(state, app)
        if state.error is not None:
            abort(database_error_response(state.error))
    refused = writes.refusal(app)
    if refused is not None:
        abort(refused)
    return state.user


def _resolve(state: RequestAuth) -> None:
    state.resolved = True
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if state.credential == credentials.CONFLICTING:
        state.rejection = "malformed"
    else:
        try:
            state.token, state.user = lookup.authenticate(state.credential or "")
        except Rejected as rejected:
            state.rejection = rejected.reason
        except SQLAlchemyError as error:
            _database_error(state, error)
            return
    if state.rejection is not None:
        signals.token_rejected.send(app, reason=state.rejection)


def _announce(state: RequestAuth, app: Flask) -> None:
    state.announced = True
    try:
        new_ip = lookup.record_use(state.token)
    except SQLAlchemyError as error:
        _database_error(state, error)
        return
    signals.token_authenticated.send(app, token=state.token, user=state.user)
    # As Flask-Login's own request loader would, for hosts that listen for it.
    user_loaded_from_request.send(app, user=state.user)
    if new_ip is not None:
        signals.token_used_from_new_ip.send(app, token=state.token, user=state.user, ip=new_ip)


def _database_error(state: RequestAuth, error: SQLAlchemyError) -> None:
    # Without the database no token can be checked: nobody is signed in, and the first
    # request hook answers 503.
    logger.warning("flask-pat: a token could not be checked: %s", database_message(error))
    current_app.extensions["pat"].db.session.rollback()
    state.error = error
    state.token = state.user = None


def _before_request() -> Response | None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    sessions.wrap(app)
    host_csrf.wrap(app, decide)
    adapters.keep_request_loader(app, _make_request_loader)
    adapters.wrap_flask_security(app)
    state = _state()
    if state is None or state.credential is None:
        return None
    sessions.empty_for_token()
    user = decide()
    if state.error is not None:
        app.login_manager._update_request_context_with_user(None)
        return database_error_response(state.error)
    # The header decides alone: a session or remember cookie sent alongside is not consulted.
    app.login_manager._update_request_context_with_user(user)
    return writes.refusal(app)


def database_error_response(error: Exception) -> Response:
    """503 JSON for a token request whose token the database could not check:
    ``not_installed`` where flask-pat's tables are missing, else ``unavailable``."""
    if database_errors.is_missing_schema(error):
        response = jsonify(
            error_body("not_installed", database_errors.not_installed_message(error))
        )
        response.status_code = 503
        return response
    response = jsonify(
        error_body("unavailable", _("The token could not be checked: try again shortly."))
    )
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response


def _after_request(response: Response) -> Response:
    state = _state()
    if state is None or state.credential is None:
        return response
    # One token's answer is for its holder alone: no shared HTTP cache may keep it, or hand
    # it to a request with another Authorization header.
    response.vary.add("Authorization")
    cache_control = response.cache_control
    if not cache_control.no_store:
        cache_control.public = False
        cache_control.s_maxage = None
        cache_control.private = True
    if state.authenticated:
        token = state.token
        if token.expires_at is not None:
            response.headers["PAT-Expiration"] = token.expires_at.isoformat(timespec="seconds")
        response.headers["PAT-Scopes"] = " ".join(token.scopes)
    return response


def _make_request_loader(previous: Callable[[Request], Any] | None) -> Callable[[Request], Any]:
    def load_user_from_request(req: Request) -> Any:
        if claimed():
            return decide()
        return previous(req) if previous is not None else None

    load_user_from_request._pat_loader = True  # type: ignore[attr-defined]
    return load_user_from_request


def init_app(app: Flask) -> None:
    """Install the request hooks, the Flask-Login loader and the session wrapper on ``app``."""
    login_manager = getattr(app, "login_manager", None)
    if login_manager is None:
        raise RuntimeError(
            "flask-pat needs Flask-Login: call login_manager.init_app(app) before"
            " pat.init_app(app)."
        )
    previous = login_manager._request_callback
    # An app factory sharing one LoginManager gets here once per app: chain only once, or
    # every app would wrap the last one's loader until requests hit the recursion limit.
    if not getattr(previous, "_pat_loader", False):
        login_manager.request_loader(_make_request_loader(previous))
    login_hooks.wrap(login_manager, decide)
    # First in line, so the header is decided before any other hook looks at current_user.
    app.before_request_funcs.setdefault(None, []).insert(0, _before_request)
    app.after_request(_after_request)
    sessions.wrap(app)
