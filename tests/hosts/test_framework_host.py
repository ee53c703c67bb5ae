"""flask-pat in an app-framework-shaped host (SPEC sections 1, 3 and 5): tables on the
framework's own MetaData (``metadata=``) made by its own ``create-db`` and seen by Alembic,
the page inside a base template that extends the framework's own ``base_template``, with
``PAT_TEMPLATE_CONTEXT``, JWT Bearer tokens next to PATs, role-checked views a token does
not open, and a nonce-based CSP (Flask-Talisman) under which the page works in Chromium."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from tests.conftest import ApiClient, bearer

from . import framework_host as fw
from .support import SignalLog, drop_all_tables, form_csrf, table_names


def build(database_url: str) -> Flask:
    """The app, its tables made by the framework's ``flask fw create-db``, and two users."""
    drop_all_tables(database_url)
    app = fw.create_app(database_url)
    app.config["TESTING"] = True
    result = app.test_cli_runner().invoke(args=["fw", "create-db"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        fw.appbuilder.add_user("admin", "admin-password", "Admin")
        fw.appbuilder.add_user("guest", "guest-password", "Public")
    return app


def dispose(app: Flask, database_url: str) -> None:
    with app.app_context():
        fw.db.session.remove()
        fw.db.engine.dispose()
    drop_all_tables(database_url)


@pytest.fixture
def host(database_url: str) -> Iterator[Flask]:
    app = build(database_url)
    yield app
    dispose(app, database_url)


def sign_in(app: Flask, username: str = "admin") -> Any:
    client = app.test_client()
    form = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": f"{username}-password",
            "csrf_token": form_csrf(form.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def user_count(app: Flask) -> int:
    with app.app_context():
        return fw.db.session.scalar(sa.select(sa.func.count()).select_from(fw.User)) or 0


def test_create_db_makes_the_token_table_and_alembic_sees_nothing_to_do(
    host: Flask, database_url: str
) -> None:
    assert {"fw_user", "fw_role", "personal_access_token"} <= table_names(database_url)
    # The framework's Alembic environment (target_metadata = Base.metadata) finds the
    # database as the models describe it: no drop_table of the token table, no change.
    with host.app_context(), fw.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), fw.Base.metadata)
    assert differences == []


def test_the_page_renders_in_the_framework_layout_with_the_csp_nonce(host: Flask) -> None:
    response = sign_in(host).get("/settings/tokens/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # The framework's layout, fed by PAT_TEMPLATE_CONTEXT, with flask-pat's title.
    assert "<title>Personal access tokens - Zoo Admin</title>" in html
    assert '<span class="fw-user">admin</span>' in html
    assert '<a href="/settings/tokens/">Access tokens</a>' in html
    # Every script and stylesheet carries the nonce of this response's policy.
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy)
    assert nonce, policy
    tags = re.findall(r"<(?:script|link)\b[^>]*>", html)
    assert any("pat/tokens.js" in tag for tag in tags), tags
    for tag in tags:
        assert f'nonce="{nonce.group(1)}"' in tag, tag


def test_jwt_and_personal_access_tokens_work_side_by_side(host: Flask) -> None:
    secret = ApiClient(sign_in(host), "/settings/tokens").create(
        "reports", scopes=["reports:read"]
    )["secret"]
    client = host.test_client()
    login = client.post(
        "/api/v1/security/login", json={"username": "admin", "password": "admin-password"}
    )
    access_token = login.get_json()["access_token"]

    with SignalLog().listening() as log:
        users = client.get("/api/v1/users/", headers=bearer(access_token))
        # The JWT is not flask-pat's: on the integration API it signs nobody in.
        other = client.get("/integration/whoami", headers=bearer(access_token))
    assert users.status_code == 200
    assert users.get_json() == {"result": ["admin", "guest"]}
    # Anonymous there, as without flask-pat (Flask-Login's own answer), and not "invalid".
    assert other.status_code in (302, 401)
    assert "invalid_token" not in other.headers.get("WWW-Authenticate", "")
    assert log.sent == []

    assert client.get("/integration/whoami", headers=bearer(secret)).get_json() == {
        "user": "admin",
        "token": "reports",
    }
    assert client.get("/integration/reports", headers=bearer(secret)).status_code == 200
    # The PAT is not a JWT: the framework's REST API answers with its own 401.
    refused = client.get("/api/v1/users/", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.get_json() == {"msg": "Missing or bad JWT"}


def test_a_token_does_not_open_the_frameworks_role_checked_views(host: Flask) -> None:
    # Even an administrator's token, with every scope there is.
    secret = ApiClient(sign_in(host), "/settings/tokens").create(
        "admin-token", scopes=["reports:read"]
    )["secret"]
    client = host.test_client()
    # Anonymous there: the framework sends the request to its own login page.
    users = client.get("/users/", headers=bearer(secret))
    assert users.status_code == 302 and users.location.startswith("/login")
    created = client.post(
        "/users/add",
        data={"username": "mallory", "password": "x", "role": "Admin"},
        headers=bearer(secret),
    )
    assert created.status_code in (302, 400, 401)
    api = client.post(
        "/api/v1/users/",
        json={"username": "mallory", "password": "x", "role": "Admin"},
        headers=bearer(secret),
    )
    assert api.status_code == 401
    assert user_count(host) == 2
    # The administrator's own browser still gets there; a guest does not.
    assert sign_in(host).get("/users/").status_code == 200
    assert sign_in(host, "guest").get("/users/").status_code == 403


@pytest.mark.parametrize("page", ["/settings/tokens/", "/settings/tokens/admin/"])
def test_a_signed_out_browser_goes_to_pat_login_url(host: Flask, page: str) -> None:
    response = host.test_client().get(page, headers={"Accept": "text/html"})
    assert response.status_code == 302
    assert response.location.startswith("/login?next=")
    assert page in response.location.replace("%2F", "/")


@pytest.mark.parametrize("page", ["/settings/tokens/", "/settings/tokens/admin/"])
def test_without_pat_login_url_a_login_view_naming_no_endpoint_gets_a_401_page(
    host: Flask, page: str, caplog: pytest.LogCaptureFixture
) -> None:
    host.config["PAT_LOGIN_URL"] = None
    assert host.login_manager.login_view == "login"  # type: ignore[attr-defined]
    with caplog.at_level("WARNING", logger="flask_pat"):
        response = host.test_client().get(page, headers={"Accept": "text/html"})
    assert response.status_code == 401
    assert "Sign in" in response.get_data(as_text=True)
    assert "PAT_LOGIN_URL" in caplog.text
    assert "'login' names no endpoint" in caplog.text
