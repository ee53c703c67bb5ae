"""The OpenAPI paths of the audit trail and the admin inventory."""

from __future__ import annotations

from typing import Any

from apispec import APISpec

from .. import schemas
from .common import CSRF, REVOKED, TOKEN_ID, content, error, operation


def add_paths(spec: APISpec, base: str) -> None:
    """Describe ``/tokens/{id}/events`` and the ``/admin/...`` routes in ``spec``."""
    for name in ("Event", "EventList", "AdminToken", "AdminTokenList"):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))

    not_found = {"404": error("No such token (or another user's)")}
    invalid = {"422": error("Invalid query")}
    forbidden = {"403": error("Not an administrator, a token, or the CSRF check failed")}
    spec.path(
        f"{base}/tokens/{{token_id}}/events",
        parameters=[TOKEN_ID],
        operations={
            "get": operation(
                "A token's audit trail, newest first",
                {"200": content("EventList", "One page of events"), **not_found, **invalid},
                parameters=[{"in": "query", "schema": schemas.PageQuerySchema}],
            )
        },
    )
    admin: dict[str, Any] = {"security": [{"session": []}]}
    spec.path(
        f"{base}/admin/tokens",
        operations={
            "get": operation(
                "Every user's tokens (administrators)",
                {"200": content("AdminTokenList", "One page of tokens"), **invalid, **forbidden},
                parameters=[{"in": "query", "schema": schemas.AdminTokenQuerySchema}],
                **admin,
            )
        },
    )
    spec.path(
        f"{base}/admin/tokens/{{token_id}}/revoke",
        parameters=[TOKEN_ID],
        operations={
            "post": operation(
                "Revoke any user's token (administrators); its owner cannot restore it",
                {"200": content("AdminToken", "The token"), **not_found, **forbidden},
                parameters=[CSRF],
                **admin,
            )
        },
    )
    spec.path(
        f"{base}/admin/users/{{user}}/revoke-all",
        parameters=[
            {
                "name": "user",
                "in": "path",
                "required": True,
                "description": "The user's primary key",
                "schema": {"type": "string"},
            }
        ],
        operations={
            "post": operation(
                "Revoke every live token of a user (administrators); the owner cannot restore them",
                {"200": REVOKED, "404": error("No such user"), **invalid, **forbidden},
                parameters=[CSRF],
                **admin,
            )
        },
    )
    spec.path(
        f"{base}/admin/events",
        operations={
            "get": operation(
                "Everyone's audit trail, deleted tokens' too, newest first (administrators)",
                {"200": content("EventList", "One page of events"), **invalid, **forbidden},
                parameters=[{"in": "query", "schema": schemas.AdminEventQuerySchema}],
                **admin,
            )
        },
    )
