"""Errors raised by the service layer, each with the API error code that reports it."""

from __future__ import annotations

from .i18n import N_

#: The HTTP status of each error code.
STATUS = {
    "bad_request": 400,
    "bad_signature": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "csrf_failed": 403,
    "fresh_login_required": 403,
    "insufficient_scope": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "conflict": 409,
    "limit_reached": 409,
    "expired": 409,
    "not_restorable": 409,
    "integration_required": 409,
    "public_project": 409,
    "too_large": 413,
    "invalid": 422,
    "unavailable": 503,
    "not_installed": 503,
    "internal": 500,
}

#: What the API says for an HTTP error that carries werkzeug's own English description.
HTTP_MESSAGES = {
    400: N_("The request is malformed: check it and send it again."),
    401: N_("Sign in, or send a personal access token."),
    403: N_("You are not allowed to do this."),
    404: N_("No such API route."),
    413: N_("The request is too large."),
    415: N_("Send the body in a format this route takes."),
    429: N_("Too many requests: wait a moment and try again."),
}
#: Flask-WTF's CSRF messages, which the API passes on: here for the catalogues.
CSRF_MESSAGES = (
    N_("The CSRF token is missing."),
    N_("The CSRF session token is missing."),
    N_("The CSRF token is invalid."),
    N_("The CSRF token has expired."),
    N_("The CSRF tokens do not match."),
)


class PatError(Exception):
    """A request that cannot be carried out, and why, in words the user can act on."""

    def __init__(self, code: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields

    @property
    def status(self) -> int:
        return STATUS[self.code]


def invalid(field: str, message: str) -> PatError:
    """A 422 ``invalid`` error about one field."""
    return PatError("invalid", message, {field: [message]})


class Rejected(Exception):
    """A presented token that authenticates nobody; ``reason`` is safe to show its holder."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def error_body(
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    status: int | None = None,
) -> dict[str, object]:
    """The JSON body of every API error; ``status`` when the HTTP status is not the code's."""
    error: dict[str, object] = {"status": status or STATUS[code], "code": code, "message": message}
    if fields:
        error["fields"] = fields
    return {"error": error}


def database_message(error: BaseException) -> str:
    """What a database error says, for the log: the driver's own words ("no such table:
    ..."), first line only, without the SQL statement or its parameters."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else ''}".rstrip(": ")
