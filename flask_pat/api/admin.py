"""The admin inventory's routes: ``<prefix>/admin/`` and ``<prefix>/api/admin/...``.

Only a user signed in by session for whom ``PAT_ADMIN(user)`` is true gets through; a token
never acts as an admin. The rules (what is listed, how a token is revoked) are in
:mod:`flask_pat.inventory` and :mod:`flask_pat.events`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from marshmallow import Schema

from .. import context, events, inventory
from ..i18n import gettext as _
from ..signin.marking import current_token
from . import bp, error_response, token_id_of
from .freshness import fresh_login_required
from .schemas import (
    AdminEventQuerySchema,
    AdminTokenQuerySchema,
    AdminTokenSchema,
    EventSchema,
)

F = TypeVar("F", bound=Callable[..., ResponseReturnValue])


def _refusal() -> ResponseReturnValue | None:
    """Why this request may not use the inventory, as an API error; ``None``: it may."""
    if current_token:
        return error_response(
            "forbidden", _("Personal access tokens cannot use the admin inventory: sign in.")
        )
    if not inventory.is_admin(current_user):
        return error_response("forbidden", _("Only administrators may use the admin inventory."))
    return None


def admin_only(view: F) -> F:
    """A route of the JSON API (its sign-in, CSRF and JSON errors apply first) that only an
    administrator signed in by session may call."""

    @wraps(view)
    def checked(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        refusal = _refusal()
        return refusal if refusal is not None else view(*args, **kwargs)

    return checked  # type: ignore[return-value]


def _paged(page: Any, schema: Schema) -> dict[str, Any]:
    return {
        "items": schema.dump(page.items),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


def _inventory_page(page: Any, schema: Schema) -> dict[str, Any]:
    return {**_paged(page, schema), "total_exact": page.total_exact}


def _token_schema(many: bool = False) -> AdminTokenSchema:
    warning = current_app.config["PAT_EXPIRY_WARNING"]
    return AdminTokenSchema(
        many=many, now=context.utcnow(), warning_seconds=warning.total_seconds()
    )


@bp.get("/admin/tokens")
@admin_only
def admin_tokens() -> ResponseReturnValue:
    """A page of every user's tokens, with their owners."""
    args = AdminTokenQuerySchema().load(request.args.to_dict())
    return _inventory_page(inventory.list_all_tokens(**args), _token_schema(many=True))


@bp.post("/admin/tokens/<token_id>/revoke")
@admin_only
@fresh_login_required
def admin_revoke(token_id: str) -> ResponseReturnValue:
    """Revoke any user's token; its owner cannot restore it."""
    return _token_schema().dump(inventory.revoke(token_id_of(token_id)))  # type: ignore[no-any-return]


@bp.post("/admin/users/<user>/revoke-all")
@admin_only
def admin_revoke_all(user: str) -> ResponseReturnValue:
    """Revoke every live token of a user (reason ``admin``), for an account taken over;
    answers how many."""
    return {"revoked": inventory.revoke_all(user)}


@bp.get("/admin/events")
@admin_only
def admin_events() -> ResponseReturnValue:
    """Everyone's audit trail, newest first, deleted tokens' included."""
    args = AdminEventQuerySchema().load(request.args.to_dict())
    user = args.pop("user")
    page = events.list_events(
        token_id=args.pop("token"),
        user_id=None if not user else inventory.user_key(user),
        **args,
    )
    return _paged(page, EventSchema(many=True))
