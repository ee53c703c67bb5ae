"""The OpenAPI paths of the token routes, the token's own, ``/meta`` and the document."""

from __future__ import annotations

from apispec import APISpec

from .. import schemas
from .common import CSRF, FORMAT, REVOKED, TOKEN_ID, content, error, operation


def add_paths(spec: APISpec, base: str) -> None:
    """Describe ``/meta``, ``/tokens/...`` and ``/openapi.json`` in ``spec``."""
    not_found = {"404": error("No such token (or another user's)")}
    token = {"200": content("Token", "The token"), **not_found}
    secret = {"201": content("TokenSecret", "The token and its secret, shown this once")}

    spec.path(
        f"{base}/meta",
        operations={
            "get": operation(
                "Settings for the page and a CSRF token", {"200": content("Meta", "Settings")}
            )
        },
    )
    spec.path(
        f"{base}/tokens",
        operations={
            "get": operation(
                "List the signed-in user's tokens",
                {"200": content("TokenList", "One page of tokens"), "422": error("Invalid query")},
                parameters=[{"in": "query", "schema": schemas.TokenListQuerySchema}],
            ),
            "post": operation(
                "Create a token",
                {
                    **secret,
                    "400": error("Not a JSON body"),
                    "409": error("Duplicate name or limit reached"),
                    "413": error("The body is over 64 KiB"),
                    "422": error("Invalid fields"),
                },
                parameters=[CSRF],
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": "TokenCreate"}},
                },
            ),
        },
    )

    spec.path(
        f"{base}/tokens/revoke-all",
        operations={
            "post": operation(
                "Revoke every live token of the signed-in user (session only)",
                {"200": REVOKED},
                parameters=[CSRF],
                security=[{"session": []}],
            )
        },
    )
    spec.path(
        f"{base}/tokens/self",
        operations={
            "get": operation(
                "The token that authenticated this request", {"200": content("Token", "The token")}
            )
        },
    )
    spec.path(
        f"{base}/tokens/self/rotate",
        operations={
            "post": operation(
                "Give the token that authenticated this request a new secret",
                {"201": content("TokenSecret", "The token and its new secret, shown this once")},
                security=[{"bearer": []}],
            )
        },
    )
    spec.path(
        f"{base}/tokens/{{token_id}}",
        parameters=[TOKEN_ID],
        operations={
            "get": operation("One token", token),
            "patch": operation(
                "Change a token's name, description, or both",
                {
                    **token,
                    "400": error("Not a JSON body"),
                    "409": error("Another of the user's tokens has this name"),
                    "422": error("Invalid fields, or neither field sent"),
                },
                parameters=[CSRF],
                requestBody={
                    "required": True,
                    "content": {"application/json": {"schema": "TokenEdit"}},
                },
            ),
            "delete": operation(
                "Delete a token for good",
                {"204": {"description": "Deleted"}, **not_found},
                parameters=[CSRF],
            ),
        },
    )
    for action, summary, answer in (
        ("revoke", "Revoke a token", token),
        ("restore", "Restore a revoked token", {**token, "409": error("The token has expired")}),
    ):
        spec.path(
            f"{base}/tokens/{{token_id}}/{action}",
            parameters=[TOKEN_ID],
            operations={"post": operation(summary, answer, parameters=[CSRF])},
        )
    spec.path(
        f"{base}/tokens/{{token_id}}/rotate",
        parameters=[TOKEN_ID],
        operations={
            "post": operation(
                "Give a token a new secret, for its own lifetime or a new one",
                {
                    **secret,
                    **not_found,
                    "400": error("Not a JSON body"),
                    "409": error(
                        "Revoked by an administrator or a user change (not_restorable), or a"
                        " concurrent rotation won (conflict)"
                    ),
                    "422": error("Invalid expiration"),
                },
                parameters=[CSRF],
                requestBody={
                    "required": False,
                    "content": {"application/json": {"schema": "Rotate"}},
                },
            )
        },
    )
    spec.path(
        f"{base}/tokens/{{token_id}}/ide/{{fmt}}",
        parameters=[TOKEN_ID, FORMAT],
        operations={
            "get": operation(
                "An IDE settings file for the token, its secret masked",
                {
                    "200": {
                        "description": "The file",
                        "content": {
                            "application/json": {"schema": {"type": "object"}},
                            "application/xml": {"schema": {"type": "string"}},
                        },
                    },
                    **not_found,
                    "409": error("An integration must be chosen, or the project is public"),
                    "422": error("Unknown integration or project"),
                },
                parameters=[{"in": "query", "schema": schemas.IdeQuerySchema}],
            )
        },
    )
    spec.path(
        f"{base}/openapi.json",
        operations={
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    )
