"""The JSON API of SPEC section 4: every route, its happy path and every error it answers.

Variants that need their own settings or clock are parametrized; variants of input that one
app can answer in turn are tables checked in one test (each app costs a schema on every
database), compared as ``{case: outcome}`` dicts so that a failure names every bad case.
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask
from flask_wtf.csrf import CSRFProtect, generate_csrf

from flask_pat.tokens import generate
from tests.conftest import TOKEN_FIELDS, ApiClient, bearer, require_server, sign_in

PREFIX = "/settings/tokens"
API = f"{PREFIX}/api"
START = datetime(2031, 1, 15, 12, 0, tzinfo=UTC)
WARNING = timedelta(days=7)
MICROSECOND = timedelta(microseconds=1)
SECRET = re.compile(r"pat_[0-9A-Za-z]{36}")

PROJECTS = {
    "ada@example.com": [
        {"id": 1, "name": "Private", "public": False},
        {"id": "a", "name": "Alpha", "public": False},
        {"id": 7, "name": "Public", "public": True},
    ],
    "bob@example.com": [{"id": 2, "name": "Bob's", "public": False}],
}


def projects_of(user: Any) -> list[dict[str, Any]]:
    return PROJECTS[user.email]


WITH_PROJECTS = pytest.mark.parametrize("app_config", [{"PAT_PROJECTS": projects_of}])

#: Every route that acts on one token, as (method, path with ``{id}``).
TOKEN_ROUTES = [
    ("get", "/tokens/{id}"),
    ("post", "/tokens/{id}/revoke"),
    ("post", "/tokens/{id}/restore"),
    ("post", "/tokens/{id}/rotate"),
    ("delete", "/tokens/{id}"),
    ("get", "/tokens/{id}/ide/vscode"),
]
MANAGEMENT_ROUTES = [("get", "/meta"), ("get", "/tokens"), ("post", "/tokens"), *TOKEN_ROUTES]
UNSAFE_ROUTES = [(m, p) for m, p in MANAGEMENT_ROUTES if m != "get"]


@pytest.fixture
def clock() -> Iterator[Any]:
    """The clock, frozen at ``START``; request it before ``api`` so sign-in happens then."""
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def error_of(response: Any, status: int, code: str) -> dict[str, Any]:
    """The ``error`` object of a JSON error response, after checking its status and code."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    error: dict[str, Any] = response.get_json()["error"]
    assert (error["status"], error["code"]) == (status, code)
    assert error["message"]
    return error


def outcome(response: Any) -> tuple[int, str | None, tuple[str, ...]]:
    """``(status, error code, fields with errors)``: what a table of cases compares."""
    body = response.get_json(silent=True)
    if response.status_code >= 400:
        assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
        assert body["error"]["status"] == response.status_code
    error = body.get("error", {}) if isinstance(body, dict) else {}
    return response.status_code, error.get("code"), tuple(sorted(error.get("fields", {})))


def call(client: Any, method: str, path: str, headers: dict[str, str] | None = None) -> Any:
    """``method`` on the API ``path`` with a test client (and a body where one is needed)."""
    kwargs: dict[str, Any] = {"headers": headers or {}}
    if method == "post" and path == "/tokens":
        kwargs["json"] = {"name": "new"}
    return getattr(client, method)(API + path, **kwargs)


def signed(api: ApiClient) -> dict[str, str]:
    return {"X-CSRF-Token": api.csrf}


def later(clock: Any, api: ApiClient, delta: timedelta) -> None:
    """Move the clock on, and fetch a CSRF token (they age out after an hour) at that time."""
    clock.shift(delta)
    api.csrf = api.get("/meta").get_json()["csrf_token"]


