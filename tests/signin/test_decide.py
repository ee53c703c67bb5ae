"""API clients: the Bearer header on host routes, rejections, cookies, CSRF, loaders."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask, flash, session
from flask_login import LoginManager, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect, generate_csrf

import tests.conftest as conftest
from flask_pat import (
    PersonalAccessTokens,
    accepts_tokens,
    context,
    current_token,
    listing,
    service,
    tokens,
)
from tests.conftest import bearer, sign_in

API = "/settings/tokens/api"


@pytest.fixture
def app(app: Flask) -> Flask:
    """The conftest host app, plus routes that show what a host view sees and does."""

    @app.get("/probe/token")
    @accepts_tokens
    def probe_token() -> dict[str, Any]:
        return {
            "authenticated": current_user.is_authenticated,
            "user": current_user.get_id() if current_user.is_authenticated else None,
            "email": current_user.email if current_user.is_authenticated else None,
            "has_token": bool(current_token),
            "token_id": current_token.id if current_token else None,
            "token_name": current_token.name if current_token else None,
            "scopes": current_token.scopes if current_token else None,
        }

    @app.get("/probe/flash")
    @accepts_tokens
    @login_required
    def probe_flash() -> str:
        flash("Saved.")
        return "ok"

    @app.get("/probe/csrf")
    @accepts_tokens
    @login_required
    def probe_csrf() -> str:
        return generate_csrf()

    @app.get("/probe/session")
    @accepts_tokens
    def probe_session() -> str:
        session["seen"] = True
        return "ok"

    @app.get("/probe/remember")
    @accepts_tokens
    @login_required
    def probe_remember() -> str:
        login_user(current_user._get_current_object(), remember=True)
        return "ok"

    @app.teardown_request
    def end_transaction(error: BaseException | None) -> None:
        # pytest-flask keeps one app context, so one db.session, for the whole test: end
        # each request's transaction as a request of its own would, or MariaDB's
        # REPEATABLE READ snapshot hides what the test changed between requests.
        app.extensions["sqlalchemy"].session.remove()

    return app


def add_user(app: Flask, email: str) -> Any:
    """A user on any host app made by ``make_app``, detached."""
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        user = app.extensions["pat"].user_model(email=email)
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def new_token(app: Flask, user: Any, **kwargs: Any) -> str:
    with app.app_context():
        _, secret = service.create(user, kwargs.pop("name", "token"), **kwargs)
        return secret


@contextmanager
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL statements run on ``app``'s engine inside the block."""
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(" ".join(statement.split()))

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def challenge(response: Any) -> str:
    return str(response.headers.get("WWW-Authenticate", ""))


def description(response: Any) -> str:
    match = re.search(r'error_description="([^"]*)"', challenge(response))
    assert match, challenge(response)
    return match.group(1)


@pytest.fixture
def hooked_host(
    host_app: Any, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., tuple[Flask, Any, Any, Any]]:
    """``hooked_host(before, **options)``: a host app where ``before(app)`` runs just
    before ``pat.init_app``, as a host that sets up other extensions first."""

    def factory(before: Callable[[Flask], None], **options: Any) -> tuple[Flask, Any, Any, Any]:
        class Hooked(PersonalAccessTokens):
            def init_app(self, app: Flask, **kwargs: Any) -> None:
                before(app)
                super().init_app(app, **kwargs)

        monkeypatch.setattr(conftest, "PersonalAccessTokens", Hooked)
        try:
            return host_app(**options)  # type: ignore[no-any-return]
        finally:
            monkeypatch.undo()

    return factory


# -- a valid token on host routes ---------------------------------------------------------


def test_bearer_token_passes_login_required(app: Flask, user: Any, make_token: Any) -> None:
    token_id, secret = make_token(user, "laptop")
    response = app.test_client().get("/whoami", headers=bearer(secret))
    assert response.status_code == 200
    assert response.get_json() == {"user": str(user.id), "token": token_id}


