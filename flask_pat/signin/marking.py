"""What a host's routes say of tokens: ``accepts_tokens``, ``scopes_required``, and
``current_token``, the token that signed the current request in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar, cast, overload

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
#: Set on views a scope decorator guards: they name the scopes a token needs, to write too.
_GUARD = "_pat_scopes_guard"
#: ``read=``/``write=``: a scope name, a list of them, or ``None``.
Scopes = str | Sequence[str] | None


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


@dataclass(frozen=True)
class Marking:
    """What a route or blueprint opened to tokens lets a token do: read with the ``read``
    scopes (or the ``write`` ones), write with the ``write`` scopes; without ``write`` a
    token only reads there."""

    read: tuple[str, ...] = ()
    write: tuple[str, ...] = ()


def marking_of(read: Scopes, write: Scopes) -> Marking:
    """The :class:`Marking` for ``read=``/``write=`` arguments (a scope name or a list)."""
    return Marking(_scope_names("read", read), _scope_names("write", write))


def _scope_names(name: str, value: Scopes) -> tuple[str, ...]:
    if value is None:
        return ()
    names = (value,) if isinstance(value, str) else tuple(value)
    if not names or not all(isinstance(scope, str) and scope for scope in names):
        raise TypeError(f"{name}= takes a scope name or a list of scope names; got {value!r}.")
    return names


@overload
def accepts_tokens(view: F, /) -> F: ...


@overload
def accepts_tokens(*, read: Scopes = None, write: Scopes = None) -> Callable[[F], F]: ...


def accepts_tokens(
    view: F | None = None, /, *, read: Scopes = None, write: Scopes = None
) -> F | Callable[[F], F]:
    """Let a valid token sign its user in on this view (``PAT_TOKEN_ROUTES = "marked"``).

    ``@accepts_tokens`` opens the view to any valid token, for reading only (GET, HEAD,
    OPTIONS); ``@accepts_tokens(read="notes:read", write="notes:write")`` asks for the
    ``read`` scopes to read (a token holding the ``write`` ones reads too) and lets a token
    with the ``write`` scopes use the other methods. Works on view functions and on
    class-based views; returns ``view``.
    """
    marking = marking_of(read, write)

    def mark(target: F) -> F:
        setattr(target, _MARK, marking)
        return target

    return mark(view) if view is not None else mark


def _chain(view: Any) -> list[Any]:
    found: list[Any] = []
    while view is not None and len(found) < 20:
        found.append(view)
        view_class = getattr(view, "view_class", None)
        if view_class is not None:
            found.append(view_class)
        view = getattr(view, "__wrapped__", None)
    return found


def _marked(view: Any) -> bool:
    return any(getattr(part, _MARK, None) is not None for part in _chain(view))


def route_rule(app: Flask) -> tuple[Marking, bool]:
    """What the current route lets a token do: its :class:`Marking` (the view's own where
    it names scopes, else its blueprint's), and whether a scope decorator
    (``@scopes_required``, ``@token_scopes_required``) guards the view itself."""
    chain = _chain(app.view_functions.get(request.endpoint or ""))
    guarded = any(getattr(part, _GUARD, False) for part in chain)
    for part in chain:
        marking = getattr(part, _MARK, None)
        if isinstance(marking, Marking) and (marking.read or marking.write):
            return marking, guarded
    rules = app.extensions["pat"].blueprint_markings
    for name in request.blueprints:
        marking = rules.get(name) or rules.get(app.blueprints.get(name))
        if marking is not None:
            return marking, guarded
    return Marking(), guarded


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

    Marks the view as accepting tokens, for every method (the scopes are what a token needs
    to write there). Anonymous requests get 401; a token without all the scopes gets 403
    ``insufficient_scope``; users signed in by session pass, as scopes limit tokens, not
    people.
    """
    return _scope_guard(scopes, pats_only=False)


def token_scopes_required(*scopes: str) -> Callable[[F], F]:
    """For requests a personal access token signs in, require every one of ``scopes``;
    every other request passes through untouched to the host's own auth (a Flask-HTTPAuth
    or JWT route that also takes personal access tokens keeps its own tokens working).

    Marks the view as accepting tokens, for every method. A token without all the scopes
    gets 403 ``insufficient_scope``; a refused token gets 401 saying why.
    """
    return _scope_guard(scopes, pats_only=True)


def _scope_guard(scopes: tuple[str, ...], *, pats_only: bool) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            state = _state()
            if state is not None and state.authenticated:
                if not set(scopes) <= set(state.token.scopes):
                    return insufficient_scope_response(scopes)
            elif state is not None and state.credential is not None:
                return unauthorized_response(state.refusal)
            elif not pats_only and not current_user.is_authenticated:
                return unauthorized_response()
            return current_app.ensure_sync(view)(*args, **kwargs)

        setattr(wrapped, _GUARD, True)
        return accepts_tokens(cast(F, wrapped))

    return decorator
