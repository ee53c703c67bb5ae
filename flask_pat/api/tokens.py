"""The signed-in user's tokens: ``/tokens`` and ``/tokens/<id>/...``."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from .. import editing, listing, revocations, rights, service
from ..errors import PatError
from ..i18n import gettext as _
from ..signin.marking import current_token
from . import (
    bp,
    dump,
    dumper,
    json_body,
    load,
    optional_json_body,
    readable,
    request_started,
    token_id_of,
    with_secret,
)
from .freshness import fresh_login_required
from .schemas import RotateSchema, TokenCreateSchema, TokenEditSchema, TokenListQuerySchema


@bp.get("/tokens")
def list_tokens() -> ResponseReturnValue:
    """A page of the signed-in user's tokens."""
    args = load(TokenListQuerySchema(), request.args.to_dict())
    page = listing.list_tokens(current_user, **args)
    return {
        "items": dumper(many=True).dump(page.items),
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
        "pages": page.pages,
    }


@bp.post("/tokens")
@fresh_login_required
def create_token() -> ResponseReturnValue:
    """Create a token; the answer holds its secret, shown this once."""
    data = load(TokenCreateSchema(), json_body())
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
        description=data["description"],
        actor=_actor(),
    )
    return with_secret(token, secret)


@bp.post("/tokens/revoke-all")
@fresh_login_required
def revoke_all_tokens() -> ResponseReturnValue:
    """Revoke every live token of the signed-in user (from a session only), for an account
    that may have been taken over; answers how many."""
    if current_token:
        raise PatError(
            "forbidden",
            _("A token cannot revoke all tokens: sign in to the page to revoke them all."),
        )
    return {"revoked": revocations.revoke_all(current_user._get_current_object())}


@bp.get("/tokens/<token_id>")
def get_token(token_id: str) -> ResponseReturnValue:
    return dump(readable(token_id))


@bp.patch("/tokens/<token_id>")
def edit_token(token_id: str) -> ResponseReturnValue:
    """Change a token's name, description, or both."""
    data = load(TokenEditSchema(), json_body())
    token = _target(token_id, "edit")
    user = current_user._get_current_object()
    return dump(editing.edit(user, token, **data, actor=_actor()))


def _actor() -> str:
    return "token" if current_token else "owner"


def _target(token_id: str, action: str, expiration: tuple[object, object] | None = None) -> Any:
    """The user's token ``token_id``, which a token acting here must have rights over."""
    token = service.get(current_user, token_id_of(token_id))
    if current_token:
        rights.check_action(current_token, token, action, expiration)
    return token


@bp.post("/tokens/<token_id>/revoke")
@fresh_login_required
def revoke_token(token_id: str) -> ResponseReturnValue:
    token = _target(token_id, "revoke")
    return dump(service.revoke(current_user._get_current_object(), token, actor=_actor()))


@bp.post("/tokens/<token_id>/restore")
@fresh_login_required
def restore_token(token_id: str) -> ResponseReturnValue:
    token = _target(token_id, "restore")
    return dump(service.restore(current_user._get_current_object(), token, actor=_actor()))


@bp.post("/tokens/<token_id>/rotate")
@fresh_login_required
def rotate_token(token_id: str) -> ResponseReturnValue:
    """A new secret; the body may choose a new lifetime (by default the token's own)."""
    data = load(RotateSchema(), optional_json_body() or {})
    expiration = data["expiration"]
    expires = None if expiration is None else (expiration["unit"], expiration["value"])
    token = _target(token_id, "rotate", expires)
    user = current_user._get_current_object()
    token, secret = service.rotate(
        user, token, actor=_actor(), expiration=expires, started=request_started()
    )
    return with_secret(token, secret)


@bp.delete("/tokens/<token_id>")
@fresh_login_required
def delete_token(token_id: str) -> ResponseReturnValue:
    token = _target(token_id, "delete")
    service.delete(current_user._get_current_object(), token, actor=_actor())
    return "", 204
