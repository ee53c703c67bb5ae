"""The JSON API behind the page: ``<PAT_URL_PREFIX>/api/...``.

This module holds the blueprint, its access check and its JSON error answers; the routes
are one module per resource (``tokens``, ``self_token``, ``ide``, ``history``, ``admin``,
``leaks``, ``meta``), none importing another, with the request and answer ``schemas``, the
body caps (``bodies``) and the ``openapi`` document beside them. Each route parses with a
schema, calls the service, and dumps with a schema. Every error, whatever its cause,
answers JSON.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from flask.wrappers import Response
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from marshmallow import Schema, ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.exc import ObjectDeletedError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from wtforms.validators import ValidationError as CSRFError

from .. import context, database_errors, reuse, rights, service
from .. import tokens as token_text
from ..errors import HTTP_MESSAGES, STATUS, PatError, error_body
from ..i18n import gettext as _
from ..signin import lookup as authentication
from ..signin.challenges import insufficient_scope_response
from ..signin.marking import current_token, unauthorized_response, uses_token
from ..signin.state import current as request_state
from .schemas import TokenSchema

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
        return insufficient_scope_response(error.missing)
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


#: Routes where a rotated-out secret is not a management request (no reuse detection).
NOT_MANAGEMENT = {
    "pat.api.openapi",
    "pat.api.not_found",
    "pat.api.leaks_github",
    "pat.api.credentials_revoke",
}


@bp.before_request
def _check_access() -> ResponseReturnValue | None:
    g.pat_request_started = context.utcnow()
    _detect_reuse()
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


def _detect_reuse() -> None:
    """A management request (one that changes tokens: a self-rotation, a revoke...)
    presenting a rotated-out secret stops its token (``reused``); it is answered as any
    unknown token is. Reading with an old secret (a client not yet updated) only fails."""
    state = request_state()
    if (
        request.method in UNSAFE_METHODS
        and state is not None
        and state.rejection == "unknown"
        and state.credential
        and request.endpoint not in NOT_MANAGEMENT
    ):
        reuse.detect(token_text.digest(state.credential))


def request_started() -> datetime:
    """When this API request began: a rotation committed since was concurrent with it."""
    started: datetime = g.pat_request_started
    return started


def json_body() -> Any:
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


def optional_json_body() -> Any:
    """The JSON body, or ``None`` when the request has none (an empty body)."""
    if not request.get_data(cache=True):
        return None
    return json_body()


def load(schema: Schema, data: Any) -> dict[str, Any]:
    result: dict[str, Any] = schema.load(data)
    return result


def token_id_of(raw: str) -> int:
    if not _ID.fullmatch(raw) or int(raw) > _MAX_ID:
        raise PatError("not_found", _("No such token: it may have been deleted."))
    return int(raw)


def readable(token_id: str) -> Any:
    """The signed-in user's token ``token_id``, which a token reading it here (with
    ``PAT_ALLOW_TOKEN_MANAGEMENT``) must have rights over: 403 for a wider one."""
    token = service.get(current_user, token_id_of(token_id))
    if current_token:
        rights.check_read(current_token, token)
    return token


def dump(token: Any) -> dict[str, Any]:
    return dumper().dump(token)  # type: ignore[no-any-return]


def dumper(many: bool = False) -> TokenSchema:
    warning: timedelta = current_app.config["PAT_EXPIRY_WARNING"]
    return TokenSchema(many=many, now=context.utcnow(), warning_seconds=warning.total_seconds())


def with_secret(token: Any, secret: str) -> Response:
    response = jsonify({"token": dump(token), "secret": secret})
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response
