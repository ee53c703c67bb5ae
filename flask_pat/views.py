"""The token settings page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from . import admin, authentication, history, leaks_api  # noqa: F401  (routes join the API)
from .api import bp as api_bp

bp = Blueprint("pat", __name__, template_folder="templates", static_folder="static")
bp.register_blueprint(api_bp, url_prefix="/api")
bp.add_url_rule("/admin/", "admin", admin.page)

#: What the page's scripts get when no catalogue is available: English, as written.
ENGLISH_CATALOG: dict[str, Any] = {"locale": "en", "plural_forms": 2, "messages": {}}


def _identity(message: str, **variables: Any) -> str:
    return message % variables if variables else message


def page_i18n() -> tuple[Any, dict[str, Any]]:
    """flask-pat's gettext for a page's template, and the catalogue for its scripts
    (with :func:`page_context`, what the admin page needs too)."""
    try:
        from . import i18n  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return _identity, ENGLISH_CATALOG
    gettext = getattr(i18n, "gettext", _identity)
    js_catalog = getattr(i18n, "js_catalog", None)
    return gettext, js_catalog() if js_catalog is not None else ENGLISH_CATALOG


def _csp_nonce() -> str | None:
    """Flask-Talisman's nonce for this request, where the host uses one."""
    csp_nonce = current_app.jinja_env.globals.get("csp_nonce")
    return str(csp_nonce()) if callable(csp_nonce) else None


def page_context(title: str, gettext: Any, catalog: dict[str, Any]) -> dict[str, Any]:
    """The variables of a flask-pat page: ``title``/``page_title`` for the host's base
    template, ``_`` where the app has none, and the rest named ``pat_...``."""
    context: dict[str, Any] = {
        "title": title,
        "page_title": title,
        "pat_base_template": current_app.config["PAT_BASE_TEMPLATE"],
        "pat_api_base": url_for("pat.api.meta").removesuffix("/meta"),
        # Not "csrf_token": that would hide Flask-WTF's csrf_token() from host templates.
        "pat_csrf_token": generate_csrf(),
        "pat_theme": current_app.config["PAT_THEME"],
        "pat_csp_nonce": _csp_nonce(),
        "pat_i18n": catalog,
        "pat_gettext": gettext,
    }
    if "_" not in current_app.jinja_env.globals:
        context["_"] = gettext
    return context


@bp.get("/")
def page() -> ResponseReturnValue:
    """The page where a signed-in user manages their tokens."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()  # type: ignore[attr-defined,no-any-return]
    if not authentication.allowed(current_user._get_current_object()):
        abort(403)
    gettext, catalog = page_i18n()
    title = gettext("Personal access tokens")
    response = current_app.make_response(
        render_template("pat/tokens.html", **page_context(title, gettext, catalog))
    )
    response.headers["Cache-Control"] = "no-store"
    return response