def test_current_user_and_current_token_are_the_tokens(
    app: Flask, user: Any, other_user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(user, "ci", scopes=["notes:read"])
    # Signed in as someone else by session: the header still decides.
    client = sign_in(app, other_user)
    data = client.get("/probe/token", headers=bearer(secret)).get_json()
    assert data == {
        "authenticated": True,
        "user": str(user.id),
        "email": "ada@example.com",
        "has_token": True,
        "token_id": token_id,
        "token_name": "ci",
        "scopes": ["notes:read"],
    }


def test_current_token_is_falsy_without_a_token(app: Flask, user: Any) -> None:
    anonymous = app.test_client().get("/probe/token").get_json()
    assert anonymous["has_token"] is False
    assert anonymous["authenticated"] is False
    by_session = sign_in(app, user)
    data = by_session.get("/probe/token").get_json()
    assert data["authenticated"] is True
    assert data["has_token"] is False
    assert data["token_id"] is None


@pytest.mark.parametrize(
    "template",
    ["Bearer {}", "bearer {}", "BEARER {}", "bEaReR {}", "Bearer    {}", "Bearer {}   "],
)
def test_scheme_is_case_insensitive_and_spaces_are_forgiven(
    app: Flask, user: Any, make_token: Any, template: str
) -> None:
    _, secret = make_token(user)
    response = app.test_client().get("/whoami", headers={"Authorization": template.format(secret)})
    assert response.status_code == 200
    assert response.get_json()["user"] == str(user.id)


@pytest.mark.parametrize("template", ["Basic {}", "Token {}", "ApiKey {}", "{}", "Bearer{}"])
def test_other_schemes_are_left_to_others(
    app: Flask, user: Any, other_user: Any, make_token: Any, template: str
) -> None:
    _, secret = make_token(user)
    headers = {"Authorization": template.format(secret)}
    anonymous = app.test_client()
    assert anonymous.get("/whoami", headers=headers).status_code == 401
    response = anonymous.get("/notes", headers=headers)
    assert response.status_code == 401
    assert "invalid_token" not in challenge(response)
    # Not ours to decide: the session (or another loader) still signs the request in.
    by_session = sign_in(app, other_user)
    data = by_session.get("/probe/token", headers=headers).get_json()
    assert data["user"] == str(other_user.id)
    assert data["has_token"] is False


@pytest.mark.parametrize("app_config", [{"PAT_AUTH_SCHEMES": ("Bearer", "Token")}])
@pytest.mark.parametrize("scheme", ["Bearer", "Token", "token", "TOKEN"])
def test_configured_schemes_are_all_accepted(
    app: Flask, user: Any, make_token: Any, scheme: str
) -> None:
    _, secret = make_token(user)
    response = app.test_client().get("/whoami", headers={"Authorization": f"{scheme} {secret}"})
    assert response.status_code == 200
    assert response.get_json()["user"] == str(user.id)


@pytest.mark.parametrize("app_config", [{"PAT_AUTH_SCHEMES": ("Token",)}])
def test_bearer_is_refused_when_not_configured(app: Flask, user: Any, make_token: Any) -> None:
    _, secret = make_token(user)
    client = app.test_client()
    assert client.get("/whoami", headers=bearer(secret)).status_code == 401
    assert client.get("/whoami", headers={"Authorization": f"Token {secret}"}).status_code == 200


@pytest.mark.parametrize("parameter", ["access_token", "token", "private_token"])
def test_tokens_in_the_query_string_or_form_body_are_ignored(
    app: Flask, user: Any, make_token: Any, parameter: str
) -> None:
    _, secret = make_token(user, scopes=["notes:read", "notes:write"])
    client = app.test_client()
    assert client.get(f"/whoami?{parameter}={secret}").status_code == 401
    assert client.get("/notes", query_string={parameter: secret}).status_code == 401
    response = client.post("/notes", data={parameter: secret})
    assert response.status_code == 401
    assert "invalid_token" not in challenge(response)
    assert client.post("/notes", json={parameter: secret}).status_code == 401
    # The same token in the header works, so the refusals above are about where it was.
    assert client.post("/notes", headers=bearer(secret)).status_code == 201


# -- tokens that authenticate nobody -------------------------------------------------------


def _spoil(app: Flask, user: Any, make_token: Any, how: str) -> str:
    """A presented token in state ``how``."""
    if how == "malformed":
        return "pat_this-is-not-a-token"
    if how == "bad checksum":
        _, secret = make_token(user, "checksum")
        last = "A" if secret[-1] != "A" else "B"
        return secret[:-1] + last
    if how == "unknown":
        return tokens.generate("pat")
    expiration = ("minutes", 1) if how == "expired" else ("days", 30)
    token_id, secret = make_token(user, how, expiration=expiration)
    db = app.extensions["sqlalchemy"]
    pat = app.extensions["pat"]
    with app.app_context():
        token = service.get(user, token_id)
        if how == "revoked":
            service.revoke(user, token)
        elif how == "deleted":
            service.delete(user, token)
        elif how == "expired":
            token.expires_at = context.utcnow() - timedelta(seconds=1)
            db.session.commit()
        elif how == "inactive":
            db.session.execute(
                sa.update(pat.user_model).where(pat.user_pk == user.id).values(active=False)
            )
            db.session.commit()
    return secret


REJECTIONS = [
    ("malformed", "malformed"),
    ("bad checksum", "malformed"),
    ("unknown", "unknown"),
    ("deleted", "unknown"),
    ("revoked", "revoked"),
    ("expired", "expired"),
    ("inactive", "inactive"),
]


@pytest.mark.parametrize(("how", "word"), REJECTIONS)
def test_rejected_tokens_authenticate_nobody(
    app: Flask, user: Any, make_token: Any, how: str, word: str
) -> None:
    secret = _spoil(app, user, make_token, how)
    client = app.test_client()
    assert client.get("/whoami", headers=bearer(secret)).status_code == 401
    data = client.get("/probe/token", headers=bearer(secret)).get_json()
    assert data["authenticated"] is False
    assert data["has_token"] is False


CHALLENGED = [
    ("GET", "/notes"),
    ("POST", "/notes"),
    ("GET", f"{API}/tokens/self"),
    ("GET", f"{API}/tokens"),
    ("POST", f"{API}/tokens"),
    ("GET", f"{API}/meta"),
]


@pytest.mark.parametrize(("how", "word"), REJECTIONS)
def test_rejected_tokens_get_an_rfc6750_challenge_naming_the_reason(
    app: Flask, user: Any, make_token: Any, how: str, word: str
) -> None:
    secret = _spoil(app, user, make_token, how)
    client = app.test_client()
    for method, path in CHALLENGED:
        response = client.open(path, method=method, headers=bearer(secret))
        assert response.status_code == 401, (method, path)
        assert challenge(response).startswith('Bearer realm="api", error="invalid_token", ')
        assert word in description(response).lower()
        assert secret not in challenge(response)
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_anonymous_gets_a_plain_challenge(app: Flask) -> None:
    client = app.test_client()
    for method, path in CHALLENGED:
        response = client.open(path, method=method)
        assert response.status_code == 401, (method, path)
        assert challenge(response) == 'Bearer realm="api"'
        assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_restored_token_works_again(app: Flask, user: Any, make_token: Any) -> None:
    token_id, secret = make_token(user)
    client = app.test_client()
    with app.app_context():
        service.revoke(user, service.get(user, token_id))
    assert client.get("/whoami", headers=bearer(secret)).status_code == 401
    with app.app_context():
        service.restore(user, service.get(user, token_id))
    assert client.get("/whoami", headers=bearer(secret)).status_code == 200


# -- the header decides alone ----------------------------------------------------------------


@pytest.mark.parametrize("how", ["malformed", "unknown", "revoked", "expired"])
def test_a_bad_token_next_to_a_good_session_is_refused(
    app: Flask, user: Any, make_token: Any, how: str
) -> None:
    secret = _spoil(app, user, make_token, how)
    client = sign_in(app, user)
    assert client.get("/whoami").status_code == 200
    assert client.get("/whoami", headers=bearer(secret)).status_code == 401
    response = client.get("/notes", headers=bearer(secret))
    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response)
    assert client.get(f"{API}/tokens", headers=bearer(secret)).status_code == 401
    # The session itself is untouched.
    assert client.get("/whoami").status_code == 200


