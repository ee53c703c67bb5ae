"""Least privilege: a token writes only where a scope says it may.

On a route that accepts tokens, a request a token signed in may use an unsafe method
(anything but GET, HEAD, OPTIONS) only where the route names a scope for it: a scope
decorator on the view, or the ``write=`` of its marking. Everywhere else a token reads
only, so opening a framework's API blueprint to tokens cannot let a read-scoped token
create an administrator.
"""

from __future__ import annotations

from flask import Flask, request
from flask.wrappers import Response

from .challenges import insufficient_scope_response, read_only_response
from .marking import OWN_TOKEN_BLUEPRINT, route_rule
from .state import current

#: Methods a token may use wherever it signs in (RFC 9110's safe methods, less TRACE).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def refusal(app: Flask) -> Response | None:
    """403 ``insufficient_scope`` where the token that signed this request in may not use
    its method on this route; ``None`` where it may (or no token signed it in)."""
    state = current()
    if state is None or not state.authenticated:
        return None
    if request.url_rule is None:
        return None  # no such route or method: routing answers 404 or 405
    if OWN_TOKEN_BLUEPRINT in request.blueprints:
        return None  # the management API's own access check decides
    marking, guarded = route_rule(app)
    held = set(state.token.scopes)
    if request.method in SAFE_METHODS:
        if marking.read and not set(marking.read) <= held:
            if not (marking.write and set(marking.write) <= held):
                return insufficient_scope_response(marking.read)
        return None
    if marking.write:
        return None if set(marking.write) <= held else insufficient_scope_response(marking.write)
    return None if guarded else read_only_response()