def at(value: str | None) -> datetime | None:
    """A time from the API; checks that it is ISO 8601 with an explicit UTC offset."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    assert moment.utcoffset() == timedelta(0), value
    return moment


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["name"] for item in response.get_json()["items"]]


def token_row(app: Flask, token_id: int) -> Any:
    pat = app.extensions["pat"]
    with app.app_context():
        return pat.db.session.execute(
            sa.select(pat.Token.__table__).where(pat.Token.id == token_id)
        ).one_or_none()


def create_refusals(api: ApiClient, bodies: dict[str, Any]) -> dict[str, Any]:
    """``case: outcome`` of creating a token from each JSON body (dicts, or raw text)."""
    seen = {}
    for case, body in bodies.items():
        if isinstance(body, str | bytes):
            response = api.post("/tokens", data=body, content_type="application/json")
        else:
            response = api.post("/tokens", json=body)
        seen[case] = outcome(response)
    return seen


# -- meta -------------------------------------------------------------------------------


def test_meta_describes_the_settings(api: ApiClient) -> None:
    response = api.get("/meta")
    assert response.status_code == 200
    meta = response.get_json()
    # The same session token, signed anew: the signature's timestamp may tick between calls.
    assert meta["csrf_token"].split(".")[0] == api.csrf.split(".")[0]
    assert at(meta["now"]) is not None
    assert meta["expiration_units"] == ["never", "days", "weeks", "hours", "minutes"]
    assert meta["default_expiration"] == {"unit": "days", "value": 30}
    assert meta["max_lifetime_seconds"] is None
    assert meta["expiry_warning_seconds"] == 7 * 86400
    assert meta["scopes"] == [
        {"name": "notes:read", "description": "Read notes"},
        {"name": "notes:write", "description": "Write notes"},
    ]
    assert meta["page_sizes"] == [5, 10, 50, 100]
    assert meta["integrations"] == []
    assert meta["projects"] == []
    assert meta["ide_formats"] == [
        {"id": "vscode", "label": "VSCode", "filename": "settings.json"},
        {"id": "jetbrains", "label": "JetBrains", "filename": "alita.xml"},
    ]


@pytest.mark.parametrize(
    "app_config",
    [
        {
            "PAT_MAX_LIFETIME": timedelta(days=90),
            "PAT_EXPIRY_WARNING": timedelta(days=3),
            "PAT_DEFAULT_EXPIRATION": ("hours", 12),
            "PAT_EXPIRATION_UNITS": ("days", "hours"),
            "PAT_PROJECTS": projects_of,
            "PAT_INTEGRATIONS": [{"uid": "u1", "name": "One", "model": "m1"}],
        }
    ],
)
def test_meta_follows_the_host_settings(api: ApiClient) -> None:
    meta = api.get("/meta").get_json()
    assert meta["max_lifetime_seconds"] == 90 * 86400
    assert meta["expiry_warning_seconds"] == 3 * 86400
    assert meta["default_expiration"] == {"unit": "hours", "value": 12}
    assert meta["expiration_units"] == ["days", "hours"]
    assert meta["projects"] == PROJECTS["ada@example.com"]
    assert meta["integrations"] == [{"uid": "u1", "name": "One", "model": "m1"}]


# -- who may call -----------------------------------------------------------------------


def answers(client: Any, token_id: int, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """``route: outcome`` for every management route."""
    return {
        f"{method} {path}": outcome(call(client, method, path.format(id=token_id), headers))
        for method, path in MANAGEMENT_ROUTES
    }


def test_anonymous_requests_get_401_json_not_a_redirect(
    app: Flask, user: Any, make_token: Any
) -> None:
    token_id, _ = make_token(user)
    app.login_manager.login_view = "whoami"  # Flask-Login would redirect there
    seen = answers(app.test_client(), token_id)
    assert seen == {route: (401, "unauthorized", ()) for route in seen}
    response = app.test_client().post(f"{API}/tokens/{token_id}/revoke")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Location" not in response.headers
    assert token_row(app, token_id).revoked_at is None


def test_a_token_cannot_manage_tokens(app: Flask, user: Any, make_token: Any) -> None:
    token_id, secret = make_token(user, scopes=["notes:read", "notes:write"])
    seen = answers(app.test_client(), token_id, bearer(secret))
    assert seen == {route: (403, "forbidden", ()) for route in seen}
    row = token_row(app, token_id)
    assert row.revoked_at is None
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200


def test_a_token_next_to_a_session_still_cannot_manage_tokens(
    api: ApiClient, user: Any, make_token: Any
) -> None:
    _, secret = make_token(user)
    response = api.post("/tokens", json={"name": "minted"}, headers=bearer(secret))
    error_of(response, 403, "forbidden")
    assert names(api.get("/tokens")) == ["token"]


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_token_management_by_token_when_allowed(app: Flask, user: Any, make_token: Any) -> None:
    _, secret = make_token(user, "first")
    client = app.test_client()
    # Within its own rights: no scope it lacks, expiring no later than itself.
    body = {"name": "second", "expiration": {"unit": "days", "value": 7}}
    created = client.post(f"{API}/tokens", json=body, headers=bearer(secret))
    assert created.status_code == 201
    listed = client.get(f"{API}/tokens", headers=bearer(secret))
    assert sorted(names(listed)) == ["first", "second"]
    revoked = client.post(
        f"{API}/tokens/{created.get_json()['token']['id']}/revoke", headers=bearer(secret)
    )
    assert revoked.get_json()["status"] == "revoked"


def test_tokens_self_answers_the_token_that_authenticated(
    app: Flask, user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(user, "ci", scopes=["notes:read"])
    response = app.test_client().get(f"{API}/tokens/self", headers=bearer(secret))
    assert response.status_code == 200
    token = response.get_json()
    assert (token["id"], token["name"], token["scopes"]) == (token_id, "ci", ["notes:read"])
    assert set(token) == TOKEN_FIELDS
    assert secret not in response.get_data(as_text=True)


def test_tokens_self_refuses_sessions_strangers_and_bad_tokens(app: Flask, api: ApiClient) -> None:
    error_of(api.get("/tokens/self"), 401, "unauthorized")
    error_of(app.test_client().get(f"{API}/tokens/self"), 401, "unauthorized")
    challenges = {}
    for secret, reason in [
        ("pat_short", "malformed"),
        (generate("pat")[:-1] + "!", "malformed"),
        (generate("pat"), "unknown"),
    ]:
        response = app.test_client().get(f"{API}/tokens/self", headers=bearer(secret))
        assert outcome(response) == (401, "unauthorized", ())
        challenge = response.headers["WWW-Authenticate"]
        challenges[secret] = 'error="invalid_token"' in challenge and f"is {reason}" in challenge
    assert challenges == {secret: True for secret in challenges}


# -- CSRF -------------------------------------------------------------------------------


def test_unsafe_requests_need_the_csrf_token(
    app: Flask, api: ApiClient, other_user: Any, user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(user, "keep")
    tampered = api.csrf[:-2] + ("AA" if api.csrf[-2:] != "AA" else "BB")
    others = ApiClient(sign_in(app, other_user), PREFIX).csrf
    seen = {}
    for case, headers in {
        "none": {},
        "empty": {"X-CSRF-Token": ""},
        "garbage": {"X-CSRF-Token": "not-a-token"},
        "another user's": {"X-CSRF-Token": others},
        "tampered": {"X-CSRF-Token": tampered},
        "Flask-WTF's header name": {"X-CSRFToken": "not-a-token"},
    }.items():
        for method, path in UNSAFE_ROUTES:
            response = call(api.client, method, path.format(id=token_id), headers)
            seen[case, method, path] = outcome(response)
    assert seen == {case: (403, "csrf_failed", ()) for case in seen}
    assert names(api.get("/tokens")) == ["keep"]
    row = token_row(app, token_id)
    assert row.revoked_at is None
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()


def test_a_stale_csrf_token_is_refused_and_a_fresh_one_works(clock: Any, api: ApiClient) -> None:
    clock.shift(timedelta(hours=1, seconds=1))
    error_of(api.post("/tokens", json={"name": "late"}), 403, "csrf_failed")
    fresh = api.get("/meta").get_json()["csrf_token"]
    assert fresh != api.csrf
    response = api.post("/tokens", json={"name": "late"}, headers={"X-CSRF-Token": fresh})
    assert response.status_code == 201


def test_safe_methods_need_no_csrf_token(app: Flask, user: Any) -> None:
    client = sign_in(app, user)
    assert client.get(f"{API}/tokens").status_code == 200
    assert client.get(f"{API}/meta").status_code == 200


def test_with_the_hosts_csrf_protect_its_token_is_the_one(host_app: Any) -> None:
    app, db, _, User = host_app()
    csrf = CSRFProtect(app)
    csrf.exempt(app.view_functions["test_login"])
    app.add_url_rule("/form-token", "form_token", generate_csrf)
    with app.app_context():
        user = User(email="host@example.com")
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
    api = ApiClient(sign_in(app, user), PREFIX)
    assert api.create("with meta token")["token"]["name"] == "with meta token"
    form_token = api.client.get("/form-token").get_data(as_text=True)
    response = api.post("/tokens", json={"name": "form"}, headers={"X-CSRF-Token": form_token})
    assert response.status_code == 201
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        response = api.client.post(f"{API}/tokens", json={"name": "x"}, headers=headers)
        error_of(response, 403, "csrf_failed")
    assert sorted(names(api.get("/tokens"))) == ["form", "with meta token"]


# -- create -----------------------------------------------------------------------------


def test_create_answers_the_token_and_its_secret_once(app: Flask, api: ApiClient) -> None:
    response = api.post("/tokens", json={"name": "CI deploy", "scopes": ["notes:read"]})
    assert response.status_code == 201
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_json()
    assert set(body) == {"token", "secret"}
    secret, token = body["secret"], body["token"]
    assert SECRET.fullmatch(secret)
    assert set(token) == TOKEN_FIELDS
    assert isinstance(token["id"], int)
    assert token["name"] == "CI deploy"
    assert token["last4"] == secret[-4:]
    assert token["status"] == "active"
    assert token["scopes"] == ["notes:read"]
    assert token["project_id"] is None
    assert token["last_used_at"] is None and token["revoked_at"] is None
    assert at(token["created_at"]) < at(token["expires_at"])

    row = token_row(app, token["id"])
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in [str(value) for value in row]
    for path in (f"/tokens/{token['id']}", "/tokens", "/meta"):
        assert secret not in api.get(path).get_data(as_text=True)
    assert app.test_client().get("/notes", headers=bearer(secret)).status_code == 200


@pytest.mark.parametrize(
    ("app_config", "lifetime"),
    [({}, timedelta(days=30)), ({"PAT_DEFAULT_EXPIRATION": ("hours", 12)}, timedelta(hours=12))],
)
def test_default_expiration(clock: Any, api: ApiClient, lifetime: timedelta) -> None:
    token = api.create("default")["token"]
    assert at(token["created_at"]) == START
    assert at(token["expires_at"]) == START + lifetime
    token = api.create("null", expiration=None)["token"]
    assert at(token["expires_at"]) == START + lifetime


def test_each_expiration_unit(clock: Any, api: ApiClient) -> None:
    cases = {
        "minutes": ({"unit": "minutes", "value": 90}, timedelta(minutes=90)),
        "hours": ({"unit": "hours", "value": 12}, timedelta(hours=12)),
        "days": ({"unit": "days", "value": 2}, timedelta(days=2)),
        "weeks": ({"unit": "weeks", "value": 3}, timedelta(weeks=3)),
        "never": ({"unit": "never"}, None),
        "never, value null": ({"unit": "never", "value": None}, None),
    }
    seen, expected = {}, {}
    for case, (expiration, lifetime) in cases.items():
        token = api.create(case, expiration=expiration)["token"]
        seen[case] = (at(token["expires_at"]), token["status"])
        expected[case] = (
            None if lifetime is None else START + lifetime,
            "expiring" if lifetime and lifetime <= WARNING else "active",
        )
    assert seen == expected


def test_bad_expirations_are_422(api: ApiClient) -> None:
    bodies = {
        repr(expiration): {"name": "x", "expiration": expiration}
        for expiration in [
            {"unit": "never", "value": 1},
            {"unit": "never", "value": 0},
            {"unit": "days", "value": 0},
            {"unit": "days", "value": -1},
            {"unit": "days", "value": "30"},
            {"unit": "days", "value": 30.5},
            {"unit": "days", "value": 30.0},
            {"unit": "days", "value": True},
            {"unit": "days", "value": None},
            {"unit": "days"},
            {"unit": "days", "value": 10**18},
            {"unit": "weeks", "value": 2**64},
            {"unit": "years", "value": 1},
            {"unit": "Days", "value": 1},
            {"unit": None, "value": 1},
            {"value": 30},
            {"unit": "days", "value": 30, "extra": 1},
            "30 days",
            [],
        ]
    }
    for number in ("1e309", "-1e309", "NaN", "Infinity"):
        bodies[number] = '{"name":"x","expiration":{"unit":"days","value":%s}}'.replace(
            "%s", number
        )
    seen = create_refusals(api, bodies)
    assert seen == {case: (422, "invalid", ("expiration",)) for case in bodies}
    assert names(api.get("/tokens")) == []


def test_lifetimes_up_to_100_years(clock: Any, api: ApiClient) -> None:
    seen, expected = {}, {}
    for unit, under, over in [
        ("days", 36524, 36526),
        ("weeks", 5217, 5218),
        ("hours", 36524 * 24, 36526 * 24),
        ("minutes", 36524 * 1440, 36526 * 1440),
    ]:
        response = api.post(
            "/tokens", json={"name": unit, "expiration": {"unit": unit, "value": under}}
        )
        seen[unit, under] = at(response.get_json()["token"]["expires_at"])
        expected[unit, under] = START + timedelta(**{unit: under})
        response = api.post(
            "/tokens", json={"name": "x", "expiration": {"unit": unit, "value": over}}
        )
        seen[unit, over] = outcome(response)
        expected[unit, over] = (422, "invalid", ("expiration",))
    assert seen == expected


@pytest.mark.parametrize("app_config", [{"PAT_MAX_LIFETIME": timedelta(days=90)}])
def test_max_lifetime_refuses_never_and_longer(api: ApiClient) -> None:
    refused = (422, "invalid", ("expiration",))
    cases = {
        "never": ({"unit": "never"}, refused),
        "91 days": ({"unit": "days", "value": 91}, refused),
        "13 weeks": ({"unit": "weeks", "value": 13}, refused),
        "90 days and a minute": ({"unit": "minutes", "value": 90 * 1440 + 1}, refused),
        "90 days": ({"unit": "days", "value": 90}, (201, None, ())),
        "2160 hours": ({"unit": "hours", "value": 90 * 24}, (201, None, ())),
        "default": (None, (201, None, ())),
    }
    seen = create_refusals(
        api,
        {case: {"name": case, "expiration": expiration} for case, (expiration, _) in cases.items()},
    )
    assert seen == {case: expected for case, (_, expected) in cases.items()}


@pytest.mark.parametrize("app_config", [{"PAT_EXPIRATION_UNITS": ("days", "hours")}])
def test_units_the_host_does_not_offer_are_422(api: ApiClient) -> None:
    response = api.post("/tokens", json={"name": "x", "expiration": {"unit": "never"}})
    assert "expiration" in error_of(response, 422, "invalid")["fields"]
    response = api.post("/tokens", json={"name": "y", "expiration": {"unit": "hours", "value": 1}})
    assert response.status_code == 201


def test_unknown_and_malformed_fields_are_422(api: ApiClient) -> None:
    cases = {
        "extra": ({"name": "x", "extra": 1}, ("extra",)),
        "secret": ({"name": "x", "secret": "pat_mine"}, ("secret",)),
        "no name": ({"expiration": {"unit": "days", "value": 1}}, ("name",)),
        "scopes as text": ({"name": "x", "scopes": "notes:read"}, ("scopes",)),
        "scope numbers": ({"name": "x", "scopes": [1]}, ("scopes",)),
        "unknown scope": ({"name": "x", "scopes": ["admin"]}, ("scopes",)),
        "scope case": ({"name": "x", "scopes": ["notes:read", "NOTES:WRITE"]}, ("scopes",)),
        "not an object": ('"name"', ("_schema",)),
        "null": ("null", ("_schema",)),
        "a list": ('[{"name": "x"}]', ("_schema",)),
    }
    seen = create_refusals(api, {case: body for case, (body, _) in cases.items()})
    assert seen == {case: (422, "invalid", fields) for case, (_, fields) in cases.items()}
    assert names(api.get("/tokens")) == []


def test_malformed_json_and_wrong_content_types_are_400(api: ApiClient) -> None:
    cases = {
        "cut short": ('{"name": ', "application/json"),
        "single quotes": ("{'name': 'x'}", "application/json"),
        "empty": ("", "application/json"),
        "not UTF-8": (b'{"name": "\xff\xfe"}', "application/json"),
        "deeply nested": ("[" * 30_000 + "]" * 30_000, "application/json"),
        "text/plain": ('{"name": "x"}', "text/plain"),
        "no type": ('{"name": "x"}', None),
        "a form": ("name=x", "application/x-www-form-urlencoded"),
    }
    seen = {}
    for case, (data, content_type) in cases.items():
        kwargs: dict[str, Any] = {"data": data}
        if content_type is not None:
            kwargs["content_type"] = content_type
        seen[case] = outcome(api.post("/tokens", **kwargs))
    assert seen == {case: (400, "bad_request", ()) for case in cases}
    assert names(api.get("/tokens")) == []


@pytest.mark.parametrize(
    "app_config",
    [{}, {"MAX_CONTENT_LENGTH": 1000}, {"MAX_CONTENT_LENGTH": 10 * 2**20}],
    ids=["no-host-limit", "host-limit-below", "host-limit-above"],
)
def test_bodies_over_64_kib_are_413_json_whatever_the_hosts_limit(api: ApiClient) -> None:
    """The API's own limit: a 2 KB body is read even under a host limit of 1000 bytes."""
    response = api.post("/tokens", json={"name": "small", "padding": "y" * 2000})
    assert response.status_code == 422  # read and refused for its unknown field
    response = api.post("/tokens", json={"name": "x", "padding": "y" * 65_536})
    error = response.get_json()["error"]
    assert (response.status_code, error["status"], error["code"]) == (413, 413, "too_large")
    assert "JSON" not in error["message"]  # valid JSON: the size is what is wrong
    assert names(api.get("/tokens")) == []