def test_a_bad_token_next_to_a_remember_cookie_is_refused(
    app: Flask, user: Any, make_token: Any
) -> None:
    client = sign_in(app, user)
    client.delete_cookie("session")
    assert client.get_cookie("remember_token") is not None
    assert client.get("/whoami").status_code == 200  # the remember cookie alone signs in
    client.delete_cookie("session")
    response = client.get("/whoami", headers=bearer(tokens.generate("pat")))
    assert response.status_code == 401


def test_a_narrow_token_next_to_a_session_keeps_its_scopes(
    app: Flask, user: Any, make_token: Any
) -> None:
    _, secret = make_token(user, scopes=["notes:read"])
    client = sign_in(app, user)
    assert client.get("/notes", headers=bearer(secret)).status_code == 200
    response = client.post("/notes", headers=bearer(secret))
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "insufficient_scope"
    assert challenge(response) == (
        'Bearer realm="api", error="insufficient_scope", scope="notes:write"'
    )


def test_scope_challenge_lists_every_scope_asked(host_app: Any) -> None:
    from flask_pat import scopes_required

    host, _, _, _ = host_app()

    @host.get("/both")
    @scopes_required("notes:read", "notes:write")
    def both() -> str:
        return "ok"

    owner = add_user(host, "c@example.com")
    narrow = new_token(host, owner, scopes=["notes:read"])
    wide = new_token(host, owner, name="wide", scopes=["notes:read", "notes:write"])
    client = host.test_client()
    response = client.get("/both", headers=bearer(narrow))
    assert response.status_code == 403
    assert 'scope="notes:read notes:write"' in challenge(response)
    assert client.get("/both", headers=bearer(wide)).status_code == 200


