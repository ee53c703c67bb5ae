"""A small host app: users with passwords, a notes API, and flask-pat on /settings/tokens.

Run it with ``make demo`` or ``flask --app example_app run``.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash

from flask_pat import PersonalAccessTokens, current_token, scopes_required, service, signals

from .database import setup_lock

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"
#: A second user whose tokens fill the admin inventory on the first run.
TEAMMATE_EMAIL = "sam@example.com"

db = SQLAlchemy()
login_manager = LoginManager()
csrf = CSRFProtect()
pat = PersonalAccessTokens()
#: The notes API: the routes personal access tokens open (``pat.accepts_tokens(api)``).
api = Blueprint("api", __name__, url_prefix="/api")


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    id = db.Column(db.Integer, primary_key=True)
    email = db.Column(db.String(200), unique=True, nullable=False)
    password_hash = db.Column(db.String(300), nullable=False)
    active = db.Column(db.Boolean, nullable=False, default=True)

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __str__(self) -> str:
        # What the admin inventory shows as the token's user.
        return str(self.email)


class Note(db.Model):  # type: ignore[name-defined,misc]
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey(User.id, ondelete="CASCADE"), nullable=False, index=True)
    text = db.Column(db.String(2000), nullable=False)


def projects_for(user: Any) -> list[dict[str, Any]]:
    return [
        {"id": 1, "name": "My project", "public": False},
        {"id": 2, "name": "Public", "public": True},
    ]


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdecimal() else None


@login_manager.unauthorized_handler
def unauthorized() -> Any:
    # API clients get JSON; people get the login page.
    if request.path.startswith("/api/") or request.headers.get("Authorization"):
        return jsonify(error={"status": 401, "code": "unauthorized", "message": "Sign in."}), 401
    return redirect(url_for("login", next=request.full_path))


def local_path(target: str) -> str | None:
    """``target`` where it is a path on this site, else ``None``: never redirect to another
    site. Browsers drop tabs and newlines and read a backslash as ``/``, so ``/<tab>/evil``
    and ``/<backslash>evil`` would leave: whitespace, controls and backslashes are refused."""
    if not target.startswith("/") or target.startswith("//"):
        return None
    if any(char == "\\" or char.isspace() or not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def _sqlite_foreign_keys(dbapi_connection: Any, record: Any) -> None:
    dbapi_connection.execute("PRAGMA foreign_keys=ON")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(
        SECRET_KEY=os.environ.get("SECRET_KEY", "dev-only-secret-change-me"),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "DATABASE_URL", "sqlite:///" + os.path.join(app.instance_path, "example.db")
        ),
        PAT_SCOPES={"notes:read": "Read your notes", "notes:write": "Create notes"},
        PAT_INTEGRATIONS=[
            {"uid": "gpt-5-mini", "name": "GPT-5 mini", "model": "gpt-5-mini"},
            {"uid": "claude", "name": "Claude Sonnet", "model": "claude-sonnet"},
        ],
        PAT_PROJECTS=projects_for,
        PAT_BASE_TEMPLATE="base.html",
        # The demo user may see and revoke everyone's tokens at /settings/tokens/admin/.
        PAT_ADMIN=lambda user: user.email == DEMO_EMAIL,
    )
    app.config.update(config or {})
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    pat.init_app(app, db=db, user_model=User)
    pat.accepts_tokens(api)  # tokens sign in on the API, not on the site's pages

    register_routes(app)
    app.register_blueprint(api)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            # SQLite enforces ON DELETE CASCADE only when asked, on each connection.
            sa.event.listen(db.engine, "connect", _sqlite_foreign_keys)
            db.engine.dispose()
        # Workers booting together would all create the tables: one at a time.
        with setup_lock(db.engine):
            db.create_all()
            if db.session.scalar(sa.select(User).filter_by(email=DEMO_EMAIL)) is None:
                user = User(email=DEMO_EMAIL)
                user.set_password(DEMO_PASSWORD)
                db.session.add(user)
                db.session.commit()
            if db.session.scalar(sa.select(User).filter_by(email=TEAMMATE_EMAIL)) is None:
                seed_teammate()
            db.session.remove()
    signals.token_expiring.connect(print_expiry_mail, app)
    return app


def seed_teammate() -> None:
    """A second user with a few tokens, so the admin inventory shows something."""
    teammate = User(email=TEAMMATE_EMAIL)
    teammate.set_password(os.urandom(16).hex())
    db.session.add(teammate)
    db.session.commit()
    # Only the scopes this app is configured with (a test may turn them off).
    offered = current_app.config["PAT_SCOPES"]
    service.create(teammate, "Laptop CLI", None, [s for s in ["notes:read"] if s in offered])
    deploy = [s for s in ["notes:read", "notes:write"] if s in offered]
    service.create(teammate, "CI deploy", ("days", 5), deploy)
    old, _ = service.create(teammate, "Old script", ("days", 2))
    service.revoke(teammate, old)


def print_expiry_mail(app: Flask, *, token: Any, user: Any, days_left: int) -> None:
    """``flask pat notify`` sends token_expiring: a real app would mail the owner here."""
    print(
        f"To: {user.email}\nSubject: Your token {token.name!r} expires in {days_left}"
        f" day{'' if days_left == 1 else 's'}\n\nRotate it on /settings/tokens/ before"
        f" {token.expires_at:%Y-%m-%d %H:%M} UTC.\n"
    )


def register_routes(app: Flask) -> None:
    @app.get("/")
    def index() -> Any:
        return render_template("index.html")

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        if request.method == "POST":
            email = request.form.get("email", "").strip().lower()
            user = db.session.scalar(sa.select(User).filter_by(email=email))
            if user is not None and user.check_password(request.form.get("password", "")):
                login_user(user)
                return redirect(local_path(request.args.get("next", "")) or url_for("index"))
            flash("Wrong email or password.")
        return render_template("login.html", demo_email=DEMO_EMAIL, demo_password=DEMO_PASSWORD)

    @app.post("/logout")
    @login_required
    def logout() -> Any:
        logout_user()
        return redirect(url_for("login"))


@api.get("/whoami")
@login_required
def whoami() -> Any:
    return {
        "id": current_user.id,
        "email": current_user.email,
        "token": current_token.name if current_token else None,
        "scopes": current_token.scopes if current_token else None,
    }


@api.get("/notes")
@scopes_required("notes:read")
def list_notes() -> Any:
    notes = db.session.scalars(sa.select(Note).filter_by(user_id=current_user.id).order_by(Note.id))
    return {"items": [{"id": n.id, "text": n.text} for n in notes]}


@api.post("/notes")
@scopes_required("notes:write")
def create_note() -> Any:
    data = request.get_json(silent=True)
    text = data.get("text") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > 2000:
        return jsonify(
            error={"status": 422, "code": "invalid", "message": 'Send {"text": "..."}.'}
        ), 422
    note = Note(user_id=current_user.id, text=text.strip())
    db.session.add(note)
    db.session.commit()
    return {"id": note.id, "text": note.text}, 201
