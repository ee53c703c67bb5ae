"""Least privilege (SPEC section 5): a token writes only where a scope says it may. On a
route that accepts tokens, an unsafe method needs a scope the route names (a scope
decorator, or the marking's ``write=``); everywhere else a token only reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask_login import current_user, login_required

import flask_pat
from flask_pat import accepts_tokens, scopes_required, token_scopes_required
from tests.conftest import bearer, sign_in

SCOPES = {
    "contacts:read": "Read contacts",
    "users:read": "Read users",
    "users:write": "Manage users",
}


def _host(host_app: Callable[..., Any], **config: Any) -> tuple[Flask, Any, Any]:
    app, db, pat, User = host_app(PAT_SCOPES=SCOPES, **config)
    users = Blueprint("users_api", __name__)
    plain = Blueprint("plain_api", __name__)

    # A framework's user-admin API: it checks roles, not scopes.
    @users.route("/users/", methods=["GET", "POST"])
    @login_required
    def users_view() -> Any:
        return {"user": current_user.get_id()}, 201

    @plain.route("/items/", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
    @login_required
    def items() -> Any:
        return {"ok": True}

    @plain.post("/guarded/")
    @token_scopes_required("users:write")
    @login_required
    def guarded() -> Any:
        return {"ok": True}

    @app.route("/marked/", methods=["GET", "POST"])
    @accepts_tokens
    @login_required
    def marked() -> Any:
        return {"ok": True}

    @app.route("/declared/", methods=["GET", "DELETE"])
    @accepts_tokens(read="users:read", write="users:write")
    @login_required
    def declared() -> Any:
        return {"ok": True}

    @app.route("/unmarked/", methods=["GET", "POST"])
    @login_required
    def unmarked() -> Any:
        return {"ok": True}

    @app.post("/scoped/")
    @scopes_required("contacts:read")
    def scoped() -> Any:
        return {"ok": True}

    app.register_blueprint(users, url_prefix="/admin-api")
    app.register_blueprint(plain, url_prefix="/api")
    pat.accepts_tokens(users, read="users:read", write="users:write")
    pat.accepts_tokens(plain)
    with app.app_context():
        user = User(email="admin@example.com")
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    return app, user, pat


def _token(app: Flask, user: Any, *scopes: str) -> str:
    name = " ".join(scopes) or "no scope"
    with app.app_context():
        _token, secret = flask_pat.service.create(user, name, ("days", 1), list(scopes), None)
    return secret


def _code(response: Any) -> str | None:
    body = response.get_json(silent=True) or {}
    return body.get("error", {}).get("code") if isinstance(body.get("error"), dict) else None


def test_a_read_scoped_token_cannot_write_to_an_opened_user_api(
    host_app: Callable[..., Any],
) -> None:
    app, user, _pat = _host(host_app)
    secret = _token(app, user, "contacts:read")
    client = app.test_client()
    created = client.post("/admin-api/users/", json={"roles": [1]}, headers=bearer(secret))
    assert created.status_code == 403
    assert _code(created) == "insufficient_scope"
    assert 'error="insufficient_scope"' in created.headers["WWW-Authenticate"]
    assert 'scope="users:write"' in created.headers["WWW-Authenticate"]
    # Reading needs users:read there, which it lacks too.
    assert client.get("/admin-api/users/", headers=bearer(secret)).status_code == 403


def test_the_blueprints_write_scope_lets_a_token_write_and_read(
    host_app: Callable[..., Any],
) -> None:
    app, user, _pat = _host(host_app)
    client = app.test_client()
    writer = _token(app, user, "users:write")
    reader = _token(app, user, "users:read")
    assert client.post("/admin-api/users/", headers=bearer(writer)).status_code == 201
    # read= also accepts a token holding the write scopes.
    assert client.get("/admin-api/users/", headers=bearer(writer)).status_code == 201
    assert client.get("/admin-api/users/", headers=bearer(reader)).status_code == 201
    assert client.post("/admin-api/users/", headers=bearer(reader)).status_code == 403


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_a_token_only_reads_where_no_scope_is_named_for_writing(
    host_app: Callable[..., Any], method: str
) -> None:
    app, user, _pat = _host(host_app)
    secret = _token(app, user, "contacts:read", "users:read", "users:write")
    client = app.test_client()
    assert client.get("/api/items/", headers=bearer(secret)).status_code == 200
    refused = client.open("/api/items/", method=method, headers=bearer(secret))
    assert refused.status_code == 403
    assert _code(refused) == "insufficient_scope"
    assert "for writing" in refused.get_json()["error"]["message"]
    assert client.post("/marked/", headers=bearer(secret)).status_code == 403
    # The same person signed in by session writes as before: scopes limit tokens.
    browser = sign_in(app, user)
    assert browser.open("/api/items/", method=method).status_code == 200


def test_scope_decorators_and_write_markings_open_writes(host_app: Callable[..., Any]) -> None:
    app, user, _pat = _host(host_app)
    client = app.test_client()
    contacts = _token(app, user, "contacts:read")
    writer = _token(app, user, "users:read", "users:write")
    reader = _token(app, user, "users:read")
    assert client.post("/scoped/", headers=bearer(contacts)).status_code == 200
    assert client.post("/api/guarded/", headers=bearer(writer)).status_code == 200
    assert client.post("/api/guarded/", headers=bearer(contacts)).status_code == 403
    assert client.delete("/declared/", headers=bearer(writer)).status_code == 200
    assert client.delete("/declared/", headers=bearer(reader)).status_code == 403
    assert client.get("/declared/", headers=bearer(reader)).status_code == 200
    assert client.get("/declared/", headers=bearer(contacts)).status_code == 403


def test_all_routes_mode_keeps_tokens_read_only_where_no_scope_is_named(
    host_app: Callable[..., Any],
) -> None:
    app, user, _pat = _host(host_app, PAT_TOKEN_ROUTES="all")
    secret = _token(app, user, "contacts:read", "users:read", "users:write")
    client = app.test_client()
    assert client.get("/unmarked/", headers=bearer(secret)).status_code == 200
    refused = client.post("/unmarked/", headers=bearer(secret))
    assert refused.status_code == 403 and _code(refused) == "insufficient_scope"
    assert client.post("/scoped/", headers=bearer(secret)).status_code == 200
    assert client.post("/admin-api/users/", headers=bearer(secret)).status_code == 201
    # A method the route does not have is routing's to answer.
    assert client.post("/declared/", headers=bearer(secret)).status_code == 405
    assert client.post("/nowhere/", headers=bearer(secret)).status_code == 404


def test_marking_arguments_are_checked(host_app: Callable[..., Any]) -> None:
    _app, _user, pat = _host(host_app)
    with pytest.raises(TypeError, match="write= takes a scope name"):
        accepts_tokens(write=[""])
    with pytest.raises(TypeError, match="read= takes a scope name"):
        pat.accepts_tokens(Blueprint("x", __name__), read=[1])