def test_session_users_pass_scopes_required(app: Flask, user: Any) -> None:
    client = sign_in(app, user)
    assert client.get("/notes").status_code == 200
    assert client.post("/notes").status_code == 201


def test_a_token_without_scopes_is_refused_by_scoped_routes(
    app: Flask, user: Any, make_token: Any
) -> None:
    _, secret = make_token(user, scopes=[])
    client = app.test_client()
    assert client.get("/whoami", headers=bearer(secret)).status_code == 200
    response = client.get("/notes", headers=bearer(secret))
    assert response.status_code == 403
    assert 'scope="notes:read"' in challenge(response)


# -- cookies -------------------------------------------------------------------------------


COOKIE_PATHS = [
    "/whoami",
    "/probe/flash",
    "/probe/csrf",
    "/probe/session",
    "/probe/remember",
    "/notes",
    f"{API}/tokens/self",
    f"{API}/meta",
]


@pytest.mark.parametrize("signed_in", [False, True], ids=["fresh", "with-cookies"])
def test_token_requests_never_set_cookies(
    app: Flask, user: Any, make_token: Any, signed_in: bool
) -> None:
    _, secret = make_token(user, scopes=["notes:read"])
    client = sign_in(app, user) if signed_in else app.test_client()
    for path in COOKIE_PATHS:
        response = client.get(path, headers=bearer(secret))
        assert response.status_code in (200, 403), path
        assert "Set-Cookie" not in response.headers, (path, response.headers)
    # Rejected tokens too: the header decided, so the request has no session to save.
    for path in ("/probe/session", "/probe/flash", "/whoami"):
        response = client.get(path, headers=bearer(tokens.generate("pat")))
        assert response.status_code in (200, 401), path
        assert "Set-Cookie" not in response.headers, (path, response.headers)


def test_session_requests_keep_the_hosts_cookies(app: Flask, user: Any) -> None:
    client = sign_in(app, user)
    for path, cookie in [
        ("/probe/flash", "session="),
        ("/probe/csrf", "session="),
        ("/probe/session", "session="),
        ("/probe/remember", "remember_token="),
    ]:
        response = client.get(path)
        assert response.status_code == 200
        cookies = response.headers.getlist("Set-Cookie")
        assert any(c.startswith(cookie) for c in cookies), (path, cookies)


def test_sign_in_sets_session_and_remember_cookies(app: Flask, user: Any) -> None:
    response = app.test_client().post(f"/test-login/{user.id}")
    names = {c.split("=", 1)[0] for c in response.headers.getlist("Set-Cookie")}
    assert {"session", "remember_token"} <= names


def test_a_token_request_leaves_the_session_cookie_alone(
    app: Flask, user: Any, make_token: Any
) -> None:
    _, secret = make_token(user)
    client = sign_in(app, user)
    before = client.get_cookie("session")
    assert before is not None
    client.get("/probe/flash", headers=bearer(secret))
    after = client.get_cookie("session")
    assert after is not None and after.value == before.value
    # No flashed message waits in the session for the next page either.
    assert client.get("/probe/token").get_json()["authenticated"] is True
    with client.session_transaction() as stored:
        assert "_flashes" not in stored


# -- host CSRFProtect ------------------------------------------------------------------------


