"""Fixtures: a small host app per test, on SQLite and on every database URL in
``PAT_TEST_DATABASE_URLS`` (space-separated). Each test run works in a database of its
own, created here and dropped at the end, so runs on one server do not meet."""

from __future__ import annotations

import inspect
import os
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask_login import LoginManager, UserMixin, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.engine import make_url

from flask_pat import PersonalAccessTokens, accepts_tokens, current_token, scopes_required

IN_CI = os.environ.get("CI", "").lower() == "true"
SERVER_URLS = os.environ.get("PAT_TEST_DATABASE_URLS", "").split()


def _url_id(url: str) -> str:
    return make_url(url).get_backend_name()


def _admin_execute(url: str, statement: str) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def server_databases() -> Iterator[dict[str, str]]:
    """A fresh database on each configured server, for this test run only."""
    name = f"pat_test_{uuid.uuid4().hex[:10]}"
    created: dict[str, str] = {}
    errors: dict[str, str] = {}
    for url in SERVER_URLS:
        try:
            _admin_execute(url, f"CREATE DATABASE {name}")
        except sa.exc.SQLAlchemyError as error:
            errors[url] = str(error).splitlines()[0]
            continue
        created[url] = make_url(url).set(database=name).render_as_string(hide_password=False)
    yield {**created, **{url: f"unreachable: {why}" for url, why in errors.items()}}
    for url in created:
        _admin_execute(url, f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replaces pytest-flask's fixture of this name, which keeps one request context (one
    ``g``, one database session and its open transaction) for a whole test. Here each
    request gets its own, as in production; on MariaDB a shared transaction's snapshot
    would hide rows committed by later requests."""


def _database_params() -> list[Any]:
    params = [pytest.param("sqlite", id="sqlite")]
    params += [pytest.param(url, id=_url_id(url)) for url in SERVER_URLS]
    return params


@pytest.fixture(params=_database_params())
def database_url(
    request: pytest.FixtureRequest, tmp_path: Any, server_databases: dict[str, str]
) -> str:
    """A database URL: a temporary SQLite file, or a fresh database on a server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    url = server_databases[request.param]
    if url.startswith("unreachable"):
        message = f"{_url_id(request.param)} is {url}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return url


def require_server(database_url: str, *backends: str) -> None:
    """Skip (or fail in CI) a test that needs one of ``backends``' real concurrency."""
    if _url_id(database_url) not in backends:
        pytest.skip(f"needs {' or '.join(backends)}")


def make_app(
    database_url: str, *, string_user_pk: bool = False, **config: Any
) -> tuple[Flask, SQLAlchemy, PersonalAccessTokens, type[Any]]:
    """A minimal host app: a user model, Flask-Login, flask-pat and a few routes."""
    db = SQLAlchemy()

    if string_user_pk:

        class User(UserMixin, db.Model):  # type: ignore[name-defined]
            __tablename__ = "pat_test_account"
            uuid = db.Column(db.String(36), primary_key=True)
            email = db.Column(db.String(200), nullable=False)
            active = db.Column(db.Boolean, nullable=False, default=True)

            def get_id(self) -> str:
                return str(self.uuid)

            @property
            def is_active(self) -> bool:
                return bool(self.active)

    else:

        class User(UserMixin, db.Model):  # type: ignore[name-defined,no-redef]
            __tablename__ = "pat_test_user"
            id = db.Column(db.Integer, primary_key=True)
            email = db.Column(db.String(200), nullable=False)
            active = db.Column(db.Boolean, nullable=False, default=True)

            @property
            def is_active(self) -> bool:
                return bool(self.active)

    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="test-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        PAT_SCOPES={"notes:read": "Read notes", "notes:write": "Write notes"},
    )
    app.config.update(config)
    db.init_app(app)
    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(User, user_id if string_user_pk else int(user_id))

    pat = PersonalAccessTokens()
    pat.init_app(app, db=db, user_model=User)

    # pytest-flask keeps one context, and so one ``g``, for a whole test: forget what the
    # previous request decided, as a fresh request in production would.
    def forget_previous_request() -> None:
        for key in [k for k in vars(g) if k.startswith("_pat_")] + ["_login_user"]:
            g.pop(key, None)

    app.before_request_funcs.setdefault(None, []).insert(0, forget_previous_request)

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        # Likewise the session: each request reads fresh rows and holds no locks after it.
        db.session.remove()

    @app.post("/test-login/<user_id>")
    def test_login(user_id: str) -> str:
        user = db.session.get(User, user_id if string_user_pk else int(user_id))
        login_user(user, remember=True)
        return "ok"

    @app.get("/whoami")
    @login_required
    @accepts_tokens
    def whoami() -> dict[str, Any]:
        from flask_login import current_user

        return {
            "user": str(current_user.get_id()),
            "token": current_token.id if current_token else None,
        }

    @app.get("/account")
    @login_required
    def account() -> dict[str, Any]:
        """A host page that does not accept tokens (``PAT_TOKEN_ROUTES = "marked"``)."""
        from flask_login import current_user

        return {"user": str(current_user.get_id())}

    @app.get("/notes")
    @scopes_required("notes:read")
    def notes() -> dict[str, Any]:
        return {"notes": []}

    @app.post("/notes")
    @scopes_required("notes:write")
    def add_note() -> tuple[dict[str, Any], int]:
        return {"ok": True}, 201

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # As a careful host does: SQLite cascades deletes only when asked.
            sa.event.listen(db.engine, "connect", _sqlite_foreign_keys)
            db.engine.dispose()
        db.create_all()
    return app, db, pat, User


