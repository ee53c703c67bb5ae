"""``PAT_REQUIRE_FRESH_LOGIN`` (SPEC section 3): a session signed in by Flask-Login's
remember cookie (not fresh) must sign in again before it creates, rotates, revokes,
restores or deletes a token; a fresh one may."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from flask_pat.settings import SettingError
from tests.api.test_tokens import API, PREFIX, error_of
from tests.conftest import ApiClient, bearer, make_app, sign_in

FRESH = {"PAT_REQUIRE_FRESH_LOGIN": True}


def remembered(app: Flask, user: Any) -> ApiClient:
    """A client that signed in with "remember me" long ago: its session is gone, only the
    remember cookie is left, so Flask-Login signs it in again, not fresh."""
    first = sign_in(app, user)
    cookie = first.get_cookie("remember_token")
    assert cookie is not None
    client = app.test_client()
    client.set_cookie("remember_token", cookie.value)
    api = ApiClient(client, PREFIX)
    assert api.get("/tokens").status_code == 200  # signed in
    return api


def actions(api: ApiClient, token_id: int) -> dict[str, Any]:
    return {
        "create": api.post("/tokens", json={"name": "new"}),
        "rotate": api.post(f"/tokens/{token_id}/rotate"),
        "revoke": api.post(f"/tokens/{token_id}/revoke"),
        "restore": api.post(f"/tokens/{token_id}/restore"),
        "delete": api.delete(f"/tokens/{token_id}"),
    }


@pytest.mark.parametrize("app_config", [FRESH])
def test_a_stale_session_is_sent_to_sign_in_again_and_changes_nothing(
    app: Flask, user: Any, make_token: Any
) -> None:
    app.login_manager.refresh_view = "/reauthenticate"  # type: ignore[attr-defined]
    token_id, secret = make_token(user, "kept")
    api = remembered(app, user)
    page = f"http://localhost{PREFIX}/?q=ci&status=active"
    for action, response in actions(api, token_id).items():
        error = error_of(response, 403, "fresh_login_required")
        refresh = urlsplit(error["refresh_url"])
        assert refresh.path == "/reauthenticate", action
        assert parse_qs(refresh.query)["next"] == [f"{PREFIX}/"], action
    # From the page, the way back keeps the page's own view (its query string).
    response = api.post(
        "/tokens", json={"name": "new"}, headers={"X-CSRF-Token": api.csrf, "Referer": page}
    )
    refresh = urlsplit(error_of(response, 403, "fresh_login_required")["refresh_url"])
    assert parse_qs(refresh.query)["next"] == [f"{PREFIX}/?q=ci&status=active"]
    # Another site's page is no way back.
    response = api.post(
        "/tokens",
        json={"name": "new"},
        headers={"X-CSRF-Token": api.csrf, "Referer": "https://elsewhere.example/settings/tokens/"},
    )
    refresh = urlsplit(error_of(response, 403, "fresh_login_required")["refresh_url"])
    assert parse_qs(refresh.query)["next"] == [f"{PREFIX}/"]
    listed = api.get("/tokens").get_json()
    assert [(t["name"], t["status"]) for t in listed["items"]] == [("kept", "active")]
    assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200
    # Reading and renaming need no fresh sign-in.
    assert api.get(f"/tokens/{token_id}").status_code == 200
    renamed = api.client.patch(
        api.url(f"/tokens/{token_id}"), json={"name": "renamed"}, headers={"X-CSRF-Token": api.csrf}
    )
    assert renamed.status_code == 200


@pytest.mark.parametrize("app_config", [FRESH])
def test_after_signing_in_again_every_action_works(app: Flask, user: Any, make_token: Any) -> None:
    token_id, _ = make_token(user, "kept")
    api = remembered(app, user)
    error_of(api.post(f"/tokens/{token_id}/revoke"), 403, "fresh_login_required")
    assert api.client.post(f"/test-login/{user.id}").status_code == 200  # the refresh view
    statuses = {action: r.status_code for action, r in actions(api, token_id).items()}
    assert statuses == {"create": 201, "rotate": 201, "revoke": 200, "restore": 200, "delete": 204}


def test_without_the_setting_a_remembered_session_may_do_everything(
    app: Flask, user: Any, make_token: Any
) -> None:
    token_id, _ = make_token(user, "kept")
    api = remembered(app, user)
    statuses = {action: r.status_code for action, r in actions(api, token_id).items()}
    assert statuses == {"create": 201, "rotate": 201, "revoke": 200, "restore": 200, "delete": 204}


@pytest.mark.parametrize("app_config", [FRESH])
def test_without_a_refresh_view_the_login_view_or_nothing_is_offered(app: Flask, user: Any) -> None:
    api = remembered(app, user)
    error = error_of(api.post("/tokens", json={"name": "x"}), 403, "fresh_login_required")
    assert error["refresh_url"] is None
    app.login_manager.login_view = "/login"  # type: ignore[attr-defined]
    error = error_of(api.post("/tokens", json={"name": "x"}), 403, "fresh_login_required")
    assert urlsplit(error["refresh_url"]).path == "/login"


@pytest.mark.parametrize("app_config", [{**FRESH, "USE_SESSION_FOR_NEXT": True}])
def test_the_way_back_may_be_kept_in_the_session(app: Flask, user: Any) -> None:
    app.login_manager.refresh_view = "/reauthenticate"  # type: ignore[attr-defined]
    api = remembered(app, user)
    error = error_of(api.post("/tokens", json={"name": "x"}), 403, "fresh_login_required")
    assert error["refresh_url"] == "/reauthenticate"
    with api.client.session_transaction() as session:
        assert session["next"] == f"{PREFIX}/"


@pytest.mark.parametrize(
    "app_config", [{**FRESH, "PAT_ADMIN": lambda user: user.email == "ada@example.com"}]
)
def test_an_administrators_revocation_needs_a_fresh_sign_in_too(
    app: Flask, user: Any, other_user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(other_user, "theirs")
    api = remembered(app, user)
    path = f"/admin/tokens/{token_id}/revoke"
    refresh = error_of(api.post(path), 403, "fresh_login_required")["refresh_url"]
    assert refresh is None or "admin" in refresh
    assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200
    assert api.client.post(f"/test-login/{user.id}").status_code == 200
    assert api.post(path).status_code == 200


@pytest.mark.parametrize("app_config", [{**FRESH, "PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_is_not_a_session_and_needs_no_fresh_sign_in(
    app: Flask, user: Any, make_token: Any
) -> None:
    _, secret = make_token(user, "manager", scopes=["notes:read"])
    response = app.test_client().post(
        f"{API}/tokens",
        json={
            "name": "made by a token",
            "scopes": ["notes:read"],
            "expiration": {"unit": "days", "value": 1},
        },
        headers=bearer(secret),
    )
    assert response.status_code == 201


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_the_setting_is_checked_at_start_up(database_url: str, value: Any) -> None:
    with pytest.raises(SettingError, match="PAT_REQUIRE_FRESH_LOGIN"):
        make_app(database_url, PAT_REQUIRE_FRESH_LOGIN=value)
