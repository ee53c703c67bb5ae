"""What the API says of itself: ``/meta`` (the page's settings), ``/openapi.json``, and
JSON answers for unknown routes."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from .. import context, ide, rules
from ..config import PAGE_SIZES
from ..errors import PatError
from ..i18n import gettext as _
from . import bp
from .schemas import MetaSchema


@bp.get("/meta")
def meta() -> ResponseReturnValue:
    """The page's settings and a CSRF token."""
    config = current_app.config
    unit, value = config["PAT_DEFAULT_EXPIRATION"]
    max_lifetime: timedelta | None = config["PAT_MAX_LIFETIME"]
    warning: timedelta = config["PAT_EXPIRY_WARNING"]
    user = current_user._get_current_object()
    data = {
        "csrf_token": generate_csrf(),
        "now": context.utcnow(),
        "expiration_units": list(config["PAT_EXPIRATION_UNITS"]),
        "default_expiration": {"unit": unit, "value": value},
        "max_lifetime_seconds": None if max_lifetime is None else int(max_lifetime.total_seconds()),
        "expiry_warning_seconds": int(warning.total_seconds()),
        "scopes": [
            {"name": name, "description": text} for name, text in config["PAT_SCOPES"].items()
        ],
        "page_sizes": list(PAGE_SIZES),
        "integrations": rules.integrations_for(user),
        "projects": rules.projects_for(user) or [],
        "ide_formats": [
            {"id": f.id, "label": f.label, "filename": f.filename}
            for f in ide.offered_formats().values()
        ],
    }
    response = jsonify(MetaSchema().dump(data))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/openapi.json")
def openapi() -> ResponseReturnValue:
    """The OpenAPI 3 document of this API."""
    from .openapi import build_spec

    return jsonify(build_spec(url_for("pat.api.meta").removesuffix("/meta")))


@bp.route("/", defaults={"_rest": ""}, methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
@bp.route("/<path:_rest>", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def not_found(_rest: str) -> ResponseReturnValue:
    """Unknown API routes, and known ones with another method, answer JSON too."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    allowed = []
    for method in ("GET", "POST", "PATCH", "DELETE"):
        try:
            endpoint, _values = adapter.match(method=method)
        except (NotFound, MethodNotAllowed, HTTPException):
            continue
        if endpoint != "pat.api.not_found":
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise PatError("not_found", _("No such API route."))