@pytest.fixture(params=["csrf-before-pat", "csrf-after-pat"])
def csrf_host(request: pytest.FixtureRequest, hooked_host: Any, host_app: Any) -> Flask:
    if request.param == "csrf-before-pat":
        host, _, _, _ = hooked_host(lambda app: CSRFProtect(app))
    else:
        host, _, _, _ = host_app()
        CSRFProtect(host)
    host.extensions["csrf"].exempt("tests.conftest.test_login")
    return host


def test_host_csrf_lets_token_posts_through(csrf_host: Flask) -> None:
    owner = add_user(csrf_host, "w@example.com")
    secret = new_token(csrf_host, owner, scopes=["notes:write"])
    response = csrf_host.test_client().post("/notes", headers=bearer(secret))
    assert response.status_code == 201
    # The same client signed in by session and sending no CSRF token is refused.
    by_session = sign_in(csrf_host, owner)
    response = by_session.post("/notes")
    assert response.status_code == 400
    assert b"CSRF" in response.data
    # A bad token is refused as a token, not let through as "no CSRF needed".
    response = csrf_host.test_client().post("/notes", headers=bearer(tokens.generate("pat")))
    assert response.status_code == 401
    assert 'error="invalid_token"' in challenge(response)


def test_host_forms_accept_token_posts(csrf_host: Flask) -> None:
    """A host view validating a FlaskForm: CSRFProtect's pass covers the form's own check."""
    from flask_wtf import FlaskForm
    from wtforms import StringField
    from wtforms.validators import DataRequired

    class NoteForm(FlaskForm):  # type: ignore[misc]
        text = StringField(validators=[DataRequired()])

    @csrf_host.post("/form-notes")
    @login_required
    @accepts_tokens(write="notes:write")
    def form_notes() -> tuple[dict[str, Any], int]:
        form = NoteForm()
        if form.validate_on_submit():
            return {"text": form.text.data}, 201
        return {"errors": form.errors}, 422

    owner = add_user(csrf_host, "f@example.com")
    secret = new_token(csrf_host, owner, scopes=["notes:write"])
    client = csrf_host.test_client()
    response = client.post("/form-notes", data={"text": "hi"}, headers=bearer(secret))
    assert (response.status_code, response.get_json()) == (201, {"text": "hi"})
    response = client.post("/form-notes", data={}, headers=bearer(secret))
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"text"}
    assert sign_in(csrf_host, owner).post("/form-notes", data={"text": "hi"}).status_code == 400