def test_bad_names_are_422(api: ApiClient) -> None:
    bad = [
        "",
        "   ",
        "\t\n",
        "x" * 101,
        " " + "y" * 101 + " ",
        "a\x00b",
        "a\x07b",
        "a\nb",
        "a\x1bb",
        "a\x7fb",
        "a\x85b",
        "evil\u202etxt.exe",
        "a\u2066b\u2069",
        "a\u2028b",
        "a\ud800b",
        5,
        None,
        ["x"],
        {"text": "x"},
    ]
    seen = create_refusals(api, {repr(name): {"name": name} for name in bad})
    assert seen == {repr(name): (422, "invalid", ("name",)) for name in bad}
    assert names(api.get("/tokens")) == []


def test_unusual_names_are_accepted_trimmed(api: ApiClient) -> None:
    accepted = [
        "x" * 100,
        "  " + "z" * 100 + "\t",
        "  🚀 deploy  ",
        "🚀" * 100,
        "\u0390" * 100,  # case-folds to 300 code points
        "👩\u200d💻 laptop",
        "q\u0307\u0323 combined",
        "cafe\u0301",
        "رمز الوصول",
        "שלום",
        "日本語のトークン",
        "'; DROP TABLE personal_access_token; --",
        "<script>alert(1)</script>",
    ]
    seen, expected = {}, {}
    for name in accepted:
        token = api.create(name)["token"]
        seen[name] = (token["name"], api.get(f"/tokens/{token['id']}").get_json()["name"])
        stored = unicodedata.normalize("NFC", name).strip()
        expected[name] = (stored, stored)
    assert seen == expected
    assert sorted(names(api.get("/tokens", query_string={"per_page": 50}))) == sorted(
        name for name, _ in expected.values()
    )


