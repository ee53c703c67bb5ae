"""A host built on an application framework of the kind admin tools are built on
(Flask-AppBuilder's shape): the framework keeps its models on its own declarative
``MetaData``, makes its own ``LoginManager`` in its own ``init_app``, creates its tables
with its own ``flask fw create-db``, checks a role on every view, renders views through a
base template that extends the framework's ``base_template`` variable, and authenticates its
REST API with JWT Bearer tokens (PyJWT). The app on top runs under Flask-Talisman with a
nonce-based Content-Security-Policy, and opens its integration API to flask-pat tokens.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import click
import jwt
import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.cli import AppGroup
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from flask_pat import PersonalAccessTokens, current_token, scopes_required

# --- the framework -------------------------------------------------------------------------


class Base(DeclarativeBase):
    """The framework's declarative base: every framework model lives on its MetaData."""

    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Role(Base):
    __tablename__ = "fw_role"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(64), unique=True)


class User(UserMixin, Base):
    __tablename__ = "fw_user"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role_id: Mapped[int] = mapped_column(sa.ForeignKey(Role.id))
    role: Mapped[Role] = relationship(lazy="joined")


def has_role(*names: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The framework's permission check: the acting user's role must be one of ``names``."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            user = g.get("fw_jwt_user") or current_user
            if not user.is_authenticated and request.blueprint == "fw":
                # The framework sends browsers to its own login view itself.
                return redirect(url_for("fw.login", next=request.full_path))
            if not user.is_authenticated or user.role.name not in names:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def protect(view: Callable[..., Any]) -> Callable[..., Any]:
    """The framework's REST authentication, as Flask-AppBuilder's ``@protect()``:
    ``Authorization: Bearer <JWT>``, or whoever Flask-Login signed in (browser login)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        try:
            if scheme.lower() != "bearer":
                raise jwt.InvalidTokenError("no bearer token")
            claims = jwt.decode(credentials, current_app.config["SECRET_KEY"], ["HS256"])
        except jwt.InvalidTokenError:
            if current_user.is_authenticated:
                return view(*args, **kwargs)
            return jsonify(msg="Missing or bad JWT"), 401
        user = current_app.extensions["fw"].db.session.get(User, int(claims["sub"]))
        if user is None:
            return jsonify(msg="Missing or bad JWT"), 401
        g.fw_jwt_user = user
        return view(*args, **kwargs)

    return wrapped


class SecurityManager:
    """The framework's security manager, as ``appbuilder.sm``: it owns the user model."""

    user_model = User
    role_model = Role


class AppFramework:
    """The framework's entry point, as ``AppBuilder(app, db.session)`` is."""

    app_name = "Zoo Admin"
    base_template = "fw/baselayout.html"

    def __init__(self) -> None:
        self.db: SQLAlchemy = None  # type: ignore[assignment]
        self.sm = SecurityManager()

    def init_app(self, app: Flask, db: SQLAlchemy) -> None:
        self.db = db
        app.extensions["fw"] = self
        # The framework makes its own login manager: the host never calls init_app on one.
        login_manager = LoginManager()
        login_manager.init_app(app)
        # As Flask-AppBuilder's: a name that is no endpoint of the app.
        login_manager.login_view = "login"
        login_manager.user_loader(lambda user_id: db.session.get(User, int(user_id)))
        app.register_blueprint(views)
        app.register_blueprint(rest, url_prefix="/api/v1")
        app.extensions["csrf"].exempt(rest)
        app.cli.add_command(fw_cli)

    def render(self, template: str, **context: Any) -> str:
        return render_template(
            template, base_template=self.base_template, appbuilder=self, **context
        )

    def create_access_token(self, user: User) -> str:
        claims = {"sub": str(user.id), "exp": datetime.now(UTC) + timedelta(minutes=15)}
        return jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm="HS256")

    def add_user(self, username: str, password: str, role: str) -> User:
        session = self.db.session
        role_row = session.scalar(sa.select(Role).filter_by(name=role)) or Role(name=role)
        user = User(
            username=username, password_hash=generate_password_hash(password), role=role_row
        )
        session.add(user)
        session.commit()
        return user


appbuilder = AppFramework()
views = Blueprint(
    "fw", __name__, template_folder="templates", static_folder="static", static_url_path="/fw"
)
rest = Blueprint("fw_api", __name__)


@views.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        user = appbuilder.db.session.scalar(
            sa.select(User).filter_by(username=request.form.get("username", ""))
        )
        if user and check_password_hash(user.password_hash, request.form.get("password", "")):
            login_user(user)
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("fw.index")
            return redirect(target)
    return appbuilder.render("fw/login.html", title="Sign in")


