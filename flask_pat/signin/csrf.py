"""The host's Flask-WTF ``CSRFProtect``: skipped only for requests a flask-pat token signed
in, which carry no cookie a forged form could ride on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, abort, g
from flask_wtf.csrf import CSRFError

from .challenges import unauthorized_response
from .state import current


def wrap(app: Flask, decide: Callable[[], Any]) -> None:
    """Wrap the host's ``CSRFProtect.protect`` once, and exempt flask-pat's API from it
    (the API checks its own ``X-CSRF-Token`` and answers in JSON); ``decide`` settles the
    request's token."""
    csrf = app.extensions.get("csrf")
    if csrf is None or getattr(csrf, "_pat_wrapped", False):
        return
    protect = csrf.protect

    def protect_unless_token(*args: Any, **kwargs: Any) -> Any:
        state = current()
        if state is None or state.credential is None:
            return protect(*args, **kwargs)
        decide()
        if state.authenticated:
            # As CSRFProtect does after its check, so the host's FlaskForms skip theirs.
            g.csrf_valid = True
            return None
        try:
            return protect(*args, **kwargs)
        except CSRFError:
            if state.error is not None:
                raise
            # A token request has an empty session, so where the check applies it can only
            # fail: say why the token signs nobody in here, which its client needs to know.
            # Where it does not apply (a safe method, an exempt view) the host answers.
            abort(unauthorized_response(state.refusal))

    csrf.protect = protect_unless_token
    csrf.exempt(app.blueprints["pat.api"])
    csrf._pat_wrapped = True