def test_duplicate_names_ignoring_case_are_409(api: ApiClient) -> None:
    pairs = [
        ("Deploy", "deploy "),
        ("CI", "  ci  "),
        ("straße", "STRASSE"),
        ("café", "cafe\u0301"),
        ("Ünïcode", "üNÏCODE"),
    ]
    for first, _ in pairs:
        api.create(first)
    seen = create_refusals(api, {second: {"name": second} for _, second in pairs})
    assert seen == {second: (409, "conflict", ("name",)) for _, second in pairs}
    assert len(names(api.get("/tokens"))) == len(pairs)


def test_names_differing_in_accents_are_distinct(api: ApiClient) -> None:
    distinct = ["cafe", "café", "a", "á", "i", "ı", "resume", "résumé"]
    for name in distinct:
        api.create(name)
    assert sorted(names(api.get("/tokens", query_string={"per_page": 50}))) == sorted(distinct)


def test_another_user_may_use_the_same_name(
    app: Flask, api: ApiClient, other_user: Any, make_token: Any
) -> None:
    make_token(other_user, "deploy")
    assert api.create("Deploy")["token"]["name"] == "Deploy"


def test_a_deleted_name_can_be_used_again(api: ApiClient) -> None:
    token = api.create("reuse")["token"]
    assert api.delete(f"/tokens/{token['id']}").status_code == 204
    assert api.create("REUSE")["token"]["name"] == "REUSE"


@pytest.mark.parametrize("app_config", [{"PAT_MAX_TOKENS_PER_USER": 2}])
def test_the_per_user_limit(api: ApiClient, other_user: Any, make_token: Any) -> None:
    first = api.create("one")["token"]
    api.create("two")
    error_of(api.post("/tokens", json={"name": "three"}), 409, "limit_reached")
    assert sorted(names(api.get("/tokens"))) == ["one", "two"]
    make_token(other_user, "theirs")  # the limit is per user
    api.post(f"/tokens/{first['id']}/revoke")
    error_of(api.post("/tokens", json={"name": "three"}), 409, "limit_reached")
    assert api.delete(f"/tokens/{first['id']}").status_code == 204
    assert api.create("three")["token"]["name"] == "three"


