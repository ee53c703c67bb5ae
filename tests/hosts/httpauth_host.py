"""A host in the shape of a well-known tutorial app: its own JSON API authenticates with
Flask-HTTPAuth ``HTTPTokenAuth`` Bearer tokens stored on its user rows, next to Flask-Login
sessions for its HTML pages under ``CSRFProtect``, and Flask-Babel picks the language from
the request. flask-pat joins it: its API routes take both kinds of token, and the host's own
tokens keep working as before.

The recipe in docs/recipes/httpauth.md shows the parts between the markers.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, request
from flask_babel import Babel
from flask_httpauth import HTTPTokenAuth
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

import flask_pat
from flask_pat import PersonalAccessTokens, current_token, token_scopes_required

db = SQLAlchemy()
csrf = CSRFProtect()
token_auth = HTTPTokenAuth(scheme="Bearer")
babel = Babel()
pat = PersonalAccessTokens()


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "httpauth_host_user"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)
    #: The host's own API token, as Flask-HTTPAuth's examples keep it.
    api_token = db.Column(db.String(64), unique=True, index=True)

    def issue_api_token(self) -> str:
        self.api_token = secrets.token_hex(32)
        return self.api_token


class Post(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "httpauth_host_post"
    id = db.Column(db.Integer, primary_key=True)
    user_id = db.Column(db.ForeignKey(User.id, ondelete="CASCADE"), nullable=False)
    body = db.Column(db.String(280), nullable=False)


# recipe: verify_token start
@token_auth.verify_token
def verify_token(token: str) -> User | None:
    # A personal access token first (None where it is not one), then the app's own token.
    return pat.verify_token(token) or db.session.scalar(
        sa.select(User).filter_by(api_token=token or None)
    )


# recipe: verify_token end

#: The host's API, for its own tokens and personal access tokens; CSRF does not apply to it.
v1 = Blueprint("v1", __name__)


# recipe: routes start
@v1.get("/me")
@token_auth.login_required
def v1_me() -> Any:
    return {"user": token_auth.current_user().name}


@v1.post("/posts")
@token_scopes_required("posts:write")  # personal access tokens need it; the app's own pass
@token_auth.login_required
def v1_post() -> Any:
    body = str((request.get_json(silent=True) or {}).get("body", ""))
    post = Post(user_id=token_auth.current_user().id, body=body)
    db.session.add(post)
    db.session.commit()
    return {"id": post.id}, 201


# recipe: routes end


def select_locale() -> str | None:
    return request.accept_languages.best_match(["en", "de", "es", "fr"])


def count_posts() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Post)) or 0


def create_app(database_url: str) -> Flask:
    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="httpauth-host-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        PAT_SCOPES={"posts:write": "Write posts"},
    )
    db.init_app(app)
    csrf.init_app(app)
    # As the tutorial does: the language from the request, so only inside one.
    babel.init_app(app, locale_selector=select_locale)
    login_manager = LoginManager(app)
    login_manager.login_view = "login"

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(User, int(user_id))

    pat.init_app(app, db=db, user_model=User)

    @app.get("/login")
    def login() -> str:
        return "<h1>Sign in</h1>"

    @app.post("/test-login/<int:user_id>")
    @csrf.exempt
    def test_login(user_id: int) -> str:
        login_user(db.session.get(User, user_id))
        return "ok"

    @app.get("/")
    @login_required
    def home() -> Any:
        return {"user": current_user.name}

    @app.post("/posts")
    @login_required
    def new_post() -> Any:
        # An HTML form's target: protected by CSRFProtect.
        db.session.add(Post(user_id=current_user.id, body=request.form.get("body", "")))
        db.session.commit()
        return {"ok": True}, 201

    @app.get("/pat/whoami")
    @flask_pat.accepts_tokens
    @login_required
    def pat_whoami() -> Any:
        return {"user": current_user.name, "token": current_token.name}

    app.register_blueprint(v1, url_prefix="/api/v1")
    csrf.exempt(v1)

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        db.session.remove()

    with app.app_context():
        db.create_all()
    return app
