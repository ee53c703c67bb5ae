"""flask-pat in an app-framework-shaped host (SPEC sections 1, 3 and 5): tables on the
framework's own MetaData (``metadata=``) made by its own ``create-db`` and seen by Alembic,
the page inside a base template that extends the framework's own ``base_template``, with
``PAT_TEMPLATE_CONTEXT``, JWT Bearer tokens next to PATs, role-checked views a token does
not open, and a nonce-based CSP (Flask-Talisman) under which the page works in Chromium."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask

from flask_pat import tokens
from tests.conftest import ApiClient, bearer, cli_runner

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
    # Its <title> comes from a page_title block, which flask-pat's page fills.
    assert "<title>Personal access tokens</title>" in html
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
        users = client.get("/api/v1/security/users/", headers=bearer(access_token))
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
    # The framework's REST API is opened to tokens with users:read, which this one lacks.
    refused = client.get("/api/v1/security/users/", headers=bearer(secret))
    assert refused.status_code == 403
    assert 'scope="users:read"' in refused.headers["WWW-Authenticate"]


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
        "/api/v1/security/users/",
        json={"username": "mallory", "password": "x", "role": "Admin"},
        headers=bearer(secret),
    )
    assert api.status_code == 403
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


def test_a_read_scoped_token_cannot_create_an_administrator(host: Flask) -> None:
    api = ApiClient(sign_in(host), "/settings/tokens")
    reader = api.create("contacts", scopes=["contacts:read"])["secret"]
    writer = api.create("provisioning", scopes=["users:write"])["secret"]
    client = host.test_client()
    mallory = {"username": "mallory", "password": "x", "role": "Admin"}
    refused = client.post("/api/v1/security/users/", json=mallory, headers=bearer(reader))
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "insufficient_scope"
    assert 'scope="users:write"' in refused.headers["WWW-Authenticate"]
    assert user_count(host) == 2
    # A token given the write scope may, and the framework's role check still applies.
    assert client.get("/api/v1/security/users/", headers=bearer(writer)).status_code == 200
    created = client.post("/api/v1/security/users/", json=mallory, headers=bearer(writer))
    assert created.status_code == 201
    assert user_count(host) == 3
    guest = ApiClient(sign_in(host, "guest"), "/settings/tokens").create(
        "guest", scopes=["users:write"]
    )["secret"]
    eve = {"username": "eve", "password": "x", "role": "Admin"}
    assert (
        client.post("/api/v1/security/users/", json=eve, headers=bearer(guest)).status_code == 403
    )
    assert user_count(host) == 3


ROOT = Path(__file__).resolve().parents[2]


def flask_db(cwd: Path, database_url: str, *args: str) -> str:
    """``flask db ...`` in a subprocess, as a developer types it."""
    env = {
        **os.environ,
        "FLASK_APP": f"tests.hosts.framework_host:create_app({database_url!r})",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    result = subprocess.run(
        [sys.executable, "-m", "flask", "db", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, f"flask db {args}: {result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


def test_migrations_target_the_frameworks_metadata(database_url: str, tmp_path: Path) -> None:
    drop_all_tables(database_url)
    try:
        flask_db(tmp_path, database_url, "init")
        env_py = tmp_path / "migrations" / "env.py"
        source = env_py.read_text()
        assert "def get_metadata():\n" in source
        # The one change the recipe makes to the generated env.py.
        env_py.write_text(
            source.replace(
                "def get_metadata():\n",
                "def get_metadata():\n"
                "    from tests.hosts.framework_host import migration_metadata\n"
                "    return migration_metadata()\n",
            )
        )
        flask_db(tmp_path, database_url, "migrate", "-m", "framework and tokens")
        (script,) = (tmp_path / "migrations" / "versions").glob("*.py")
        text = script.read_text()
        assert "op.create_table('fw_user'" in text
        assert "op.create_table('personal_access_token'" in text
        flask_db(tmp_path, database_url, "upgrade")
        assert {"fw_user", "personal_access_token"} <= table_names(database_url)
        flask_db(tmp_path, database_url, "downgrade")
        assert not {"fw_user", "personal_access_token"} & table_names(database_url)
        flask_db(tmp_path, database_url, "upgrade")
        flask_db(tmp_path, database_url, "check")
    finally:
        drop_all_tables(database_url)


def test_before_create_db_the_advice_names_the_frameworks_command(database_url: str) -> None:
    drop_all_tables(database_url)
    app = fw.create_app(database_url)
    app.config["TESTING"] = True
    try:
        response = app.test_client().get(
            "/settings/tokens/api/tokens/self", headers=bearer(tokens.generate("pat"))
        )
        assert response.status_code == 503
        message = response.get_json()["error"]["message"]
        assert "personal_access_token" in message and "flask fw create-db" in message
        with app.app_context():
            result = cli_runner(app).invoke(args=["pat", "list"])
        assert result.exit_code == 1
        assert "flask fw create-db" in result.stderr
    finally:
        dispose(app, database_url)


def test_a_user_the_roles_refuse_sees_a_403_inside_the_layout(host: Flask) -> None:
    with host.app_context():
        fw.appbuilder.add_user("viewer", "viewer-password", "Viewer")
    response = sign_in(host, "viewer").get("/settings/tokens/")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert '<span class="fw-user">viewer</span>' in html
    assert "<title>Not allowed</title>" in html
    assert "may not use personal access tokens" in html
    # The administrator role opens the inventory; the others get its 403 page.
    assert sign_in(host).get("/settings/tokens/admin/").status_code == 200
    assert sign_in(host, "guest").get("/settings/tokens/admin/").status_code == 403