def test_scopes_are_a_subset_of_the_declared_ones(app: Flask, api: ApiClient) -> None:
    cases = {
        "absent": (None, []),
        "empty": ([], []),
        "read": (["notes:read"], ["notes:read"]),
        "write": (["notes:write"], ["notes:write"]),
        "both": (["notes:write", "notes:read"], ["notes:read", "notes:write"]),
        "twice": (["notes:read", "notes:read"], ["notes:read"]),
    }
    client = app.test_client()
    seen, expected = {}, {}
    for case, (scopes, stored) in cases.items():
        created = api.create(case, **({} if scopes is None else {"scopes": scopes}))
        token_id = created["token"]["id"]
        can_read = client.get("/notes", headers=bearer(created["secret"])).status_code
        seen[case] = (
            sorted(created["token"]["scopes"]),
            sorted(api.get(f"/tokens/{token_id}").get_json()["scopes"]),
            can_read,
        )
        expected[case] = (stored, stored, 200 if "notes:read" in stored else 403)
    assert seen == expected


@pytest.mark.parametrize("app_config", [{"PAT_SCOPES": {}}])
def test_scopes_when_the_host_has_none(api: ApiClient) -> None:
    assert api.get("/meta").get_json()["scopes"] == []
    assert api.create("plain", scopes=[])["token"]["scopes"] == []
    response = api.post("/tokens", json={"name": "x", "scopes": ["notes:read"]})
    assert "scopes" in error_of(response, 422, "invalid")["fields"]


@WITH_PROJECTS
def test_project_id_round_trips_with_its_type(api: ApiClient) -> None:
    seen = {}
    for project_id in (1, "a", 7, None):
        token = api.create(f"bound to {project_id!r}", project_id=project_id)["token"]
        again = api.get(f"/tokens/{token['id']}").get_json()["project_id"]
        seen[repr(project_id)] = (repr(token["project_id"]), repr(again))
    assert seen == {case: (case, case) for case in seen}


@WITH_PROJECTS
def test_project_id_must_be_one_of_the_users_projects(api: ApiClient) -> None:
    refused = [2, "2", "b", 99, True, 1.0, 1.5, [1], {"id": 1}, ""]
    seen = create_refusals(api, {repr(p): {"name": "x", "project_id": p} for p in refused})
    assert seen == {repr(p): (422, "invalid", ("project_id",)) for p in refused}
    assert names(api.get("/tokens")) == []


def test_project_id_without_projects_is_422(api: ApiClient) -> None:
    response = api.post("/tokens", json={"name": "x", "project_id": 1})
    assert "project_id" in error_of(response, 422, "invalid")["fields"]


# -- listing ----------------------------------------------------------------------------


def test_list_shows_only_the_users_tokens(
    api: ApiClient, user: Any, other_user: Any, make_token: Any
) -> None:
    make_token(user, "mine")
    make_token(other_user, "theirs")
    body = api.get("/tokens").get_json()
    assert [item["name"] for item in body["items"]] == ["mine"]
    assert set(body["items"][0]) == TOKEN_FIELDS
    assert (body["page"], body["per_page"], body["total"], body["pages"]) == (1, 10, 1, 1)


def test_an_empty_list_has_zero_pages(api: ApiClient) -> None:
    body = api.get("/tokens").get_json()
    assert body == {"items": [], "page": 1, "per_page": 10, "total": 0, "pages": 0}


def test_search_is_a_literal_case_insensitive_substring(
    api: ApiClient, user: Any, make_token: Any
) -> None:
    for name in ["100%", "100x", "a_b", "aXb", "Deploy PROD"]:
        make_token(user, name)
    expected = {
        "": ["100%", "100x", "a_b", "aXb", "Deploy PROD"],
        "%": ["100%"],
        "0%": ["100%"],
        "_": ["a_b"],
        "a_b": ["a_b"],
        "x": ["100x", "aXb"],
        "deploy": ["Deploy PROD"],
        "LOY pr": ["Deploy PROD"],
        "\\": [],
        "[a]": [],
        "zzz": [],
    }
    seen = {}
    for q in expected:
        response = api.get("/tokens", query_string={"q": q, "sort": "created_at"})
        assert response.get_json()["total"] == len(names(response))
        seen[q] = names(response)
    assert seen == expected


def test_search_finds_a_name_however_it_is_typed(api: ApiClient) -> None:
    for name in ["cafe\u0301 prod", "Straße", "ÅNGSTRÖM", "other"]:
        api.create(name)
    expected = {
        "cafe\u0301": ["café prod"],  # decomposed, as some keyboards and pastes send it
        "café": ["café prod"],
        "CAFÉ": ["café prod"],
        "STRASSE": ["Straße"],
        "ångström": ["ÅNGSTRÖM"],
    }
    seen = {q: names(api.get("/tokens", query_string={"q": q})) for q in expected}
    assert seen == expected


def test_odd_searches_never_fail(api: ApiClient) -> None:
    api.create("é %ED%A0%80 \U0001f680")
    queries = ["x" * 10_000, "\U0001f680", "'\"", "\\%", "%ED%A0%80", "\ufffd", "ﬃ"]
    seen = {q[:20]: api.get("/tokens", query_string={"q": q}).status_code for q in queries}
    assert seen == {q: 200 for q in seen}


def test_statuses_and_the_status_filter(clock: Any, api: ApiClient) -> None:
    created = {
        "active": api.create("active", expiration={"unit": "days", "value": 30}),
        "expiring": api.create("expiring", expiration={"unit": "days", "value": 3}),
        "expired": api.create("expired", expiration={"unit": "minutes", "value": 1}),
        "revoked": api.create("revoked", expiration={"unit": "days", "value": 30}),
        "never": api.create("never", expiration={"unit": "never"}),
    }
    api.post(f"/tokens/{created['revoked']['token']['id']}/revoke")
    clock.shift(timedelta(minutes=2))
    listed = {t["name"]: t["status"] for t in api.get("/tokens").get_json()["items"]}
    assert listed == {
        "active": "active",
        "expiring": "expiring",
        "expired": "expired",
        "revoked": "revoked",
        "never": "active",
    }
    for status in ("active", "expiring", "expired", "revoked"):
        response = api.get("/tokens", query_string={"status": status, "sort": "name"})
        assert names(response) == sorted(n for n, s in listed.items() if s == status)


