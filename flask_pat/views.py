"""The token settings page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from . import admin, authentication, history, leaks_api  # noqa: F401  (routes join the API)
from .api import bp as api_bp

bp = Blueprint("pat", __name__, template_folder="templates", static_folder="static")
bp.register_blueprint(api_bp, url_prefix="/api")
bp.add_url_rule("/admin/", "admin", admin.page)


@bp.get("/")
def page() -> ResponseReturnValue:
    """The page where a signed-in user manages their tokens."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    if not authentication.allowed(current_user._get_current_object()):
        abort(403)
    response = current_app.make_response(
        render_template(
            "pat/tokens.html",
            base_template=current_app.config["PAT_BASE_TEMPLATE"],
            api_base=url_for("pat.api.meta").removesuffix("/meta"),
            # Not "csrf_token": that would hide Flask-WTF's csrf_token() from host templates.
            pat_csrf_token=generate_csrf(),
            page_title="Personal access tokens",
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response
