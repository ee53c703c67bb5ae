"""API clients: the ``Authorization`` header, the Flask-Login loader, ``current_token``,
``scopes_required``, and keeping token requests free of cookies and host CSRF checks."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, Request, current_app, g, jsonify, request
from flask.sessions import SessionInterface, SessionMixin
from flask.wrappers import Response
from flask_login import current_user, user_loaded_from_request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.local import LocalProxy

from . import authentication, signals
from .errors import Rejected, error_body

F = TypeVar("F", bound=Callable[..., Any])

#: Why a presented token authenticated nobody, as told in ``error_description``.
DESCRIPTIONS = {
    "malformed": "The token is malformed: check that it was copied whole.",
    "unknown": "The token is unknown: it may have been deleted or rotated.",
    "revoked": "The token has been revoked.",
    "expired": "The token has expired.",
    "inactive user": "The token's user is inactive.",
}


def _get_token() -> Any:
    return g.get("_pat_token")


#: The token record that authenticated this request; falsy when none did.
current_token: Any = LocalProxy(_get_token)


def presented_token(req: Request) -> str | None:
    """The credentials of an ``Authorization`` header in an accepted scheme, else ``None``."""
    header = req.headers.get("Authorization")
    if not header:
        return None
    scheme, _, credentials = header.strip().partition(" ")
    accepted = current_app.config["PAT_AUTH_SCHEMES"]
    if scheme.lower() not in {s.lower() for s in accepted}:
        return None
    return credentials.strip()


def uses_token() -> bool:
    """Whether this request is decided by a token header alone (valid or not)."""
    return bool(g.get("_pat_header"))


def _resolve(req: Request) -> Any:
    """Authenticate the request's token once; the user, or ``None``."""
    if "_pat_resolved" in g:
        return g._pat_user
    secret = presented_token(req)
    g._pat_header = secret is not None
    g._pat_token = None
    g._pat_rejection = None
    g._pat_user = None
    g._pat_resolved = True
    if secret is None:
        return None
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        token, user = authentication.authenticate(secret)
    except Rejected as rejected:
        g._pat_rejection = rejected.reason
        signals.token_rejected.send(app, reason=rejected.reason)
        return None
    g._pat_token = token
    g._pat_user = user
    signals.token_authenticated.send(app, token=token, user=user)
    # As Flask-Login's own request loader would, for hosts that listen for it.
    user_loaded_from_request.send(app, user=user)
    return user


def _before_request() -> Response | None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _wrap_session_interface(app)
    _wrap_host_csrf(app)
    if presented_token(request) is None:
        return None
    login_manager = app.login_manager
    try:
        user = _resolve(request)
    except SQLAlchemyError:
        # Without the database no token can be checked: refuse, and let the client retry.
        app.extensions["pat"].db.session.rollback()
        login_manager._update_request_context_with_user(None)
        response = jsonify(
            error_body("unavailable", "The token could not be checked: try again shortly.")
        )
        response.status_code = 503
        response.headers["Retry-After"] = "5"
        return response
    # The header decides alone: a session or remember cookie sent alongside is not consulted.
    login_manager._update_request_context_with_user(user)
    return None


def _make_request_loader(previous: Callable[[Request], Any] | None) -> Callable[[Request], Any]:
    def load_user_from_request(req: Request) -> Any:
        if presented_token(req) is not None:
            return _resolve(req)
        return previous(req) if previous is not None else None

    load_user_from_request._pat_loader = True  # type: ignore[attr-defined]
    return load_user_from_request


class TokenSessionInterface(SessionInterface):
    """Wraps the host's session interface so token requests never set a cookie.

    Every other request is saved by the host's own interface, unchanged.
    """

    def __init__(self, wrapped: SessionInterface) -> None:
        self.wrapped = wrapped

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        return self.wrapped.open_session(app, request)

    def make_null_session(self, app: Flask) -> Any:
        return self.wrapped.make_null_session(app)

    def is_null_session(self, obj: object) -> bool:
        return self.wrapped.is_null_session(obj)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if uses_token():
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


def _wrap_session_interface(app: Flask) -> None:
    # Checked on every request too, for hosts that swap the interface after init_app.
    if not isinstance(app.session_interface, TokenSessionInterface):
        app.session_interface = TokenSessionInterface(app.session_interface)


def _wrap_host_csrf(app: Flask) -> None:
    csrf = app.extensions.get("csrf")
    if csrf is None or getattr(csrf, "_pat_wrapped", False):
        return
    protect = csrf.protect

    def protect_unless_token(*args: Any, **kwargs: Any) -> Any:
        # A token request carries no cookie a forged form could ride on.
        if presented_token(request) is not None:
            # As CSRFProtect does after its check, so the host's FlaskForms skip theirs.
            g.csrf_valid = True
            return None
        return protect(*args, **kwargs)

    csrf.protect = protect_unless_token
    # The API checks its own X-CSRF-Token and answers in JSON.
    csrf.exempt(app.blueprints["pat.api"])
    csrf._pat_wrapped = True


def init_app(app: Flask) -> None:
    """Install the request hook, the Flask-Login loader and the session wrapper on ``app``."""
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
    # First in line, so the header is decided before any other hook looks at current_user.
    app.before_request_funcs.setdefault(None, []).insert(0, _before_request)
    _wrap_session_interface(app)


def unauthorized_response() -> Response:
    """401 JSON with an RFC 6750 ``WWW-Authenticate`` challenge saying what went wrong."""
    reason = g.get("_pat_rejection")
    if reason is not None:
        description = DESCRIPTIONS[reason]
        challenge = f'Bearer realm="api", error="invalid_token", error_description="{description}"'
        message = f"{description} Create a new token, or sign in."
    else:
        challenge = 'Bearer realm="api"'
        message = "Sign in, or send a personal access token as Authorization: Bearer <token>."
    response = jsonify(error_body("unauthorized", message))
    response.status_code = 401
    response.headers["WWW-Authenticate"] = challenge
    return response


def insufficient_scope_response(scopes: tuple[str, ...]) -> Response:
    """403 JSON for a token that lacks ``scopes``."""
    wanted = " ".join(scopes)
    response = jsonify(
        error_body(
            "insufficient_scope",
            f"This token lacks the scope(s) {wanted}: create a token that has them.",
        )
    )
    response.status_code = 403
    response.headers["WWW-Authenticate"] = (
        f'Bearer realm="api", error="insufficient_scope", scope="{wanted}"'
    )
    return response


def scopes_required(*scopes: str) -> Callable[[F], F]:
    """Require a signed-in user and, for token requests, every one of ``scopes``.

    Anonymous requests get 401; a token without all the scopes gets 403
    ``insufficient_scope``; users signed in by session pass, as scopes limit tokens,
    not people.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_token:
                if not set(scopes) <= set(current_token.scopes):
                    return insufficient_scope_response(scopes)
            elif uses_token() or not current_user.is_authenticated:
                return unauthorized_response()
            return current_app.ensure_sync(view)(*args, **kwargs)

        return cast(F, wrapped)

    return decorator
