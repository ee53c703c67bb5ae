"""Errors raised by the service layer, each with the API error code that reports it."""

from __future__ import annotations

#: The HTTP status of each error code.
STATUS = {
    "bad_request": 400,
    "bad_signature": 400,
    "unauthorized": 401,
    "forbidden": 403,
    "csrf_failed": 403,
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
