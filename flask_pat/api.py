"""The JSON API behind the page: ``<PAT_URL_PREFIX>/api/...``.

Each route parses with a schema, calls the service, and dumps with a schema. Every error,
whatever its cause, answers JSON.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_login import current_user
from flask_wtf.csrf import generate_csrf, validate_csrf
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import ObjectDeletedError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, RequestEntityTooLarge
from wtforms.validators import ValidationError as CSRFError

from . import authentication, context, database_errors, ide, listing, rights, rules, service
from .auth import current_token, unauthorized_response, uses_token
from .config import PAGE_SIZES
from .errors import HTTP_MESSAGES, STATUS, PatError, error_body
from .i18n import gettext as _
from .schemas import (
    MetaSchema,
    TokenCreateSchema,
    TokenListQuerySchema,
    TokenSchema,
)

logger = logging.getLogger(__name__)

bp = Blueprint("api", __name__)

#: Routes a token may call whatever ``PAT_ALLOW_TOKEN_MANAGEMENT`` says.
PUBLIC_ENDPOINTS = {
    "pat.api.openapi",
    "pat.api.token_self",
    "pat.api.token_self_rotate",
    "pat.api.not_found",
}
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_ID = re.compile(r"[1-9][0-9]{0,18}")
_MAX_ID = 2**63 - 1
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found"}


def error_response(
    code: str,
    message: str,
    fields: Mapping[str, list[str]] | None = None,
    status: int | None = None,
) -> Response:
    status = status or STATUS[code]
    response = jsonify(error_body(code, message, dict(fields) if fields else None, status))
    response.status_code = status
    return response


@bp.errorhandler(PatError)
def _pat_error(error: PatError) -> Response:
    if isinstance(error, rights.ScopeError):
        return error.response()
    return error_response(error.code, error.message, error.fields)


@bp.errorhandler(ValidationError)
def _validation_error(error: ValidationError) -> Response:
    messages = error.messages if isinstance(error.messages, dict) else {"_schema": error.messages}
    fields = {key: _flatten(value) for key, value in messages.items()}
    return error_response("invalid", _("Check the highlighted fields."), fields)


def _flatten(value: Any) -> list[str]:
    if isinstance(value, str):
        return [_(value)]  # marshmallow's own messages are in the catalogues
    if isinstance(value, dict):
        return [f"{key}: {text}" for key, inner in value.items() for text in _flatten(inner)]
    return [text for inner in value for text in _flatten(inner)]


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = _HTTP_CODES.get(status, "bad_request" if status < 500 else "internal")
    if isinstance(error, MethodNotAllowed):
        response = error_response(
            "method_not_allowed", _("This route does not take that method."), status=405
        )
        response.headers["Allow"] = ", ".join(error.valid_methods or [])
        return response
    description = error.description or ""
    if description == type(error).description or not description:  # werkzeug's English
        description = HTTP_MESSAGES.get(status, HTTP_MESSAGES[400])
    return error_response(code, _(description), status=status)


@bp.errorhandler(ObjectDeletedError)
def _deleted_meanwhile(error: ObjectDeletedError) -> Response:
    # Another request deleted the token while this one was changing or answering it.
    current_app.extensions["pat"].db.session.rollback()
    return error_response("not_found", _("No such token: it may have been deleted."))


@bp.errorhandler(SQLAlchemyError)
def _database_error(error: SQLAlchemyError) -> Response:
    return database_errors.json_response(error)


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception) -> Response:
    logger.exception("flask-pat: unexpected error")
    return error_response("internal", _("Something went wrong on our side: try again."))


@bp.before_request
def _check_access() -> ResponseReturnValue | None:
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_token:
        if not current_app.config["PAT_ALLOW_TOKEN_MANAGEMENT"]:
            return error_response(
                "forbidden",
                _("Personal access tokens cannot manage tokens: sign in to the page instead."),
            )
        return None
    if uses_token() or not current_user.is_authenticated:
        return unauthorized_response()
    if not authentication.allowed(current_user._get_current_object()):
        return error_response(
            "forbidden", _("Your account may not use personal access tokens here.")
        )
    if request.method in UNSAFE_METHODS:
        try:
            validate_csrf(request.headers.get("X-CSRF-Token"))
        except CSRFError as error:
            return error_response(
                "csrf_failed",
                _(
                    "%(reason)s Reload the page, or fetch a fresh csrf_token from /api/meta.",
                    reason=_(str(error)),
                ),
            )
    return None


def _json_body() -> Any:
    if not request.is_json:
        raise PatError(
            "bad_request", _("Send a JSON body with the header Content-Type: application/json.")
        )
    try:
        return request.get_json()
    except RequestEntityTooLarge:
        raise  # valid JSON maybe, but over the host's MAX_CONTENT_LENGTH: 413
    except (HTTPException, ValueError, RecursionError):
        raise PatError("bad_request", _("The body is not valid JSON.")) from None


def _load(schema: Schema, data: Any) -> dict[str, Any]:
    result: dict[str, Any] = schema.load(data)
    return result


def _token_id(raw: str) -> int:
    if not _ID.fullmatch(raw) or int(raw) > _MAX_ID:
        raise PatError("not_found", _("No such token: it may have been deleted."))
    return int(raw)


def _dump(token: Any) -> dict[str, Any]:
    return _dumper().dump(token)  # type: ignore[no-any-return]


def _dumper(many: bool = False) -> TokenSchema:
    warning: timedelta = current_app.config["PAT_EXPIRY_WARNING"]
    return TokenSchema(many=many, now=context.utcnow(), warning_seconds=warning.total_seconds())


def _with_secret(token: Any, secret: str) -> Response:
    response = jsonify({"token": _dump(token), "secret": secret})
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


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


@bp.get("/tokens")
def list_tokens() -> ResponseReturnValue:
    """A page of the signed-in user's tokens."""
    args = _load(TokenListQuerySchema(), request.args.to_dict())
    page = listing.list_tokens(current_user, **args)
    return {
        "items": _dumper(many=True).dump(page.items),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


@bp.post("/tokens")
def create_token() -> ResponseReturnValue:
    """Create a token; the answer holds its secret, shown this once."""
    data = _load(TokenCreateSchema(), _json_body())
    expiration = data["expiration"]
    expires = None if expiration is None else (expiration["unit"], expiration["value"])
    if current_token:
        rights.check_create(current_token, data["scopes"], expires)
    token, secret = service.create(
        current_user._get_current_object(),
        data["name"],
        expires,
        data["scopes"],
        data["project_id"],
        actor=_actor(),
    )
    return _with_secret(token, secret)


@bp.get("/tokens/<token_id>")
def get_token(token_id: str) -> ResponseReturnValue:
    return _dump(service.get(current_user, _token_id(token_id)))


def _actor() -> str:
    return "token" if current_token else "owner"


def _target(token_id: str, action: str) -> Any:
    """The user's token ``token_id``, which a token acting here must have rights over."""
    token = service.get(current_user, _token_id(token_id))
    if current_token:
        rights.check_action(current_token, token, action)
    return token


@bp.post("/tokens/<token_id>/revoke")
def revoke_token(token_id: str) -> ResponseReturnValue:
    token = _target(token_id, "revoke")
    return _dump(service.revoke(current_user._get_current_object(), token, actor=_actor()))


@bp.post("/tokens/<token_id>/restore")
def restore_token(token_id: str) -> ResponseReturnValue:
    token = _target(token_id, "restore")
    return _dump(service.restore(current_user._get_current_object(), token, actor=_actor()))


@bp.post("/tokens/<token_id>/rotate")
def rotate_token(token_id: str) -> ResponseReturnValue:
    token = _target(token_id, "rotate")
    token, secret = service.rotate(current_user._get_current_object(), token, actor=_actor())
    return _with_secret(token, secret)


@bp.delete("/tokens/<token_id>")
def delete_token(token_id: str) -> ResponseReturnValue:
    token = _target(token_id, "delete")
    service.delete(current_user._get_current_object(), token, actor=_actor())
    return "", 204


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
    for method in ("GET", "POST", "DELETE"):
        try:
            endpoint, _values = adapter.match(method=method)
        except (NotFound, MethodNotAllowed, HTTPException):
            continue
        if endpoint != "pat.api.not_found":
            allowed.append(method)
    if allowed:
        raise MethodNotAllowed(valid_methods=allowed)
    raise PatError("not_found", _("No such API route."))


# The routes of the token presenting itself.
from . import ide_api, self_api  # noqa: E402, F401
