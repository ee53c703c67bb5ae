"""``PAT_REQUIRE_FRESH_LOGIN``: GitHub's "sudo mode" for the actions that make, change or
stop secrets. A session signed in long ago (Flask-Login's remember cookie) must sign in
again first; the answer tells the page where (the host's ``refresh_view``) and back."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import current_app, jsonify, request, session, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_login import login_fresh
from flask_login.signals import user_needs_refresh
from flask_login.utils import expand_login_view, login_url, make_next_param

from ..errors import STATUS, error_body
from ..i18n import gettext as _
from ..signin.marking import current_token

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])

#: The error code of a request that needs a fresh sign-in.
CODE = "fresh_login_required"


def fresh_login_required(view: F) -> F:
    """An API route that, with ``PAT_REQUIRE_FRESH_LOGIN``, a session must have signed in
    to freshly (a token acting under ``PAT_ALLOW_TOKEN_MANAGEMENT`` is not a session)."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        required = current_app.config["PAT_REQUIRE_FRESH_LOGIN"]
        if required and not current_token and not login_fresh():
            return stale_login_response()
        return view(*args, **kwargs)

    return checked  # type: ignore[return-value]


def _back_to() -> str:
    """Where the person should land after signing in again: the flask-pat page that sent
    this request (with its query string), else the tokens page."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    page = url_for("pat.page")
    if parts.netloc == request.host and parts.path.startswith(page.rstrip("/")):
        return referrer
    admin = url_for("pat.admin")
    return request.host_url.rstrip("/") + (admin if "/admin/" in request.path else page)


def refresh_url() -> str | None:
    """The host's ``refresh_view`` (else its ``login_view``) with the way back; ``None``
    when the host has neither."""
    manager = getattr(current_app, "login_manager", None)
    view = getattr(manager, "refresh_view", None) or getattr(manager, "login_view", None)
    if not view:
        return None
    back = _back_to()
    if current_app.config.get("USE_SESSION_FOR_NEXT", False):
        # As Flask-Login's own needs_refresh: the way back kept in the session.
        session["next"] = make_next_param(expand_login_view(view), back)
        return str(expand_login_view(view))
    return str(login_url(view, next_url=back))


def stale_login_response() -> Response:
    """403 ``fresh_login_required``, with ``refresh_url`` in the error object."""
    user_needs_refresh.send(current_app._get_current_object())  # type: ignore[attr-defined]
    body = error_body(CODE, _("Sign in again to confirm it is you, then try once more."))
    body["error"]["refresh_url"] = refresh_url()  # type: ignore[index]
    response = jsonify(body)
    response.status_code = STATUS[CODE]
    return response