def test_status_boundaries(clock: Any, api: ApiClient) -> None:
    token = api.create("edge", expiration={"unit": "days", "value": 10})["token"]
    expires_at = at(token["expires_at"])
    assert expires_at == START + timedelta(days=10)
    expected = {
        "a microsecond before the warning": (-WARNING - MICROSECOND, "active"),
        "the warning starts": (-WARNING, "expiring"),
        "a microsecond before expiry": (-MICROSECOND, "expiring"),
        "expires_at": (timedelta(0), "expired"),
        "20 days on": (timedelta(days=20), "expired"),
    }
    seen = {}
    for case, (offset, _) in expected.items():
        clock.move_to(expires_at + offset)
        shown = api.get(f"/tokens/{token['id']}").get_json()["status"]
        filtered = [
            status
            for status in ("active", "expiring", "expired", "revoked")
            if names(api.get("/tokens", query_string={"status": status})) == ["edge"]
        ]
        seen[case] = (shown, filtered)
    assert seen == {case: (status, [status]) for case, (_, status) in expected.items()}


@pytest.mark.parametrize("app_config", [{"PAT_EXPIRY_WARNING": timedelta(hours=1)}])
def test_the_warning_period_follows_the_setting(clock: Any, api: ApiClient) -> None:
    token = api.create("soon", expiration={"unit": "hours", "value": 2})["token"]
    assert token["status"] == "active"
    clock.shift(timedelta(hours=1))
    assert api.get(f"/tokens/{token['id']}").get_json()["status"] == "expiring"


def test_a_token_is_refused_from_expires_at_on(clock: Any, api: ApiClient, app: Flask) -> None:
    created = api.create("edge", expiration={"unit": "minutes", "value": 5})
    client = app.test_client()
    clock.move_to(at(created["token"]["expires_at"]) - MICROSECOND)
    response = client.get(f"{API}/tokens/self", headers=bearer(created["secret"]))
    assert response.status_code == 200
    assert response.get_json()["status"] == "expiring"

    clock.move_to(at(created["token"]["expires_at"]))
    response = client.get(f"{API}/tokens/self", headers=bearer(created["secret"]))
    error_of(response, 401, "unauthorized")
    challenge = response.headers["WWW-Authenticate"]
    assert 'error="invalid_token"' in challenge
    assert "expired" in challenge


def test_sorting(clock: Any, api: ApiClient, user: Any) -> None:
    for name, expiration in [
        ("banana", {"unit": "days", "value": 3}),
        ("Apple", {"unit": "never"}),
        ("Cherry", {"unit": "hours", "value": 1}),
        ("apricot", {"unit": "weeks", "value": 100}),
        ("date", {"unit": "never"}),
    ]:
        api.create(name, expiration=expiration)
        clock.shift(timedelta(seconds=1))
    ascending = {
        "name": ["Apple", "apricot", "banana", "Cherry", "date"],
        "created_at": ["banana", "Apple", "Cherry", "apricot", "date"],
        # Never-expiring tokens after every dated token ascending (so first descending);
        # "Apple" and "date" never expire and tie, broken by id in the same direction.
        "expires_at": ["Cherry", "banana", "apricot", "Apple", "date"],
    }
    expected = {**ascending, **{f"-{key}": order[::-1] for key, order in ascending.items()}}
    seen = {sort: names(api.get("/tokens", query_string={"sort": sort})) for sort in expected}
    assert seen == expected
    assert names(api.get("/tokens")) == expected["-created_at"]  # the default


def test_ties_are_broken_by_id_in_the_same_direction(clock: Any, api: ApiClient) -> None:
    ids = [api.create(f"same time {n}")["token"]["id"] for n in range(4)]
    seen = {
        sort: [t["id"] for t in api.get("/tokens", query_string={"sort": sort}).get_json()["items"]]
        for sort in ("created_at", "-created_at", "expires_at", "-expires_at")
    }
    assert seen == {
        "created_at": ids,
        "-created_at": ids[::-1],
        "expires_at": ids,
        "-expires_at": ids[::-1],
    }


def test_sorting_by_last_used(clock: Any, app: Flask, api: ApiClient) -> None:
    secrets = {name: api.create(name)["secret"] for name in ("first", "never", "second")}
    client = app.test_client()
    for name in ("second", "first"):
        clock.shift(timedelta(hours=1))
        assert client.get(f"{API}/tokens/self", headers=bearer(secrets[name])).status_code == 200
    items = api.get("/tokens", query_string={"sort": "last_used_at"}).get_json()["items"]
    assert [t["name"] for t in items] == ["never", "second", "first"]
    assert [at(t["last_used_at"]) for t in items] == [
        None,
        START + timedelta(hours=1),
        START + timedelta(hours=2),
    ]
    descending = api.get("/tokens", query_string={"sort": "-last_used_at"})
    assert names(descending) == ["first", "second", "never"]


def test_pagination(api: ApiClient, user: Any, make_token: Any) -> None:
    for n in range(12):
        make_token(user, f"t{n:02}")
    every = [f"t{n:02}" for n in range(12)]
    cases: list[tuple[dict[str, Any], list[str], int, int]] = [
        ({"per_page": 5}, every[:5], 12, 3),
        ({"per_page": 5, "page": 2}, every[5:10], 12, 3),
        ({"per_page": 5, "page": 3}, every[10:], 12, 3),
        ({"per_page": 5, "page": 4}, [], 12, 3),
        ({"per_page": 5, "page": 10**20}, [], 12, 3),
        ({}, every[:10], 12, 2),
        ({"page": 2}, every[10:], 12, 2),
        ({"per_page": 50}, every, 12, 1),
        ({"per_page": 100}, every, 12, 1),
        ({"per_page": 5, "q": "1"}, ["t01", "t10", "t11"], 3, 1),
    ]
    seen, expected = {}, {}
    for query, page_names, total, pages in cases:
        body = api.get("/tokens", query_string={"sort": "name", **query}).get_json()
        seen[repr(query)] = (
            [item["name"] for item in body["items"]],
            body["page"],
            body["per_page"],
            body["total"],
            body["pages"],
        )
        expected[repr(query)] = (
            page_names,
            query.get("page", 1),
            query.get("per_page", 10),
            total,
            pages,
        )
    assert seen == expected


