"""Sending a signed-out browser from flask-pat's pages to sign in: to ``PAT_LOGIN_URL``,
else to the host's ``login_view``; where neither leads anywhere (an app framework's
``login_view`` that names no endpoint), a plain 401 page and a warning naming the setting,
never a 500."""

from __future__ import annotations

import logging

from flask import current_app, redirect, request
from flask.typing import ResponseReturnValue
from flask_login import login_url
from werkzeug.routing import BuildError

from ..i18n import gettext as _
from .state import claimed

logger = logging.getLogger(__name__)


def ask_to_sign_in() -> ResponseReturnValue:
    """The answer to a signed-out request for one of flask-pat's pages."""
    login_manager = current_app.login_manager  # type: ignore[attr-defined]
    if claimed():
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    url = current_app.config["PAT_LOGIN_URL"]
    try:
        if url:
            return redirect(login_url(url, request.url))
        return login_manager.unauthorized()  # type: ignore[no-any-return]
    except BuildError as error:
        setting = "PAT_LOGIN_URL" if url else "login_view"
        logger.warning(
            "flask-pat: signed-out visitors of %s cannot be sent to sign in: %s %r names no"
            " endpoint (%s). Set PAT_LOGIN_URL to the URL of the app's sign-in page.",
            request.path,
            setting,
            url or login_manager.login_view,
            error.endpoint,
        )
    response = current_app.response_class(
        _("Sign in to see this page."), status=401, mimetype="text/plain"
    )
    response.headers["Cache-Control"] = "no-store"
    return response
