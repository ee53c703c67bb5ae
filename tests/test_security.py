"""How a token request is kept apart from the rest of a host app: connections per request,
the cookie session under a token, token rights, body sizes, CSRF, repeated headers, foreign
credentials and where tokens sign in."""

from __future__ import annotations

import http.client
import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
import sqlalchemy as sa
import time_machine
from flask import Blueprint, Flask, g, session
from flask_login import current_user, fresh_login_required, login_required
from flask_wtf.csrf import CSRFProtect
from werkzeug.serving import make_server

from flask_pat import accepts_tokens, scopes_required, service, signals, tokens
from tests.conftest import bearer, sign_in

API = "/settings/tokens/api"


def add_user(app: Flask, email: str) -> Any:
    db = app.extensions["sqlalchemy"]
    with app.app_context():
        user = app.extensions["pat"].user_model(email=email)
        db.session.add(user)
        db.session.commit()
        db.session.refresh(user)
        db.session.expunge(user)
        return user


def new_token(app: Flask, user: Any, name: str = "token", **kwargs: Any) -> tuple[int, str]:
    with app.app_context():
        token, secret = service.create(user, name, **kwargs)
        return token.id, secret


def token_row(app: Flask, token_id: int) -> Any:
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Token.__table__
        return pat.db.session.execute(sa.select(table).where(table.c.id == token_id)).one()