def test_bad_list_queries_are_422(api: ApiClient) -> None:
    cases = [
        ("per_page", 7),
        ("per_page", 0),
        ("per_page", 1000),
        ("per_page", -5),
        ("per_page", "ten"),
        ("per_page", "5.0"),
        ("per_page", ""),
        ("page", 0),
        ("page", -1),
        ("page", "x"),
        ("page", "1.5"),
        ("status", "dead"),
        ("status", "ACTIVE"),
        ("sort", "id"),
        ("sort", "--name"),
        ("sort", "+name"),
        ("sort", "token_hash"),
        ("q", "a\x00b"),
        ("project", "\x00"),
        ("unknown", "1"),
    ]
    seen = {
        (field, value): outcome(api.get("/tokens", query_string={field: value}))
        for field, value in cases
    }
    assert seen == {(field, value): (422, "invalid", (field,)) for field, value in cases}


@WITH_PROJECTS
def test_project_filter(api: ApiClient) -> None:
    api.create("one", project_id=1)
    api.create("alpha", project_id="a")
    api.create("public", project_id=7)
    api.create("none")
    expected = {
        "1": ["one"],
        "a": ["alpha"],
        "7": ["public"],
        "2": [],
        "": ["alpha", "none", "one", "public"],
    }
    seen = {
        project: names(api.get("/tokens", query_string={"project": project, "sort": "name"}))
        for project in expected
    }
    assert seen == expected


# -- one token --------------------------------------------------------------------------


def test_get_one_token(clock: Any, api: ApiClient) -> None:
    created = api.create("one", expiration={"unit": "days", "value": 1}, scopes=["notes:read"])
    response = api.get(f"/tokens/{created['token']['id']}")
    assert response.status_code == 200
    assert response.get_json() == created["token"]
    assert created["secret"] not in response.get_data(as_text=True)


def test_unknown_ids_are_404_json_on_every_token_route(api: ApiClient) -> None:
    api.create("exists")
    ids = [
        "0",
        "-1",
        "abc",
        "1.5",
        "01",
        "1e3",
        " 1",
        str(2**63 - 1),
        str(2**63),
        "9" * 20,
        "999999",
    ]
    seen = {
        (token_id, method, path): outcome(
            call(api.client, method, path.format(id=token_id), signed(api))
        )
        for token_id in ids
        for method, path in TOKEN_ROUTES
    }
    assert seen == {case: (404, "not_found", ()) for case in seen}