def test_host_csrf_keeps_the_api_on_its_own_check(csrf_host: Flask) -> None:
    owner = add_user(csrf_host, "w@example.com")
    client = sign_in(csrf_host, owner)
    response = client.post(f"{API}/tokens", json={"name": "x"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "csrf_failed"
    csrf = client.get(f"{API}/meta").get_json()["csrf_token"]
    response = client.post(f"{API}/tokens", json={"name": "x"}, headers={"X-CSRF-Token": csrf})
    assert response.status_code == 201
    # Flask-WTF's token is the one: the API's token also passes the host's own check.
    assert client.post("/notes", headers={"X-CSRFToken": csrf}).status_code == 201


# -- token management by token ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("app_config", "allowed"),
    [({}, False), ({"PAT_ALLOW_TOKEN_MANAGEMENT": True}, True)],
    ids=["default", "allowed"],
)
def test_tokens_manage_tokens_only_when_allowed(
    app: Flask, user: Any, make_token: Any, allowed: bool
) -> None:
    token_id, secret = make_token(user, "ci", scopes=["notes:read", "notes:write"])
    client = app.test_client()
    listed = client.get(f"{API}/tokens", headers=bearer(secret))
    within = {"name": "minted", "expiration": {"unit": "days", "value": 1}}
    created = client.post(f"{API}/tokens", headers=bearer(secret), json=within)
    minted = created.get_json().get("token", {}).get("id", token_id)
    revoked = client.post(f"{API}/tokens/{minted}/revoke", headers=bearer(secret))
    if allowed:
        assert listed.status_code == 200
        assert [t["name"] for t in listed.get_json()["items"]] == ["ci"]
        assert created.status_code == 201
        assert revoked.status_code == 200
        assert revoked.get_json()["status"] == "revoked"
    else:
        for response in (listed, created, revoked):
            assert response.status_code == 403
            assert response.get_json()["error"]["code"] == "forbidden"
        with app.app_context():
            assert listing.list_tokens(user).total == 1
            assert service.get(user, token_id).revoked_at is None


@pytest.mark.parametrize("scopes", [[], ["notes:read"], ["notes:read", "notes:write"]])
def test_tokens_self_answers_any_token(
    app: Flask, user: Any, make_token: Any, scopes: list[str]
) -> None:
    token_id, secret = make_token(user, "me", scopes=scopes)
    response = app.test_client().get(f"{API}/tokens/self", headers=bearer(secret))
    assert response.status_code == 200
    data = response.get_json()
    assert (data["id"], data["name"], data["scopes"]) == (token_id, "me", scopes)
    assert data["status"] == "active"
    assert secret not in response.get_data(as_text=True)


def test_tokens_self_is_for_tokens_only(app: Flask, user: Any) -> None:
    by_session = sign_in(app, user).get(f"{API}/tokens/self")
    assert by_session.status_code == 401
    assert by_session.get_json()["error"]["code"] == "unauthorized"
    assert app.test_client().get(f"{API}/tokens/self").status_code == 401


# -- last_used_at and queries ------------------------------------------------------------------


def _token_updates(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if s.upper().startswith("UPDATE") and table in s]


@pytest.mark.parametrize(
    "app_config",
    [{}, {"PAT_LAST_USED_RESOLUTION": timedelta(minutes=10)}],
    ids=["default", "ten-minutes"],
)
def test_last_used_at_is_written_once_per_resolution(
    app: Flask, user: Any, make_token: Any
) -> None:
    resolution = app.config["PAT_LAST_USED_RESOLUTION"]
    step = resolution / 200
    start = datetime(2031, 3, 1, 12, 0, tzinfo=UTC)
    table = app.config["PAT_TABLE_NAME"]
    client = app.test_client()
    with time_machine.travel(start, tick=False) as traveller:
        token_id, secret = make_token(user)
        with app.app_context():
            assert service.get(user, token_id).last_used_at is None
        with statements(app) as seen:
            for _ in range(100):
                assert client.get("/whoami", headers=bearer(secret)).status_code == 200
                traveller.shift(step)
        assert len(_token_updates(seen, table)) == 1
        with app.app_context():
            assert service.get(user, token_id).last_used_at == start

        traveller.shift(resolution)
        later = start + 100 * step + resolution
        with statements(app) as seen:
            assert client.get("/whoami", headers=bearer(secret)).status_code == 200
            assert client.get("/whoami", headers=bearer(secret)).status_code == 200
        assert len(_token_updates(seen, table)) == 1
        with app.app_context():
            assert service.get(user, token_id).last_used_at == later


def test_rejected_tokens_write_nothing(app: Flask, user: Any, make_token: Any) -> None:
    revoked = _spoil(app, user, make_token, "revoked")
    with statements(app) as seen:
        app.test_client().get("/whoami", headers=bearer(revoked))
        app.test_client().get("/whoami", headers=bearer("pat_malformed"))
    assert not [s for s in seen if not s.upper().startswith("SELECT")]


def test_one_query_authenticates_a_request(app: Flask, user: Any, make_token: Any) -> None:
    _, secret = make_token(user, scopes=["notes:read"])
    client = app.test_client()
    client.get("/whoami", headers=bearer(secret))  # the first use writes last_used_at
    for path in ("/whoami", "/probe/token", "/notes"):
        with statements(app) as seen:
            response = client.get(path, headers=bearer(secret))
        assert response.status_code == 200
        assert len(seen) == 1, seen
        assert seen[0].upper().startswith("SELECT")
    # A malformed token costs no query at all.
    with statements(app) as seen:
        assert client.get("/whoami", headers=bearer("pat_short")).status_code == 401
    assert seen == []


# -- a host request loader ----------------------------------------------------------------------


def _api_key_loader(app: Flask) -> None:
    """A host's own loader for ``Authorization: ApiKey <email>``, registered before flask-pat."""

    @app.login_manager.request_loader
    def load_from_api_key(request: Any) -> Any:
        scheme, _, email = request.headers.get("Authorization", "").partition(" ")
        if scheme != "ApiKey":
            return None
        pat = app.extensions["pat"]
        db = app.extensions["sqlalchemy"]
        return db.session.scalar(sa.select(pat.user_model).filter_by(email=email))


def test_a_host_request_loader_keeps_working(hooked_host: Any) -> None:
    host, _, _, _ = hooked_host(_api_key_loader)
    ada = add_user(host, "ada@example.com")
    bob = add_user(host, "bob@example.com")
    secret = new_token(host, ada, scopes=["notes:read"])
    client = host.test_client()

    response = client.get("/whoami", headers={"Authorization": "ApiKey bob@example.com"})
    assert response.status_code == 200
    assert response.get_json() == {"user": str(bob.id), "token": None}
    assert client.get("/whoami", headers={"Authorization": "ApiKey x@y"}).status_code == 401
    # With a PAT, ours decides, whatever the header's content.
    response = client.get("/whoami", headers=bearer(secret))
    assert response.get_json()["user"] == str(ada.id)
    response = client.get("/whoami", headers=bearer("bob@example.com"))
    assert response.status_code == 401


def test_an_app_factory_does_not_stack_loaders() -> None:
    """Hosts' test suites call their factory per test with module-level extensions."""
    db = SQLAlchemy()
    login_manager = LoginManager()
    pat = PersonalAccessTokens()
    depths: list[int] = []

    class Person(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)

    @login_manager.request_loader
    def host_loader(request: Any) -> None:
        depths.append(len(inspect.stack(0)))
        return None

    def create_app() -> Flask:
        app = Flask(__name__)
        app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://")
        db.init_app(app)
        login_manager.init_app(app)
        pat.init_app(app, db=db, user_model=Person)

        @app.get("/")
        def index() -> str:
            return str(current_user.is_authenticated)

        return app

    first = create_app()
    assert first.test_client().get("/").get_data(as_text=True) == "False"
    for _ in range(30):
        last = create_app()
    assert last.test_client().get("/").get_data(as_text=True) == "False"
    assert first.test_client().get("/").get_data(as_text=True) == "False"
    assert len(depths) == 3
    assert depths[0] == depths[1] == depths[2]


def test_the_hosts_csrf_check_is_wrapped_once_however_many_requests() -> None:
    """flask-pat wraps the host's ``CSRFProtect`` as a request starts; later requests leave
    it as it is (a layer more each time would deepen every check, up to Python's recursion
    limit)."""
    db = SQLAlchemy()
    depths: list[int] = []

    class Person(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)

    class HostCSRF(CSRFProtect):
        def protect(self, *args: Any, **kwargs: Any) -> Any:
            depths.append(len(inspect.stack(0)))
            return super().protect(*args, **kwargs)

    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", SQLALCHEMY_DATABASE_URI="sqlite://")
    db.init_app(app)
    LoginManager(app)
    HostCSRF(app)
    PersonalAccessTokens(app, db=db, user_model=Person)

    @app.post("/notes")
    def notes() -> str:
        return "written"

    client = app.test_client()
    for _ in range(6):
        assert client.post("/notes").status_code == 400  # no CSRF token: refused, as ever
    # The first request is checked before flask-pat's hook has wrapped the check.
    assert len(depths) == 6
    assert len(set(depths[1:])) == 1, depths


# -- the database is down ----------------------------------------------------------------------


def test_database_down_answers_503_never_authenticated() -> None:
    db = SQLAlchemy()

    class Person(db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)

    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="x",
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/test",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}},
        PAT_SCOPES={"notes:read": "Read notes"},
    )
    db.init_app(app)
    LoginManager(app).user_loader(lambda user_id: None)
    PersonalAccessTokens(app, db=db, user_model=Person)
    from flask_pat import scopes_required

    @app.get("/private")
    @login_required
    def private() -> str:
        return "secret"

    @app.get("/notes")
    @scopes_required("notes:read")
    def notes() -> str:
        return "notes"

    @app.get("/public")
    def public() -> str:
        return "public"

    client = app.test_client()
    secret = tokens.generate("pat")
    for path in ("/private", "/notes", f"{API}/tokens/self", f"{API}/tokens"):
        response = client.get(path, headers=bearer(secret))
        assert response.status_code == 503, (path, response.status_code)
        assert response.get_json()["error"]["code"] == "unavailable"
        assert "Set-Cookie" not in response.headers
    # A malformed token needs no database: refused as such.
    assert client.get("/notes", headers=bearer("pat_short")).status_code == 401
    assert client.get("/public").status_code == 200
    with app.app_context():
        db.engine.dispose()