def _sqlite_foreign_keys(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Settings for the ``app`` fixture; override in a test module or with parametrize."""
    return {}


def _dispose(app: Flask, db: SQLAlchemy) -> None:
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def host_app(database_url: str) -> Iterator[Callable[..., tuple[Flask, Any, Any, Any]]]:
    """``host_app(**make_app_options)``: more host apps, dropped after the test."""
    made: list[tuple[Flask, SQLAlchemy]] = []

    def factory(**options: Any) -> tuple[Flask, Any, Any, Any]:
        app, db, pat, User = make_app(database_url, **options)
        made.append((app, db))
        return app, db, pat, User

    yield factory
    for app, db in made:
        _dispose(app, db)


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any]) -> Iterator[Flask]:
    app, db, _, _ = make_app(database_url, **app_config)
    yield app
    _dispose(app, db)


@pytest.fixture
def db(app: Flask) -> SQLAlchemy:
    return app.extensions["sqlalchemy"]  # type: ignore[no-any-return]


@pytest.fixture
def pat(app: Flask) -> PersonalAccessTokens:
    return app.extensions["pat"]  # type: ignore[no-any-return]


@pytest.fixture
def User(pat: PersonalAccessTokens) -> type[Any]:
    return pat.user_model


def _add_user(db: SQLAlchemy, User: type[Any], email: str) -> Any:
    user = User(email=email)
    if hasattr(User, "uuid"):
        user.uuid = str(uuid.uuid4())
    db.session.add(user)
    db.session.commit()
    # Loaded and detached, so tests can read it outside an app context.
    db.session.refresh(user)
    db.session.expunge(user)
    return user


@pytest.fixture
def user(app: Flask, db: SQLAlchemy, User: type[Any]) -> Any:
    with app.app_context():
        return _add_user(db, User, "ada@example.com")


@pytest.fixture
def other_user(app: Flask, db: SQLAlchemy, User: type[Any]) -> Any:
    with app.app_context():
        return _add_user(db, User, "bob@example.com")


class ApiClient:
    """A test client signed in by session, sending the CSRF header on unsafe methods."""

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self.csrf = client.get(f"{prefix}/api/meta").get_json()["csrf_token"]

    def url(self, path: str) -> str:
        return f"{self.prefix}/api{path}"

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(self.url(path), **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", {}).setdefault("X-CSRF-Token", self.csrf)
        return self.client.post(self.url(path), **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", {}).setdefault("X-CSRF-Token", self.csrf)
        return self.client.delete(self.url(path), **kwargs)

    def create(self, name: str = "ci", **fields: Any) -> Any:
        response = self.post("/tokens", json={"name": name, **fields})
        assert response.status_code == 201, response.get_json()
        return response.get_json()


def sign_in(app: Flask, user: Any) -> Any:
    """A fresh test client signed in as ``user`` by session."""
    client = app.test_client()
    response = client.post(f"/test-login/{user.get_id()}")
    assert response.status_code == 200
    return client


@pytest.fixture
def api(app: Flask, user: Any) -> ApiClient:
    """The JSON API, signed in as ``user``."""
    return ApiClient(sign_in(app, user), app.config["PAT_URL_PREFIX"])


@pytest.fixture
def make_token(app: Flask) -> Callable[..., tuple[Any, str]]:
    """Create a token through the service: ``make_token(user, name, **kwargs)``."""
    from flask_pat import service

    def factory(
        owner: Any,
        name: str = "token",
        expiration: tuple[str, int | None] | None = ("days", 30),
        scopes: list[str] | None = None,
        project_id: Any = None,
    ) -> tuple[Any, str]:
        with app.app_context():
            token, secret = service.create(owner, name, expiration, scopes, project_id)
            return token.id, secret

    return factory


def cli_runner(app: Flask) -> Any:
    """``app.test_cli_runner()`` keeping stderr apart from stdout, on click 8.1 as on 8.2+
    (where it always is, and ``output`` has both)."""
    from click.testing import CliRunner

    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return app.test_cli_runner(mix_stderr=False)
    return app.test_cli_runner()


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


ONE_DAY = timedelta(days=1)

#: The fields of a Token as the API and `flask pat list --json` show it.
TOKEN_FIELDS = {
    "id",
    "name",
    "description",
    "last4",
    "created_at",
    "expires_at",
    "last_used_at",
    "last_used_ip",
    "last_used_user_agent",
    "revoked_at",
    "revoked_reason",
    "status",
    "scopes",
    "project_id",
}