def test_other_users_tokens_are_404_on_every_token_route(
    app: Flask, api: ApiClient, other_user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(other_user, "theirs")
    seen = {
        (method, path): outcome(call(api.client, method, path.format(id=token_id), signed(api)))
        for method, path in TOKEN_ROUTES
    }
    assert seen == {route: (404, "not_found", ()) for route in seen}
    row = token_row(app, token_id)
    assert row is not None and row.revoked_at is None
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200


def test_wrong_methods_are_405_json(api: ApiClient) -> None:
    token_id = api.create("exists")["token"]["id"]
    cases = {
        ("put", "/tokens"): {"GET", "POST"},
        ("delete", "/tokens"): {"GET", "POST"},
        ("put", f"/tokens/{token_id}"): {"GET", "PATCH", "DELETE"},
        ("post", f"/tokens/{token_id}"): {"GET", "PATCH", "DELETE"},
        ("get", f"/tokens/{token_id}/revoke"): {"POST"},
        ("delete", f"/tokens/{token_id}/rotate"): {"POST"},
        ("put", f"/tokens/{token_id}/restore"): {"POST"},
        ("post", "/meta"): {"GET"},
        ("post", "/openapi.json"): {"GET"},
        ("post", f"/tokens/{token_id}/ide/vscode"): {"GET"},
    }
    seen = {}
    for (method, path), allowed in cases.items():
        response = getattr(api.client, method)(API + path, headers=signed(api))
        offered = set(response.headers.get("Allow", "").replace(" ", "").split(","))
        seen[method, path] = (outcome(response)[0], offered - {"HEAD", "OPTIONS"} == allowed)
    assert seen == {case: (405, True) for case in cases}
    assert api.get(f"/tokens/{token_id}").get_json()["status"] == "active"


def test_unknown_api_paths_are_404_json(api: ApiClient) -> None:
    cases = [
        ("get", "/nope"),
        ("get", "/tokens/1/nope"),
        ("post", "/tokens/1/revoke/now"),
        ("get", "/tokens/1/ide"),
        ("delete", "/"),
        ("get", "/"),
        ("get", "/tokens/"),
    ]
    seen = {
        (method, path): outcome(getattr(api.client, method)(API + path, headers=signed(api)))
        for method, path in cases
    }
    assert seen == {case: (404, "not_found", ()) for case in cases}


# -- revoke, restore, rotate, delete ----------------------------------------------------


def test_revoke_stops_the_token_and_keeps_the_first_date(
    clock: Any, app: Flask, api: ApiClient
) -> None:
    created = api.create("leaky")
    token_id, secret = created["token"]["id"], created["secret"]
    client = app.test_client()
    assert client.get("/whoami", headers=bearer(secret)).status_code == 200

    clock.shift(timedelta(minutes=1))
    revoked = api.post(f"/tokens/{token_id}/revoke")
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked"
    assert at(revoked.get_json()["revoked_at"]) == START + timedelta(minutes=1)
    response = client.get(f"{API}/tokens/self", headers=bearer(secret))
    assert "revoked" in error_of(response, 401, "unauthorized")["message"]
    assert "revoked" in response.headers["WWW-Authenticate"]

    clock.shift(timedelta(minutes=1))
    again = api.post(f"/tokens/{token_id}/revoke")
    assert again.status_code == 200
    assert at(again.get_json()["revoked_at"]) == START + timedelta(minutes=1)
    assert names(api.get("/tokens")) == ["leaky"]
    assert secret not in again.get_data(as_text=True)


def test_restore_makes_a_revoked_token_work_again(app: Flask, api: ApiClient) -> None:
    created = api.create("oops")
    token_id, secret = created["token"]["id"], created["secret"]
    api.post(f"/tokens/{token_id}/revoke")
    restored = api.post(f"/tokens/{token_id}/restore")
    assert restored.status_code == 200
    body = restored.get_json()
    assert (body["status"], body["revoked_at"]) == ("active", None)
    assert body["expires_at"] == created["token"]["expires_at"]
    assert secret not in restored.get_data(as_text=True)
    assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200
    # Restoring a token that is not revoked changes nothing.
    assert api.post(f"/tokens/{token_id}/restore").get_json()["status"] == "active"


def test_an_expired_token_cannot_be_restored(clock: Any, app: Flask, api: ApiClient) -> None:
    tokens = {
        "revoked": api.create("revoked", expiration={"unit": "minutes", "value": 1}),
        "expired": api.create("expired", expiration={"unit": "minutes", "value": 1}),
    }
    api.post(f"/tokens/{tokens['revoked']['token']['id']}/revoke")
    clock.shift(timedelta(minutes=1))
    client = app.test_client()
    seen = {}
    for case, created in tokens.items():
        token_id = created["token"]["id"]
        seen[case] = (
            outcome(api.post(f"/tokens/{token_id}/restore")),
            api.get(f"/tokens/{token_id}").get_json()["status"],
            client.get("/whoami", headers=bearer(created["secret"])).status_code,
        )
    assert seen == {case: ((409, "expired", ()), case, 401) for case in tokens}


@WITH_PROJECTS
def test_rotate_gives_a_new_secret_to_the_same_record(
    clock: Any, app: Flask, api: ApiClient
) -> None:
    created = api.create(
        "rotating",
        expiration={"unit": "days", "value": 10},
        scopes=["notes:read"],
        project_id="a",
    )
    old, token_id = created["secret"], created["token"]["id"]
    later(clock, api, timedelta(days=1))
    response = api.post(f"/tokens/{token_id}/rotate")
    assert response.status_code == 201
    assert "no-store" in response.headers["Cache-Control"]
    rotated = response.get_json()
    new, token = rotated["secret"], rotated["token"]
    assert SECRET.fullmatch(new) and new != old
    assert (token["id"], token["name"], token["scopes"], token["project_id"]) == (
        token_id,
        "rotating",
        ["notes:read"],
        "a",
    )
    assert token["last4"] == new[-4:]
    assert at(token["expires_at"]) == START + timedelta(days=11)
    assert token["status"] == "active"
    assert at(token["created_at"]) == START

    client = app.test_client()
    refused = client.get(f"{API}/tokens/self", headers=bearer(old))
    error_of(refused, 401, "unauthorized")
    assert client.get(f"{API}/tokens/self", headers=bearer(new)).get_json()["id"] == token_id
    assert token_row(app, token_id).token_hash == hashlib.sha256(new.encode()).hexdigest()
    assert new not in api.get(f"/tokens/{token_id}").get_data(as_text=True)
    assert new not in api.get("/tokens").get_data(as_text=True)


def test_rotate_revives_an_expired_or_revoked_token(clock: Any, app: Flask, api: ApiClient) -> None:
    tokens = {
        state: api.create(state, expiration={"unit": "days", "value": 8})
        for state in ("expired", "revoked", "revoked and expired", "never expires")
    }
    api.post(f"/tokens/{tokens['revoked']['token']['id']}/revoke")
    api.post(f"/tokens/{tokens['revoked and expired']['token']['id']}/revoke")
    never = api.create("never", expiration={"unit": "never"})
    later(clock, api, timedelta(days=9))
    client = app.test_client()
    seen, expected = {}, {}
    for state, created in tokens.items():
        rotated = api.post(f"/tokens/{created['token']['id']}/rotate").get_json()
        token = rotated["token"]
        seen[state] = (
            token["status"],
            token["revoked_at"],
            at(token["expires_at"]),
            client.get("/whoami", headers=bearer(rotated["secret"])).status_code,
            client.get("/whoami", headers=bearer(created["secret"])).status_code,
        )
        expected[state] = ("active", None, START + timedelta(days=17), 200, 401)
    assert seen == expected
    rotated = api.post(f"/tokens/{never['token']['id']}/rotate").get_json()["token"]
    assert (rotated["expires_at"], rotated["status"]) == (None, "active")


def test_delete_is_for_good(app: Flask, api: ApiClient) -> None:
    created = api.create("doomed")
    token_id, secret = created["token"]["id"], created["secret"]
    response = api.delete(f"/tokens/{token_id}")
    assert response.status_code == 204
    assert response.get_data() == b""
    error_of(api.get(f"/tokens/{token_id}"), 404, "not_found")
    error_of(api.delete(f"/tokens/{token_id}"), 404, "not_found")
    assert names(api.get("/tokens")) == []
    assert token_row(app, token_id) is None
    response = app.test_client().get(f"{API}/tokens/self", headers=bearer(secret))
    error_of(response, 401, "unauthorized")


# -- concurrency ------------------------------------------------------------------------


def create_together(clients: list[ApiClient], names: list[str]) -> list[tuple[int, Any]]:
    """Each client creates a token with its name at the same moment, each in a thread."""
    barrier = threading.Barrier(len(clients))
    answers: list[tuple[int, Any]] = []

    def create(client: ApiClient, name: str) -> None:
        barrier.wait()
        response = client.post("/tokens", json={"name": name})
        answers.append((response.status_code, response.get_json()))

    threads = [
        threading.Thread(target=create, args=pair) for pair in zip(clients, names, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def count_tokens(app: Flask) -> int:
    pat = app.extensions["pat"]
    with app.app_context():
        return int(pat.db.session.scalar(sa.select(sa.func.count()).select_from(pat.Token)))


def test_two_concurrent_creates_with_one_name(app: Flask, user: Any, database_url: str) -> None:
    require_server(database_url, "postgresql", "mysql")
    clients = [ApiClient(sign_in(app, user), PREFIX) for _ in range(2)]
    for round_ in range(5):
        answers = create_together(clients, [f"Deploy {round_}", f"deploy {round_}"])
        assert sorted(status for status, _ in answers) == [201, 409], answers
        assert [body["error"]["code"] for status, body in answers if status == 409] == ["conflict"]
    assert count_tokens(app) == 5


@pytest.mark.parametrize("app_config", [{"PAT_MAX_TOKENS_PER_USER": 3}])
def test_concurrent_creates_do_not_pass_the_limit(app: Flask, user: Any, database_url: str) -> None:
    require_server(database_url, "postgresql", "mysql")
    clients = [ApiClient(sign_in(app, user), PREFIX) for _ in range(4)]
    answers = create_together(clients, ["a", "b", "c", "d"])
    assert sorted(status for status, _ in answers) == [201, 201, 201, 409], answers
    assert [body["error"]["code"] for status, body in answers if status == 409] == ["limit_reached"]
    assert count_tokens(app) == 3


@pytest.mark.parametrize(
    "app_config",
    [{"PAT_PROJECTS": lambda user: [{"id": "p" * 300, "name": "Long", "public": False}]}],
)
def test_a_project_id_too_long_to_store_is_refused(api: ApiClient) -> None:
    response = api.post("/tokens", json={"name": "long", "project_id": "p" * 300})
    assert response.status_code == 422
    assert "project_id" in response.get_json()["error"]["fields"]
    assert api.get("/tokens").get_json()["total"] == 0
