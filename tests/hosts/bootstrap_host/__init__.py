"""A host built like most Flask tutorials' apps: an application factory, blueprints,
Bootstrap 5 (Bootstrap-Flask) in a base template with a navbar, Flask-Login with a
``login_view``, Flask-WTF forms under ``CSRFProtect``, Flask-Migrate for the schema, and a
JSON API blueprint of its own that flask-pat opens to tokens.

``flask --app tests.hosts.bootstrap_host:create_app db ...`` works on the database named
by ``DATABASE_URL``.
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from flask_wtf.csrf import CSRFProtect
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from flask_pat import PersonalAccessTokens, current_token, scopes_required

db = SQLAlchemy()
migrate = Migrate()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
pat = PersonalAccessTokens()


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    id = db.Column(db.Integer, primary_key=True)
    username = db.Column(db.String(64), unique=True, nullable=False)
    password_hash = db.Column(db.String(256), nullable=False)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class Message(db.Model):  # type: ignore[name-defined,misc]
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey(User.id, ondelete="CASCADE"), nullable=False)
    body = db.Column(db.String(280), nullable=False)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


class LoginForm(FlaskForm):  # type: ignore[misc]
    username = StringField("Username", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    submit = SubmitField("Sign in")


class MessageForm(FlaskForm):  # type: ignore[misc]
    body = StringField("Say something", validators=[DataRequired(), Length(max=280)])
    submit = SubmitField("Post")


auth = Blueprint("auth", __name__)
main = Blueprint("main", __name__)
api = Blueprint("api", __name__)


@auth.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        user = db.session.scalar(sa.select(User).filter_by(username=form.username.data))
        if user is None or not user.check_password(form.password.data):
            flash("Invalid username or password")
            return redirect(url_for("auth.login"))
        login_user(user)
        return redirect(url_for("main.index"))
    return render_template("auth/login.html", title="Sign In", form=form)


@main.route("/", methods=["GET", "POST"])
@login_required
def index() -> Any:
    form = MessageForm()
    if form.validate_on_submit():
        db.session.add(Message(user_id=current_user.id, body=form.body.data))
        db.session.commit()
        flash("Your message is now live!")
        return redirect(url_for("main.index"))
    messages = db.session.scalars(sa.select(Message).filter_by(user_id=current_user.id))
    return render_template("index.html", title="Home", form=form, messages=list(messages))


@api.get("/messages")
@login_required
def list_messages() -> Any:
    messages = db.session.scalars(
        sa.select(Message).filter_by(user_id=current_user.id).order_by(Message.id)
    )
    return {
        "user": current_user.username,
        "token": current_token.name if current_token else None,
        "items": [m.body for m in messages],
    }


@api.post("/messages")
@scopes_required("messages:write")
def post_message() -> Any:
    data = request.get_json(silent=True) or {}
    message = Message(user_id=current_user.id, body=str(data.get("body", ""))[:280])
    db.session.add(message)
    db.session.commit()
    return {"id": message.id, "body": message.body}, 201


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="bootstrap-host-secret",
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL", "sqlite:///bootstrap-host.db"),
        # Bootstrap's files from the package, not a CDN: no request leaves the machine.
        BOOTSTRAP_SERVE_LOCAL=True,
        PAT_BASE_TEMPLATE="base.html",
        PAT_SCOPES={"messages:read": "Read your messages", "messages:write": "Post messages"},
    )
    app.config.update(config or {})

    db.init_app(app)
    # compare_type and the rest are Alembic's defaults: what a host gets without thinking.
    migrate.init_app(app, db)
    csrf.init_app(app)
    bootstrap.init_app(app)
    login_manager.init_app(app)
    pat.init_app(app, db=db, user_model=User)

    app.register_blueprint(auth, url_prefix="/auth")
    app.register_blueprint(main)
    app.register_blueprint(api, url_prefix="/api")
    # The host's JSON API is called by scripts: tokens sign in there (and only there).
    pat.accepts_tokens(api)

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        db.session.remove()

    return app
