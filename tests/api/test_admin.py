"""The admin inventory (SPEC section 10): who may use it, every user's tokens, an admin's
revocation, and everyone's audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_wtf.csrf import CSRFProtect

from flask_pat import service, signals
from tests.conftest import ApiClient, _add_user, bearer, sign_in

PREFIX = "/settings/tokens"
API = f"{PREFIX}/api"


def is_admin(user: Any) -> bool:
    return bool(user.email.startswith("admin"))


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PAT_ADMIN": is_admin}


@pytest.fixture
def admin_user(app: Flask, db: Any, User: Any) -> Any:
    with app.app_context():
        return _add_user(db, User, "admin@example.com")


@pytest.fixture
def admin(app: Flask, admin_user: Any) -> ApiClient:
    return ApiClient(sign_in(app, admin_user), PREFIX)


def error_code(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return str(response.get_json()["error"]["code"])


def test_only_admins_signed_in_by_session_get_in(
    app: Flask, admin_user: Any, user: Any, make_token: Any
) -> None:
    target, _ = make_token(user, "target")
    _, admin_secret = make_token(admin_user, "admin's own")
    routes = [
        ("get", "/admin/tokens"),
        ("get", "/admin/events"),
        ("post", f"/admin/tokens/{target}/revoke"),
    ]
    anonymous = app.test_client()
    not_admin = ApiClient(sign_in(app, user), PREFIX)
    for method, path in routes:
        assert error_code(getattr(anonymous, method)(API + path), 401) == "unauthorized"
        assert error_code(getattr(not_admin, method)(path), 403) == "forbidden"
        # A token never acts as an admin, not even the admin's own.
        response = getattr(anonymous, method)(API + path, headers=bearer(admin_secret))
        assert error_code(response, 403) == "forbidden"
    with app.app_context():
        pat = app.extensions["pat"]
        assert pat.db.session.get(pat.Token, target).revoked_at is None


@pytest.mark.parametrize(
    "app_config", [{"PAT_ADMIN": is_admin, "PAT_ALLOW_TOKEN_MANAGEMENT": True}]
)
def test_a_token_is_refused_even_where_tokens_may_manage_tokens(
    app: Flask, admin_user: Any, make_token: Any
) -> None:
    target, secret = make_token(admin_user, "mine")
    client = app.test_client()
    assert client.get(f"{API}/tokens", headers=bearer(secret)).status_code == 200
    for method, path in [
        ("get", "/admin/tokens"),
        ("get", "/admin/events"),
        ("post", f"/admin/tokens/{target}/revoke"),
    ]:
        response = getattr(client, method)(API + path, headers=bearer(secret))
        assert error_code(response, 403) == "forbidden"


@pytest.mark.parametrize("app_config", [{}])
def test_without_pat_admin_nobody_is_an_admin(app: Flask, admin: ApiClient) -> None:
    assert error_code(admin.get("/admin/tokens"), 403) == "forbidden"
    assert app.test_client().get(f"{PREFIX}/admin/").status_code in (302, 401)
    assert admin.client.get(f"{PREFIX}/admin/").status_code == 403


def test_the_admin_page_is_for_admins(app: Flask, admin: ApiClient, user: Any) -> None:
    page = admin.client.get(f"{PREFIX}/admin/")
    assert page.status_code == 200
    assert b'data-pat="admin-root"' in page.data
    assert page.headers["Cache-Control"] == "no-store"
    assert sign_in(app, user).get(f"{PREFIX}/admin/").status_code == 403


def test_a_host_csrf_protect_leaves_the_admin_api_its_json_answers(
    app: Flask, user: Any, make_token: Any
) -> None:
    CSRFProtect(app)
    target, _ = make_token(user, "target")
    anonymous = app.test_client().post(f"{API}/admin/tokens/{target}/revoke")
    assert error_code(anonymous, 401) == "unauthorized"


def test_revoking_needs_the_csrf_token(admin: ApiClient, user: Any, make_token: Any) -> None:
    target, _ = make_token(user, "target")
    response = admin.post(f"/admin/tokens/{target}/revoke", headers={"X-CSRF-Token": "stale"})
    assert error_code(response, 403) == "csrf_failed"


def test_the_inventory_lists_every_users_tokens_with_their_owner(
    app: Flask, admin: ApiClient, admin_user: Any, user: Any, other_user: Any, make_token: Any
) -> None:
    for owner, names in ((user, ["ada ci", "ada deploy"]), (other_user, ["bob deploy"])):
        for name in names:
            make_token(owner, name)
    body = admin.get("/admin/tokens").get_json()
    assert (body["total"], body["pages"], body["page"], body["per_page"]) == (3, 1, 1, 10)
    assert [t["name"] for t in body["items"]] == ["bob deploy", "ada deploy", "ada ci"]
    first = body["items"][0]
    assert first["user"] == other_user.id
    assert first["user_label"] == str(other_user)
    assert "secret" not in first and "token_hash" not in first

    def names(**query: Any) -> list[str]:
        response = admin.get("/admin/tokens", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [t["name"] for t in response.get_json()["items"]]

    assert names(user=str(user.id)) == ["ada deploy", "ada ci"]
    assert names(user=str(admin_user.id)) == []
    assert names(q="DEPLOY", sort="name") == ["ada deploy", "bob deploy"]
    assert names(sort="user") == ["ada ci", "ada deploy", "bob deploy"]
    assert names(sort="-user") == ["bob deploy", "ada deploy", "ada ci"]
    assert names(status="revoked") == []
    assert names(per_page=5, page=2) == []


@pytest.mark.parametrize(
    "query",
    [
        {"user": "abc"},
        {"sort": "owner"},
        {"status": "gone"},
        {"per_page": "3"},
        {"page": "0"},
        {"unknown": "1"},
        {"q": "a\x00b"},
    ],
)
def test_bad_inventory_queries_are_422(admin: ApiClient, query: dict[str, str]) -> None:
    assert error_code(admin.get("/admin/tokens", query_string=query), 422) == "invalid"


def test_one_page_of_the_inventory_is_two_queries(
    app: Flask, admin: ApiClient, user: Any, other_user: Any, make_token: Any
) -> None:
    for i in range(12):
        make_token(user if i % 2 else other_user, f"t{i}")
    pat = app.extensions["pat"]
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if pat.Token.__table__.name in statement:
            seen.append(statement)

    with app.app_context():
        engine = pat.db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        body = admin.get("/admin/tokens", query_string={"per_page": 10}).get_json()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(body["items"]) == 10 and all(item["user_label"] for item in body["items"])
    assert len(seen) == 2, seen


@contextmanager
def revocations(app: Flask) -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append({"token": kwargs["token"].id, "user": kwargs["user"].id, "by": kwargs["by"]})

    with signals.token_revoked.connected_to(receiver, app):
        yield calls


def test_an_admin_revokes_any_token_and_its_owner_cannot_restore_it(
    app: Flask, admin: ApiClient, user: Any
) -> None:
    owner = ApiClient(sign_in(app, user), PREFIX)
    target = owner.create("ci")["token"]["id"]
    with revocations(app) as calls:
        response = admin.post(f"/admin/tokens/{target}/revoke")
        assert response.status_code == 200
        again = admin.post(f"/admin/tokens/{target}/revoke")
        assert again.status_code == 200
    body = response.get_json()
    assert (body["status"], body["revoked_reason"], body["user"]) == ("revoked", "admin", user.id)
    assert calls == [{"token": target, "user": user.id, "by": "admin"}]
    shown = owner.get(f"/tokens/{target}").get_json()
    assert (shown["status"], shown["revoked_reason"]) == ("revoked", "admin")
    assert error_code(owner.post(f"/tokens/{target}/restore"), 409) == "not_restorable"
    trail = owner.get(f"/tokens/{target}/events").get_json()["items"]
    assert [(e["event"], e["actor"], e["detail"]) for e in trail] == [
        ("revoked", "admin", {"reason": "admin"}),
        ("created", "owner", {}),
    ]


def test_a_token_an_admin_revoked_signs_nobody_in_afterwards(
    app: Flask, admin: ApiClient, user: Any
) -> None:
    owner = ApiClient(sign_in(app, user), PREFIX)
    created = owner.create("ci")
    target, secret = created["token"]["id"], created["secret"]
    client = app.test_client()
    assert client.get(f"{API}/tokens/self", headers=bearer(secret)).status_code == 200
    assert admin.post(f"/admin/tokens/{target}/revoke").status_code == 200
    response = client.get(f"{API}/tokens/self", headers=bearer(secret))
    assert response.status_code == 401
    assert "has been revoked" in response.headers["WWW-Authenticate"]


def test_an_admin_takes_over_a_revocation_by_its_owner(
    app: Flask, admin: ApiClient, user: Any
) -> None:
    owner = ApiClient(sign_in(app, user), PREFIX)
    target = owner.create("ci")["token"]["id"]
    revoked_at = owner.post(f"/tokens/{target}/revoke").get_json()["revoked_at"]
    with revocations(app) as calls:
        body = admin.post(f"/admin/tokens/{target}/revoke").get_json()
    assert (body["revoked_reason"], body["revoked_at"]) == ("admin", revoked_at)
    assert calls == [{"token": target, "user": user.id, "by": "admin"}]
    assert error_code(owner.post(f"/tokens/{target}/restore"), 409) == "not_restorable"


def test_a_leaked_token_stays_leaked_when_an_admin_revokes_it(
    app: Flask, admin: ApiClient, user: Any
) -> None:
    with app.app_context():
        token, _ = service.create(user, "leaky")
        service.revoke(user, token, reason="leaked", actor="system")
        token_id = token.id
    with revocations(app) as calls:
        body = admin.post(f"/admin/tokens/{token_id}/revoke").get_json()
    assert (body["status"], body["revoked_reason"]) == ("revoked", "leaked")
    assert calls == []


def test_revoking_an_unknown_token_is_404(admin: ApiClient) -> None:
    for token_id in ("999", "0", "abc", str(2**63)):
        assert error_code(admin.post(f"/admin/tokens/{token_id}/revoke"), 404) == "not_found"


def test_everyones_trail_includes_deleted_tokens(
    app: Flask, admin: ApiClient, user: Any, other_user: Any, make_token: Any
) -> None:
    mine, _ = make_token(user, "mine")
    theirs, _ = make_token(other_user, "theirs")
    owner = ApiClient(sign_in(app, user), PREFIX)
    owner.delete(f"/tokens/{mine}")
    admin.post(f"/admin/tokens/{theirs}/revoke")

    def trail(**query: Any) -> list[tuple[int, str, str]]:
        response = admin.get("/admin/events", query_string=query)
        assert response.status_code == 200, response.get_json()
        return [(e["token_id"], e["event"], e["actor"]) for e in response.get_json()["items"]]

    assert trail() == [
        (theirs, "revoked", "admin"),
        (mine, "deleted", "owner"),
        (theirs, "created", "owner"),
        (mine, "created", "owner"),
    ]
    assert trail(user=str(user.id)) == [(mine, "deleted", "owner"), (mine, "created", "owner")]
    assert trail(token=str(mine)) == [(mine, "deleted", "owner"), (mine, "created", "owner")]
    assert trail(event="revoked") == [(theirs, "revoked", "admin")]
    assert trail(event="leaked") == []
    paged = admin.get("/admin/events", query_string={"per_page": 5, "page": 1}).get_json()
    assert (paged["total"], paged["pages"]) == (4, 1)
    for query in ({"event": "exploded"}, {"token": "0"}, {"user": "x"}, {"per_page": "2"}):
        assert error_code(admin.get("/admin/events", query_string=query), 422) == "invalid"


def test_the_service_refuses_a_restore_after_a_leak(app: Flask, user: Any) -> None:
    with app.app_context():
        token, _ = service.create(user, "leaky")
        service.revoke(user, token, reason="leaked", actor="system")
        with pytest.raises(service.PatError) as refused:
            service.restore(user, token)
    assert refused.value.code == "not_restorable"
