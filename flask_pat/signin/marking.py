"""What a host's routes say of tokens: ``accepts_tokens``, ``scopes_required``, and
``current_token``, the token that signed the current request in."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, request
from flask.wrappers import Response
from flask_login import current_user
from werkzeug.local import LocalProxy

from . import challenges
from .challenges import insufficient_scope_response
from .state import claimed
from .state import current as _state

F = TypeVar("F", bound=Callable[..., Any])
#: flask-pat's own token routes (the JSON API); its access check decides what a token may do.
OWN_TOKEN_BLUEPRINT = "pat.api"
_MARK = "_pat_accepts_tokens"


def _get_token() -> Any:
    state = _state()
    return state.token if state is not None and state.authenticated else None


#: The token record that authenticated this request; falsy when none did.
current_token: Any = LocalProxy(_get_token)


def uses_token() -> bool:
    """Whether this request is decided by a flask-pat credential alone (valid or not)."""
    return claimed()


def unauthorized_response(reason: str | None = None) -> Response:
    """401 JSON; for a request whose flask-pat token signs nobody in here, with the RFC 6750
    challenge saying why (``reason``, by default the request's own)."""
    if reason is None:
        state = _state()
        reason = state.refusal if state is not None else None
    return challenges.unauthorized_response(reason)


def accepts_tokens(view: F) -> F:
    """Let a valid token sign its user in on this view (``PAT_TOKEN_ROUTES = "marked"``).

    Works on view functions and on class-based views; returns ``view``.
    """
    setattr(view, _MARK, True)
    return view


def _marked(view: Any) -> bool:
    seen = 0
    while view is not None and seen < 20:
        if getattr(view, _MARK, False) or getattr(getattr(view, "view_class", None), _MARK, False):
            return True
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return False


def route_accepts_tokens(app: Flask) -> bool:
    """Whether a valid token signs its user in on the current request's route."""
    if app.config["PAT_TOKEN_ROUTES"] == "all":
        return True
    if request.url_rule is None:
        return False
    accepted = app.extensions["pat"].token_blueprints
    for name in request.blueprints:
        if name == OWN_TOKEN_BLUEPRINT or name in accepted or app.blueprints.get(name) in accepted:
            return True
    return _marked(app.view_functions.get(request.endpoint or ""))


def scopes_required(*scopes: str) -> Callable[[F], F]:
    """Require a signed-in user and, for token requests, every one of ``scopes``.

    Marks the view as accepting tokens. Anonymous requests get 401; a token without all
    the scopes gets 403 ``insufficient_scope``; users signed in by session pass, as scopes
    limit tokens, not people.
    """

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            state = _state()
            if state is not None and state.authenticated:
                if not set(scopes) <= set(state.token.scopes):
                    return insufficient_scope_response(scopes)
            elif state is not None and state.credential is not None:
                return unauthorized_response(state.refusal)
            elif not current_user.is_authenticated:
                return unauthorized_response()
            return current_app.ensure_sync(view)(*args, **kwargs)

        return accepts_tokens(cast(F, wrapped))

    return decorator
