"""The pages: the token settings page and the admin inventory, on the blueprint `pat`
that carries the JSON API at `/api`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from . import database_errors, inventory
from .api import admin, history, ide, leaks, meta, self_token, tokens  # noqa: F401 (their routes)
from .api import bp as api_bp
from .listing import STATUSES
from .settings.defaults import PAGE_SIZES
from .signin.login_page import ask_to_sign_in
from .signin.lookup import allowed
from .signin.marking import current_token

bp = Blueprint("pat", __name__, template_folder="templates", static_folder="static")
bp.register_blueprint(api_bp, url_prefix="/api")

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
    context.update(host_context())
    return context


def host_context() -> dict[str, Any]:
    """What ``PAT_TEMPLATE_CONTEXT`` returns for the host's base template (``pat_...``
    names stay flask-pat's)."""
    make = current_app.config["PAT_TEMPLATE_CONTEXT"]
    if make is None:
        return {}
    extra = make()
    if not isinstance(extra, Mapping):
        raise TypeError(f"PAT_TEMPLATE_CONTEXT must return a dict; it returned {extra!r}.")
    return {key: value for key, value in extra.items() if not str(key).startswith("pat_")}


@bp.get("/")
def page() -> ResponseReturnValue:
    """The page where a signed-in user manages their tokens."""
    if not current_user.is_authenticated:
        return ask_to_sign_in()
    if not allowed(current_user._get_current_object()):
        gettext, catalog = page_i18n()
        context = page_context(gettext("Not allowed"), gettext, catalog)
        body = render_template("pat/not_allowed.html", **context)
        return body, 403, {"Cache-Control": "no-store", "X-Frame-Options": "SAMEORIGIN"}
    not_installed = database_errors.page_not_installed()
    if not_installed is not None:
        return not_installed
    gettext, catalog = page_i18n()
    title = gettext("Personal access tokens")
    response = current_app.make_response(
        render_template("pat/tokens.html", **page_context(title, gettext, catalog))
    )
    response.headers["Cache-Control"] = "no-store"
    # Not to be framed by other sites (clickjacking), unless the host says otherwise.
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


@bp.get("/admin/", endpoint="admin")
def admin_page() -> ResponseReturnValue:
    """The admin inventory page: 403 for anyone who is not an administrator."""
    if not current_token and not current_user.is_authenticated:
        return ask_to_sign_in()
    gettext, catalog = page_i18n()
    if current_token or not inventory.is_admin(current_user):
        context = page_context(gettext("Not allowed"), gettext, catalog)
        body = render_template("pat/admin_forbidden.html", **context)
        return body, 403, {"Cache-Control": "no-store", "X-Frame-Options": "SAMEORIGIN"}
    context = page_context(gettext("Token inventory"), gettext, catalog)
    response = current_app.make_response(
        render_template("pat/admin.html", **context, statuses=STATUSES, page_sizes=PAGE_SIZES)
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response
