"""The pieces every part of the OpenAPI document uses: path parameters, error answers."""

from __future__ import annotations

from typing import Any

TOKEN_ID = {
    "name": "token_id",
    "in": "path",
    "required": True,
    "description": "The token's id",
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
}
FORMAT = {
    "name": "fmt",
    "in": "path",
    "required": True,
    "description": "An IDE format id from /meta",
    "schema": {"type": "string"},
}
CSRF = {
    "name": "X-CSRF-Token",
    "in": "header",
    "required": False,
    "description": "The csrf_token from /meta; needed when signed in by session.",
    "schema": {"type": "string"},
}


def error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": "Error"}}}


def content(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "401": error("Not signed in, or the token is not valid"),
    "403": error(
        "Forbidden, CSRF check failed, insufficient scope, or a fresh sign-in needed"
        " (fresh_login_required, with refresh_url)"
    ),
    "503": error("The database is unavailable"),
}


def operation(summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {**responses, **ERRORS}, **extra}


#: The answer of the revoke-all routes.
REVOKED = {
    "description": "How many tokens were revoked now",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "properties": {"revoked": {"type": "integer", "minimum": 0}},
                "required": ["revoked"],
            }
        }
    },
}
