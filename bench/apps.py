"""The host application measured: a user model, Flask-Login, and one way to check tokens.

Every variant is the same small host app with one protected endpoint; they differ only in
what authenticates the request: the session cookie, flask-pat, or a reference scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy

from flask_pat import PersonalAccessTokens, current_token

SECRET_KEY = "bench-secret-key"
USER_TABLE = "bench_user"
#: The client's user agent, in-process and under wrk alike; Flask-Login's session
#: protection hashes it with the address, and a mismatch would rewrite the cookie.
USER_AGENT = "flask-pat-bench"


@dataclass
class Host:
    """A host app and what the benchmarks need to reach into it."""

    app: Flask
    db: SQLAlchemy
    User: type[Any]
    #: The flask-pat token model, or the reference scheme's, or ``None``.
    Token: Any = None
    scheme: Any = None
    #: PostgreSQL server processes that served this app's connections.
    backend_pids: set[int] = field(default_factory=set)

    def note_backend(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        # Whose CPU time counts for this app's requests (see bench.timing.server_ns).
        self.backend_pids.add(dbapi_connection.info.backend_pid)

    @property
    def engine(self) -> sa.Engine:
        with self.app.app_context():
            return self.db.engine


def make_host(
    database_url: str,
    *,
    pat_table: str | None = None,
    scheme: Any = None,
    table: str | None = None,
    **config: Any,
) -> Host:
    """A host app on ``database_url``, with flask-pat on ``pat_table``, or reference
    ``scheme`` on ``table``, or neither (session cookie only)."""
    db = SQLAlchemy()

    class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
        __tablename__ = USER_TABLE
        id = db.Column(db.Integer, primary_key=True)
        email = db.Column(db.String(200), nullable=False)
        active = db.Column(db.Boolean, nullable=False, default=True)

        @property
        def is_active(self) -> bool:
            return bool(self.active)

    app = Flask(f"bench_{pat_table or table or 'session'}")
    app.config.update(SECRET_KEY=SECRET_KEY, SQLALCHEMY_DATABASE_URI=database_url)
    if pat_table is not None:
        app.config["PAT_TABLE_NAME"] = pat_table
    app.config.update(config)
    db.init_app(app)
    login_manager = LoginManager(app)

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(User, int(user_id))

    host = Host(app=app, db=db, User=User)
    pat = None
    if pat_table is not None:
        pat = PersonalAccessTokens(app, db=db, user_model=User)
        host.Token = pat.Token
    if scheme is not None:
        assert table is not None
        host.Token = scheme.install(app, db, User, table)
        host.scheme = scheme

    @app.get("/open")
    def open_endpoint() -> dict[str, Any]:
        return {"ok": True}

    @app.get("/ping")
    @login_required
    def ping() -> dict[str, Any]:
        return {"user": current_user.id, "pat": bool(current_token)}

    if pat_table is not None and hasattr(pat, "accepts_tokens"):
        pat.accepts_tokens(ping)  # the API route tokens open (PAT_TOKEN_ROUTES = "marked")

    @app.post("/bench-login/<int:user_id>")
    def bench_login(user_id: int) -> str:
        login_user(db.session.get(User, user_id))
        return "ok"

    with app.app_context():
        db.create_all()
        if db.engine.dialect.name == "postgresql":
            sa.event.listen(db.engine, "checkout", host.note_backend)
    return host


def session_cookie(host: Host, user_id: int, remote_addr: str = "127.0.0.1") -> str:
    """The ``Cookie`` header of a session signed in as ``user_id`` from the bench client."""
    client = host.app.test_client()
    response = client.post(
        f"/bench-login/{user_id}",
        headers={"User-Agent": USER_AGENT},
        environ_base={"REMOTE_ADDR": remote_addr},
    )
    assert response.status_code == 200, response.status
    cookie = client.get_cookie(host.app.config.get("SESSION_COOKIE_NAME", "session"))
    assert cookie is not None
    return f"{cookie.key}={cookie.value}"
