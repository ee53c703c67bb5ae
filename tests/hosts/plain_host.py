"""A host with Flask-Login and its own routes of every kind: unmarked ``@login_required``
and ``@fresh_login_required`` pages, a route marked ``@accepts_tokens``, one with
``@scopes_required``, and an API blueprint opened with ``pat.accepts_tokens(api)``.

``create_app(url, login_view=...)`` makes a new app with its own ``LoginManager``, so the
tests can try it with and without a login page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, session
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    fresh_login_required,
    login_required,
    login_user,
)
from flask_sqlalchemy import SQLAlchemy

import flask_pat
from flask_pat import PersonalAccessTokens, current_token, scopes_required

db = SQLAlchemy()
pat = PersonalAccessTokens()


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "plain_host_user"
    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(100), nullable=False)


def whoami() -> dict[str, Any]:
    return {
        "user": current_user.name,
        "token": current_token.name if current_token else None,
        # What the view sees of the host's session: nothing, under a token.
        "session": sorted(session.keys()),
    }


api = Blueprint("api", __name__)


@api.get("/me")
@login_required
def api_me() -> Any:
    return whoami()


@api.get("/fresh")
@fresh_login_required
def api_fresh() -> Any:
    return whoami()


def create_app(database_url: str, *, login_view: str | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(
        TESTING=True,
        SECRET_KEY="plain-host-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        PAT_SCOPES={"notes:read": "Read notes"},
    )
    db.init_app(app)
    login_manager = LoginManager(app)
    login_manager.login_view = login_view

    @login_manager.user_loader
    def load_user(user_id: str) -> Any:
        return db.session.get(User, int(user_id))

    pat.init_app(app, db=db, user_model=User)

    @app.get("/login")
    def login() -> str:
        return "<h1>Sign in</h1>"

    @app.post("/test-login/<int:user_id>")
    def test_login(user_id: int) -> str:
        login_user(db.session.get(User, user_id), remember=True)
        session["cart"] = "3 items"
        return "ok"

    @app.get("/private")
    @login_required
    def private() -> Any:
        return whoami()

    @app.get("/fresh")
    @fresh_login_required
    def fresh() -> Any:
        return whoami()

    @app.get("/marked")
    @flask_pat.accepts_tokens
    @login_required
    def marked() -> Any:
        return whoami()

    @app.get("/scoped")
    @scopes_required("notes:read")
    def scoped() -> Any:
        return whoami()

    app.register_blueprint(api, url_prefix="/api")
    pat.accepts_tokens(api)

    @app.teardown_request
    def end_session(exc: BaseException | None) -> None:
        db.session.remove()

    with app.app_context():
        db.create_all()
    return app
