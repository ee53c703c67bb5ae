"""The README flow on the example app: sign in, create a token, call the notes API with it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask

import example_app
from flask_pat import tokens
from tests.conftest import bearer

API = "/settings/tokens/api"


@pytest.fixture
def demo(tmp_path: Any) -> Iterator[Flask]:
    """The example app on a fresh SQLite file, as a host's test suite builds it per test."""
    app = example_app.create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.db'}", "TESTING": True}
    )
    yield app
    with app.app_context():
        example_app.db.session.remove()
        example_app.db.engine.dispose()


def log_in(app: Flask, email: str = example_app.DEMO_EMAIL, password: str | None = None) -> Any:
    """A client signed in through the login form, as a person would."""
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert example_app.DEMO_EMAIL in page and example_app.DEMO_PASSWORD in page
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    response = client.post(
        "/login",
        data={
            "email": email,
            "password": password or example_app.DEMO_PASSWORD,
            "csrf_token": match.group(1),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def create_token(client: Any, name: str, scopes: list[str]) -> str:
    meta = client.get(f"{API}/meta").get_json()
    assert [s["name"] for s in meta["scopes"]] == ["notes:read", "notes:write"]
    response = client.post(
        f"{API}/tokens",
        json={"name": name, "scopes": scopes, "expiration": {"unit": "days", "value": 30}},
        headers={"X-CSRF-Token": meta["csrf_token"]},
    )
    assert response.status_code == 201, response.get_json()
    secret: str = response.get_json()["secret"]
    return secret


def test_readme_flow(demo: Flask) -> None:
    browser = log_in(demo)
    assert browser.get("/settings/tokens/").status_code == 200
    secret = create_token(browser, "curl", ["notes:read", "notes:write"])

    curl = demo.test_client()
    whoami = curl.get("/api/whoami", headers=bearer(secret))
    assert whoami.status_code == 200
    assert whoami.get_json() == {
        "id": 1,
        "email": example_app.DEMO_EMAIL,
        "token": "curl",
        "scopes": ["notes:read", "notes:write"],
    }
    created = curl.post("/api/notes", json={"text": "hello from curl"}, headers=bearer(secret))
    assert created.status_code == 201
    assert created.get_json()["text"] == "hello from curl"
    listed = curl.get("/api/notes", headers=bearer(secret))
    assert listed.status_code == 200
    assert listed.get_json() == {"items": [created.get_json()]}
    # No cookie came back to the API client.
    assert curl.get_cookie("session") is None
    # The person's own browser sees the note too.
    assert browser.get("/api/notes").get_json() == listed.get_json()


def test_a_read_only_token_cannot_write(demo: Flask) -> None:
    secret = create_token(log_in(demo), "reader", ["notes:read"])
    curl = demo.test_client()
    response = curl.post("/api/notes", json={"text": "nope"}, headers=bearer(secret))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert 'scope="notes:write"' in response.headers["WWW-Authenticate"]
    assert curl.get("/api/notes", headers=bearer(secret)).get_json() == {"items": []}


def test_deleting_a_note_needs_the_write_scope(demo: Flask) -> None:
    browser = log_in(demo)
    reader = create_token(browser, "reader", ["notes:read"])
    writer = create_token(browser, "writer", ["notes:write"])
    curl = demo.test_client()
    note = curl.post("/api/notes", json={"text": "keep"}, headers=bearer(writer)).get_json()
    refused = curl.delete(f"/api/notes/{note['id']}", headers=bearer(reader))
    assert refused.status_code == 403
    assert 'scope="notes:write"' in refused.headers["WWW-Authenticate"]
    assert curl.get("/api/notes", headers=bearer(reader)).get_json() == {"items": [note]}
    assert curl.delete(f"/api/notes/{note['id']}", headers=bearer(writer)).status_code == 204
    assert curl.get("/api/notes", headers=bearer(reader)).get_json() == {"items": []}


@pytest.mark.parametrize("path", ["/api/whoami", "/api/notes"])
@pytest.mark.parametrize("secret", ["pat_wrong", "unknown"])
def test_a_bad_token_gets_401_json(demo: Flask, path: str, secret: str) -> None:
    if secret == "unknown":
        secret = tokens.generate("pat")
    response = demo.test_client().get(path, headers=bearer(secret))
    assert response.status_code == 401
    assert response.is_json
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_anonymous_api_calls_get_401_json_and_people_the_login_page(demo: Flask) -> None:
    client = demo.test_client()
    response = client.get("/api/whoami")
    assert response.status_code == 401
    assert response.is_json
    response = client.get("/settings/tokens/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_wrong_password_is_refused(demo: Flask) -> None:
    client = demo.test_client()
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf
    response = client.post(
        "/login",
        data={"email": example_app.DEMO_EMAIL, "password": "wrong", "csrf_token": csrf.group(1)},
    )
    assert response.status_code == 200
    assert "Wrong email or password." in response.get_data(as_text=True)
    assert client.get("/api/whoami").status_code == 401


def test_the_login_form_is_csrf_protected(demo: Flask) -> None:
    response = demo.test_client().post(
        "/login", data={"email": example_app.DEMO_EMAIL, "password": example_app.DEMO_PASSWORD}
    )
    assert response.status_code == 400


def test_create_app_twice_in_one_process(tmp_path: Any) -> None:
    """Hosts' test suites call the factory per test: each app works on its own database."""
    first = example_app.create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}"})
    second = example_app.create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'b.db'}"})
    try:
        one = create_token(log_in(first), "one", ["notes:read", "notes:write"])
        two = create_token(log_in(second), "two", ["notes:read"])
        assert first.test_client().get("/api/notes", headers=bearer(one)).status_code == 200
        assert second.test_client().get("/api/notes", headers=bearer(two)).status_code == 200
        # Each app knows only the tokens of its own database.
        assert first.test_client().get("/api/notes", headers=bearer(two)).status_code == 401
        assert second.test_client().get("/api/notes", headers=bearer(one)).status_code == 401
        response = first.test_client().post(
            "/api/notes", json={"text": "first"}, headers=bearer(one)
        )
        assert response.status_code == 201
        assert second.test_client().get("/api/notes", headers=bearer(two)).get_json() == {
            "items": []
        }
    finally:
        for app in (first, second):
            with app.app_context():
                example_app.db.session.remove()
                example_app.db.engine.dispose()


def _login_to(app: Flask, next_url: str) -> str:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match
    # Raw, as an attacker writes the link: the server decodes it.
    query = next_url if next_url.startswith("next=") else urlencode({"next": next_url})
    response = client.post(
        f"/login?{query}",
        data={
            "email": example_app.DEMO_EMAIL,
            "password": example_app.DEMO_PASSWORD,
            "csrf_token": match.group(1),
        },
    )
    assert response.status_code == 302
    location: str = response.headers["Location"]
    return location


@pytest.mark.parametrize(
    "next_url",
    [
        "next=/%09/evil.example",
        "next=/%0a/evil.example",
        "/\t/evil.example",
        "//evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "https://evil.example/",
        "https:evil.example",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_login_never_redirects_to_another_site(demo: Flask, next_url: str) -> None:
    assert _login_to(demo, next_url) == "/"


@pytest.mark.parametrize("next_url", ["/settings/tokens/", "/api/notes?x=1", "/a%20b"])
def test_login_redirects_to_a_local_path(demo: Flask, next_url: str) -> None:
    assert _login_to(demo, next_url) == next_url