def events_of(app: Flask, token_id: int) -> list[tuple[str, str]]:
    pat = app.extensions["pat"]
    with app.app_context():
        table = pat.Event.__table__
        rows = pat.db.session.execute(
            sa.select(table.c.event, table.c.actor).where(table.c.token_id == token_id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def challenge(response: Any) -> str:
    headers = response.headers
    return str(headers.get("WWW-Authenticate", ""))


@contextmanager
def served(app: Flask) -> Iterator[str]:
    """``app`` under a real threaded werkzeug server on 127.0.0.1; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# -- one connection per request -----------------------------------------------------------

CLIENTS = 40


@pytest.mark.parametrize(
    "pool",
    [
        {"pool_size": 1, "max_overflow": 0, "pool_timeout": 10},
        {"pool_timeout": 10},
    ],
    ids=["one-connection", "default-pool"],
)
def test_concurrent_first_uses_never_exhaust_the_pool(host_app: Any, pool: dict[str, Any]) -> None:
    app, _, _, _ = host_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, **pool})
    owner = add_user(app, "many@example.com")
    made = [new_token(app, owner, f"t{i}") for i in range(CLIENTS)]
    barrier = threading.Barrier(CLIENTS)
    statuses: list[int] = [0] * CLIENTS

    with served(app) as base:

        def first_use(index: int) -> None:
            barrier.wait(timeout=30)
            response = requests.get(f"{base}/whoami", headers=bearer(made[index][1]), timeout=60)
            statuses[index] = response.status_code

        threads = [threading.Thread(target=first_use, args=(i,)) for i in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        # Another user's unrelated request is served at once meanwhile too.
        other = add_user(app, "other@example.com")
        _, theirs = new_token(app, other, "theirs")
        assert requests.get(f"{base}/whoami", headers=bearer(theirs), timeout=10).status_code == 200

    assert statuses == [200] * CLIENTS
    assert all(token_row(app, token_id).last_used_at is not None for token_id, _ in made)


# -- the cookie session under a token -----------------------------------------------------


@pytest.fixture
def hooked(app: Flask) -> dict[str, Any]:
    """Host hooks that record what they see: a url_value_preprocessor, a before_request,
    a fresh_login_required view, and a view reading the session."""
    seen: dict[str, Any] = {}

    @app.url_value_preprocessor
    def look_early(endpoint: str | None, values: Any) -> None:
        seen["preprocessor"] = current_user.get_id() if current_user.is_authenticated else None

    @app.before_request
    def look_before() -> None:
        seen["before"] = dict(session)

    @app.get("/fresh")
    @fresh_login_required
    @accepts_tokens
    def fresh() -> dict[str, Any]:
        return {"user": current_user.get_id()}

    @app.post("/cart")
    @login_required
    def cart() -> str:
        session["cart"] = "apples"
        return "ok"

    @app.get("/peek")
    @accepts_tokens
    def peek() -> dict[str, Any]:
        return {"session": dict(session), "user": current_user.get_id()}

    return seen


def test_a_token_next_to_a_fresh_cookie_gets_an_empty_session(
    app: Flask, hooked: dict[str, Any], user: Any, other_user: Any, make_token: Any
) -> None:
    _, secret = make_token(other_user, "victim's", scopes=["notes:read"])
    browser = sign_in(app, user)  # the attacker's own fresh sign-in
    assert browser.post("/cart").status_code == 200
    assert browser.get("/fresh").status_code == 200  # fresh by cookie alone

    response = browser.get("/fresh", headers=bearer(secret))
    assert response.status_code == 401
    assert response.is_json
    assert "fresh sign-in" in challenge(response)
    assert "Set-Cookie" not in response.headers

    hooked.clear()
    response = browser.get("/peek", headers=bearer(secret))
    assert response.get_json() == {"session": {}, "user": str(other_user.id)}
    assert hooked == {"preprocessor": str(other_user.id), "before": {}}
    assert "Set-Cookie" not in response.headers

    # On a route that does not accept tokens nobody is signed in, from the first hook on.
    hooked.clear()
    response = browser.get("/account", headers=bearer(secret))
    assert response.status_code == 401
    assert hooked == {"preprocessor": None, "before": {}}
    # The cookie itself still works without the token.
    assert browser.get("/peek").get_json()["session"]["cart"] == "apples"


def test_the_remember_cookie_is_never_read_under_a_token(
    app: Flask, hooked: dict[str, Any], user: Any, other_user: Any, make_token: Any
) -> None:
    _, secret = make_token(other_user)
    browser = sign_in(app, user)
    browser.delete_cookie("session")
    assert browser.get_cookie("remember_token") is not None
    response = browser.get("/peek", headers=bearer(secret))
    assert response.get_json()["user"] == str(other_user.id)
    response = browser.get("/account", headers=bearer(tokens.generate("pat")))
    assert response.status_code == 401
    assert hooked["preprocessor"] is None


def test_a_session_interface_swapped_after_init_app_is_wrapped_too(
    app: Flask, hooked: dict[str, Any], user: Any, other_user: Any, make_token: Any
) -> None:
    from flask.sessions import SecureCookieSessionInterface

    class HostSessions(SecureCookieSessionInterface):
        pass

    app.session_interface = HostSessions()
    _, secret = make_token(other_user)
    browser = sign_in(app, user)
    assert browser.post("/cart").status_code == 200
    for _ in range(2):
        response = browser.get("/peek", headers=bearer(secret))
        assert response.get_json() == {"session": {}, "user": str(other_user.id)}
        assert "Set-Cookie" not in response.headers
    assert hooked["before"] == {}
    assert browser.get("/peek").get_json()["session"]["cart"] == "apples"


# -- a token manages tokens within its own rights -----------------------------------------


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_creates_only_tokens_within_its_rights(
    app: Flask, user: Any, make_token: Any
) -> None:
    _, secret = make_token(user, "reader", expiration=("days", 7), scopes=["notes:read"])
    client = app.test_client()

    def create(**body: Any) -> Any:
        return client.post(f"{API}/tokens", json={"name": "minted", **body}, headers=bearer(secret))

    wider = create(scopes=["notes:read", "notes:write"], expiration={"unit": "days", "value": 1})
    assert wider.status_code == 403
    assert wider.get_json()["error"]["code"] == "insufficient_scope"
    assert 'scope="notes:write"' in challenge(wider)
    for expiration in ({"unit": "never"}, {"unit": "days", "value": 8}, None):
        body = {} if expiration is None else {"expiration": expiration}
        longer = create(scopes=["notes:read"], **body)
        assert longer.status_code == 422, expiration
        assert "expiration" in longer.get_json()["error"]["fields"]
    within = create(scopes=["notes:read"], expiration={"unit": "days", "value": 6})
    assert within.status_code == 201
    assert within.get_json()["token"]["scopes"] == ["notes:read"]


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_creates_tokens_ending_with_it_and_says_until_when(
    app: Flask, user: Any, make_token: Any
) -> None:
    with time_machine.travel(datetime(2030, 1, 1, tzinfo=UTC), tick=False):
        _, secret = make_token(user, "manager", expiration=("days", 7))
        client = app.test_client()

        def create(days: int) -> Any:
            expiration = {"unit": "days", "value": days}
            body = {"name": f"{days} days", "expiration": expiration}
            return client.post(f"{API}/tokens", json=body, headers=bearer(secret))

        assert create(7).status_code == 201  # ending at the same instant is not outliving
        refused = create(8)
        assert refused.status_code == 422
        message = refused.get_json()["error"]["fields"]["expiration"]
        assert message == [
            "A token cannot make one that outlives it: choose an expiration before"
            " 2030-01-08T00:00:00+00:00."
        ]


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_cannot_kill_or_widen_through_the_id_routes(
    app: Flask, user: Any, make_token: Any
) -> None:
    own_id, secret = make_token(user, "reader", expiration=("days", 7), scopes=["notes:read"])
    wide_id, wide = make_token(user, "admin", expiration=("days", 1), scopes=["notes:write"])
    long_id, long_lived = make_token(user, "long", expiration=("days", 30), scopes=[])
    client = app.test_client()
    for action in ("rotate", "revoke"):
        response = client.post(f"{API}/tokens/{own_id}/{action}", headers=bearer(secret))
        assert response.status_code == 403, action
        assert response.get_json()["error"]["code"] == "forbidden"
    assert (
        "self/rotate"
        in client.post(f"{API}/tokens/{own_id}/rotate", headers=bearer(secret)).get_json()["error"][
            "message"
        ]
    )
    assert client.delete(f"{API}/tokens/{own_id}", headers=bearer(secret)).status_code == 403
    # A wider token is beyond it: its secret would come back, or die.
    response = client.post(f"{API}/tokens/{wide_id}/rotate", headers=bearer(secret))
    assert (response.status_code, response.get_json()["error"]["code"]) == (
        403,
        "insufficient_scope",
    )
    assert client.delete(f"{API}/tokens/{wide_id}", headers=bearer(secret)).status_code == 403
    # So is one that outlives it.
    response = client.post(f"{API}/tokens/{long_id}/rotate", headers=bearer(secret))
    assert response.status_code == 403
    # Every secret its owner holds still works.
    for held in (secret, wide, long_lived):
        assert client.get("/whoami", headers=bearer(held)).status_code == 200


@pytest.mark.parametrize("app_config", [{"PAT_ALLOW_TOKEN_MANAGEMENT": True}])
def test_a_token_rotates_only_tokens_whose_fresh_lifetime_ends_before_its_own(
    app: Flask, user: Any, make_token: Any
) -> None:
    start = datetime(2030, 1, 1, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        # Made ten days ago for ten days: it ends in five, but rotated it would live ten.
        old_id, _ = make_token(user, "old", expiration=("days", 10))
        clock.shift(timedelta(days=5))
        _, secret = make_token(user, "manager", expiration=("days", 7))
        short_id, _ = make_token(user, "short", expiration=("days", 1))
        never_id, _ = make_token(user, "never", expiration=("never", None))
        same_id, _ = make_token(user, "same", expiration=("days", 7))
        client = app.test_client()

        def act(token_id: int, action: str) -> Any:
            return client.post(f"{API}/tokens/{token_id}/{action}", headers=bearer(secret))

        for target in (old_id, never_id):
            refused = act(target, "rotate")
            assert refused.status_code == 403, refused.get_json()
            assert "outlives the one you are using" in refused.get_json()["error"]["message"]
        assert act(short_id, "rotate").status_code == 201
        # Ending at the same instant is not outliving it.
        assert act(same_id, "revoke").status_code == 200
        refused = act(never_id, "revoke")
        assert refused.status_code == 403
        assert "sign in to revoke it" in refused.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "app_config", [{}, {"PAT_ALLOW_TOKEN_MANAGEMENT": True}], ids=["default", "management"]
)
def test_tokens_self_rotate(app: Flask, user: Any, make_token: Any) -> None:
    token_id, secret = make_token(user, "ci", expiration=("days", 3), scopes=["notes:read"])
    client = app.test_client()
    response = client.post(f"{API}/tokens/self/rotate", headers=bearer(secret))
    assert response.status_code == 201
    data = response.get_json()
    assert data["token"]["id"] == token_id
    assert data["token"]["scopes"] == ["notes:read"]
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/whoami", headers=bearer(secret)).status_code == 401
    assert client.get("/whoami", headers=bearer(data["secret"])).status_code == 200
    assert ("rotated", "token") in events_of(app, token_id)
    # Tokens only: a session, or nobody, has no "self".
    api_client = sign_in(app, user)
    csrf = api_client.get(f"{API}/meta").get_json()["csrf_token"]
    response = api_client.post(f"{API}/tokens/self/rotate", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 401
    assert app.test_client().post(f"{API}/tokens/self/rotate").status_code == 401


# -- body sizes ---------------------------------------------------------------------------


def _raw(base: str, request_bytes: bytes, timeout: float = 10) -> bytes:
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request_bytes)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_oversized_bodies_are_refused_before_they_are_read(
    app: Flask, user: Any, make_token: Any
) -> None:
    app.config["PAT_ALLOW_TOKEN_MANAGEMENT"] = True
    _, secret = make_token(user)
    with served(app) as base:
        # Announces 300 MB and sends none of it: refused without waiting for the body.
        head = (
            f"POST {API}/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {secret}\r\n"
            "Content-Type: application/json\r\nContent-Length: 314572800\r\n\r\n"
        )
        assert _raw(base, head.encode()).startswith(b"HTTP/1.1 413")

        # Chunked, with no Content-Length: read up to the limit, then refused.
        def chunks() -> Iterator[bytes]:
            yield b'{"name": "big", "padding": "'
            for _ in range(40):
                yield b"y" * 4096
            yield b'"}'

        response = requests.post(
            f"{base}{API}/tokens",
            data=chunks(),
            headers={**bearer(secret), "Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"

        def small() -> Iterator[bytes]:
            yield b'{"name": "chunked",'
            yield b' "expiration": {"unit": "days", "value": 1}}'

        response = requests.post(
            f"{base}{API}/tokens",
            data=small(),
            headers={**bearer(secret), "Content-Type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 201, response.text


# -- database errors during authentication are logged -------------------------------------


def test_database_errors_during_authentication_are_logged_with_their_words(
    app: Flask, user: Any, make_token: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _, secret = make_token(user)
    pat = app.extensions["pat"]
    with app.app_context():
        pat.RetiredSecret.__table__.drop(pat.db.engine)  # it refers to the token table
        pat.Token.__table__.drop(pat.db.engine)
    try:
        with caplog.at_level(logging.WARNING, logger="flask_pat"):
            response = app.test_client().get("/whoami", headers=bearer(secret))
        assert response.status_code == 503
        logged = "\n".join(r.getMessage() for r in caplog.records)
        table = app.config["PAT_TABLE_NAME"]
        assert table in logged, logged
        assert secret not in logged and tokens.digest(secret) not in logged
    finally:
        with app.app_context():
            pat.Token.__table__.create(pat.db.engine)
            pat.RetiredSecret.__table__.create(pat.db.engine)


# -- CSRF and foreign credentials ---------------------------------------------------------


@pytest.fixture
def csrf_app(app: Flask) -> Flask:
    CSRFProtect(app)
    app.extensions["csrf"].exempt("tests.conftest.test_login")

    @app.post("/form")
    @login_required
    def form() -> tuple[str, int]:
        return "posted", 201

    @app.post("/api-form")
    @login_required
    @accepts_tokens(write="notes:write")
    def api_form() -> tuple[str, int]:
        return "posted", 201

    @app.post("/public-form")
    def public_form() -> tuple[str, int]:
        return "posted", 201

    @app.post("/hook")
    def hook() -> tuple[str, int]:
        return "hooked", 201

    app.extensions["csrf"].exempt(hook)
    return app


def test_a_refused_token_is_no_csrf_exemption_on_a_public_form(
    csrf_app: Flask, user: Any, make_token: Any
) -> None:
    # No @login_required here to answer 401 first: only the CSRF check stands between a
    # forged post and the form.
    _, secret = make_token(user)
    revoked_id, revoked = make_token(user, "revoked")
    with csrf_app.app_context():
        service.revoke(user, service.get(user, revoked_id))
    browser = sign_in(csrf_app, user)
    assert browser.post("/public-form").status_code == 400
    for credential in (tokens.generate("pat"), revoked, "pat_short"):
        response = browser.post("/public-form", headers=bearer(credential))
        assert response.status_code == 401, credential
        assert 'error="invalid_token"' in challenge(response)
    # A valid token on a route that does not accept tokens signs nobody in: no exemption.
    response = browser.post("/public-form", headers=bearer(secret))
    assert response.status_code == 401
    assert "does not accept" in challenge(response)


def test_a_refused_token_leaves_a_view_the_hosts_csrf_exempts_to_the_host(
    csrf_app: Flask, user: Any, make_token: Any
) -> None:
    """Where the host's CSRF check does not apply, a refused token does not change the
    answer: the host's view gives it, as to a request without the token."""
    revoked_id, revoked = make_token(user, "revoked")
    with csrf_app.app_context():
        service.revoke(user, service.get(user, revoked_id))
    client = csrf_app.test_client()
    for credential in (revoked, tokens.generate("pat")):
        response = client.post("/hook", headers=bearer(credential))
        assert (response.status_code, response.get_data(as_text=True)) == (201, "hooked")


def test_csrf_is_skipped_only_for_requests_a_token_signed_in(
    csrf_app: Flask, user: Any, make_token: Any
) -> None:
    _, secret = make_token(user, scopes=["notes:write"])
    revoked_id, revoked = make_token(user, "revoked")
    with csrf_app.app_context():
        service.revoke(user, service.get(user, revoked_id))
    browser = sign_in(csrf_app, user)
    assert browser.post("/form").status_code == 400  # the host's own CSRF check
    assert browser.post("/api-form", headers=bearer(secret)).status_code == 201
    for credential in (revoked, tokens.generate("pat"), "pat_short"):
        response = browser.post("/api-form", headers=bearer(credential))
        assert response.status_code == 401
        assert 'error="invalid_token"' in challenge(response)
    # A valid token on a route that does not accept tokens is no exemption either.
    response = browser.post("/form", headers=bearer(secret))
    assert response.status_code == 401
    assert "does not accept" in challenge(response)
    # A host's own Bearer credential is not flask-pat's: its CSRF check stays.
    for header in ("Bearer host-token-123", "Bearer eyJhbGciOi.eyJzdWIiOjF9.c2ln", "Basic eDp5"):
        response = browser.post("/form", headers={"Authorization": header})
        assert response.status_code == 400, header
        assert b"CSRF" in response.data


@pytest.mark.parametrize(
    "header", ["Bearer host-token-123", "Bearer eyJhbGciOi.eyJzdWIiOjF9.c2ln", "Basic eDp5"]
)
def test_foreign_credentials_are_left_to_the_host(
    app: Flask, user: Any, header: str, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[Any] = []

    @app.login_manager.request_loader
    def host_loader(request: Any) -> Any:
        seen.append(request.headers.get("Authorization"))
        return None

    rejected: list[Any] = []
    with signals.token_rejected.connected_to(lambda sender, **kw: rejected.append(kw), app):
        browser = sign_in(app, user)
        response = browser.get("/account", headers={"Authorization": header})
        assert response.get_json() == {"user": str(user.id)}  # still signed in by cookie
        response = app.test_client().get("/notes", headers={"Authorization": header})
        assert response.status_code == 401
        assert "invalid_token" not in challenge(response)
    assert rejected == []
    assert header in seen  # the host's loader saw it, as without flask-pat


# -- repeated Authorization headers -------------------------------------------------------


def _get(base: str, path: str, headers: list[tuple[str, str]]) -> tuple[int, str, bytes]:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.putrequest("GET", path)
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.getheader("WWW-Authenticate") or "", response.read()
    finally:
        connection.close()


def test_repeated_authorization_headers(
    app: Flask, user: Any, other_user: Any, make_token: Any
) -> None:
    _, secret = make_token(user)
    _, second = make_token(user, "second")
    browser = sign_in(app, other_user)
    cookie = f"session={browser.get_cookie('session').value}"  # type: ignore[union-attr]
    with served(app) as base:
        cases = [
            [("Authorization", "Basic eDp5"), ("Authorization", f"Bearer {secret}")],
            [("Authorization", f"Bearer {secret}"), ("Authorization", "Basic eDp5")],
            [("Authorization", f"Bearer {secret}"), ("Authorization", f"Bearer {secret}")],
        ]
        for headers in cases:
            status, _, body = _get(base, "/whoami", [("Cookie", cookie), *headers])
            assert status == 200, headers
            assert f'"user":"{user.id}"' in body.decode().replace(" ", ""), body
        status, www, _ = _get(
            base,
            "/whoami",
            [
                ("Cookie", cookie),
                ("Authorization", "Basic eDp5"),
                ("Authorization", "Bearer pat_x"),
            ],
        )
        assert status == 401 and "malformed" in www
        status, www, _ = _get(
            base,
            "/whoami",
            [("Authorization", f"Bearer {secret}"), ("Authorization", f"Bearer {second}")],
        )
        assert status == 401 and "malformed" in www


# -- where tokens sign in, and 401s rather than redirects ---------------------------------


@pytest.fixture
def routed(app: Flask) -> Flask:
    api = Blueprint("host_api", __name__, url_prefix="/host-api")
    v2 = Blueprint("v2", __name__, url_prefix="/v2")

    @api.get("/me")
    @login_required
    def me() -> dict[str, Any]:
        return {"user": current_user.get_id()}

    @v2.get("/me")
    @login_required
    def me_v2() -> dict[str, Any]:
        return {"user": current_user.get_id()}

    @app.get("/settings/profile")
    @fresh_login_required
    def profile() -> str:
        return "profile"

    @app.get("/login")
    def login_page() -> str:
        return "sign in"

    api.register_blueprint(v2)
    app.extensions["pat"].accepts_tokens(api)
    app.register_blueprint(api)
    app.login_manager.login_view = "login_page"  # browsers are redirected to sign in
    return app


@pytest.mark.parametrize("path", ["/host-api/me", "/host-api/v2/me", "/whoami", "/notes"])
def test_tokens_sign_in_on_marked_routes_and_blueprints(
    routed: Flask, user: Any, make_token: Any, path: str
) -> None:
    _, secret = make_token(user, scopes=["notes:read"])
    response = routed.test_client().get(path, headers=bearer(secret))
    assert response.status_code == 200
    assert response.headers["PAT-Scopes"] == "notes:read"


@pytest.mark.parametrize("path", ["/account", "/settings/profile", "/settings/tokens/"])
def test_a_valid_token_on_other_routes_is_anonymous_and_told_so(
    routed: Flask, user: Any, make_token: Any, path: str
) -> None:
    _, secret = make_token(user, scopes=["notes:read", "notes:write"])
    response = routed.test_client().get(path, headers=bearer(secret))
    assert response.status_code == 401
    assert response.is_json
    assert challenge(response).startswith('Bearer realm="api", error="invalid_token"')
    assert "does not accept" in challenge(response)
    assert "PAT-Scopes" not in response.headers


@pytest.mark.parametrize("path", ["/account", "/settings/profile", "/host-api/me", "/whoami"])
@pytest.mark.parametrize("how", ["revoked", "unknown", "malformed"])
def test_refused_tokens_get_401_json_never_a_redirect(
    routed: Flask, user: Any, make_token: Any, path: str, how: str
) -> None:
    token_id, secret = make_token(user)
    if how == "revoked":
        with routed.app_context():
            service.revoke(user, service.get(user, token_id))
    elif how == "unknown":
        secret = tokens.generate("pat")
    else:
        secret = "pat_mistyped"
    response = routed.test_client().get(path, headers=bearer(secret))
    assert response.status_code == 401
    assert response.is_json
    assert how in challenge(response)
    # A browser without a token is still sent to sign in.
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    assert routed.test_client().get(path, headers=browser).status_code == 302


def test_class_based_views_and_blueprints_named_by_string(
    app: Flask, user: Any, make_token: Any
) -> None:
    from flask.views import MethodView

    @accepts_tokens
    class Items(MethodView):
        decorators = [login_required]

        def get(self) -> dict[str, Any]:
            return {"user": current_user.get_id()}

    class Closed(MethodView):
        decorators = [login_required]

        def get(self) -> dict[str, Any]:
            return {"user": current_user.get_id()}

    reports = Blueprint("reports", __name__, url_prefix="/reports")

    @reports.get("/")
    @login_required
    def report() -> dict[str, Any]:
        return {"user": current_user.get_id()}

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    app.add_url_rule("/closed", view_func=Closed.as_view("closed"))
    app.extensions["pat"].accepts_tokens("reports")
    app.register_blueprint(reports)
    _, secret = make_token(user)
    client = app.test_client()
    for path, status in (("/items", 200), ("/reports/", 200), ("/closed", 401)):
        assert client.get(path, headers=bearer(secret)).status_code == status, path


@pytest.mark.parametrize("app_config", [{"PAT_TOKEN_ROUTES": "all"}])
def test_all_routes_accept_tokens_when_asked(app: Flask, user: Any, make_token: Any) -> None:
    _, secret = make_token(user)
    response = app.test_client().get("/account", headers=bearer(secret))
    assert response.get_json() == {"user": str(user.id)}


def test_an_app_factory_sharing_a_login_manager(tmp_path: Any) -> None:
    """Apps of one factory share a LoginManager (with login_view set): each answers by its
    own settings, and an app without flask-pat keeps Flask-Login's own behaviour."""
    from flask_login import LoginManager, UserMixin
    from flask_sqlalchemy import SQLAlchemy

    from flask_pat import PersonalAccessTokens

    db = SQLAlchemy()
    login_manager = LoginManager()
    login_manager.login_view = "login"
    pat = PersonalAccessTokens()

    class Person(UserMixin, db.Model):  # type: ignore[name-defined,misc]
        id = db.Column(db.Integer, primary_key=True)

    login_manager.user_loader(lambda user_id: db.session.get(Person, int(user_id)))

    def create_app(name: str, with_pat: bool, **config: Any) -> Flask:
        app = Flask(name)
        app.config.update(
            SECRET_KEY="x", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / name}.db", **config
        )
        db.init_app(app)
        login_manager.init_app(app)
        if with_pat:
            pat.init_app(app, db=db, user_model=Person)

        @app.get("/login")
        def login() -> str:
            return "sign in"

        @app.get("/private")
        @login_required
        def private() -> str:
            return str(current_user.get_id())

        with app.app_context():
            db.create_all()
            db.session.add(Person(id=1))
            db.session.commit()
        return app

    marked = create_app("marked", True)
    every = create_app("every", True, PAT_TOKEN_ROUTES="all")
    plain = create_app("plain", False)
    for app in (marked, every):
        with app.app_context():
            _, secret = service.create(db.session.get(Person, 1), "t")
        response = app.test_client().get("/private", headers=bearer(secret))
        if app is marked:
            assert response.status_code == 401
            assert "does not accept" in challenge(response)
        else:
            assert (response.status_code, response.get_data(as_text=True)) == (200, "1")
        response = app.test_client().get("/private", headers=bearer("pat_mistyped"))
        assert response.status_code == 401 and "malformed" in challenge(response)
    response = plain.test_client().get("/private", headers=bearer("pat_mistyped"))
    assert response.status_code == 302  # Flask-Login's own redirect, untouched
    for app in (marked, every, plain):
        with app.app_context():
            db.engine.dispose()


# -- PAT_USER_ALLOWED ---------------------------------------------------------------------


def test_users_not_allowed_hold_tokens_that_sign_nobody_in(
    app: Flask, user: Any, other_user: Any, make_token: Any
) -> None:
    _, theirs = make_token(other_user)
    _, mine = make_token(user)
    app.config["PAT_USER_ALLOWED"] = lambda u: u.email != other_user.email
    client = app.test_client()
    response = client.get("/whoami", headers=bearer(theirs))
    assert response.status_code == 401
    assert "not allowed" in challenge(response)
    assert client.get("/whoami", headers=bearer(mine)).status_code == 200
    browser = sign_in(app, other_user)
    assert browser.get("/settings/tokens/").status_code == 403
    response = browser.get(f"{API}/tokens")
    assert (response.status_code, response.get_json()["error"]["code"]) == (403, "forbidden")
    assert sign_in(app, user).get(f"{API}/tokens").status_code == 200


# -- usage: last address and user agent, new addresses ------------------------------------


def test_usage_is_recorded_in_the_same_bounded_write(
    app: Flask, user: Any, make_token: Any
) -> None:
    client = app.test_client()
    new_ips: list[str] = []
    secret = ""

    def get(ip: str, agent: str = "curl/8") -> int:
        response = client.get(
            "/whoami",
            headers={**bearer(secret), "User-Agent": agent, "X-Forwarded-For": "6.6.6.6"},
            environ_base={"REMOTE_ADDR": ip},
        )
        return response.status_code

    start = datetime(2031, 5, 1, 12, 0, tzinfo=UTC)
    with (
        signals.token_used_from_new_ip.connected_to(
            lambda sender, **kw: new_ips.append(kw["ip"]), app
        ),
        time_machine.travel(start, tick=False) as clock,
    ):
        token_id, secret = make_token(user)
        assert get("10.0.0.1", "x" * 500) == 200
        row = token_row(app, token_id)
        assert (row.last_used_ip, row.recent_ips) == ("10.0.0.1", "10.0.0.1")
        assert row.last_used_user_agent == "x" * 200
        clock.shift(timedelta(milliseconds=500))
        assert get("10.0.0.2") == 200  # new, but within a second of the last write
        assert token_row(app, token_id).last_used_ip == "10.0.0.1"
        clock.shift(timedelta(seconds=1))
        assert get("10.0.0.2") == 200  # new, a second later: written at once
        row = token_row(app, token_id)
        assert (row.last_used_ip, row.recent_ips) == ("10.0.0.2", "10.0.0.2 10.0.0.1")
        assert row.last_used_user_agent == "curl/8"
        clock.shift(timedelta(seconds=5))
        assert get("10.0.0.1") == 200  # known: waits for PAT_LAST_USED_RESOLUTION
        assert token_row(app, token_id).last_used_ip == "10.0.0.2"
    assert new_ips == ["10.0.0.1", "10.0.0.2"]
    assert [e for e in events_of(app, token_id) if e[0] == "new_ip"] == [("new_ip", "token")] * 2
    assert "6.6.6.6" not in (token_row(app, token_id).recent_ips or "")


@pytest.mark.parametrize("app_config", [{"PAT_RECORD_USAGE": False}])
def test_usage_is_not_recorded_when_turned_off(app: Flask, user: Any, make_token: Any) -> None:
    token_id, secret = make_token(user)
    assert app.test_client().get("/whoami", headers=bearer(secret)).status_code == 200
    row = token_row(app, token_id)
    assert row.last_used_at is not None
    assert (row.last_used_ip, row.last_used_user_agent, row.recent_ips) == (None, None, None)
    assert [e for e in events_of(app, token_id) if e[0] == "new_ip"] == []


# -- PAT-Expiration and PAT-Scopes ----------------------------------------------------------


def test_token_responses_say_when_the_token_expires_and_its_scopes(
    app: Flask, user: Any, make_token: Any
) -> None:
    token_id, secret = make_token(user, scopes=["notes:read", "notes:write"])
    _, forever = make_token(user, "forever", expiration=("never", None), scopes=[])
    client = app.test_client()
    response = client.get("/whoami", headers=bearer(secret))
    expires = token_row(app, token_id).expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    assert datetime.fromisoformat(response.headers["PAT-Expiration"]) == expires.replace(
        microsecond=0
    )
    assert response.headers["PAT-Expiration"].endswith("+00:00")
    assert response.headers["PAT-Scopes"] == "notes:read notes:write"
    # On a 403 too, to explain it.
    response = client.get("/notes", headers=bearer(forever))
    assert response.status_code == 403
    assert "PAT-Expiration" not in response.headers
    assert response.headers["PAT-Scopes"] == ""
    by_session = sign_in(app, user).get("/whoami")
    assert "PAT-Scopes" not in by_session.headers


def test_no_flask_pat_state_leaks_into_g(app: Flask, user: Any, make_token: Any) -> None:
    """Requests sharing one app context (as tests do) are each decided on their own."""
    _, secret = make_token(user)

    @app.get("/g")
    @accepts_tokens
    @scopes_required()
    def show_g() -> dict[str, Any]:
        return {"keys": sorted(k for k in vars(g) if k.startswith("_pat"))}

    with app.app_context():
        client = app.test_client()
        assert client.get("/g", headers=bearer(secret)).status_code == 200
        assert client.get("/g").status_code == 401