@views.get("/")
@has_role("Admin", "Public")
def index() -> Any:
    return appbuilder.render("fw/index.html", title="Home")


@views.get("/users/")
@has_role("Admin")
def list_users() -> Any:
    users = appbuilder.db.session.scalars(sa.select(User).order_by(User.id))
    return appbuilder.render("fw/users.html", title="Users", users=list(users))


@views.post("/users/add")
@has_role("Admin")
def add_user() -> Any:
    form = request.form
    appbuilder.add_user(form["username"], form["password"], form.get("role", "Public"))
    return redirect(url_for("fw.list_users"))


@rest.post("/security/login")
def rest_login() -> Any:
    data = request.get_json(silent=True) or {}
    user = appbuilder.db.session.scalar(
        sa.select(User).filter_by(username=str(data.get("username", "")))
    )
    if user is None or not check_password_hash(user.password_hash, str(data.get("password"))):
        return jsonify(msg="Bad credentials"), 401
    return {"access_token": appbuilder.create_access_token(user)}


@rest.get("/security/users/")
@protect
@has_role("Admin")
def rest_users() -> Any:
    users = appbuilder.db.session.scalars(sa.select(User).order_by(User.id))
    return {"result": [u.username for u in users]}


@rest.post("/security/users/")
@protect
@has_role("Admin")
def rest_add_user() -> Any:
    data = request.get_json(silent=True) or {}
    user = appbuilder.add_user(str(data["username"]), str(data["password"]), str(data["role"]))
    return {"id": user.id}, 201


fw_cli = AppGroup("fw", help="The framework's commands.")


@fw_cli.command("create-db")
def create_db() -> None:
    """Create the framework's tables: everything on its MetaData."""
    Base.metadata.create_all(appbuilder.db.engine)
    click.echo("Tables created")


# --- the app built on it -------------------------------------------------------------------

db = SQLAlchemy()
csrf = CSRFProtect()
talisman = Talisman()
migrate = Migrate()
pat = PersonalAccessTokens()

#: The app's integration API, which flask-pat tokens may call.
integration = Blueprint("integration", __name__)


@integration.get("/whoami")
@login_required
def whoami() -> Any:
    return {"user": current_user.username, "token": current_token.name if current_token else None}


@integration.get("/reports")
@scopes_required("reports:read")
def reports() -> Any:
    return {"user": current_user.username, "reports": []}


# recipe: migrations start
def migration_metadata() -> sa.MetaData:
    """What the app's Alembic environment compares with the database: the framework's
    MetaData, which holds the framework's tables and flask-pat's (not ``db.metadata``)."""
    return Base.metadata


# recipe: migrations end


def template_context() -> dict[str, Any]:
    """What the framework's templates need, as its own views pass it."""
    return {"base_template": appbuilder.base_template, "appbuilder": appbuilder}


def create_app(database_url: str) -> Flask:
    app = Flask(__name__)
    # recipe: settings start
    app.config.update(
        SECRET_KEY="framework-host-secret-of-at-least-32-bytes",
        SQLALCHEMY_DATABASE_URI=database_url,
        # The page inside the framework's layout, with what its templates need.
        PAT_BASE_TEMPLATE="fw/base.html",
        PAT_TEMPLATE_CONTEXT=template_context,
        # The framework's login_view names no endpoint: say where its sign-in page is.
        PAT_LOGIN_URL="/login",
        # The framework's roles decide who holds tokens and who sees everyone's.
        PAT_USER_ALLOWED=lambda user: user.role.name in ("Admin", "Public"),
        PAT_ADMIN=lambda user: user.role.name == "Admin",
        PAT_SCOPES={
            "reports:read": "Read reports",
            "contacts:read": "Read contacts",
            "users:read": "List users",
            "users:write": "Create and change users",
        },
    )
    # recipe: settings end
    db.init_app(app)
    csrf.init_app(app)
    talisman.init_app(
        app,
        force_https=False,
        session_cookie_secure=False,
        content_security_policy={
            "default-src": "'self'",
            "script-src": ["'self'", "'strict-dynamic'"],
            "style-src": "'self'",
        },
        content_security_policy_nonce_in=["script-src"],
    )
    # recipe: wiring start
    appbuilder.init_app(app, db)  # the framework makes its LoginManager: flask-pat comes after
    pat.init_app(app, db=db, user_model=appbuilder.sm.user_model, metadata=Base.metadata)
    # The framework's REST API checks roles, not scopes: say which scopes let a token in.
    pat.accepts_tokens("fw_api", read="users:read", write="users:write")
    # recipe: wiring end
    migrate.init_app(app, db)

    app.register_blueprint(integration, url_prefix="/integration")
    pat.accepts_tokens(integration)

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        db.session.remove()

    return app
